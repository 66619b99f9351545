"""Life-safety escalations: an urgent queue item sent to the on-duty liaisons and the
coordinators (in-app + email), re-notified until one of them acknowledges it.

Services (writes) and selectors (reads) of escalations live together here. Nothing
checks the caller's role (``monitoring.permissions.escalation_get_for_user`` does): views and endpoints get
the activation through ``activations.permissions`` first (VIEW_ESCALATIONS to read,
ACKNOWLEDGE_ESCALATION to acknowledge); services re-check the escalation's state
under a row lock, so a double click or two people at once never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Notification, User
from accounts.services import notify_translated
from activations.models import (
    Activation,
    ActivationMember,
    LogEntry,
    OrganisationMember,
    ShiftAssignment,
)
from activations.services._common import log
from monitoring import triage
from monitoring.models import Cluster, Escalation, TriageDecision
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

SUMMARY_LENGTH: Final = 200
RENOTIFY_BATCH: Final = 200
KIND_RAISED: Final = "escalation"
KIND_REMINDER: Final = "escalation_reminder"
KIND_ACKNOWLEDGED: Final = "escalation_acknowledged"
KIND_WITHDRAWN: Final = "escalation_withdrawn"
_LIVE: Final = (Escalation.Status.OPEN, Escalation.Status.ACKNOWLEDGED)
_OPEN_ACTIVATION: Final = (
    Activation.Status.REQUESTED,
    Activation.Status.ACTIVE,
    Activation.Status.STANDBY,
)


# --- helpers -------------------------------------------------------------------------
def _hhmm(when: dt.datetime, activation: Activation) -> str:
    return timezone.localtime(when, activation.tz).strftime("%H:%M")


def _plain(text: str) -> str:
    return " ".join(text.split())


def _summary(cluster: Cluster, note: str) -> str:
    """The item's text on one line, at most SUMMARY_LENGTH characters (or the note)."""
    representative = cluster.representative
    text = _plain(representative.text if representative is not None else "")
    text = text or _plain(note)
    if not text:
        return _("Item #%(id)s") % {"id": cluster.pk}
    if len(text) > SUMMARY_LENGTH:
        text = text[: SUMMARY_LENGTH - 1].rstrip() + "…"
    return text


def escalation_url(escalation: Escalation) -> str:
    return reverse(
        "monitoring:escalation-detail",
        args=[escalation.activation.slug, escalation.pk],
    )


def _title(activation: Activation, text: str) -> str:
    if activation.is_exercise:
        return "[" + _("EXERCISE") + "] " + text
    return text


def _notify_in_languages(
    *,
    users: Iterable[User],
    escalation: Escalation,
    kind: str,
    level: str,
    email: bool,
    text: Callable[[], tuple[str, str]],
) -> int:
    """Notify `users` about `escalation`, each in their own language; returns how
    many were told."""
    return len(
        notify_translated(
            users=users,
            texts=text,
            kind=kind,
            url=escalation_url(escalation),
            activation=escalation.activation,
            level=level,
            email=email,
        )
    )


def duration_label(seconds: float) -> str:
    """A short elapsed time: "45 s", "4 min 05 s", "1 h 04 min", "2 d 03 h" (the same
    format as static/js/escalations.js, which keeps the timers running)."""
    total = max(int(seconds), 0)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


# --- selectors -----------------------------------------------------------------------
def escalation_recipients(*, activation: Activation) -> list[User]:
    """Who is alerted: the liaisons on duty (checked in on a shift that is not over),
    or every liaison of the activation when none is; plus its coordinators (members
    with that role and coordinators of the lead team). Active accounts only."""
    now = timezone.now()
    liaisons = ActivationMember.objects.filter(
        activation=activation, role=ActivationMember.Role.LIAISON
    ).values("user")
    on_duty = ShiftAssignment.objects.filter(
        shift__activation=activation,
        checked_in_at__isnull=False,
        checked_out_at__isnull=True,
        shift__ends_at__gt=now,
    ).values("user")
    chosen = list(
        User.objects.filter(is_active=True, pk__in=liaisons)
        .filter(pk__in=on_duty)
        .order_by("pk")
    )
    if not chosen:
        chosen = list(
            User.objects.filter(is_active=True, pk__in=liaisons).order_by("pk")
        )
    members = ActivationMember.objects.filter(activation=activation)
    # A lead-team coordinator with another role in this activation has that role.
    coordinators = User.objects.filter(is_active=True).filter(
        Q(pk__in=members.filter(role=ActivationMember.Role.COORDINATOR).values("user"))
        | (
            Q(
                pk__in=OrganisationMember.objects.filter(
                    organisation_id=activation.lead_team_id,
                    role=OrganisationMember.Role.COORDINATOR,
                ).values("user")
            )
            & ~Q(pk__in=members.values("user"))
        )
    )
    seen = {user.pk for user in chosen}
    for user in coordinators.order_by("pk"):
        if user.pk not in seen:
            seen.add(user.pk)
            chosen.append(user)
    return chosen


