"""Official messages of the authority and their relay, one task per channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vost.models import PublicLanguage, TimeStampedModel


class Channel(models.TextChoices):
    X = "x", "X"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"


# Characters allowed per post (X counts every link as 23, see drafting.weighted_length).
CHANNEL_LIMITS: dict[str, int] = {
    Channel.X: 280,
    Channel.BLUESKY: 300,
    Channel.MASTODON: 500,
}


class RelayChannel(TimeStampedModel):
    """A channel this activation relays official messages to (credentials are the
    deployment's, in settings: without them the channel works as an outbox)."""

    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="relay_channels",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    enabled = models.BooleanField(_("relay to this channel"), default=True)
    hashtags = models.CharField(
        _("hashtags"),
        max_length=200,
        blank=True,
        help_text=_("Added to every draft, e.g. #inondations #Hérault."),
    )

    class Meta:
        verbose_name = _("relay channel")
        verbose_name_plural = _("relay channels")
        ordering = ["channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "channel"], name="relay_channel_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activation_id}:{self.channel}"


class AuthorityAccount(TimeStampedModel):
    """An account of the authority whose posts (ingested by monitoring) are official."""

    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="relay_authority_accounts",
    )
    # lower case, without the leading @ (as Post.author_handle, normalised)
    handle = models.CharField(_("handle"), max_length=200)

    class Meta:
        verbose_name = _("authority account")
        verbose_name_plural = _("authority accounts")
        ordering = ["handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "handle"], name="relay_authority_account_once"
            )
        ]

    def __str__(self) -> str:
        return self.handle


class OfficialMessage(TimeStampedModel):
    """A message of the authority to relay: from a CAP alert, one of the
    authority's accounts, or typed by a liaison or team lead."""

    class Origin(models.TextChoices):
        CAP = "cap", _("CAP alert")
        AUTHORITY_ACCOUNT = "authority_account", _("Authority's account")
        LIAISON = "liaison", _("Typed")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        DRAFTED = "drafted", _("Being relayed")
        RELAYED = "relayed", _("Relayed")
        CANCELLED = "cancelled", _("Cancelled")

    Language = PublicLanguage

    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="official_messages",
    )
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    source_post = models.ForeignKey(
        "monitoring.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source post"),
    )
    text = models.TextField(_("text"))
    url = models.URLField(_("link"), max_length=500, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("official message")
        verbose_name_plural = _("official messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            # the beat task may see a post many times: one message per post
            models.UniqueConstraint(
                fields=["activation", "source_post"],
                condition=Q(source_post__isnull=False),
                name="relay_message_once_per_post",
            )
        ]
        indexes = [
            models.Index(
                fields=["activation", "-created_at"], name="relay_message_recent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"M{self.pk}"


class RelayTask(TimeStampedModel):
    """One message on one channel: its draft, approval and publication."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        PUBLISHING = "publishing", _("Publishing")
        PUBLISHED = "published", _("Published")
        OUTBOX = "outbox", _("In the outbox")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    message = models.ForeignKey(
        OfficialMessage, on_delete=models.CASCADE, related_name="tasks"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    text = models.TextField(_("draft"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    approval_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approval_requested_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    publish_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    publish_requested_at = models.DateTimeField(null=True, blank=True)
    published_url = models.URLField(_("published link"), max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who recorded the link of an outbox post (empty: the connector).",
    )
    external_id = models.CharField(max_length=200, blank=True)
    # Sent to Mastodon as Idempotency-Key; for Bluesky, the record key (a TID).
    idempotency_key = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # True between "about to call the platform" (committed) and its answer: a
    # worker finding it True and stale knows a previous one died mid-call.
    in_flight = models.BooleanField(default=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("relay task")
        verbose_name_plural = _("relay tasks")
        ordering = ["message_id", "channel"]
        constraints = [
            # a message is never relayed twice to the same channel
            models.UniqueConstraint(
                fields=["message", "channel"], name="relay_task_once_per_channel"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | ~Q(published_url=""),
                name="relay_task_published_has_link",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="relay_task_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}:{self.channel}"

    @property
    def limit(self) -> int:
        return CHANNEL_LIMITS[self.channel]
