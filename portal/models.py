"""Requests for information: a question the authority's liaison asks the VOST team,
with a due time, answered with text and linked map items or verification cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vost.models import TimeStampedModel


class RequestForInformation(TimeStampedModel):
    """One question of the authority (RFI 1, RFI 2… within the activation)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("request for information", "Open")
        ANSWERED = "answered", pgettext_lazy("request for information", "Answered")
        CLOSED = "closed", pgettext_lazy("request for information", "Closed")
        WITHDRAWN = "withdrawn", pgettext_lazy("request for information", "Withdrawn")

    class Priority(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="requests_for_information",
    )
    number = models.PositiveIntegerField(_("number"))
    question = models.TextField(_("question"))
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    asked_at = models.DateTimeField(_("asked at"))
    due_at = models.DateTimeField(_("due at"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    map_items = models.ManyToManyField(
        "mapping.MapItem", related_name="+", blank=True, verbose_name=_("map items")
    )
    cases = models.ManyToManyField(
        "verification.Case", related_name="+", blank=True, verbose_name=_("cases")
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("request for information")
        verbose_name_plural = _("requests for information")
        ordering = ["due_at", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "number"], name="rfi_number_per_activation"
            ),
            models.CheckConstraint(
                condition=~Q(status="answered")
                | Q(answered_at__isnull=False, answered_by__isnull=False),
                name="rfi_answered_has_who_and_when",
            ),
        ]
        indexes = [
            models.Index(
                fields=["activation", "status", "due_at"],
                name="rfi_activation_status_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"RFI {self.number} {self.question[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
