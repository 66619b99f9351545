"""Applications: the public form, spam guards, approval (an invitation) and rejection."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from activations.models import VolunteerLanguage, VolunteerProfile
from onboarding import services
from onboarding.models import Application, Invitation
from tests.factories import DEFAULT_PASSWORD
from vost.exceptions import ConflictError, DomainError

User = get_user_model()
pytestmark = pytest.mark.django_db

PAYLOAD = {
    "name": "Paul Postulant",
    "email": "paul@example.org",
    "motivation": "I watch social media during floods.",
    "languages": "fr, EN",
    "skills": ["monitoring", "translation"],
    "website": "",
}


def _apply(client, world, **changes):
    return client.post(
        reverse("onboarding:apply", args=[world.team.pk]), {**PAYLOAD, **changes}
    )


def test_anyone_can_apply_and_the_coordinators_are_told(world, client):
    # when
    assert (
        client.get(reverse("onboarding:apply", args=[world.team.pk])).status_code == 200
    )
    response = _apply(client, world)
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "onboarding:apply-sent", args=[world.team.pk]
    )
    application = Application.objects.get()
    assert application.status == Application.Status.PENDING
    assert application.languages == ["fr", "en"]
    assert application.skills == ["monitoring", "translation"]
    notes = Notification.objects.filter(kind="onboarding_application")
    assert [n.user for n in notes] == [world.coordinator]


def test_one_pending_application_per_email_and_team(world, client):
    _apply(client, world)
    response = _apply(client, world, email="PAUL@example.org")
    assert response.status_code == 400
    assert "already waiting" in response.content.decode()
    assert Application.objects.count() == 1
    # another team is fine
    other = client.post(
        reverse("onboarding:apply", args=[world.other_team.pk]), PAYLOAD
    )
    assert other.status_code == 302
    assert Application.objects.count() == 2


def test_the_honeypot_silently_drops_bots(world, client):
    response = _apply(client, world, website="http://spam.example")
    assert response.status_code == 302
    assert Application.objects.count() == 0


def test_bad_input_is_explained_and_changes_nothing(world, client):
    response = _apply(client, world, languages="french!!", email="not-an-email")
    assert response.status_code == 400
    body = response.content.decode()
    assert "not a language code" in body
    assert Application.objects.count() == 0


def test_only_active_vost_teams_take_applications(world, client):
    from tests.factories import AuthorityFactory

    authority = AuthorityFactory()
    assert (
        client.get(reverse("onboarding:apply", args=[authority.pk])).status_code == 404
    )
    assert client.get(reverse("onboarding:apply", args=[999999])).status_code == 404


def test_approval_sends_an_invitation_that_carries_skills_and_languages(
    world, client, django_capture_on_commit_callbacks
):
    # given
    _apply(client, world)
    application = Application.objects.get()
    client.force_login(world.coordinator)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "onboarding:application-approve", args=[world.team.pk, application.pk]
            )
        )
    # then
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.decided_by == world.coordinator
    invitation = Invitation.objects.get()
    assert invitation.application == application
    invite_mail = next(m for m in mail.outbox if m.to == ["paul@example.org"])
    token = re.search(r"/join/([\w-]+)/", invite_mail.body).group(1)
    user = services.invitation_accept(
        token=token, username="paul", password=DEFAULT_PASSWORD
    )
    profile = VolunteerProfile.objects.get(user=user)
    assert profile.skills == ["monitoring", "translation"]
    assert set(
        VolunteerLanguage.objects.filter(profile=profile).values_list(
            "language", flat=True
        )
    ) == {"fr", "en"}


def test_a_decision_is_taken_once(world):
    application = services.application_submit(
        team=world.team, name="A", email="a@example.org", motivation="m"
    )
    services.application_approve(application=application, by=world.coordinator)
    with pytest.raises(ConflictError):
        services.application_approve(application=application, by=world.coordinator)
    with pytest.raises(ConflictError):
        services.application_reject(
            application=application, by=world.coordinator, reason="late"
        )
    assert Invitation.objects.count() == 1


def test_rejection_needs_a_reason(world, client):
    application = services.application_submit(
        team=world.team, name="A", email="a@example.org", motivation="m"
    )
    with pytest.raises(DomainError):
        services.application_reject(
            application=application, by=world.coordinator, reason=" "
        )
    client.force_login(world.coordinator)
    url = reverse("onboarding:application-reject", args=[world.team.pk, application.pk])
    client.post(url, {"reason": ""})
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING
    client.post(url, {"reason": "Not in our area"})
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert application.rejection_reason == "Not in our area"
    # a rejected applicant may apply again later
    services.application_submit(
        team=world.team, name="A", email="a@example.org", motivation="again"
    )


def test_the_application_form_needs_a_csrf_token(world):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("onboarding:apply", args=[world.team.pk]), PAYLOAD)
    assert response.status_code == 403
    assert Application.objects.count() == 0
