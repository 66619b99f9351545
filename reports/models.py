"""Situation reports: numbered, versioned, reviewed and published to the authority.

A report is composed from the period's verified items (``reports.compose``) into a
JSON snapshot (``data``) plus editable texts; once published it never changes: a
correction is a new version of the same number that says what changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vost.models import TimeStampedModel

# The sections of a report, in order; each has composed data and an editable text.
SECTION_KEYS: tuple[str, ...] = (
    "key_events",
    "counts",
    "urgent",
    "rumours",
    "coverage",
    "limitations",
)


class SituationReport(TimeStampedModel):
    """One version of a numbered situation report of an activation."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")

    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="situation_reports",
        verbose_name=_("activation"),
    )
    number = models.PositiveIntegerField(_("number"))
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    change_note = models.TextField(_("what changed"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    is_final = models.BooleanField(_("final report of the activation"), default=False)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    summary = models.TextField(_("summary"), blank=True)
    # Composed data per section (see reports.compose), kept as it was composed.
    data = models.JSONField(_("composed data"), default=dict, blank=True)
    # The team's text per section key (SECTION_KEYS), edited before review.
    texts = models.JSONField(_("section texts"), default=dict, blank=True)
    map_svg = models.TextField(_("map"), blank=True)
    # Optimistic concurrency: every edit says which revision it edits.
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("composed by"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # SHA-256 of the published content (reports.services.content_hash).
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("situation report")
        verbose_name_plural = _("situation reports")
        ordering = ["-number", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "number", "version"],
                name="report_number_version_unique",
            ),
            # One version being written per number at a time (no double correction).
            models.UniqueConstraint(
                fields=["activation", "number"],
                condition=Q(status__in=["draft", "in_review"]),
                name="report_one_open_version_per_number",
            ),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True)
                | (Q(version__gt=1, supersedes__isnull=False) & ~Q(change_note="")),
                name="report_correction_has_note",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(
                    published_at__isnull=False,
                    published_by__isnull=False,
                    submitted_at__isnull=False,
                )
                & ~Q(content_hash=""),
                name="report_published_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="report_period_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["activation", "status", "-period_end"],
                name="report_activation_status_idx",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.number} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.IN_REVIEW}

    @property
    def label(self) -> str:
        return (
            f"{self.number}" if self.version == 1 else f"{self.number}.{self.version}"
        )


class ReportAcknowledgement(models.Model):
    """The authority's receipt of a published report: who, when (once per person)."""

    report = models.ForeignKey(
        SituationReport, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    at = models.DateTimeField(_("acknowledged at"))

    class Meta:
        verbose_name = _("report acknowledgement")
        verbose_name_plural = _("report acknowledgements")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], name="report_ack_once_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.user}"


class ReportReminder(models.Model):
    """The due time the team leads were last reminded of (one reminder per due time)."""

    activation = models.OneToOneField(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="report_reminder",
    )
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.activation_id} {self.due_at:%Y-%m-%d %H:%M}"
