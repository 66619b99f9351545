"""Writes on situation reports: compose, edit, submit, publish, correct, acknowledge,
and the reminders before a report is due.

Permissions are checked by the callers (views and API, through
``activation_get_for_user`` with EDIT_REPORTS, PUBLISH_REPORTS or
ACKNOWLEDGE_REPORTS). Every change locks the report row; a published report is
never written again (``_editable`` refuses), a correction is a new version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify_translated
from activations.models import Activation, ActivationMember, LogEntry
from activations.services._common import log
from audit import services as audit
from reports import compose
from reports.models import (
    SECTION_KEYS,
    ReportAcknowledgement,
    ReportReminder,
    SituationReport,
)
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

Status = SituationReport.Status
Role = ActivationMember.Role
MAX_SUMMARY = 10_000
MAX_TEXT = 10_000
MAX_CHANGE_NOTE = 2_000
REMIND_BEFORE = dt.timedelta(minutes=30)


# --- helpers -----------------------------------------------------------------------------
def report_url(report: SituationReport) -> str:
    return reverse(
        "reports:report-detail",
        args=[report.activation.slug, report.number, report.version],
    )


def content_hash(report: SituationReport) -> str:
    """SHA-256 of what a published report says (its number, period, texts, data, map)."""
    body = json.dumps(
        {
            "activation": report.activation_id,
            "number": report.number,
            "version": report.version,
            "supersedes": report.supersedes_id,
            "change_note": report.change_note,
            "is_final": report.is_final,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "summary": report.summary,
            "texts": report.texts,
            "data": report.data,
            "map_svg": report.map_svg,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _locked(report: SituationReport) -> SituationReport:
    current = (
        SituationReport.objects.select_for_update()
        .select_related("activation")
        .get(pk=report.pk)
    )
    return current


def _check_revision(current: SituationReport, revision: int | None) -> None:
    if revision is not None and current.revision != revision:
        raise ConflictError(
            _(
                "Someone else changed report %(label)s meanwhile. Reload the page, "
                "check their change and try again."
            )
            % {"label": current.label}
        )


def _editable(current: SituationReport) -> None:
    if current.status == Status.PUBLISHED:
        raise DomainError(
            _(
                "Report %(label)s is published and cannot be changed: publish a "
                "correction instead."
            )
            % {"label": current.label},
            code="published",
        )


def previous_period_end(*, activation: Activation) -> dt.datetime:
    """Where the next report's period starts: the last report's end, or the activation's start."""
    last = SituationReport.objects.filter(activation=activation).aggregate(
        end=Max("period_end")
    )["end"]
    return last or activation.activated_at or activation.requested_at


# --- compose -----------------------------------------------------------------------------
@transaction.atomic
def report_compose(
    *,
    activation: Activation,
    by: User,
    period_end: dt.datetime | None = None,
    is_final: bool = False,
) -> SituationReport:
    """A new numbered draft over the period since the last report (or the activation's
    start) until `period_end` (now). Refused while another new report is a draft or
    in review (so a double click makes one report)."""
    Activation.objects.select_for_update().filter(pk=activation.pk).first()
    pending = SituationReport.objects.filter(
        activation=activation, version=1, status__in=[Status.DRAFT, Status.IN_REVIEW]
    ).first()
    if pending is not None:
        raise ConflictError(
            _(
                "Report %(label)s is not published yet: finish it before composing "
                "the next one."
            )
            % {"label": pending.label},
            code="pending_report",
        )
    start = previous_period_end(activation=activation)
    end = period_end or timezone.now()
    if end <= start:
        raise DomainError(
            _("The period must end after %(start)s.")
            % {
                "start": timezone.localtime(start, activation.tz).strftime(
                    "%Y-%m-%d %H:%M"
                )
            },
            code="empty_period",
        )
    number = (
        SituationReport.objects.filter(activation=activation).aggregate(
            n=Max("number")
        )["n"]
        or 0
    ) + 1
    data = compose.report_data(activation=activation, start=start, end=end)
    report = SituationReport.objects.create(
        activation=activation,
        number=number,
        status=Status.DRAFT,
        is_final=is_final,
        period_start=start,
        period_end=end,
        summary=_default_summary(data),
        data=data,
        texts=dict.fromkeys(SECTION_KEYS, ""),
        map_svg=compose.report_map_svg(activation=activation, start=start, end=end),
        created_by=by,
    )
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("Situation report %(label)s composed (draft).")
        % {"label": report.label},
    )
    logger.info("report %s composed for %s", report.label, activation.slug)
    return report


