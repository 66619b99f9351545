"""Writes on accounts: preferences, API tokens, the demo people, session cleanup."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def user_preferences_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    language: str,
    timezone: str,
) -> User:
    """Save the user's own profile fields; raises ValidationError and saves nothing on bad input."""
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.email = email.strip()
    user.phone = phone.strip()
    user.language = language
    user.timezone = timezone
    user.full_clean(exclude=["password", "username"])
    user.save(
        update_fields=[
            "first_name",
            "last_name",
            "email",
            "phone",
            "language",
            "timezone",
        ]
    )
    return user


def user_language_set(*, user: User, language: str) -> None:
    """Remember the language picked in the switcher; unknown codes are ignored by the caller."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unsupported language {language!r}")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


@transaction.atomic
def api_token_regenerate(*, user: User) -> Token:
    """Replace the user's API token (the old one stops working at once) and return the new one."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    logger.info("API token regenerated for user %s", user.pk)
    return token


def api_token_revoke(*, user: User) -> bool:
    """Delete the user's API token; return whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        logger.info("API token revoked for user %s", user.pk)
    return bool(deleted)


def sessions_clear_expired() -> None:
    """Delete expired sessions from the session store (scheduled daily)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: str
    language: str = "fr"
    is_superuser: bool = False


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("admin", "Alex", "Admin", "administrator", "en", is_superuser=True),
    DemoPerson("coordinateur", "Camille", "Moreau", "coordinator"),
    DemoPerson("chef-equipe", "Théo", "Lefèvre", "team lead"),
    DemoPerson("benevole", "Léa", "Garnier", "volunteer"),
    DemoPerson("volunteer", "Sam", "Taylor", "volunteer", "en"),
    DemoPerson("liaison", "Capitaine Nadia", "Bernard", "authority liaison"),
    DemoPerson("observateur", "Hugo", "Petit", "observer"),
)


@transaction.atomic
def demo_users_seed(*, password: str) -> list[DemoPerson]:
    """Create the demo accounts that are missing (one per role); safe to repeat."""
    for person in DEMO_PEOPLE:
        user, created = User.objects.get_or_create(
            username=person.username,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": f"{person.username}@demo.vost.invalid",
                "language": person.language,
                "is_staff": person.is_superuser,
                "is_superuser": person.is_superuser,
            },
        )
        # Only on creation: hashing (PBKDF2) seven passwords on every `make run` costs
        # seconds, and a demo password changed by hand is the person's choice.
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
    return list(DEMO_PEOPLE)
