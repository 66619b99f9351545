"""Cross-activation access (IDOR): objects of one activation through another's URL.

For every URL naming an object, generated from the URL map:

- ``a-slug-b-object``: a coordinator of A only asks A's URL (or, without a slug,
  the object's own URL) with B's object ids;
- ``b-slug-a-object``: a coordinator of both A and B asks B's slug with A's object
  ids (they may see both objects: only the URL's binding of object to activation
  protects them);
- ``mixed-objects``: for URLs naming two objects without a slug (a partner's
  contact, a team's invitation), a coordinator of both asks A's first object
  with B's second.

Each must be refused (403/404, never a page) for GET and for every unsafe method,
and change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import changed
from tests.security.policies import ID_ARGUMENTS, POLICIES
from tests.security.support import describe, goes_to_login, url_path
from tests.security.urlmap import Url, all_urls

pytestmark = pytest.mark.django_db

REFUSED_WRITE = frozenset({400, 403, 404, 409})


# Numbers count per activation (case 1 of A, case 1 of B): B's slug with A's number
# names B's own object, so only A's slug with B's (higher) number is a real try.
PER_ACTIVATION = frozenset({"number", "version"})


def _ids(url: Url) -> list[str]:
    return [a for a in url.arguments if a in ID_ARGUMENTS and a != "slug"]


def _variants(url: Url) -> list[str]:
    ids = _ids(url)
    if not ids or POLICIES[url.name].public or POLICIES[url.name].skip:
        return []
    found = ["a-slug-b-object"]
    if "slug" in url.arguments and set(ids) - PER_ACTIVATION:
        found.append("b-slug-a-object")
    elif "slug" not in url.arguments and len(ids) > 1:
        found.append("mixed-objects")
    return found


URLS = {url.name: url for url in all_urls() if url.name in POLICIES}
CASES = [
    pytest.param(name, variant, method, id=f"{name}-{variant}-{method}")
    for name, url in URLS.items()
    for variant in _variants(url)
    for method in (
        ("GET",)
        if POLICIES[name].post is None
        else ("GET", *(url.api_methods or ("POST",)))
    )
]


def _request(url: Url, variant: str, world: Any) -> tuple[str, str]:
    """(principal, path) of the variant."""
    policy = POLICIES[url.name]
    if variant == "a-slug-b-object":
        sides = {"*": world.b, "slug": world.a}
        return "coordinator_of_a", url_path(url, policy, sides)
    if variant == "b-slug-a-object":
        return "coordinator_of_both", url_path(
            url, policy, {"*": world.a, "slug": world.b}
        )
    first, *_ = _ids(url)
    return "coordinator_of_both", url_path(url, policy, {"*": world.b, first: world.a})


@pytest.mark.parametrize(("name", "variant", "method"), CASES)
def test_objects_of_another_activation_are_refused(
    name: str,
    variant: str,
    method: str,
    world: Any,
    client_for: Any,
    fingerprint: Any,
    rollback: None,
) -> None:
    url = URLS[name]
    who, path = _request(url, variant, world)
    before = fingerprint()
    response = client_for(who).generic(method, path)
    if method == "GET":
        refused = {403, 404} | ({405} if POLICIES[name].get is None else set())
        assert response.status_code in refused, (
            f"{who} GET {path} ({variant}): {describe(response)}, expected 403/404"
        )
    else:
        # Forms are validated before the lookup, and pages report a refusal by a
        # redirect with a message: what matters is that nothing was written.
        assert response.status_code in REFUSED_WRITE or (
            response.status_code == 302 and not goes_to_login(response)
        ), f"{who} {method} {path} ({variant}): {describe(response)}"
    assert not changed(before, fingerprint()), (
        f"{who} {method} {path} ({variant}) wrote {changed(before, fingerprint())}"
    )


def test_an_api_token_bound_to_activation_a_does_not_open_b(
    world: Any, rollback: None
) -> None:
    """A personal token restricted to A, of someone coordinating both A and B."""
    from django.test import Client

    from accounts.models import ApiToken
    from accounts.services import api_token_create

    new = api_token_create(
        user=world.coordinator_of_both,
        name="A only",
        scopes=[ApiToken.Scope.READ, ApiToken.Scope.WRITE],
        activation=world.a.activation,
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {new.key}")
    a, b = world.a.activation.slug, world.b.activation.slug
    assert client.get(f"/api/v1/activations/{a}/log/").status_code == 200
    refused = client.get(f"/api/v1/activations/{b}/log/")
    assert refused.status_code in {403, 404}, refused.content
    written = client.post(
        f"/api/v1/activations/{b}/log/",
        {"text": "par le mauvais jeton"},
        content_type="application/json",
    )
    assert written.status_code in {403, 404}, written.content
    assert not world.b.activation.log_entries.filter(
        text="par le mauvais jeton"
    ).exists()


def test_a_read_only_api_token_cannot_write(world: Any, rollback: None) -> None:
    from django.test import Client

    from accounts.models import ApiToken
    from accounts.services import api_token_create

    new = api_token_create(
        user=world.users["team_lead"], name="read", scopes=[ApiToken.Scope.READ]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {new.key}")
    path = f"/api/v1/activations/{world.a.activation.slug}/log/"
    assert client.get(path).status_code == 200
    refused = client.post(
        path, {"text": "lecture seule"}, content_type="application/json"
    )
    assert refused.status_code == 403, refused.content
    assert not world.a.activation.log_entries.filter(text="lecture seule").exists()
