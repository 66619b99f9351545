"""Training records (coordinators record, volunteers read their own) and the
readiness table on known data, with its query count pinned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activations.models import Activation, VolunteerLanguage, VolunteerProfile
from onboarding import selectors, services
from onboarding.models import TrainingRecord
from tests.factories import (
    ActivationFactory,
    AgreementFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    UserFactory,
    VolunteerProfileFactory,
)
from tests.onboarding.conftest import Role, add_member
from vost.exceptions import DomainError

pytestmark = pytest.mark.django_db


def _record_payload(world, **changes):
    return {
        "user": world.volunteer.pk,
        "kind": "course",
        "title": "Veille réseaux sociaux niveau 1",
        "date": "2026-03-14",
        "trainer": "Claire Formatrice",
        "notes": "",
        "activation": "",
        **changes,
    }


def test_a_coordinator_records_and_edits_training(world, client):
    client.force_login(world.coordinator)
    url = reverse("onboarding:training", args=[world.team.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _record_payload(world))
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert record.team == world.team
    assert record.recorded_by == world.coordinator
    edit = reverse("onboarding:training-edit", args=[world.team.pk, record.pk])
    response = client.post(edit, _record_payload(world, title="Vérification niveau 2"))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.title == "Vérification niveau 2"
    assert TrainingRecord.objects.count() == 1


def test_records_only_for_members_and_exercise_links_only(world, client):
    outsider = UserFactory()
    client.force_login(world.coordinator)
    url = reverse("onboarding:training", args=[world.team.pk])
    response = client.post(url, _record_payload(world, user=outsider.pk))
    assert response.status_code == 400
    crisis = ActivationFactory(
        agreement=AgreementFactory(vost_team=world.team), kind=Activation.Kind.CRISIS
    )
    response = client.post(url, _record_payload(world, activation=crisis.pk))
    assert response.status_code == 400
    assert TrainingRecord.objects.count() == 0
    with pytest.raises(DomainError):
        services.training_record_save(
            team=world.team,
            by=world.coordinator,
            user=world.volunteer,
            kind="exercise",
            title="x",
            date=dt.date(2026, 1, 1),
            activation=crisis,
        )
    exercise = ActivationFactory(
        agreement=AgreementFactory(vost_team=world.team), kind=Activation.Kind.EXERCISE
    )
    response = client.post(
        url, _record_payload(world, kind="exercise", activation=exercise.pk)
    )
    assert response.status_code == 302
    assert TrainingRecord.objects.get().activation == exercise


def test_a_record_of_another_team_cannot_be_edited(world, client):
    record = services.training_record_save(
        team=world.other_team,
        by=world.other_coordinator,
        user=world.other_coordinator,
        kind="course",
        title="Gard",
        date=dt.date(2026, 1, 1),
    )
    client.force_login(world.coordinator)
    url = reverse("onboarding:training-edit", args=[world.team.pk, record.pk])
    assert client.get(url).status_code == 404


def test_volunteers_see_their_own_records_only(world, client):
    services.training_record_save(
        team=world.team,
        by=world.coordinator,
        user=world.volunteer,
        kind="course",
        title="Mine",
        date=dt.date(2026, 2, 1),
    )
    services.training_record_save(
        team=world.team,
        by=world.coordinator,
        user=world.coordinator,
        kind="course",
        title="Not mine",
        date=dt.date(2026, 2, 1),
    )
    client.force_login(world.volunteer)
    body = client.get(reverse("onboarding:my-training")).content.decode()
    assert "Mine" in body
    assert "Not mine" not in body


# --- readiness ------------------------------------------------------------------------
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _volunteer(team, *, skills, languages=(), level="new", username):
    user = add_member(team, Role.MEMBER, username=username)
    profile = VolunteerProfileFactory(user=user, skills=skills, training_level=level)
    for code in languages:
        VolunteerLanguage.objects.create(profile=profile, language=code, level="fluent")
    return user


def _on_shift(user, activation, starts_at):
    shift = ShiftFactory(
        activation=activation,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=4),
    )
    ShiftAssignmentFactory(shift=shift, user=user)


def test_readiness_on_known_data(world):
    # given (the world's volunteer: confirmed, monitoring+verification, no language, no shift)
    team = world.team
    activation = ActivationFactory(agreement=AgreementFactory(vost_team=team))
    # trained by level, available (shift in 2 days)
    ana = _volunteer(
        team,
        skills=["monitoring"],
        languages=["fr", "en"],
        level="basic",
        username="ana",
    )
    _on_shift(ana, activation, NOW + dt.timedelta(days=2))
    # new but a recent training record, shift only in 10 days: trained, not available
    ben = _volunteer(
        team, skills=["monitoring", "translation"], languages=["fr"], username="ben"
    )
    services.training_record_save(
        team=team,
        by=world.coordinator,
        user=ben,
        kind="course",
        title="t",
        date=(NOW - dt.timedelta(days=30)).date(),
    )
    _on_shift(ben, activation, NOW + dt.timedelta(days=10))
    # new, only an old record, on duty right now: available, not trained
    cleo = _volunteer(team, skills=["translation"], languages=["es"], username="cleo")
    services.training_record_save(
        team=team,
        by=world.coordinator,
        user=cleo,
        kind="course",
        title="old",
        date=(NOW - dt.timedelta(days=400)).date(),
    )
    _on_shift(cleo, activation, NOW - dt.timedelta(hours=1))
    # a member of another team and a liaison do not count
    _volunteer(
        world.other_team, skills=["monitoring"], level="confirmed", username="gard"
    )
    liaison = add_member(team, Role.LIAISON, username="liaison")
    VolunteerProfileFactory(user=liaison, skills=["monitoring"])
    # when
    with CaptureQueriesContext(connection) as queries:
        result = selectors.readiness(team=team, now=NOW)
    # then: two queries (profiles with annotations, languages) whatever the team size
    assert len(queries) == 2
    rows = {row.key: row for row in result.skills}
    assert (
        rows["monitoring"].volunteers,
        rows["monitoring"].trained,
        rows["monitoring"].available,
        rows["monitoring"].ready,
    ) == (3, 3, 1, 1)
    assert (
        rows["translation"].volunteers,
        rows["translation"].trained,
        rows["translation"].available,
        rows["translation"].ready,
    ) == (2, 1, 1, 0)
    assert (rows["verification"].volunteers, rows["verification"].trained) == (1, 1)
    assert rows["mapping"].volunteers == 0
    languages = {row.key: row for row in result.languages}
    assert [row.key for row in result.languages] == ["en", "es", "fr"]
    assert (
        languages["fr"].volunteers,
        languages["fr"].trained,
        languages["fr"].ready,
    ) == (2, 2, 1)
    assert (
        languages["es"].volunteers,
        languages["es"].available,
        languages["es"].trained,
    ) == (1, 1, 0)
    total = result.total
    assert (total.volunteers, total.trained, total.available, total.ready) == (
        4,
        3,
        2,
        1,
    )


def test_the_readiness_page_shows_the_table(world, client):
    client.force_login(world.coordinator)
    response = client.get(reverse("onboarding:readiness", args=[world.team.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-row="monitoring"' in body
    assert 'data-row="total"' in body
    assert VolunteerProfile.objects.count() == 1
    assert timezone.now()  # page rendered with the real clock