def _default_summary(data: Mapping[str, Any]) -> str:
    counts, urgent, rumours = data["counts"], data["urgent"], data["rumours"]
    return _(
        "%(items)s verified items in the period (%(previous)s in the previous one); "
        "%(urgent)s escalations; %(debunked)s rumours debunked."
    ) % {
        "items": counts["total"],
        "previous": counts["total_previous"],
        "urgent": urgent["count"],
        "debunked": rumours["debunked"],
    }


@transaction.atomic
def report_refresh(
    *, report: SituationReport, by: User, revision: int | None = None
) -> SituationReport:
    """Compose a draft's data and map again (same period); texts are kept."""
    current = _locked(report)
    _editable(current)
    _check_revision(current, revision)
    if current.status != Status.DRAFT:
        raise DomainError(_("Only a draft can be composed again."), code="not_draft")
    activation = current.activation
    current.data = compose.report_data(
        activation=activation, start=current.period_start, end=current.period_end
    )
    current.map_svg = compose.report_map_svg(
        activation=activation, start=current.period_start, end=current.period_end
    )
    current.revision += 1
    current.save(update_fields=["data", "map_svg", "revision", "updated_at"])
    return current


# --- edit, submit, publish ----------------------------------------------------------------
@transaction.atomic
def report_edit(
    *,
    report: SituationReport,
    by: User,
    revision: int,
    summary: str,
    texts: Mapping[str, str],
    is_final: bool | None = None,
) -> SituationReport:
    """Save the summary and section texts of a draft (or a report in review);
    a stale `revision` or a published report is refused."""
    current = _locked(report)
    _editable(current)
    _check_revision(current, revision)
    unknown = set(texts) - set(SECTION_KEYS)
    if unknown:
        raise DomainError(
            _("Unknown section “%(key)s”.") % {"key": sorted(unknown)[0]},
            code="unknown_section",
        )
    summary = summary.strip()
    if len(summary) > MAX_SUMMARY or any(len(t) > MAX_TEXT for t in texts.values()):
        raise DomainError(
            _("A text is at most %(limit)s characters.") % {"limit": MAX_TEXT},
            code="too_long",
        )
    current.summary = summary
    current.texts = {
        key: texts.get(key, current.texts.get(key, "")).strip() for key in SECTION_KEYS
    }
    if is_final is not None:
        current.is_final = is_final
    current.revision += 1
    current.save(
        update_fields=["summary", "texts", "is_final", "revision", "updated_at"]
    )
    return current


@transaction.atomic
def report_submit(
    *, report: SituationReport, by: User, revision: int | None = None
) -> SituationReport:
    """Draft -> in review (the team lead's step)."""
    current = _locked(report)
    _editable(current)
    _check_revision(current, revision)
    if current.status == Status.IN_REVIEW:
        raise ConflictError(
            _("Report %(label)s is already in review.") % {"label": current.label},
            code="already_in_review",
        )
    if not current.summary.strip():
        raise DomainError(
            _("Write a summary before submitting the report."), code="no_summary"
        )
    current.status = Status.IN_REVIEW
    current.submitted_by = by
    current.submitted_at = timezone.now()
    current.revision += 1
    current.save(
        update_fields=[
            "status",
            "submitted_by",
            "submitted_at",
            "revision",
            "updated_at",
        ]
    )
    log(
        activation=current.activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("Situation report %(label)s submitted for review.")
        % {"label": current.label},
    )
    return current


@transaction.atomic
def report_return(
    *, report: SituationReport, by: User, revision: int | None = None
) -> SituationReport:
    """In review -> draft (the coordinator sends it back for changes)."""
    current = _locked(report)
    _editable(current)
    _check_revision(current, revision)
    if current.status != Status.IN_REVIEW:
        raise DomainError(
            _("Only a report in review can be sent back."), code="not_in_review"
        )
    current.status = Status.DRAFT
    current.revision += 1
    current.save(update_fields=["status", "revision", "updated_at"])
    return current


