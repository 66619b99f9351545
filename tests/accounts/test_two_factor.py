"""Two-factor authentication: enrolment, verification at login, enforcement for
administrators and coordinators, backup codes, disabling."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor
from tests.factories import DEFAULT_PASSWORD, OrganisationMemberFactory, UserFactory

enforced = override_settings(VOST_2FA_ENFORCED=True)


def _code(device: TOTPDevice, *, later: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=later):06d}"


def _enrol(user) -> list[str]:
    twofactor.enrolment_device(user=user)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return twofactor.enrolment_confirm(user=user, code=_code(device)).backup_codes


def _log_in(client, user):
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    return response


# --- who must use it -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "required"),
    [
        ("coordinator", True),
        ("team_lead", False),
        ("volunteer", False),
        ("liaison", False),
        ("observer", False),
    ],
)
def test_required_for_activation_coordinators_only(
    activation, member_factory, role, required
):
    user = member_factory(activation, role).user
    assert twofactor.two_factor_required(user=user) is required


def test_required_for_organisation_coordinators_and_staff(db):
    coordinator = OrganisationMemberFactory(role="coordinator").user
    assert twofactor.two_factor_required(user=coordinator)
    assert twofactor.two_factor_required(user=UserFactory(is_staff=True))
    assert twofactor.two_factor_required(user=UserFactory(is_superuser=True))
    assert not twofactor.two_factor_required(user=UserFactory())


@enforced
def test_a_coordinator_without_2fa_is_sent_to_enrolment_before_anything(
    client, activation, member_factory
):
    coordinator = member_factory(activation, "coordinator").user
    _log_in(client, coordinator)
    for url in [
        reverse("home"),
        reverse("accounts:profile"),
        reverse("accounts:api-tokens"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:two-factor-setup"))
    # the enrolment page itself, logout and health probes stay reachable
    assert client.get(reverse("accounts:two-factor-setup")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    api = client.get(reverse("api-me"))
    assert api.status_code == 401
    htmx = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert htmx["HX-Redirect"] == reverse("accounts:two-factor-setup")
    assert client.post(reverse("accounts:logout")).status_code == 302


@enforced
def test_staff_without_2fa_cannot_reach_the_admin(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    _log_in(client, admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor-setup"))


@enforced
def test_a_volunteer_without_2fa_is_not_forced(client, activation, member_factory):
    volunteer = member_factory(activation, "volunteer").user
    _log_in(client, volunteer)
    assert client.get(reverse("accounts:profile")).status_code == 200


@enforced
def test_enrolment_then_the_code_is_asked_at_every_login(
    client, activation, member_factory
):
    coordinator = member_factory(activation, "coordinator").user
    _log_in(client, coordinator)
    page = client.get(reverse("accounts:two-factor-setup"))
    assert page.context["qr"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    assert page.context["key"].replace(" ", "")
    wrong = client.post(reverse("accounts:two-factor-setup"), {"code": "000000"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors
    done = client.post(reverse("accounts:two-factor-setup"), {"code": _code(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert done["Cache-Control"] == "no-store"
    assert client.get(reverse("accounts:profile")).status_code == 200

    client.post(reverse("accounts:logout"))
    _log_in(client, coordinator)
    blocked = client.get(reverse("accounts:profile"))
    assert blocked["Location"].startswith(reverse("accounts:two-factor-verify"))
    bad = client.post(reverse("accounts:two-factor-verify"), {"code": "123456"})
    assert bad.status_code == 200
    assert bad.context["form"].errors
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(
        reverse("accounts:two-factor-verify"),
        {"code": _code(device, later=1), "next": reverse("accounts:profile")},
    )
    assert ok.status_code == 302
    assert ok["Location"] == reverse("accounts:profile")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_users_with_a_device_are_asked_whatever_their_role(client, user):
    # VOST_2FA_ENFORCED is off in the test settings: a device still means a code
    _enrol(user)
    _log_in(client, user)
    response = client.get(reverse("accounts:profile"))
    assert response["Location"].startswith(reverse("accounts:two-factor-verify"))


def test_a_backup_code_works_once(client, user):
    codes = _enrol(user)
    _log_in(client, user)
    ok = client.post(reverse("accounts:two-factor-verify"), {"code": codes[0]})
    assert ok.status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 9
    client.post(reverse("accounts:logout"))
    _log_in(client, user)
    again = client.post(reverse("accounts:two-factor-verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_new_backup_codes_need_the_password_and_replace_the_old(client, user):
    old = _enrol(user)
    client.force_login(user)
    session = client.session
    twofactor.mark_verified(session=session)
    session.save()
    refused = client.post(
        reverse("accounts:two-factor-backup-codes"), {"password": "wrong"}
    )
    assert refused.status_code == 302
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old)
    response = client.post(
        reverse("accounts:two-factor-backup-codes"), {"password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    new = response.context["codes"]
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert not set(new) & set(old)


def _verified_client(client, user):
    client.force_login(user)
    session = client.session
    twofactor.mark_verified(session=session)
    session.save()
    return client


def test_a_volunteer_can_turn_2fa_off_with_the_password(client, user):
    _enrol(user)
    _verified_client(client, user)
    client.post(reverse("accounts:two-factor-disable"), {"password": "wrong"})
    assert twofactor.two_factor_enabled(user=user)
    client.post(reverse("accounts:two-factor-disable"), {"password": DEFAULT_PASSWORD})
    assert not twofactor.two_factor_enabled(user=user)
    assert not StaticToken.objects.filter(device__user=user).exists()


@enforced
def test_a_coordinator_cannot_turn_2fa_off(client, activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    _enrol(coordinator)
    _verified_client(client, coordinator)
    response = client.post(
        reverse("accounts:two-factor-disable"),
        {"password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert twofactor.two_factor_enabled(user=coordinator)
    assert "must keep two-factor" in response.text


def test_replacing_the_authenticator_needs_the_password_and_keeps_the_old_until_confirmed(
    client, user
):
    _enrol(user)
    old = TOTPDevice.objects.get(user=user, confirmed=True)
    _verified_client(client, user)
    client.get(reverse("accounts:two-factor-setup"))
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    refused = client.post(
        reverse("accounts:two-factor-setup"), {"code": _code(new), "password": "nope"}
    )
    assert refused.context["form"].errors["password"]
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()
    client.post(
        reverse("accounts:two-factor-setup"),
        {"code": _code(new), "password": DEFAULT_PASSWORD},
    )
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [
        new.pk
    ]


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "accounts:two-factor"),
        ("get", "accounts:two-factor-setup"),
        ("get", "accounts:two-factor-verify"),
        ("post", "accounts:two-factor-backup-codes"),
        ("post", "accounts:two-factor-disable"),
    ],
)
def test_anonymous_is_sent_to_login(client, db, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_each_person_sees_only_their_own_status(client, user):
    other = UserFactory()
    _enrol(other)
    client.force_login(user)
    response = client.get(reverse("accounts:two-factor"))
    assert response.status_code == 200
    assert response.context["enabled"] is False
