"""People who sign in: volunteers, team leads, coordinators, authority liaisons."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@cache
def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, sorted; Europe/Paris and the overseas ones are all there."""
    return [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
    ]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone."), params={"value": value}
        )


class User(AbstractUser):
    """An account; roles are per activation and live in memberships, not here."""

    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="fr",
        help_text=_("Language of the pages, emails and reports you receive."),
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Paris",
        validators=[validate_timezone],
        help_text=_("Times are shown in this zone."),
    )
    phone = models.CharField(
        _("phone"),
        max_length=32,
        blank=True,
        help_text=_("For escalations while on duty."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                condition=~models.Q(email=""),
                violation_error_message=_(
                    "Another account already uses this email address."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Notification(models.Model):
    """An in-app alert in a user's inbox (escalations, reviews, approvals…).

    `title` and `body` are rendered escaped; `url` is a path inside the hub.
    """

    class Level(models.TextChoices):
        INFO = "info", _("Information")
        ACTION = "action", _("Action needed")
        URGENT = "urgent", _("Urgent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    kind = models.CharField(max_length=40)  # e.g. "escalation", "case_review"
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ApiToken(models.Model):
    """A personal API token: scoped, optionally bound to one activation, expiring,
    revocable. Only a SHA-256 hash of the key is stored; the key is shown once."""

    class Scope(models.TextChoices):
        READ = "read", _("Read (GET requests of the API)")
        WRITE = "write", _("Write (POST, PATCH, DELETE requests of the API)")
        OGC = "ogc", _("GIS clients (OGC API Features)")
        EXPORT = "export", _("Exports and downloads (PDF, GeoPackage, files)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = ArrayField(
        models.CharField(max_length=16, choices=Scope.choices),
        verbose_name=_("scopes"),
    )
    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activation"),
        help_text=_("When set, the token only opens this activation."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
