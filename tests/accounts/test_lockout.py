"""Login throttling (django-axes): 5 failures per (user name, IP) lock for 15 minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD


def _try(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        headers={"Accept-Language": "en"},
    )


def test_five_failures_lock_the_account_from_that_address(client, user, caplog):
    for _i in range(4):
        assert _try(client, user.username, "wrong").status_code == 200
    locked = _try(client, user.username, "wrong")
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text
    assert "15 minutes" in locked.text
    assert locked["Retry-After"] == "900"
    # the right password is refused while locked
    refused = _try(client, user.username, DEFAULT_PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert any("locked out" in record.getMessage() for record in caplog.records)


def test_the_lock_is_per_address_and_per_user_name(client, user, user_factory):
    for _i in range(5):
        _try(client, user.username, "wrong")
    # another address may still sign in with this user name
    assert (
        _try(client, user.username, DEFAULT_PASSWORD, ip="10.0.0.2").status_code == 302
    )
    client.post(reverse("accounts:logout"))
    # and someone else from the locked address too
    other = user_factory()
    assert _try(client, other.username, DEFAULT_PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, user):
    for _i in range(5):
        _try(client, user.username, "wrong")
    assert _try(client, user.username, DEFAULT_PASSWORD).status_code == 429
    # time travel: the failures happened 16 minutes ago
    AccessAttempt.objects.update(
        attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    )
    response = _try(client, user.username, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    # a success clears the failures
    assert not AccessAttempt.objects.filter(username=user.username).exists()


def test_client_login_and_force_login_still_work(client, user):
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.parametrize("count", [4])
def test_fewer_failures_do_not_lock(client, user, count):
    for _i in range(count):
        _try(client, user.username, "wrong")
    assert _try(client, user.username, DEFAULT_PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_it_appended_is_used(rf, settings):
    from accounts.backends import client_ip

    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    settings.VOST_BEHIND_TLS_PROXY = False
    assert client_ip(request) == "10.0.0.9"
    settings.VOST_BEHIND_TLS_PROXY = True
    assert client_ip(request) == "203.0.113.7"
