"""Data-subject requests: open, search, approve (a second coordinator), complete
(access: the data is downloaded; erasure: everything found is erased), refuse.

open -> found -> (approved, erasure only) -> completed | refused; due one month
after it was opened.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import Organisation
from audit import services as audit
from privacy.models import ErasureReason, SubjectRequest
from privacy.selectors import handle_normalise, subject_findings
from privacy.services.erasure import erase_post
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

Status = SubjectRequest.Status
MAX_NOTE = 5000


def one_month_after(moment: dt.datetime) -> dt.datetime:
    """The same day next month (the last day when it has fewer days)."""
    year = moment.year + (moment.month // 12)
    month = moment.month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@transaction.atomic
def subject_request_open(
    *,
    organisation: Organisation,
    by: User,
    kind: str,
    platform: str,
    handle: str,
    include_mentions: bool = False,
    requester_note: str = "",
    now: dt.datetime | None = None,
) -> SubjectRequest:
    """Open a request (callers checked that `by` coordinates `organisation`). The
    same open request again (same kind, platform and handle) is returned as is."""
    if kind not in SubjectRequest.Kind.values:
        raise DomainError(_("Choose access or erasure."), code="invalid")
    normalised = handle_normalise(platform=platform, handle=handle)
    if len(requester_note) > MAX_NOTE:
        raise DomainError(
            _("The note is limited to %(max)s characters.") % {"max": MAX_NOTE},
            code="invalid",
        )
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    same = SubjectRequest.objects.filter(
        organisation=organisation,
        kind=kind,
        platform=platform,
        handle=normalised,
        status__in=[Status.OPEN, Status.FOUND, Status.APPROVED],
    ).first()
    if same is not None:
        logger.info("subject request %s opened again, returning it", same.pk)
        return same
    now = now or timezone.now()
    number = (
        SubjectRequest.objects.filter(organisation=organisation).aggregate(
            n=Max("number")
        )["n"]
        or 0
    ) + 1
    request = SubjectRequest(
        organisation=organisation,
        number=number,
        kind=kind,
        platform=platform,
        handle=normalised,
        include_mentions=include_mentions,
        requester_note=requester_note.strip(),
        due_at=one_month_after(now),
        opened_by=by,
    )
    request.full_clean()
    request.save()
    _audit(request, by, "opened")
    logger.info(
        "subject request %s opened by user %s (%s)", request.pk, by.pk, request.kind
    )
    return request


def _audit(request: SubjectRequest, by: User, step: str) -> None:
    audit.record(
        action=audit.Action.DATA_SUBJECT_REQUEST,
        actor=by,
        organisation=request.organisation,
        obj=request,
        summary=f"{step} kind={request.kind} platform={request.platform}",
    )


def _locked(request: SubjectRequest) -> SubjectRequest:
    return SubjectRequest.objects.select_for_update().get(pk=request.pk)


@transaction.atomic
def subject_request_find(
    *, request: SubjectRequest, by: User, now: dt.datetime | None = None
) -> SubjectRequest:
    """Search (again) for the handle's data; the summary is stored."""
    request = _locked(request)
    if request.status not in (Status.OPEN, Status.FOUND):
        raise ConflictError(
            _("This request is %(status)s: it is not searched again.")
            % {"status": request.get_status_display()}
        )
    findings = subject_findings(
        organisation=request.organisation,
        platform=request.platform,
        handle=request.handle,
        include_mentions=request.include_mentions,
    )
    request.findings = findings.summary()
    request.found_at = now or timezone.now()
    request.status = Status.FOUND
    request.save(update_fields=["findings", "found_at", "status", "updated_at"])
    _audit(request, by, "searched")
    return request


@transaction.atomic
def subject_request_approve(
    *, request: SubjectRequest, by: User, confirm: bool, now: dt.datetime | None = None
) -> SubjectRequest:
    """A second coordinator approves an erasure (not the one who opened it)."""
    request = _locked(request)
    if request.kind != SubjectRequest.Kind.ERASURE:
        raise DomainError(_("Only an erasure needs an approval."), code="invalid")
    if request.status == Status.APPROVED:
        return request  # a double click
    if request.status != Status.FOUND:
        raise ConflictError(
            _("Search for the data first; this request is %(status)s.")
            % {"status": request.get_status_display()}
        )
    if not confirm:
        raise DomainError(
            _("Tick the box to confirm the erasure."), code="confirm_required"
        )
    if by.pk == request.opened_by_id:
        raise DomainError(
            _("Another coordinator must approve the erasure: you opened this request."),
            code="four_eyes",
        )
    request.status = Status.APPROVED
    request.approved_by = by
    request.approved_at = now or timezone.now()
    request.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    _audit(request, by, "approved")
    return request


@transaction.atomic
def subject_request_complete(
    *, request: SubjectRequest, by: User, confirm: bool, now: dt.datetime | None = None
) -> SubjectRequest:
    """Access: record that the data was given (found first). Erasure (approved):
    erase everything found now. A request already completed is returned as it
    is (a double submission erases once)."""
    request = _locked(request)
    if request.status == Status.COMPLETED:
        return request
    now = now or timezone.now()
    if request.kind == SubjectRequest.Kind.ACCESS:
        if request.status != Status.FOUND:
            raise ConflictError(_("Search for the data first."))
        request.counts = dict(request.findings)
    else:
        if request.status != Status.APPROVED:
            raise ConflictError(
                _("A second coordinator must approve the erasure first.")
            )
        if not confirm:
            raise DomainError(
                _("Tick the box to confirm the erasure."), code="confirm_required"
            )
        findings = subject_findings(
            organisation=request.organisation,
            platform=request.platform,
            handle=request.handle,
            include_mentions=request.include_mentions,
        )
        posts = list(findings.posts)
        map_extra = list(
            findings.map_items.exclude(cluster_id__in=findings.represented_clusters)
        )
        erased = exports = 0
        for post in posts:
            erasure = erase_post(
                post, ErasureReason.SUBJECT_REQUEST, request=request, by=by, now=now
            )
            erased += 1
            exports += len(erasure.counts.get("exports_withdrawn", []))
        from mapping.models import MapItem

        cleared = MapItem.objects.filter(pk__in=[m.pk for m in map_extra]).update(
            author_handle="", post_url=""
        )
        request.counts = {
            "posts_erased": erased,
            "map_items_cleared": cleared,
            "exports_withdrawn": exports,
        }
    request.status = Status.COMPLETED
    request.completed_by = by
    request.completed_at = now
    request.save(
        update_fields=["status", "counts", "completed_by", "completed_at", "updated_at"]
    )
    _audit(request, by, "completed")
    logger.info("subject request %s completed: %s", request.pk, request.counts)
    return request


@transaction.atomic
def subject_request_refuse(
    *, request: SubjectRequest, by: User, reason: str, now: dt.datetime | None = None
) -> SubjectRequest:
    """Refuse (e.g. identity not established), with the reason given to the person."""
    request = _locked(request)
    if request.is_closed:
        raise ConflictError(
            _("This request is already %(status)s.")
            % {"status": request.get_status_display()}
        )
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the request is refused."), code="invalid")
    request.status = Status.REFUSED
    request.refusal_reason = reason[:MAX_NOTE]
    request.completed_by = by
    request.completed_at = now or timezone.now()
    request.save(
        update_fields=[
            "status",
            "refusal_reason",
            "completed_by",
            "completed_at",
            "updated_at",
        ]
    )
    _audit(request, by, "refused")
    return request
