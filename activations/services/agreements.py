"""Partnership agreements: saving, status, what they cover, expiry reminders."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.gis.geos import MultiPolygon
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import (
    Agreement,
    Mission,
    Organisation,
    OrganisationMember,
)
from activations.services._common import MAX_PDF_BYTES, REMINDER_DAYS, _clean
from audit import services as audit
from vost.exceptions import DomainError

logger = logging.getLogger(__name__)


def _check_pdf(document: UploadedFile[bytes]) -> None:
    if document.size is not None and document.size > MAX_PDF_BYTES:
        raise DomainError(_("The signed agreement must be a PDF of at most 10 MB."))
    head = document.read(5)
    document.seek(0)
    if head != b"%PDF-":
        raise DomainError(_("The signed agreement must be a PDF file."))


AGREEMENT_FIELDS = frozenset(
    {
        "reference",
        "title",
        "vost_team",
        "authority",
        "signed_on",
        "valid_from",
        "valid_until",
        "missions",
        "territory",
        "retention_days",
        "relay_needs_approval",
        "activation_procedure",
        "notes",
    }
)


@transaction.atomic
def agreement_save(
    *,
    agreement: Agreement | None,
    document: UploadedFile[bytes] | None = None,
    **fields: Any,
) -> Agreement:
    """Create or edit an agreement (status changes go through agreement_set_status)."""
    unknown = set(fields) - AGREEMENT_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields {sorted(unknown)}")
    agreement = agreement or Agreement()
    for name, value in fields.items():
        setattr(agreement, name, value)
    if (
        agreement.vost_team_id
        and agreement.vost_team.kind != Organisation.Kind.VOST_TEAM
    ):
        raise DomainError(_("The first party of an agreement must be a VOST team."))
    if (
        agreement.authority_id
        and agreement.authority.kind == Organisation.Kind.VOST_TEAM
    ):
        raise DomainError(_("The second party of an agreement must be an authority."))
    if set(agreement.missions) - set(Mission.values):
        raise DomainError(_("Unknown mission."))
    if document is not None:
        _check_pdf(document)
        # Never the uploader's name: it could climb out of the folder, or make the
        # file servable as something else than a PDF (x.html starting with %PDF-).
        document.name = f"{uuid.uuid4().hex}.pdf"
        agreement.signed_document = document
    _clean(agreement)
    try:
        with transaction.atomic():
            agreement.save()
    except IntegrityError as exc:
        raise DomainError(
            _("An agreement with this reference already exists."), code="invalid"
        ) from exc
    return agreement


AGREEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    Agreement.Status.DRAFT: frozenset(
        {Agreement.Status.ACTIVE, Agreement.Status.TERMINATED}
    ),
    Agreement.Status.ACTIVE: frozenset(
        {Agreement.Status.SUSPENDED, Agreement.Status.TERMINATED}
    ),
    Agreement.Status.SUSPENDED: frozenset(
        {Agreement.Status.ACTIVE, Agreement.Status.TERMINATED}
    ),
    Agreement.Status.TERMINATED: frozenset(),
}


@transaction.atomic
def agreement_set_status(*, agreement: Agreement, status: str, by: User) -> Agreement:
    """Activate, suspend, resume or terminate; "expired" is never set, it follows from the dates."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if status not in AGREEMENT_TRANSITIONS.get(agreement.status, frozenset()):
        raise DomainError(
            _("An agreement cannot go from “%(old)s” to “%(new)s”.")
            % {
                "old": agreement.get_status_display(),
                "new": Agreement.Status(status).label,
            }
        )
    if (
        status == Agreement.Status.ACTIVE
        and agreement.valid_until < timezone.localdate()
    ):
        raise DomainError(_("This agreement has expired; extend its validity first."))
    agreement.status = status
    agreement.save(update_fields=["status", "updated_at"])
    audit.record(
        action=audit.Action.PERMISSION_CHANGE,
        actor=by,
        organisation=agreement.vost_team,
        obj=agreement,
        summary=f"agreement status={status}",
    )
    logger.info("agreement %s set to %s by user %s", agreement.pk, status, by.pk)
    return agreement


def agreement_check_covers(
    *,
    agreement: Agreement,
    missions: Iterable[str],
    area: MultiPolygon | None,
    on: dt.date | None = None,
) -> None:
    """Raise DomainError unless the agreement is in force and allows these missions and area."""
    day = on or timezone.localdate()
    effective = agreement.effective_status(day)
    if effective != Agreement.Status.ACTIVE or not agreement.is_in_force(day):
        if effective == Agreement.Status.ACTIVE:  # active, but not yet valid
            raise DomainError(
                _("Agreement %(ref)s is not yet valid.") % {"ref": agreement.reference}
            )
        raise DomainError(
            _("Agreement %(ref)s is %(status)s: no activation under it.")
            % {
                "ref": agreement.reference,
                "status": Agreement.Status(effective).label.lower(),
            }
        )
    refused = sorted(set(missions) - set(agreement.missions))
    if refused:
        raise DomainError(
            _("Agreement %(ref)s does not allow: %(missions)s.")
            % {
                "ref": agreement.reference,
                "missions": ", ".join(str(Mission(m).label) for m in refused),
            }
        )
    if (
        area is not None
        and agreement.territory is not None
        and not area.intersects(agreement.territory)
    ):
        raise DomainError(_("The area lies outside the agreement's territory."))


def agreements_remind_expiring(*, today: dt.date | None = None) -> int:
    """Email the coordinators of each team whose active agreement ends in 60/30/7/1 days.

    Idempotent: each threshold is sent once (``last_reminder_days``). Returns the count sent.
    """
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    today = today or timezone.localdate()
    sent = 0
    horizon = today + dt.timedelta(days=max(REMINDER_DAYS))
    candidates = Agreement.objects.filter(
        status=Agreement.Status.ACTIVE, valid_until__gte=today, valid_until__lte=horizon
    ).select_related("vost_team", "authority")
    for agreement in candidates:
        left = (agreement.valid_until - today).days
        threshold = min(d for d in REMINDER_DAYS if d >= left)
        if (
            agreement.last_reminder_days is not None
            and agreement.last_reminder_days <= threshold
        ):
            continue
        coordinators = User.objects.filter(
            organisation_memberships__organisation=agreement.vost_team,
            organisation_memberships__role=OrganisationMember.Role.COORDINATOR,
            is_active=True,
        ).exclude(email="")
        for user in coordinators:
            with translation.override(user.language):
                send_mail(
                    subject=_("Agreement %(ref)s expires in %(days)s days")
                    % {"ref": agreement.reference, "days": left},
                    message=render_to_string(
                        "activations/email/agreement_expiring.txt",
                        {"agreement": agreement, "days": left, "user": user},
                    ),
                    from_email=None,
                    recipient_list=[user.email],
                )
            sent += 1
        Agreement.objects.filter(pk=agreement.pk).update(last_reminder_days=threshold)
    return sent
