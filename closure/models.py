"""Closing an activation: the retention purge it schedules and its after-action review."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vost.models import TimeStampedModel


class RetentionPurge(TimeStampedModel):
    """The purge of collected data the agreement sets, `retention_days` after closing.

    One per activation; the beat task `closure.run_due_purges` runs it once due.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled (activation reopened)")

    activation = models.OneToOneField(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="retention_purge",
        verbose_name=_("activation"),
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # What was purged and kept (posts_purged, posts_kept, map_items_cleared…).
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("retention purge")
        verbose_name_plural = _("retention purges")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="purge_due_idx",
                condition=Q(status="scheduled"),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_at__isnull=False),
                name="purge_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"purge of {self.activation_id} ({self.status})"


class AfterActionReview(TimeStampedModel):
    """What the activation did, frozen when it closed, and the lessons the team draws."""

    activation = models.OneToOneField(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="after_action_review",
        verbose_name=_("activation"),
    )
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    lessons_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lessons last edited by"),
    )
    generated_at = models.DateTimeField(_("figures computed at"), null=True, blank=True)
    # closure.selectors.aar_compute() as JSON (times as ISO 8601 strings).
    figures = models.JSONField(
        _("figures"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("after-action review")
        verbose_name_plural = _("after-action reviews")

    def __str__(self) -> str:
        return f"after-action review of {self.activation_id}"
