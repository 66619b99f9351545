"""Saved searches: a query and its filters, shared with the activation's team,
that can alert their followers when new posts match."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vost.models import TimeStampedModel


class SavedSearch(TimeStampedModel):
    """A search the team keeps; its alerts look at posts newer than ``last_match_id``."""

    activation = models.ForeignKey(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="saved_searches",
        verbose_name=_("activation"),
    )
    name = models.CharField(_("name"), max_length=120)
    query = models.CharField(_("search words"), max_length=500, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    alerts_enabled = models.BooleanField(_("alerts"), default=True)
    alerts_paused_at = models.DateTimeField(
        _("alerts paused at"), null=True, blank=True, editable=False
    )
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_match_id = models.BigIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="followed_searches"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        constraints = [
            models.UniqueConstraint(
                fields=["activation", "name"], name="savedsearch_name_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["alerts_enabled", "alerts_paused_at"],
                name="savedsearch_alerts_idx",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def alerts_paused(self) -> bool:
        return self.alerts_paused_at is not None