def escalation_list(
    *, activation: Activation, status: str = ""
) -> QuerySet[Escalation]:
    """The activation's escalations, open ones first, then newest first."""
    queryset = (
        Escalation.objects.filter(activation=activation)
        .select_related("raised_by", "acknowledged_by", "cluster__representative")
        .annotate(
            open_first=Case(
                When(status=Escalation.Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-created_at", "-pk")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def escalation_open_count(*, activation: Activation) -> int:
    return Escalation.objects.filter(
        activation=activation, status=Escalation.Status.OPEN
    ).count()


@dataclass(frozen=True)
class TimelineEvent:
    at: dt.datetime
    kind: str  # raised, reminder, acknowledged, cancelled, next
    text: str


def escalation_timeline(*, escalation: Escalation) -> list[TimelineEvent]:
    """What happened to the escalation, oldest first (the next reminder last while open)."""
    name = escalation.raised_by.display_name
    events = [
        TimelineEvent(
            escalation.created_at,
            "raised",
            _("Raised by %(name)s; on-duty liaisons and coordinators alerted.")
            % {"name": name},
        )
    ]
    reminders = max(escalation.notifications_sent - 1, 0)
    if reminders and escalation.last_notified_at is not None:
        events.append(
            TimelineEvent(
                escalation.last_notified_at,
                "reminder",
                (
                    _("Reminder sent (not acknowledged yet).")
                    if reminders == 1
                    else _("Reminder %(n)s sent (not acknowledged yet).")
                    % {"n": reminders}
                ),
            )
        )
    if (
        escalation.status == Escalation.Status.ACKNOWLEDGED
        and escalation.acknowledged_at is not None
        and escalation.acknowledged_by is not None
    ):
        events.append(
            TimelineEvent(
                escalation.acknowledged_at,
                "acknowledged",
                _("Acknowledged by %(name)s.")
                % {"name": escalation.acknowledged_by.display_name},
            )
        )
    elif (
        escalation.status == Escalation.Status.CANCELLED
        and escalation.cancelled_at is not None
    ):
        events.append(
            TimelineEvent(
                escalation.cancelled_at,
                "cancelled",
                _("Withdrawn (the urgent decision was undone)."),
            )
        )
    elif (
        escalation.status == Escalation.Status.OPEN
        and escalation.next_notify_at is not None
    ):
        events.append(
            TimelineEvent(
                escalation.next_notify_at,
                "next",
                _("Next reminder, unless someone acknowledges it before."),
            )
        )
    return events


# --- services -----------------------------------------------------------------------
@transaction.atomic
def escalation_raise(
    *,
    cluster: Cluster,
    by: User,
    decision: TriageDecision | None = None,
    note: str = "",
) -> Escalation:
    """Escalate a life-safety item: alert the recipients in-app (urgent) and by email,
    schedule a reminder, write the log. Idempotent: if the item already has a live
    (open or acknowledged) escalation, that one is returned and nobody is re-alerted.
    The caller has checked that `by` may triage in the item's activation."""
    # The cluster row lock serialises two raises of the same item; the partial
    # unique constraint backs it up.
    locked = (
        Cluster.objects.select_for_update(of=("self",))
        .select_related("activation", "representative")
        .get(pk=cluster.pk)
    )
    live = (
        Escalation.objects.filter(cluster=locked, status__in=_LIVE)
        .select_related("activation")
        .first()
    )
    if live is not None:
        return live
    activation = locked.activation
    triage.counts_forget(activation_id=activation.pk)
    note = note.strip()
    now = timezone.now()
    escalation = Escalation.objects.create(
        activation=activation,
        cluster=locked,
        decision=decision,
        raised_by=by,
        summary=_summary(locked, note),
        note=note,
        notifications_sent=1,
        last_notified_at=now,
        next_notify_at=now
        + dt.timedelta(minutes=activation.escalation_renotify_minutes),
    )
    recipients = [
        user
        for user in escalation_recipients(activation=activation)
        if user.pk != by.pk
    ]

    def text() -> tuple[str, str]:
        title = _title(
            activation,
            _("Urgent (life-safety): %(summary)s") % {"summary": escalation.summary},
        )
        lines = [escalation.summary]
        if note:
            lines.append(_("Note from %(name)s: %(note)s") % {"name": by, "note": note})
        lines.append(
            _(
                "Raised by %(name)s at %(time)s. Open it and acknowledge it: a "
                "reminder goes out every %(minutes)s min until someone does."
            )
            % {
                "name": by,
                "time": _hhmm(now, activation),
                "minutes": activation.escalation_renotify_minutes,
            }
        )
        return title, "\n\n".join(lines)

    told = _notify_in_languages(
        users=recipients,
        escalation=escalation,
        kind=KIND_RAISED,
        level=Notification.Level.URGENT,
        email=True,
        text=text,
    )
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.DECISION,
        text=_("Urgent item escalated by %(name)s: %(summary)s")
        % {"name": by, "summary": escalation.summary}
        + (" — " + _("note: %(note)s") % {"note": note} if note else ""),
    )
    if not told:
        logger.warning(
            "escalation %s: nobody to alert in activation %s",
            escalation.pk,
            activation.pk,
        )
    return escalation


@transaction.atomic
def escalation_cancel(*, escalation: Escalation, by: User, reason: str) -> Escalation:
    """Withdraw an escalation nobody has acknowledged yet (the urgent decision was
    undone): tell the recipients, write the log. An acknowledged one cannot be
    withdrawn (someone already acts on it): ConflictError. Already withdrawn:
    returned unchanged."""
    locked = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("activation", "acknowledged_by")
        .get(pk=escalation.pk)
    )
    activation = locked.activation
    if locked.status == Escalation.Status.CANCELLED:
        return locked
    triage.counts_forget(activation_id=activation.pk)
    if locked.status == Escalation.Status.ACKNOWLEDGED:
        assert locked.acknowledged_at is not None  # noqa: S101  (check constraint)
        raise ConflictError(
            _(
                "%(name)s already acknowledged this urgent item at %(time)s: it can "
                "no longer be withdrawn. Tell them directly that it was a mistake."
            )
            % {
                "name": locked.acknowledged_by,
                "time": _hhmm(locked.acknowledged_at, activation),
            },
            code="escalation_acknowledged",
        )
    now = timezone.now()
    reason = reason.strip()
    locked.status = Escalation.Status.CANCELLED
    locked.cancelled_at = now
    locked.next_notify_at = None
    locked.save(
        update_fields=["status", "cancelled_at", "next_notify_at", "updated_at"]
    )
    recipients = [
        user
        for user in escalation_recipients(activation=activation)
        if user.pk != by.pk
    ]

    def text() -> tuple[str, str]:
        title = _title(
            activation,
            _("Withdrawn: %(summary)s") % {"summary": locked.summary},
        )
        body = _(
            "%(name)s withdrew this urgent item at %(time)s; nothing to acknowledge."
        ) % {"name": by, "time": _hhmm(now, activation)}
        if reason:
            body += "\n\n" + _("Reason: %(reason)s") % {"reason": reason}
        return title, body

    _notify_in_languages(
        users=recipients,
        escalation=locked,
        kind=KIND_WITHDRAWN,
        level=Notification.Level.INFO,
        email=True,
        text=text,
    )
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.DECISION,
        text=_("Escalation withdrawn by %(name)s: %(summary)s")
        % {"name": by, "summary": locked.summary}
        + (" — " + reason if reason else ""),
    )
    return locked


@transaction.atomic
def escalation_acknowledge(
    *, escalation: Escalation, by: User, note: str = ""
) -> Escalation:
    """Record that `by` (a liaison or coordinator: the caller checked
    ACKNOWLEDGE_ESCALATION) takes the urgent item in hand; stops the reminders, tells
    the person who raised it, writes the log. A second acknowledgement, or one of a
    withdrawn escalation, raises ConflictError and changes nothing."""
    locked = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("activation", "acknowledged_by", "raised_by")
        .get(pk=escalation.pk)
    )
    activation = locked.activation
    triage.counts_forget(activation_id=activation.pk)
    if locked.status == Escalation.Status.ACKNOWLEDGED:
        assert locked.acknowledged_at is not None  # noqa: S101  (check constraint)
        raise ConflictError(
            _("Already acknowledged by %(name)s at %(time)s.")
            % {
                "name": locked.acknowledged_by,
                "time": _hhmm(locked.acknowledged_at, activation),
            },
            code="already_acknowledged",
        )
    if locked.status == Escalation.Status.CANCELLED:
        when = locked.cancelled_at or locked.updated_at
        raise ConflictError(
            _(
                "This escalation was withdrawn at %(time)s (the urgent decision was "
                "undone): there is nothing to acknowledge."
            )
            % {"time": _hhmm(when, activation)},
            code="escalation_withdrawn",
        )
    note = note.strip()
    if len(note) > 2000:
        raise DomainError(_("The note is too long (2000 characters at most)."))
    now = timezone.now()
    locked.status = Escalation.Status.ACKNOWLEDGED
    locked.acknowledged_by = by
    locked.acknowledged_at = now
    locked.ack_note = note
    locked.next_notify_at = None
    locked.save(
        update_fields=[
            "status",
            "acknowledged_by",
            "acknowledged_at",
            "ack_note",
            "next_notify_at",
            "updated_at",
        ]
    )
    # The acknowledger's own alerts about it are dealt with.
    Notification.objects.filter(
        user=by, url=escalation_url(locked), read_at__isnull=True
    ).update(read_at=now)
    waited = int((now - locked.created_at).total_seconds() // 60)

    def text() -> tuple[str, str]:
        title = _title(
            activation,
            _("Acknowledged by %(name)s: %(summary)s")
            % {"name": by, "summary": locked.summary},
        )
        body = _("%(name)s acknowledged your urgent item at %(time)s.") % {
            "name": by,
            "time": _hhmm(now, activation),
        }
        if note:
            body += "\n\n" + _("Their note: %(note)s") % {"note": note}
        return title, body

    if locked.raised_by.pk != by.pk:
        _notify_in_languages(
            users=[locked.raised_by],
            escalation=locked,
            kind=KIND_ACKNOWLEDGED,
            level=Notification.Level.INFO,
            email=False,
            text=text,
        )
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.DECISION,
        text=_(
            "Urgent item acknowledged by %(name)s after %(minutes)s min: %(summary)s"
        )
        % {"name": by, "minutes": waited, "summary": locked.summary}
        + (" — " + note if note else ""),
    )
    return locked


