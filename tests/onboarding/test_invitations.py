"""Invitations: created by a coordinator, mailed, accepted once; reused, expired,
revoked and unknown links are refused clearly."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activations.models import OrganisationMember, VolunteerProfile
from onboarding import services
from onboarding.models import Invitation
from tests.factories import DEFAULT_PASSWORD
from vost.exceptions import ConflictError, DomainError

User = get_user_model()
pytestmark = pytest.mark.django_db


def _invite(world, email="new@example.org"):
    return services.invitation_create(
        team=world.team, email=email, invited_by=world.coordinator
    )


def _accept_payload(username="newbie"):
    return {
        "username": username,
        "first_name": "Nina",
        "last_name": "Nouvelle",
        "password1": DEFAULT_PASSWORD,
        "password2": DEFAULT_PASSWORD,
    }


def test_the_coordinator_invites_by_email_with_a_single_use_link(
    world, client, django_capture_on_commit_callbacks
):
    # given
    client.force_login(world.coordinator)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("onboarding:invite", args=[world.team.pk]),
            {"email": "nina@example.org"},
        )
    # then
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nina@example.org"
    assert invitation.invited_by == world.coordinator
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=6, hours=23)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.org"]
    assert "ESOV Hérault" in message.subject
    token = re.search(r"/join/([\w-]+)/", message.body).group(1)
    # only the hash is stored
    assert invitation.token_hash == services.token_hash(token)
    assert token not in invitation.token_hash


def test_accepting_creates_a_member_with_a_profile_and_signs_in(world, client):
    # given
    _invitation, token = _invite(world)
    url = reverse("onboarding:accept", args=[token])
    assert client.get(url).status_code == 200
    # when
    response = client.post(url, _accept_payload())
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(username="newbie")
    assert user.email == "new@example.org"
    assert user.check_password(DEFAULT_PASSWORD)
    assert OrganisationMember.objects.filter(
        organisation=world.team, user=user, role=OrganisationMember.Role.MEMBER
    ).exists()
    assert VolunteerProfile.objects.filter(user=user).exists()
    assert int(client.session["_auth_user_id"]) == user.pk
    invitation = Invitation.objects.get()
    assert invitation.used_by == user
    assert invitation.used_at is not None


def test_a_reused_link_is_refused_with_the_date_it_was_used(world, client):
    # given
    _invitation, token = _invite(world)
    url = reverse("onboarding:accept", args=[token])
    client.post(url, _accept_payload())
    # when
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = other.get(url)
    second = other.post(url, _accept_payload("someoneelse"))
    # then
    today = timezone.localdate().strftime("%Y-%m-%d")
    assert response.status_code == 410
    assert f"already used on {today}" in response.content.decode()
    assert second.status_code == 410
    assert not User.objects.filter(username="someoneelse").exists()


def test_double_submission_makes_one_account(world):
    # given
    _invitation, token = _invite(world)
    services.invitation_accept(token=token, username="first", password=DEFAULT_PASSWORD)
    # when / then
    with pytest.raises(services.InvitationUnusable) as refused:
        services.invitation_accept(
            token=token, username="second", password=DEFAULT_PASSWORD
        )
    assert refused.value.state == "used"
    assert User.objects.filter(email="new@example.org").count() == 1


def test_an_expired_link_is_refused(world, client):
    # given
    invitation, token = _invite(world)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    # when
    response = client.post(
        reverse("onboarding:accept", args=[token]), _accept_payload()
    )
    # then
    assert response.status_code == 410
    assert "expired on" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_expiry_is_checked_against_the_given_time(world):
    invitation, token = _invite(world)
    later = invitation.expires_at + dt.timedelta(seconds=1)
    with pytest.raises(services.InvitationUnusable) as refused:
        services.invitation_accept(
            token=token, username="late", password=DEFAULT_PASSWORD, now=later
        )
    assert refused.value.state == "expired"


def test_a_revoked_link_is_refused(world, client):
    # given
    invitation, token = _invite(world)
    client.force_login(world.coordinator)
    client.post(
        reverse("onboarding:invitation-revoke", args=[world.team.pk, invitation.pk])
    )
    client.logout()
    # when
    response = client.get(reverse("onboarding:accept", args=[token]))
    # then
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_a_used_invitation_cannot_be_revoked(world):
    invitation, token = _invite(world)
    services.invitation_accept(token=token, username="first", password=DEFAULT_PASSWORD)
    with pytest.raises(ConflictError):
        services.invitation_revoke(invitation=invitation, by=world.coordinator)


def test_an_unknown_token_gets_a_not_found_page_and_too_many_a_429(world, client):
    cache.clear()
    response = client.get(reverse("onboarding:accept", args=["nope"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    for _ in range(25):
        response = client.get(reverse("onboarding:accept", args=["nope"]))
    assert response.status_code == 429
    cache.clear()


def test_weak_passwords_are_refused_by_the_validators(world, client):
    _invitation, token = _invite(world)
    payload = {**_accept_payload(), "password1": "123", "password2": "123"}
    response = client.post(reverse("onboarding:accept", args=[token]), payload)
    assert response.status_code == 400
    assert not User.objects.filter(username="newbie").exists()
    assert Invitation.objects.get().used_at is None


def test_a_taken_username_is_refused(world, client):
    _invitation, token = _invite(world)
    response = client.post(
        reverse("onboarding:accept", args=[token]), _accept_payload(username="vol")
    )
    assert response.status_code == 400
    assert "taken" in response.content.decode()
    assert Invitation.objects.get().used_at is None


def test_members_cannot_be_invited_again(world):
    with pytest.raises(ConflictError):
        _invite(world, email=world.volunteer.email.upper())


def test_only_vost_teams_invite(world, db):
    from tests.factories import AuthorityFactory

    with pytest.raises(DomainError):
        services.invitation_create(
            team=AuthorityFactory(), email="x@example.org", invited_by=None
        )


def test_the_accept_form_needs_a_csrf_token(world):
    _invitation, token = _invite(world)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("onboarding:accept", args=[token]), _accept_payload()
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="newbie").exists()


def test_an_email_with_an_account_already_is_refused_clearly(world, client):
    # given an invitation to an address that got an account meanwhile
    _invitation, token = _invite(world, email="late@example.org")
    User.objects.create_user(username="late", email="late@example.org")
    # when
    response = client.post(
        reverse("onboarding:accept", args=[token]), _accept_payload()
    )
    # then
    assert response.status_code == 400
    assert "already uses this email" in response.content.decode()
    assert Invitation.objects.get().used_at is None
