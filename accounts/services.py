"""Writes on accounts: preferences, API tokens, the demo people, session cleanup."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from accounts.models import Notification, User

if TYPE_CHECKING:
    from activations.models import Activation

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


# --- in-app notifications (and their email copy) ------------------------------------
def notify(
    *,
    users: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    activation: Activation | None = None,
    level: str = "info",
    email: bool = False,
) -> list[Notification]:
    """Put a notification in each user's inbox; with `email`, also mail a copy after
    the transaction commits (task accounts.send_notification_emails).

    `title` and `body` must already be in the recipients' language or neutral
    (callers translate with ``translation.override(user.language)`` per user when
    the text differs); they are stored as plain text and always rendered escaped.
    """
    from accounts import tasks

    recipients = {user.pk: user for user in users if user.is_active}
    if not recipients:
        return []
    created = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                activation=activation,
                kind=kind,
                level=level,
                title=title[:200],
                body=body,
                url=url,
            )
            for user in recipients.values()
        ]
    )
    if email:
        ids = [note.pk for note in created if note.user.email]
        if ids:
            transaction.on_commit(lambda: tasks.send_notification_emails.delay(ids))
    return created


def notify_translated(
    *,
    users: Iterable[User],
    texts: Callable[[], tuple[str, str]],
    kind: str,
    url: str = "",
    activation: Activation | None = None,
    level: str = "info",
    email: bool = False,
) -> list[Notification]:
    """notify(), with the (title, body) that `texts()` gives in each recipient's
    language: it is called once per language, with that language active."""
    by_language: dict[str, list[User]] = defaultdict(list)
    for user in users:
        by_language[user.language or settings.LANGUAGE_CODE].append(user)
    created: list[Notification] = []
    for language, group in sorted(by_language.items()):
        with translation.override(language):
            title, body = texts()
        created += notify(
            users=group,
            kind=kind,
            title=title,
            body=body,
            url=url,
            activation=activation,
            level=level,
            email=email,
        )
    return created


def notifications_send_emails(*, notification_ids: Sequence[int]) -> int:
    """Mail the given notifications to their users (in each user's language); returns
    how many were sent. A failing address is logged and does not stop the others."""
    sent = 0
    notes = Notification.objects.filter(pk__in=notification_ids).select_related(
        "user", "activation"
    )
    for note in notes:
        if not note.user.email:
            continue
        with translation.override(note.user.language):
            context = {"note": note, "site_url": settings.VOST_SITE_URL}
            subject = render_to_string(
                "accounts/email/notification_subject.txt", context
            )
            message = render_to_string("accounts/email/notification.txt", context)
        try:
            send_mail(
                subject=" ".join(subject.split())[:200],
                message=message,
                from_email=None,
                recipient_list=[note.user.email],
            )
        except Exception:  # one bad address must not stop the rest
            logger.exception(
                "notification %s: email to user %s failed", note.pk, note.user_id
            )
            continue
        sent += 1
    return sent


def notification_mark_read(
    *, user: User, notification_ids: Sequence[int] | None = None
) -> int:
    """Mark the user's notifications read (all unread ones when no ids); returns how many."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())
