"""Shifts, sign-ups and assignments, check-in/out, fatigue warnings."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import (
    Activation,
    ActivationMember,
    LogEntry,
    Shift,
    ShiftAssignment,
)
from activations.services._common import CHECK_IN_EARLY, _clean, log
from vost.exceptions import DomainError

logger = logging.getLogger(__name__)


@transaction.atomic
def shift_save(
    *, by: User, activation: Activation, shift: Shift | None = None, **fields: Any
) -> Shift:
    if not activation.is_open:
        raise DomainError(_("This activation is closed."))
    shift = shift or Shift(activation=activation)
    for name, value in fields.items():
        setattr(shift, name, value)
    _clean(shift)  # includes the end-after-start constraint, with its message
    creating = shift.pk is None
    shift.save()
    # keep each assignment's copy of the period in step (the overlap check relies on it)
    for assignment in shift.assignments.all():
        assignment.period = (shift.starts_at, shift.ends_at)
        try:
            with transaction.atomic():
                assignment.save(update_fields=["period", "updated_at"])
        except IntegrityError as exc:
            raise DomainError(
                _("%(user)s would then be on two shifts at once.")
                % {"user": assignment.user}
            ) from exc
    if creating:
        log(
            activation=activation,
            author=by,
            kind=LogEntry.Kind.ROSTER,
            text=_("Shift added: %(start)s → %(end)s, %(n)s people.")
            % {
                "start": timezone.localtime(shift.starts_at, activation.tz).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                "end": timezone.localtime(shift.ends_at, activation.tz).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                "n": shift.headcount,
            },
        )
    return shift


@dataclass
class SignUpResult:
    assignment: ShiftAssignment
    warnings: list[str] = field(default_factory=list)


def hours_on_duty(*, user: User, start: dt.datetime, end: dt.datetime) -> float:
    """Hours of the user's shifts falling inside [start, end)."""
    total = 0.0
    for shift_start, shift_end in ShiftAssignment.objects.filter(
        user=user, shift__ends_at__gt=start, shift__starts_at__lt=end
    ).values_list("shift__starts_at", "shift__ends_at"):
        total += (min(shift_end, end) - max(shift_start, start)).total_seconds() / 3600
    return total


def _fatigue_warning(*, user: User, shift: Shift) -> str | None:
    """Warn when the 24 h before the shift's end hold more duty than the team's limit."""
    limit = shift.activation.lead_team.max_hours_per_24h
    hours = hours_on_duty(
        user=user, start=shift.ends_at - dt.timedelta(hours=24), end=shift.ends_at
    )
    if hours > limit:
        return _(
            "Fatigue: %(user)s would be on duty %(hours).1f h in 24 h (team limit %(limit)s h)."
        ) % {"user": user, "hours": hours, "limit": limit}
    return None


@transaction.atomic
def shift_assign(*, by: User, shift: Shift, user: User) -> SignUpResult:
    """Put `user` on `shift` (a sign-up when by == user). Refuses a full shift or overlapping duty."""
    shift = (
        Shift.objects.select_for_update()
        .select_related("activation__lead_team")
        .get(pk=shift.pk)
    )
    activation = shift.activation
    if not activation.is_open:
        raise DomainError(_("This activation is closed."))
    if shift.ends_at <= timezone.now():
        raise DomainError(_("This shift is over."))
    member = ActivationMember.objects.filter(activation=activation, user=user).first()
    if member is None or member.role in {
        ActivationMember.Role.LIAISON,
        ActivationMember.Role.OBSERVER,
    }:
        raise DomainError(
            _("%(user)s is not a volunteer of this activation.") % {"user": user}
        )
    if ShiftAssignment.objects.filter(shift=shift, user=user).exists():
        raise DomainError(_("%(user)s is already on this shift.") % {"user": user})
    if shift.assignments.count() >= shift.headcount:
        raise DomainError(_("This shift is full."))
    assignment = ShiftAssignment(
        shift=shift,
        user=user,
        source=ShiftAssignment.Source.SIGNED_UP
        if by == user
        else ShiftAssignment.Source.ASSIGNED,
        assigned_by=by,
        period=(shift.starts_at, shift.ends_at),
    )
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:  # the exclusion constraint: already on duty then
        raise DomainError(
            _("%(user)s is already on another shift at that time.") % {"user": user}
        ) from exc
    warnings = [w for w in [_fatigue_warning(user=user, shift=shift)] if w]
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.ROSTER,
        text=(
            _("%(user)s signs up for shift %(shift)s.")
            if by == user
            else _("%(user)s is assigned to shift %(shift)s.")
        )
        % {"user": user, "shift": shift},
    )
    return SignUpResult(assignment, warnings)


@transaction.atomic
def shift_withdraw(*, by: User, assignment: ShiftAssignment) -> None:
    """Take someone off a shift before they check in, while the activation is open."""
    if assignment.checked_in_at is not None:
        raise DomainError(_("You have checked in: check out instead."))
    activation = assignment.shift.activation
    if not activation.is_open:
        raise DomainError(_("This activation is closed."))
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.ROSTER,
        text=_("%(user)s leaves shift %(shift)s.")
        % {"user": assignment.user, "shift": assignment.shift},
    )
    assignment.delete()


@transaction.atomic
def shift_check_in(*, user: User, assignment: ShiftAssignment) -> ShiftAssignment:
    assignment = (
        ShiftAssignment.objects.select_for_update()
        .select_related("shift__activation")
        .get(pk=assignment.pk)
    )
    if assignment.user_id != user.pk:
        raise DomainError(_("You can only check in for yourself."))
    now = timezone.now()
    shift = assignment.shift
    if assignment.checked_in_at is not None:
        raise DomainError(_("You have already checked in."))
    if now < shift.starts_at - CHECK_IN_EARLY or now > shift.ends_at:
        raise DomainError(
            _("Check-in opens 30 minutes before the shift and closes at its end.")
        )
    assignment.checked_in_at = now
    assignment.save(update_fields=["checked_in_at", "updated_at"])
    log(
        activation=shift.activation,
        author=user,
        kind=LogEntry.Kind.CHECK_IN,
        text=_("%(user)s checks in.") % {"user": user},
    )
    return assignment


@transaction.atomic
def shift_check_out(
    *, user: User, assignment: ShiftAssignment, handover_note: str
) -> ShiftAssignment:
    assignment = (
        ShiftAssignment.objects.select_for_update()
        .select_related("shift__activation")
        .get(pk=assignment.pk)
    )
    if assignment.user_id != user.pk:
        raise DomainError(_("You can only check out for yourself."))
    if assignment.checked_in_at is None:
        raise DomainError(_("You have not checked in."))
    if assignment.checked_out_at is not None:
        raise DomainError(_("You have already checked out."))
    assignment.checked_out_at = timezone.now()
    assignment.handover_note = handover_note.strip()
    assignment.save(update_fields=["checked_out_at", "handover_note", "updated_at"])
    text = _("%(user)s checks out.") % {"user": user}
    if assignment.handover_note:
        text += " " + _("Handover: %(note)s") % {"note": assignment.handover_note}
    log(
        activation=assignment.shift.activation,
        author=user,
        kind=LogEntry.Kind.CHECK_IN,
        text=text,
    )
    return assignment
