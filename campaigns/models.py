"""Prevention campaigns: a library of prevention messages by risk, campaigns that
schedule them on the relay channels (with the authority's approval when the
agreement asks), and the record of what was published where. Also the daily
digest of watch activations (one per activation and day)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from relay.models import CHANNEL_LIMITS, Channel
from vost.models import PublicLanguage, TimeStampedModel


class Risk(models.TextChoices):
    FLOOD = "flood", _("Flood")
    WILDFIRE = "wildfire", _("Wildfire")
    STORM = "storm", _("Storm")
    HEAT_WAVE = "heat_wave", _("Heat wave")
    EARTHQUAKE = "earthquake", _("Earthquake")
    INDUSTRIAL = "industrial", _("Industrial accident")


Language = PublicLanguage


class PreventionMessage(TimeStampedModel):
    """A prevention message of a VOST team's library (team empty: the shared,
    read-only library every team starts from)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    team = models.ForeignKey(
        "activations.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="prevention_messages",
        verbose_name=_("VOST team"),
    )
    risk = models.CharField(_("risk"), max_length=20, choices=Risk.choices)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"))
    link = models.URLField(_("official link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("prevention message")
        verbose_name_plural = _("prevention messages")
        ordering = ["risk", "language", "title"]
        indexes = [
            models.Index(fields=["team", "risk", "language"], name="prevmsg_team_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_risk_display()} ({self.language}): {self.title}"

    @property
    def full_text(self) -> str:
        return f"{self.text} {self.link}".strip()


class Campaign(TimeStampedModel):
    """A team's publication plan for some messages, on some channels, at some
    times, under an agreement with an authority."""

    team = models.ForeignKey(
        "activations.Organisation",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("VOST team"),
    )
    agreement = models.ForeignKey(
        "activations.Agreement",
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("agreement"),
    )
    title = models.CharField(_("title"), max_length=200)
    messages = models.ManyToManyField(
        PreventionMessage, related_name="campaigns", verbose_name=_("messages")
    )
    channels = ArrayField(
        models.CharField(max_length=20, choices=Channel.choices),
        verbose_name=_("channels"),
        default=list,
    )
    needs_approval = models.BooleanField(default=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def may_publish(self) -> bool:
        """Posts may go out: not cancelled, approved when the agreement asks."""
        return self.cancelled_at is None and (
            not self.needs_approval or self.approved_at is not None
        )


class ScheduledPost(TimeStampedModel):
    """One message on one channel at one time; published at most once."""

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHING = "publishing", _("Publishing")
        PUBLISHED = "published", _("Published")
        OUTBOX = "outbox", _("In the outbox")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="posts"
    )
    message = models.ForeignKey(
        PreventionMessage, on_delete=models.PROTECT, related_name="scheduled_posts"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    scheduled_at = models.DateTimeField(_("scheduled at"), db_index=True)
    text = models.TextField(_("text"))  # as approved: later edits do not change it
    language = models.CharField(max_length=2, choices=Language.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.AWAITING_APPROVAL,
    )
    idempotency_key = models.CharField(max_length=20, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    account = models.CharField(_("account"), max_length=200, blank=True)
    published_url = models.URLField(_("link"), max_length=1000, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("scheduled post")
        verbose_name_plural = _("scheduled posts")
        ordering = ["scheduled_at", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "channel", "scheduled_at"],
                name="scheduledpost_once_per_slot",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="scheduledpost_published_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "scheduled_at"], name="scheduledpost_due_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message} / {self.channel} @ {self.scheduled_at:%Y-%m-%d %H:%M}"

    @property
    def limit(self) -> int:
        return CHANNEL_LIMITS[self.channel]


class WatchDigest(models.Model):
    """The daily digest of a watch activation, sent once per day."""

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    summary = models.JSONField(default=dict)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "day"], name="watchdigest_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activation_id} {self.day}"
