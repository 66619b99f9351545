"""Volunteer onboarding: invitations, applications to join a team, training records.

Everything here belongs to a VOST team (an `Organisation` of kind VOST_TEAM); the
team's coordinators manage it (activations.permissions.organisation_can_manage).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activations.models import Organisation, Skill
from vost.models import TimeStampedModel

INVITATION_VALIDITY = dt.timedelta(days=7)


def _default_expiry() -> dt.datetime:
    return timezone.now() + INVITATION_VALIDITY


class Invitation(TimeStampedModel):
    """A single-use link to join a team. Only the SHA-256 of the token is stored."""

    team = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("VOST team"),
        limit_choices_to={"kind": Organisation.Kind.VOST_TEAM},
    )
    email = models.EmailField(_("email"))
    language = models.CharField(
        _("language"), max_length=8, default=settings.LANGUAGE_CODE
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    application = models.ForeignKey(
        "onboarding.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("application"),
    )
    token_hash = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(_("expires at"), default=_default_expiry)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("used by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], name="onboarding_invitation_token_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.team})"

    def state(self, now: dt.datetime | None = None) -> str:
        """One of "used", "revoked", "expired", "open"."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if (now or timezone.now()) >= self.expires_at:
            return "expired"
        return "open"


class Application(TimeStampedModel):
    """Someone asking to join a team through the public form; a coordinator decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    team = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("VOST team"),
        limit_choices_to={"kind": Organisation.Kind.VOST_TEAM},
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"))
    language = models.CharField(
        _("language"), max_length=8, default=settings.LANGUAGE_CODE
    )
    motivation = models.TextField(_("motivation"), max_length=4000)
    languages = ArrayField(
        models.CharField(max_length=8),
        verbose_name=_("languages spoken"),
        default=list,
        blank=True,
    )
    skills = ArrayField(
        models.CharField(max_length=20, choices=Skill.choices),
        verbose_name=_("skills"),
        default=list,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "team",
                Lower("email"),
                condition=Q(status="pending"),
                name="onboarding_application_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="onboarding_application_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class TrainingRecord(TimeStampedModel):
    """A course followed or an exercise taken part in by a volunteer of the team."""

    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        EXERCISE = "exercise", _("Exercise")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="training_records",
        verbose_name=_("volunteer"),
    )
    team = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="training_records",
        verbose_name=_("VOST team"),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.COURSE
    )
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    trainer = models.CharField(_("trainer"), max_length=150, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exercise activation"),
        limit_choices_to={"kind": "exercise"},
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(
                fields=["team", "user", "-date"], name="onboarding_training_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.date})"
