"""Session idle timeout (30 min) and absolute lifetime (12 h); polls are not activity;
cookie flags."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts import sessions


def _age(client, *, login_ago: float, seen_ago: float) -> None:
    session = client.session
    now = time.time()
    session[sessions.LOGIN_AT_KEY] = now - login_ago
    session[sessions.LAST_SEEN_KEY] = now - seen_ago
    session.save()


def test_login_starts_both_clocks(client, user):
    client.force_login(user)
    session = client.session
    assert abs(session[sessions.LOGIN_AT_KEY] - time.time()) < 5
    assert session[sessions.LAST_SEEN_KEY] == session[sessions.LOGIN_AT_KEY]


def test_an_active_session_goes_on(client, user):
    client.force_login(user)
    _age(client, login_ago=3600, seen_ago=29 * 60)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert time.time() - client.session[sessions.LAST_SEEN_KEY] < 5


def test_thirty_minutes_idle_ends_the_session(client, user):
    client.force_login(user)
    _age(client, login_ago=3600, seen_ago=31 * 60)
    response = client.get(
        reverse("accounts:profile"), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert "_auth_user_id" not in client.session
    login = client.get(response["Location"], headers={"Accept-Language": "en"})
    assert "after a period of inactivity" in login.text


def test_twelve_hours_end_the_session_even_when_active(client, user):
    client.force_login(user)
    _age(client, login_ago=12 * 3600 + 60, seen_ago=10)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    login = client.get(reverse("accounts:login"), headers={"Accept-Language": "en"})
    assert "maximum length" in login.text


def test_an_expired_htmx_request_gets_hx_redirect_and_401(client, user):
    client.force_login(user)
    _age(client, login_ago=3600, seen_ago=31 * 60)
    response = client.get(
        reverse("accounts:notifications"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 401
    assert response["HX-Redirect"] == reverse("accounts:login")


def test_an_expired_api_call_gets_a_json_401(client, user):
    client.force_login(user)
    _age(client, login_ago=3600, seen_ago=31 * 60)
    response = client.get(reverse("api-me"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Vost-Poll": "1"},
        {
            "HX-Request": "true",
            "HX-Trigger": "triage-counts",
            "HX-Target": "triage-counts",
        },
        {"Accept": "application/json", "Sec-Fetch-Mode": "cors"},
    ],
)
def test_polls_do_not_count_as_activity(client, user, headers):
    client.force_login(user)
    _age(client, login_ago=3600, seen_ago=20 * 60)
    before = client.session[sessions.LAST_SEEN_KEY]
    response = client.get(reverse("accounts:notifications"), headers=headers)
    assert response.status_code == 200  # still answered
    assert client.session[sessions.LAST_SEEN_KEY] == before
    # so an open tab that only polls does time out
    _age(client, login_ago=3600, seen_ago=31 * 60)
    assert client.get(
        reverse("accounts:notifications"), headers=headers
    ).status_code in {302, 401}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HX-Request": "true", "HX-Trigger": "mark-all", "HX-Target": "inbox"},
        {"Accept": "text/html", "Sec-Fetch-Mode": "navigate"},
    ],
)
def test_user_actions_count_as_activity(client, user, headers):
    client.force_login(user)
    _age(client, login_ago=3600, seen_ago=20 * 60)
    before = client.session[sessions.LAST_SEEN_KEY]
    client.get(reverse("accounts:notifications"), headers=headers)
    assert client.session[sessions.LAST_SEEN_KEY] > before


def test_the_polling_templates_poll_their_own_element():
    """Recognising htmx polls relies on HX-Trigger == HX-Target: each polling element
    has an id and no other hx-target."""
    import re
    from pathlib import Path

    from tests.conftest import REPO

    found = 0
    for path in [
        *Path(REPO, "templates").rglob("*.html"),
        *Path(REPO).glob("*/templates/**/*.html"),
    ]:
        for tag in re.findall(r"<[^>]*hx-trigger=\"every[^>]*>", path.read_text()):
            found += 1
            assert re.search(r"\sid=\"", tag), (path, tag)
            assert "hx-target" not in tag, (path, tag)
    assert found >= 1


@override_settings(VOST_SESSION_IDLE_SECONDS=60)
def test_the_limits_come_from_the_settings(client, user):
    client.force_login(user)
    _age(client, login_ago=120, seen_ago=61)
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_cookie_flags(client, user, settings):
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"
    assert response.status_code == 200
