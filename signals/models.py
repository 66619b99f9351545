"""Emerging signals: a term, hashtag or place whose volume rose far above its baseline."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vost.models import TimeStampedModel


class EmergingSignal(TimeStampedModel):
    """One burst of one key; updated while it rises (one open signal per key).

    "Open" means not closed: a dismissal closes it at once; a burst no longer
    flagged for ``services.QUIET_AFTER`` closes too.
    """

    class Kind(models.TextChoices):
        TERM = "term", _("Term")
        HASHTAG = "hashtag", _("Hashtag")
        PLACE = "place", _("Place")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="emerging_signals",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=200)
    window_start = models.DateTimeField(_("window start"))
    current_count = models.PositiveIntegerField(_("posts in the window"))
    baseline_rate = models.FloatField(_("usual posts per 5 minutes"))
    expected = models.FloatField(_("usual posts per window"))
    ratio = models.FloatField(_("ratio"))
    zscore = models.FloatField(_("z-score"))
    peak_count = models.PositiveIntegerField(_("peak"), default=0)
    first_seen = models.DateTimeField(_("first seen"))
    since = models.DateTimeField(_("rising since"))
    last_flagged_at = models.DateTimeField(_("last flagged"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    sample_post_ids = models.JSONField(default=list, blank=True)
    series = models.JSONField(default=list, blank=True)  # posts per 5 min, oldest first

    class Meta:
        verbose_name = _("emerging signal")
        verbose_name_plural = _("emerging signals")
        ordering = ["-last_flagged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "kind", "key"],
                condition=Q(closed_at__isnull=True),
                name="signal_one_open_per_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["activation", "closed_at", "-last_flagged_at"],
                name="signal_activation_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"

    @property
    def label(self) -> str:
        return f"#{self.key}" if self.kind == self.Kind.HASHTAG else self.key

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def explanation(self) -> str:
        """``#crue: 42 posts in the last 15 min, 8x the usual 5; since 14:05``."""
        values = {
            "label": self.label,
            "count": self.current_count,
            "ratio": f"{self.ratio:.0f}" if self.ratio >= 10 else f"{self.ratio:.1f}",
            "usual": f"{self.baseline_rate * 3:.0f}",
            "since": date_format(
                timezone.localtime(self.since, ZoneInfo(self.activation.timezone)),
                "H:i",
            ),
        }
        if self.baseline_rate * 3 < 0.5:
            return (
                gettext(
                    "%(label)s: %(count)d posts in the last 15 min, up from almost "
                    "none; since %(since)s"
                )
                % values
            )
        return (
            gettext(
                "%(label)s: %(count)d posts in the last 15 min, %(ratio)s times the "
                "usual %(usual)s; since %(since)s"
            )
            % values
        )