@transaction.atomic
def report_publish(
    *, report: SituationReport, by: User, revision: int | None = None
) -> SituationReport:
    """In review -> published (the coordinator's step): frozen with its content hash,
    the activation's liaisons notified (in-app and email, each in their language)."""
    current = _locked(report)
    if current.status == Status.PUBLISHED:
        raise ConflictError(
            _("Report %(label)s is already published.") % {"label": current.label},
            code="already_published",
        )
    _check_revision(current, revision)
    if current.status != Status.IN_REVIEW:
        raise DomainError(
            _(
                "Publishing without review is refused: report %(label)s must be "
                "submitted for review first."
            )
            % {"label": current.label},
            code="not_reviewed",
        )
    current.status = Status.PUBLISHED
    current.published_by = by
    current.published_at = timezone.now()
    current.content_hash = content_hash(current)
    current.revision += 1
    current.save(
        update_fields=[
            "status",
            "published_by",
            "published_at",
            "content_hash",
            "revision",
            "updated_at",
        ]
    )
    activation = current.activation
    if current.supersedes_id:
        text = _("Situation report %(label)s published (correction: %(note)s).") % {
            "label": current.label,
            "note": current.change_note,
        }
    else:
        text = _("Situation report %(label)s published.") % {"label": current.label}
    log(activation=activation, author=by, kind=LogEntry.Kind.DECISION, text=text)
    audit.record(
        action=audit.Action.REPORT_PUBLICATION,
        actor=by,
        activation=activation,
        obj=current,
        summary=f"published {current.label} supersedes={current.supersedes_id or ''}",
    )
    liaisons = _liaisons(activation)
    label, title = current.label, activation.title

    def texts() -> tuple[str, str]:
        if current.supersedes_id:
            return (
                _("Corrected situation report %(label)s: %(title)s")
                % {"label": label, "title": title},
                _("What changed: %(note)s") % {"note": current.change_note},
            )
        return (
            _("Situation report %(label)s: %(title)s")
            % {"label": label, "title": title},
            _("A new situation report is published. Please read and acknowledge it."),
        )

    notify_translated(
        users=list(liaisons),
        texts=texts,
        kind="situation_report",
        url=report_url(current),
        activation=activation,
        level="action",
        email=True,
    )
    return current


def _liaisons(activation: Activation) -> list[User]:
    return [
        m.user
        for m in ActivationMember.objects.filter(
            activation=activation, role=Role.LIAISON, user__is_active=True
        ).select_related("user")
    ]


# --- corrections, acknowledgements ---------------------------------------------------------
@transaction.atomic
def report_correct(
    *, report: SituationReport, by: User, change_note: str
) -> SituationReport:
    """A new draft version of a published report, saying what changes; it goes through
    review and publishing again. One correction at a time per report number."""
    current = _locked(report)
    change_note = change_note.strip()
    if not change_note:
        raise DomainError(_("Say what the correction changes."), code="no_change_note")
    if len(change_note) > MAX_CHANGE_NOTE:
        raise DomainError(
            _("The note is at most %(limit)s characters.") % {"limit": MAX_CHANGE_NOTE},
            code="too_long",
        )
    if current.status != Status.PUBLISHED:
        raise DomainError(
            _("Only a published report can be corrected: edit the draft instead."),
            code="not_published",
        )
    versions = SituationReport.objects.filter(
        activation=current.activation, number=current.number
    )
    latest = versions.aggregate(v=Max("version"))["v"]
    open_version = versions.filter(status__in=[Status.DRAFT, Status.IN_REVIEW]).first()
    if open_version is not None:
        raise ConflictError(
            _("A correction of report %(number)s is already being written (%(label)s).")
            % {"number": current.number, "label": open_version.label},
            code="correction_pending",
        )
    if latest != current.version:
        raise ConflictError(
            _("Report %(label)s was already corrected: correct the latest version.")
            % {"label": current.label},
            code="not_latest",
        )
    try:
        with transaction.atomic():
            correction = SituationReport.objects.create(
                activation=current.activation,
                number=current.number,
                version=current.version + 1,
                supersedes=current,
                change_note=change_note,
                status=Status.DRAFT,
                is_final=current.is_final,
                period_start=current.period_start,
                period_end=current.period_end,
                summary=current.summary,
                data=current.data,
                texts=current.texts,
                map_svg=current.map_svg,
                created_by=by,
            )
    except IntegrityError as exc:  # a concurrent correction won
        raise ConflictError(
            _("A correction of report %(number)s is already being written.")
            % {"number": current.number},
            code="correction_pending",
        ) from exc
    log(
        activation=current.activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("Correction %(label)s of situation report %(number)s started: %(note)s")
        % {"label": correction.label, "number": current.number, "note": change_note},
    )
    audit.record(
        action=audit.Action.REPORT_PUBLICATION,
        actor=by,
        activation=current.activation,
        obj=correction,
        summary=f"correction {correction.label} of report={current.pk}",
    )
    return correction


