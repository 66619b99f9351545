"""Writes on accounts: preferences, API tokens, the demo people, session cleanup."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.models import ApiToken, Notification, User

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


# --- API tokens ---------------------------------------------------------------------
API_TOKEN_KEY_PREFIX = "vost_"  # noqa: S105  (a public marker, not a secret)
API_TOKEN_MAX_DAYS = 365
API_TOKEN_TOUCH_SECONDS = 60


class ApiTokenError(Exception):
    """A token that cannot be used: ``message`` for the client (translated),
    ``reason`` for the log (never the key)."""

    def __init__(self, *, message: str, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class NewApiToken:
    """A token just created, with its key: the only moment the key is known."""

    token: ApiToken
    key: str


def api_token_hash(key: str) -> str:
    """SHA-256 of the key: the keys are 256-bit random, a slow hash adds nothing."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scopes: Sequence[str],
    activation: Activation | None = None,
    days: int | None = None,
) -> NewApiToken:
    """Create a token for ``user``; raises ValidationError (nothing saved) on bad input.

    ``activation`` restricts the token to that activation (the user must be a member);
    ``days`` is its lifetime (default VOST_API_TOKEN_DAYS, at most 365).
    """
    from activations.models import ActivationMember

    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = gettext("Give the token a name.")
    wanted = list(dict.fromkeys(scopes))
    if not wanted or not set(wanted) <= set(ApiToken.Scope.values):
        errors["scopes"] = gettext("Choose at least one valid scope.")
    days = settings.VOST_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        errors["days"] = gettext("A token lasts from 1 to %(max)d days.") % {
            "max": API_TOKEN_MAX_DAYS
        }
    if (
        activation is not None
        and not ActivationMember.objects.filter(
            activation=activation, user=user
        ).exists()
    ):
        errors["activation"] = gettext("You are not a member of this activation.")
    if errors:
        raise ValidationError(errors)
    key = API_TOKEN_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[: len(API_TOKEN_KEY_PREFIX) + 6],
        key_hash=api_token_hash(key),
        scopes=wanted,
        activation=activation,
        expires_at=timezone.now() + timedelta(days=days),
    )
    logger.info(
        "API token %s created for user %s (scopes %s, activation %s, %d days)",
        token.pk,
        user.pk,
        ",".join(wanted),
        activation.pk if activation else "-",
        days,
    )
    return NewApiToken(token=token, key=key)


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (it stops working at once); another
    person's id raises ApiToken.DoesNotExist. Revoking twice keeps the first date."""
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        logger.info("API token %s revoked by user %s", token.pk, user.pk)
    return token


def api_token_authenticate(*, key: str) -> ApiToken:
    """The usable token with this key (user loaded; the activation of a restricted
    token loads when asked), its use noted (at most once a minute); raises
    ApiTokenError saying why not."""
    key = key.strip()
    if not key or len(key) > 200:
        raise ApiTokenError(
            message=gettext("Invalid API token."), reason="empty or too long"
        )
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=api_token_hash(key))
        .first()
    )
    if token is None:
        raise ApiTokenError(message=gettext("Invalid API token."), reason="unknown")
    if token.revoked_at is not None:
        raise ApiTokenError(
            message=gettext(
                "This API token was revoked on %(date)s. Create a new one under API tokens."
            )
            % {"date": date_format(token.revoked_at, "SHORT_DATE_FORMAT")},
            reason=f"token {token.pk} revoked",
        )
    now = timezone.now()
    if token.expires_at <= now:
        raise ApiTokenError(
            message=gettext(
                "This API token expired on %(date)s. Create a new one under API tokens."
            )
            % {"date": date_format(token.expires_at, "SHORT_DATE_FORMAT")},
            reason=f"token {token.pk} expired",
        )
    if not token.user.is_active:
        raise ApiTokenError(
            message=gettext("The account of this API token is deactivated."),
            reason=f"token {token.pk}: account inactive",
        )
    if token.last_used_at is None or token.last_used_at <= now - timedelta(
        seconds=API_TOKEN_TOUCH_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


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
