"""Reads of the volunteer onboarding, always scoped to one team.

Readiness, as shown to coordinators (documented in README, "Volunteer onboarding"):

- a *volunteer* of a team is a member (role member or coordinator, never liaison)
  with a volunteer profile;
- *trained* means a training level above "new" (basic, confirmed, trainer) **or** at
  least one training record with that team dated in the last 365 days;
- *available this week* means a shift assignment (in any activation) whose shift
  overlaps the next 7 days from now. There is no separate availability model in the
  hub (the profile's availability is free text), so rostered duty is the signal;
- *ready* = trained and available.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from activations.models import (
    Organisation,
    OrganisationMember,
    ShiftAssignment,
    Skill,
    VolunteerLanguage,
    VolunteerProfile,
)
from onboarding.models import Application, Invitation, TrainingRecord

TRAINING_RECENCY = dt.timedelta(days=365)
AVAILABILITY_WINDOW = dt.timedelta(days=7)
TRAINED_LEVELS = (
    VolunteerProfile.Training.BASIC,
    VolunteerProfile.Training.CONFIRMED,
    VolunteerProfile.Training.TRAINER,
)
VOLUNTEER_ROLES = (OrganisationMember.Role.MEMBER, OrganisationMember.Role.COORDINATOR)


def invitation_list(*, team: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(team=team).select_related("invited_by", "used_by")


def application_list(
    *, team: Organisation, status: str | None = None
) -> QuerySet[Application]:
    qs = Application.objects.filter(team=team).select_related("decided_by")
    return qs.filter(status=status) if status else qs


def application_get(*, team: Organisation, application_id: int) -> Application | None:
    return Application.objects.filter(team=team, pk=application_id).first()


def invitation_get(*, team: Organisation, invitation_id: int) -> Invitation | None:
    return Invitation.objects.filter(team=team, pk=invitation_id).first()


def team_members(*, team: Organisation) -> QuerySet[User]:
    """People who can receive training records: the team's non-liaison members."""
    return User.objects.filter(
        organisation_memberships__organisation=team,
        organisation_memberships__role__in=VOLUNTEER_ROLES,
    ).order_by("last_name", "first_name", "username")


def training_record_list(*, team: Organisation) -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.filter(team=team).select_related(
        "user", "activation", "recorded_by"
    )


def training_record_get(*, team: Organisation, record_id: int) -> TrainingRecord | None:
    return TrainingRecord.objects.filter(team=team, pk=record_id).first()


def training_records_of_user(*, user: User) -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.filter(user=user).select_related("team", "activation")


# --- readiness ------------------------------------------------------------------------
@dataclass
class ReadinessRow:
    key: str
    label: str
    volunteers: int = 0
    trained: int = 0
    available: int = 0
    ready: int = 0


@dataclass
class Readiness:
    team: Organisation
    since: dt.date
    until: dt.datetime
    skills: list[ReadinessRow] = field(default_factory=list)
    languages: list[ReadinessRow] = field(default_factory=list)
    total: ReadinessRow = field(default_factory=lambda: ReadinessRow("", ""))


def _add(row: ReadinessRow, *, trained: bool, available: bool) -> None:
    row.volunteers += 1
    row.trained += trained
    row.available += available
    row.ready += trained and available


def readiness(*, team: Organisation, now: dt.datetime | None = None) -> Readiness:
    """Volunteers of the team per skill and per language: trained, available this week,
    both. Two queries whatever the team size (profiles with annotations, languages)."""
    now = now or timezone.now()
    since = timezone.localdate(now) - TRAINING_RECENCY
    until = now + AVAILABILITY_WINDOW
    recent_training = TrainingRecord.objects.filter(
        team=team, user=OuterRef("user"), date__gte=since
    )
    on_duty = ShiftAssignment.objects.filter(
        user=OuterRef("user"), shift__starts_at__lt=until, shift__ends_at__gt=now
    )
    profiles = (
        VolunteerProfile.objects.filter(
            user__organisation_memberships__organisation=team,
            user__organisation_memberships__role__in=VOLUNTEER_ROLES,
            user__is_active=True,
        )
        .annotate(
            is_trained=Q(training_level__in=TRAINED_LEVELS) | Exists(recent_training),
            is_available=Exists(on_duty),
        )
        .only("pk", "skills", "training_level", "user_id")
        .prefetch_related(
            Prefetch(
                "languages",
                queryset=VolunteerLanguage.objects.only("profile_id", "language"),
            )
        )
    )
    result = Readiness(team=team, since=since, until=until)
    skill_rows = {
        value: ReadinessRow(value, str(label)) for value, label in Skill.choices
    }
    language_rows: dict[str, ReadinessRow] = defaultdict(lambda: ReadinessRow("", ""))
    for profile in profiles:
        flags = {
            "trained": bool(profile.is_trained),
            "available": bool(profile.is_available),
        }
        _add(result.total, **flags)
        for skill in set(profile.skills):
            if skill in skill_rows:
                _add(skill_rows[skill], **flags)
        for language in {entry.language.lower() for entry in profile.languages.all()}:
            row = language_rows[language]
            row.key = row.label = language
            _add(row, **flags)
    result.skills = list(skill_rows.values())
    result.languages = sorted(language_rows.values(), key=lambda row: row.key)
    return result