@transaction.atomic
def report_acknowledge(
    *, report: SituationReport, by: User
) -> tuple[ReportAcknowledgement, bool]:
    """Record that `by` read the published report; a second call returns the first
    acknowledgement (``created`` False)."""
    if report.status != Status.PUBLISHED:
        raise DomainError(
            _("Only a published report can be acknowledged."), code="not_published"
        )
    ack, created = ReportAcknowledgement.objects.get_or_create(
        report=report, user=by, defaults={"at": timezone.now()}
    )
    if created:
        log(
            activation=report.activation,
            author=by,
            kind=LogEntry.Kind.NOTE,
            text=_("Situation report %(label)s acknowledged by %(name)s.")
            % {"label": report.label, "name": by.get_full_name() or by.get_username()},
        )
    return ack, created


# --- reminders -----------------------------------------------------------------------------
def report_next_due(*, activation: Activation) -> dt.datetime | None:
    """When the next report is due: the last report's period end (or the activation's
    start) plus the cadence; None before the activation started."""
    last = SituationReport.objects.filter(activation=activation).aggregate(
        end=Max("period_end")
    )["end"]
    start = last or activation.activated_at
    if start is None:
        return None
    return start + dt.timedelta(hours=activation.report_cadence_hours)


def reports_remind_due(*, now: dt.datetime | None = None) -> int:
    """Remind the team leads of each open activation once per due time, from 30 min
    before the next report is due; returns how many activations were reminded.
    Safe to repeat (the due time reminded is stored)."""
    now = now or timezone.now()
    reminded = 0
    for activation in Activation.objects.filter(
        status__in=[Activation.Status.ACTIVE, Activation.Status.STANDBY]
    ):
        if _remind(activation_id=activation.pk, now=now):
            reminded += 1
    return reminded


@transaction.atomic
def _remind(*, activation_id: int, now: dt.datetime) -> bool:
    activation = Activation.objects.select_for_update().get(pk=activation_id)
    due = report_next_due(activation=activation)
    if due is None or now < due - REMIND_BEFORE:
        return False
    reminder = ReportReminder.objects.filter(activation=activation).first()
    if reminder is not None and reminder.due_at >= due:
        return False
    ReportReminder.objects.update_or_create(
        activation=activation, defaults={"due_at": due, "sent_at": now}
    )
    leads = [
        m.user
        for m in ActivationMember.objects.filter(
            activation=activation, role=Role.TEAM_LEAD, user__is_active=True
        ).select_related("user")
    ]
    title = activation.title
    local_due = timezone.localtime(due, activation.tz).strftime("%H:%M")
    overdue = now >= due

    def texts() -> tuple[str, str]:
        if overdue:
            head = _("Situation report overdue: %(title)s") % {"title": title}
        else:
            head = _("Situation report due at %(time)s: %(title)s") % {
                "time": local_due,
                "title": title,
            }
        return head, _("Compose the next situation report and submit it for review.")

    notify_translated(
        users=leads,
        texts=texts,
        kind="report_due",
        url=reverse("reports:report-list", args=[activation.slug]),
        activation=activation,
        level="action",
        email=False,
    )
    logger.info("report reminder for %s (due %s)", activation.slug, due.isoformat())
    return True
