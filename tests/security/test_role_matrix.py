"""The role matrix, generated from the URL map and tests/security/policies.py.

For every URL and every principal: a GET gets what the policy says (allowed: a
page, a redirect elsewhere than the login page, or 405; denied: 403/404, the login
page for anonymous visitors of pages, 401/403 from the API). Every unsafe method
(POST, and PUT/PATCH/DELETE where a REST view has them) sent by a denied principal
is refused and changes nothing in the database; sent by an allowed one with an
empty body, it is not refused for lack of rights. A URL that takes no unsafe method
changes nothing when POSTed to, even by a coordinator.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import changed
from tests.security.policies import POLICIES
from tests.security.support import (
    anonymous_denial_ok,
    describe,
    is_allowed_get,
    is_allowed_write,
    is_denied,
    url_path,
)
from tests.security.urlmap import Url, all_urls
from tests.security.world import ANONYMOUS, PRINCIPALS

pytestmark = pytest.mark.django_db

URLS = {url.name: url for url in all_urls() if url.name in POLICIES}


def _unsafe_methods(url: Url) -> tuple[str, ...]:
    return url.api_methods or ("POST",)


GET_CASES = [
    pytest.param(name, who, id=f"{name}-{who}")
    for name, url in URLS.items()
    if not POLICIES[name].skip
    for who in PRINCIPALS
]
WRITE_CASES = [
    pytest.param(name, who, method, id=f"{name}-{method}-{who}")
    for name, url in URLS.items()
    if POLICIES[name].post is not None and not POLICIES[name].skip
    for method in _unsafe_methods(url)
    for who in PRINCIPALS
]
READ_ONLY = [
    pytest.param(name, id=name)
    for name, url in URLS.items()
    if POLICIES[name].post is None and not POLICIES[name].skip
]


@pytest.mark.parametrize(("name", "who"), GET_CASES)
def test_get(name: str, who: str, world: Any, client_for: Any, rollback: None) -> None:
    url, policy = URLS[name], POLICIES[name]
    path = url_path(url, policy, {"*": world.a})
    response = client_for(who).get(path)
    if policy.get is None:
        assert response.status_code == 405 or is_denied(response), (
            f"{who} GET {path}: {describe(response)}; the policy says it takes no GET"
        )
    elif who in policy.get:
        assert is_allowed_get(response), (
            f"{who} GET {path}: {describe(response)}, but the policy allows {who}"
        )
    else:
        assert anonymous_denial_ok(url, response, who), (
            f"{who} GET {path}: {describe(response)}, but the policy denies {who}"
        )


@pytest.mark.parametrize(("name", "who", "method"), WRITE_CASES)
def test_unsafe_method(
    name: str,
    who: str,
    method: str,
    world: Any,
    client_for: Any,
    fingerprint: Any,
    rollback: None,
) -> None:
    url, policy = URLS[name], POLICIES[name]
    allowed = policy.allowed(method)
    assert allowed is not None
    path = url_path(url, policy, {"*": world.a})
    client = client_for(who)
    if who in allowed:
        response = client.generic(method, path)
        assert is_allowed_write(response), (
            f"{who} {method} {path}: {describe(response)}, but the policy allows {who}"
        )
        return
    before = fingerprint()
    response = client.generic(method, path)
    assert anonymous_denial_ok(url, response, who) or (
        response.status_code == 405 and who != ANONYMOUS
    ), f"{who} {method} {path}: {describe(response)}, but the policy denies {who}"
    assert not changed(before, fingerprint()), (
        f"{who} {method} {path} was refused but changed {changed(before, fingerprint())}"
    )


@pytest.mark.parametrize("name", READ_ONLY)
def test_read_only_urls_change_nothing_when_posted_to(
    name: str, world: Any, client_for: Any, fingerprint: Any, rollback: None
) -> None:
    url, policy = URLS[name], POLICIES[name]
    path = url_path(url, policy, {"*": world.a})
    before = fingerprint()
    response = client_for("coordinator").post(path)
    assert not changed(before, fingerprint()), (
        f"coordinator POST {path} ({describe(response)}) changed the database, but "
        "the policy says the URL takes no unsafe method"
    )


def test_the_fingerprint_sees_any_write(
    world: Any, client_for: Any, fingerprint: Any, rollback: None
) -> None:
    """The "nothing changed" check can fail: an allowed write shows up in it."""
    before = fingerprint()
    response = client_for("volunteer").post(
        f"/api/v1/activations/{world.a.activation.slug}/log/",
        {"text": "Point de situation 18 h"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert world.a.activation.log_entries.filter(
        text="Point de situation 18 h"
    ).exists()
    assert "activations_logentry" in changed(before, fingerprint())
