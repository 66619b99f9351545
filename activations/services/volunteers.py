"""A volunteer's own profile: skills, training, availability, languages."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import VolunteerLanguage, VolunteerProfile
from activations.services._common import _clean
from vost.exceptions import DomainError

logger = logging.getLogger(__name__)


def volunteer_profile_get_or_create(*, user: User) -> VolunteerProfile:
    """The user's profile, created empty on first visit. Idempotent."""
    profile, _created = VolunteerProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def volunteer_profile_update(
    *,
    user: User,
    skills: list[str],
    training_level: str,
    availability_notes: str,
    languages: list[tuple[str, str]],
) -> VolunteerProfile:
    """Save the user's own profile; `languages` (code, level) replaces the previous list.

    The charter is not touched here (see charter_accept).
    """
    codes = [code.strip().lower() for code, _level in languages]
    if len(set(codes)) != len(codes):
        raise DomainError(_("Each language can only be listed once."), code="invalid")
    profile, _created = VolunteerProfile.objects.select_for_update().get_or_create(
        user=user
    )
    profile.skills = sorted(set(skills))
    profile.training_level = training_level
    profile.availability_notes = availability_notes.strip()
    _clean(profile)
    profile.save()
    profile.languages.exclude(language__in=codes).delete()
    for code, (_code, level) in zip(codes, languages, strict=True):
        language = profile.languages.filter(language=code).first() or VolunteerLanguage(
            profile=profile, language=code
        )
        language.level = level
        _clean(language)
        language.save()
    return profile
