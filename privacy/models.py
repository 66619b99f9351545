"""Data protection: erased posts (tombstones), the record of processing of each
activation, and data-subject requests (access, erasure) of an organisation."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vost.models import TimeStampedModel


class ErasureReason(models.TextChoices):
    PLATFORM_DELETED = "platform_deleted", _("Deleted on the platform")
    COMPLIANCE_CHECK = "compliance_check", _("Gone at a compliance check")
    SUBJECT_REQUEST = "subject_request", _("Data-subject erasure request")


class PostErasure(models.Model):
    """A post whose content was erased: the row of monitoring.Post stays as a
    tombstone (platform, external id, times, category), so cases, clusters and
    decisions keep their links, and the post is never ingested again."""

    post = models.OneToOneField(
        "monitoring.Post", on_delete=models.CASCADE, related_name="erasure"
    )
    activation = models.ForeignKey(
        "activations.Activation", on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=ErasureReason.choices)
    erased_at = models.DateTimeField(db_index=True)
    # The data-subject request that asked for it, if one did.
    request = models.ForeignKey(
        "privacy.SubjectRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erasures",
    )
    # What else was touched: cases, map items, exports withdrawn, aid entries.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("erased post")
        verbose_name_plural = _("erased posts")
        indexes = [
            models.Index(fields=["activation", "-erased_at"], name="erasure_act_idx")
        ]

    def __str__(self) -> str:
        return f"erasure of post {self.post_id} ({self.reason})"


# The fields of the record coordinators edit (retention comes from the agreement).
EDITABLE = (
    "controller",
    "processors",
    "legal_basis",
    "purposes",
    "data_categories",
    "data_subjects",
    "recipients",
    "transfers",
    "security_measures",
    "notes",
)
MAX_FIELD = 5000


class ProcessingRecord(TimeStampedModel):
    """The record of processing (GDPR art. 30) of one activation. Made with
    defaults from the agreement and the activation the first time it is shown;
    coordinators edit it."""

    activation = models.OneToOneField(
        "activations.Activation",
        on_delete=models.CASCADE,
        related_name="processing_record",
        verbose_name=_("activation"),
    )
    controller = models.TextField(_("controller"), blank=True)
    processors = models.TextField(_("processors and sub-processors"), blank=True)
    legal_basis = models.TextField(_("legal basis"))
    purposes = models.TextField(_("purposes"))
    data_categories = models.TextField(_("categories of personal data"))
    data_subjects = models.TextField(_("categories of data subjects"))
    recipients = models.TextField(_("recipients"))
    transfers = models.TextField(_("transfers outside the EU"), blank=True)
    security_measures = models.TextField(_("security measures"))
    notes = models.TextField(_("notes"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("record of processing")
        verbose_name_plural = _("records of processing")

    def __str__(self) -> str:
        return f"record of processing of {self.activation_id}"


class SubjectRequest(TimeStampedModel):
    """A person's request about the data held on one platform account: a copy
    (access) or its erasure, answered within a month."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access (a copy of the data)")
        ERASURE = "erasure", _("Erasure")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FOUND = "found", _("Data found")
        APPROVED = "approved", _("Erasure approved")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")

    organisation = models.ForeignKey(
        "activations.Organisation",
        on_delete=models.CASCADE,
        related_name="subject_requests",
        verbose_name=_("organisation"),
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("request"), max_length=10, choices=Kind.choices)
    platform = models.CharField(_("platform"), max_length=20)
    # Normalised: lower case, no leading @ (Mastodon: user@instance).
    handle = models.CharField(_("account"), max_length=200)
    include_mentions = models.BooleanField(
        _("also posts mentioning the account"), default=False
    )
    requester_note = models.TextField(
        _("how the person asked, identity checks"), blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    due_at = models.DateTimeField(_("answer due by"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    found_at = models.DateTimeField(_("searched at"), null=True, blank=True)
    # privacy.selectors.subject_findings() summary as JSON.
    findings = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="dsr_number_per_org"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("opened_by")),
                name="dsr_approver_differs_from_opener",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "status", "due_at"], name="dsr_org_status_idx"
            )
        ]

    def __str__(self) -> str:
        return f"DSR {self.number} {self.platform}:{self.handle}"

    @property
    def is_closed(self) -> bool:
        return self.status in {self.Status.COMPLETED, self.Status.REFUSED}


class ComplianceCursor(models.Model):
    """Where the compliance check of one platform host goes on next time, and
    until when the host asked us to wait (HTTP 429)."""

    key = models.CharField(max_length=200, unique=True)  # "mastodon:host", "x"…
    last_post_id = models.BigIntegerField(default=0)
    paused_until = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    checked_total = models.PositiveBigIntegerField(default=0)
    gone_total = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("compliance check cursor")
        verbose_name_plural = _("compliance check cursors")

    def __str__(self) -> str:
        return self.key
