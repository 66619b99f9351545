"""CSRF on every unsafe method, generated from the URL map.

For every URL taking POST (and PUT/PATCH/DELETE for REST views), a principal the
policy allows sends the request from a client enforcing CSRF checks, with the
CSRF cookie but without the token: 403, nothing changed. API calls on a session
refuse the same way (DRF's SessionAuthentication enforces CSRF). The same request
with the token is not refused (so the 403 above is the CSRF check, not the role).

Calls authenticated by a personal API token (accounts.ApiToken, ``Authorization:
Bearer``) carry no cookie a browser would add by itself: they are exempt from
CSRF by design, which the last test pins.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string

from tests.security.conftest import changed
from tests.security.policies import POLICIES
from tests.security.support import describe, is_allowed_write, url_path
from tests.security.urlmap import all_urls
from tests.security.world import ACTIVATION_ROLES, PRINCIPALS

pytestmark = pytest.mark.django_db

# Who sends the request: the first allowed principal in this order.
PREFERENCE = (*ACTIVATION_ROLES, *PRINCIPALS)
URLS = {url.name: url for url in all_urls() if url.name in POLICIES}


def _sender(name: str, method: str) -> str | None:
    allowed = POLICIES[name].allowed(method) or frozenset()
    return next((who for who in PREFERENCE if who in allowed), None)


CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name, url in URLS.items()
    if not POLICIES[name].skip
    for method in (url.api_methods or ("POST",))
    if _sender(name, method) is not None
]


def _client(client_for: Any, who: str) -> tuple[Any, str]:
    client = client_for(who, csrf=True)
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return client, token


@pytest.mark.parametrize(("name", "method"), CASES)
def test_without_the_csrf_token_an_unsafe_request_is_refused(
    name: str,
    method: str,
    world: Any,
    client_for: Any,
    fingerprint: Any,
    rollback: None,
) -> None:
    url, who = URLS[name], _sender(name, method)
    assert who is not None
    path = url_path(url, POLICIES[name], {"*": world.a})
    client, _token = _client(client_for, who)
    before = fingerprint()
    response = client.generic(method, path)
    assert response.status_code == 403, (
        f"{who} {method} {path} without a CSRF token: {describe(response)}"
    )
    assert not changed(before, fingerprint())


@pytest.mark.parametrize(("name", "method"), CASES)
def test_with_the_csrf_token_the_same_request_is_not_refused(
    name: str, method: str, world: Any, client_for: Any, rollback: None
) -> None:
    url, who = URLS[name], _sender(name, method)
    assert who is not None
    path = url_path(url, POLICIES[name], {"*": world.a})
    client, token = _client(client_for, who)
    response = client.generic(method, path, HTTP_X_CSRFTOKEN=token)
    assert is_allowed_write(response), (
        f"{who} {method} {path} with the CSRF token: {describe(response)}"
    )


def test_api_token_calls_are_exempt_from_csrf_and_session_calls_are_not(
    world: Any, client_for: Any, rollback: None
) -> None:
    from accounts.models import ApiToken
    from accounts.services import api_token_create

    lead = world.users["team_lead"]
    new = api_token_create(
        user=lead, name="scripts", scopes=[ApiToken.Scope.READ, ApiToken.Scope.WRITE]
    )
    path = f"/api/v1/activations/{world.a.activation.slug}/log/"
    body = {"text": "Point de situation par script"}
    # a session without the token: refused by the CSRF check
    client, _token = _client(client_for, "team_lead")
    refused = client.post(path, body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.content.decode()
    # a bearer token, no cookie at all: accepted
    from django.test import Client

    scripted = Client(enforce_csrf_checks=True)
    accepted = scripted.post(
        path,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {new.key}",
    )
    assert accepted.status_code == 201, accepted.content
