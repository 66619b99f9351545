"""The audit trail: who viewed personal data, exported, decided, gave a verdict,
published a report or changed someone's rights, when and from where.

Append-only in the database (migration 0002: a trigger refuses UPDATE and
DELETE). Rows refer to what they are about by type and id, never by copying it:
no post text, no author handle, so that the trail does not become a second store
of personal data that retention and erasure would have to chase.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_SUMMARY = 300


class AuditEvent(models.Model):
    """One audited act. Not a TimeStampedModel: a row is never updated."""

    class Action(models.TextChoices):
        PERSONAL_DATA_VIEW = "personal_data_view", _("Personal data viewed")
        EXPORT = "export", _("Export")
        DECISION = "decision", _("Triage decision")
        VERDICT = "verdict", _("Verification verdict")
        REPORT_PUBLICATION = "report_publication", _("Report publication")
        PERMISSION_CHANGE = "permission_change", _("Permission change")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        DATA_SUBJECT_REQUEST = "data_subject_request", _("Data-subject request")

    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the system (scheduled tasks)."),
    )
    actor_label = models.CharField(
        _("actor name"),
        max_length=150,
        blank=True,
        help_text=_("The actor's username when the event was recorded."),
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    activation = models.ForeignKey(
        "activations.Activation",
        verbose_name=_("activation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "activations.Organisation",
        verbose_name=_("VOST team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The VOST team whose coordinators may read the event: the activation's "
            "lead team, or the team that manages the organisation concerned."
        ),
    )
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=MAX_SUMMARY, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            # the activation page and the team page, newest first (keyset paging)
            models.Index(
                fields=["activation", "-at", "-id"], name="audit_activation_at_idx"
            ),
            models.Index(
                fields=["organisation", "-at", "-id"], name="audit_organisation_at_idx"
            ),
            # "everything this person did", "every export"
            models.Index(fields=["actor", "-at"], name="audit_actor_at_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_at_idx"),
            # "who looked at this case"
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # words of the summary: icontains is UPPER(summary) LIKE UPPER('%word%')
            GinIndex(
                OpClass(Upper("summary"), name="gin_trgm_ops"),
                name="audit_summary_trgm_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action}"

    @property
    def object_ref(self) -> str:
        return f"{self.object_type}:{self.object_id}" if self.object_type else ""