def escalations_renotify_due(*, now: dt.datetime | None = None) -> int:
    """Beat: remind the recipients of every open escalation whose reminder is due (in
    open activations), then schedule the next one. Safe to run twice at once: due
    rows are locked with SKIP LOCKED and re-checked, so one due time gives exactly one
    reminder. Returns how many escalations were re-notified."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Escalation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=Escalation.Status.OPEN,
                next_notify_at__lte=now,
                activation__status__in=_OPEN_ACTIVATION,
            )
            .select_related("activation")
            .order_by("next_notify_at", "pk")[:RENOTIFY_BATCH]
        )
        for escalation in due:
            _renotify(escalation=escalation, now=now)
    if due:
        logger.info("re-notified %s escalations", len(due))
    return len(due)


def _renotify(*, escalation: Escalation, now: dt.datetime) -> None:
    activation = escalation.activation
    number = escalation.notifications_sent  # the first alert was number 0
    minutes = max(int((now - escalation.created_at).total_seconds() // 60), 0)
    escalation.notifications_sent += 1
    escalation.last_notified_at = now
    escalation.next_notify_at = now + dt.timedelta(
        minutes=activation.escalation_renotify_minutes
    )
    escalation.save(
        update_fields=[
            "notifications_sent",
            "last_notified_at",
            "next_notify_at",
            "updated_at",
        ]
    )

    def text() -> tuple[str, str]:
        title = _title(
            activation,
            _("Reminder %(n)s: not acknowledged for %(minutes)s min — %(summary)s")
            % {"n": number, "minutes": minutes, "summary": escalation.summary},
        )
        body = (
            escalation.summary
            + "\n\n"
            + _(
                "Nobody has acknowledged this urgent item yet. Open it and acknowledge it "
                "if you take it in hand."
            )
        )
        return title, body

    _notify_in_languages(
        users=escalation_recipients(activation=activation),
        escalation=escalation,
        kind=KIND_REMINDER,
        level=Notification.Level.URGENT,
        email=True,
        text=text,
    )
    log(
        activation=activation,
        kind=LogEntry.Kind.SYSTEM,
        text=_(
            "Reminder %(n)s sent: urgent item not acknowledged for %(minutes)s min: "
            "%(summary)s"
        )
        % {"n": number, "minutes": minutes, "summary": escalation.summary},
    )
