"""Walk the whole URL map: every view is either deliberately public or needs a login."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from vost.permissions import is_public

# The admin has its own staff-only login; DRF views answer 401/403 (checked below).
SKIP_PREFIXES = ("admin/",)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _example_path(route: str) -> str:
    path = re.sub(
        r"<(?:\w+:)?(\w+)>",
        lambda m: (
            "1"
            if "id" in m.group(1) or m.group(1) in {"number", "version", "pk"}
            else "x"
        ),
        route,
    )
    return "/" + path.lstrip("^").rstrip("$")


ALL_URLS = [
    (route, pattern)
    for route, pattern in _walk(get_resolver().url_patterns)
    if not route.startswith(SKIP_PREFIXES)
]


@pytest.mark.parametrize(("route", "pattern"), ALL_URLS, ids=[r for r, _ in ALL_URLS])
def test_every_url_is_public_on_purpose_or_needs_a_login(client, db, route, pattern):
    if "static/" in route or "media/" in route:
        pytest.skip("static files")
    response = client.get(_example_path(route))
    if is_public(pattern.callback):
        # readyz is 503 here on purpose: no worker runs in this test
        assert response.status_code < 500 or route == "readyz"
        return
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code in {401, 403, 405}, (route, response.status_code)


def test_the_public_list_is_short_and_known():
    public = sorted(route for route, pattern in ALL_URLS if is_public(pattern.callback))
    assert public == sorted(
        [
            "healthz",
            "readyz",
            "accounts/login/",
            "accounts/language/",
            "accounts/password/reset/",
            "accounts/password/reset/sent/",
            "accounts/password/reset/<uidb64>/<token>/",
            "accounts/password/reset/complete/",
            "join/<str:token>/",
            "join/apply/<int:organisation_id>/",
            "join/apply/<int:organisation_id>/sent/",
        ]
    )
