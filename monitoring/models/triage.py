"""What volunteers do with the queue: decisions on items and life-safety escalations."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from monitoring.models.ingest import Category, Cluster
from vost.models import TimeStampedModel


class TriageDecision(models.Model):
    """One decision on a queue item, kept even when undone (the history of the item)."""

    class Kind(models.TextChoices):
        NOT_RELEVANT = "not_relevant", _("Not relevant")
        RELEVANT = "relevant", _("Relevant")
        URGENT = "urgent", _("Urgent (life-safety)")
        VERIFY = "verify", _("Needs verification")
        SKIP = "skip", _("Skipped")

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="+"
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="decisions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("decision"), max_length=20, choices=Kind.choices)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, blank=True
    )
    tags = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("tags"),
        default=list,
        blank=True,
    )
    note = models.TextField(_("note"), blank=True)
    bulk = models.BooleanField(default=False)  # taken by a team lead on a selection
    # What the cluster was before, so an undo puts it back exactly.
    previous_status = models.CharField(max_length=20)
    previous_category = models.CharField(max_length=20, blank=True)
    previous_decision = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=now, db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    # When the activation's classifier learnt from it (after the undo window).
    learnt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("triage decision")
        verbose_name_plural = _("triage decisions")
        indexes = [
            models.Index(
                fields=["activation", "-created_at"], name="decision_activation_idx"
            ),
            models.Index(fields=["user", "-created_at"], name="decision_user_idx"),
            # a volunteer's recent skips are left out of their "Next"
            models.Index(
                fields=["user", "cluster"],
                name="decision_skip_idx",
                condition=Q(kind="skip", undone_at__isnull=True),
            ),
            models.Index(
                fields=["activation", "created_at"],
                name="decision_to_learn_idx",
                condition=Q(learnt_at__isnull=True, undone_at__isnull=True)
                & ~Q(kind="skip"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.cluster_id}"


class Escalation(TimeStampedModel):
    """A life-safety item sent to the on-duty liaisons and the coordinators, until one
    of them acknowledges it; re-notified while nobody does."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CANCELLED = "cancelled", _("Cancelled")

    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="escalations"
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="escalations"
    )
    decision = models.ForeignKey(
        TriageDecision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    summary = models.CharField(_("summary"), max_length=300)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    ack_note = models.TextField(_("acknowledgement note"), blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    notifications_sent = models.PositiveSmallIntegerField(default=0)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    next_notify_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster"],
                name="escalation_one_live_per_item",
                condition=Q(status__in=["open", "acknowledged"]),
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged")
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="escalation_ack_has_who_and_when",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_notify_at"],
                name="escalation_due_idx",
                condition=Q(status="open"),
            ),
            models.Index(
                fields=["activation", "status", "-created_at"],
                name="escalation_activation_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.summary
