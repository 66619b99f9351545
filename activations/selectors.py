"""Reads for organisations, agreements, activations, rosters and the log.

Every function is scoped: it starts from what the user may see
(``activations.permissions``) or from an activation the caller already
obtained through ``activation_get_for_user``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    LogEntry,
    Organisation,
    Shift,
    ShiftAssignment,
)
from activations.permissions import (
    activations_visible_to,
    agreements_visible_to,
    coordinated_teams,
    organisations_visible_to,
)


def organisation_list(
    *, user: User, kind: str | None = None, query: str = ""
) -> QuerySet[Organisation]:
    qs = organisations_visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    return qs.order_by("name")


def agreement_list(*, user: User, status: str | None = None) -> QuerySet[Agreement]:
    qs = agreements_visible_to(user).select_related("vost_team", "authority")
    if status == Agreement.Status.EXPIRED:
        qs = qs.filter(
            status=Agreement.Status.ACTIVE, valid_until__lt=timezone.localdate()
        )
    elif status == Agreement.Status.ACTIVE:
        qs = qs.filter(
            status=Agreement.Status.ACTIVE, valid_until__gte=timezone.localdate()
        )
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("valid_until", "reference")


def agreements_expiring(*, user: User, within_days: int = 60) -> QuerySet[Agreement]:
    today = timezone.localdate()
    return agreement_list(user=user, status=Agreement.Status.ACTIVE).filter(
        valid_until__lte=today + dt.timedelta(days=within_days)
    )


def agreements_usable_by(*, user: User) -> QuerySet[Agreement]:
    """Agreements in force of teams the user coordinates: those an activation can be opened under."""
    today = timezone.localdate()
    return (
        Agreement.objects.filter(
            vost_team__in=coordinated_teams(user).values("pk"),
            status=Agreement.Status.ACTIVE,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .select_related("vost_team", "authority")
        .order_by("reference")
    )


def activation_list(
    *, user: User, status: str | None = None, open_only: bool = False
) -> QuerySet[Activation]:
    qs = activations_visible_to(user).select_related(
        "authority", "lead_team", "agreement"
    )
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(
            status__in=[
                Activation.Status.REQUESTED,
                Activation.Status.ACTIVE,
                Activation.Status.STANDBY,
            ]
        )
    return qs.order_by("-requested_at")


def activation_members(*, activation: Activation) -> QuerySet[ActivationMember]:
    return activation.members.select_related("user").order_by(
        "role", "user__last_name", "user__username"
    )


def members_with_roles(*, activation: Activation, roles: Iterable[str]) -> list[User]:
    """The activation's active members holding one of `roles` (for notifications),
    by username."""
    return [
        member.user
        for member in ActivationMember.objects.filter(
            activation=activation, role__in=list(roles), user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
    ]


def on_duty_now(*, activation: Activation) -> QuerySet[ShiftAssignment]:
    """People checked in and not yet out, on this activation's shifts."""
    return (
        ShiftAssignment.objects.filter(
            shift__activation=activation,
            checked_in_at__isnull=False,
            checked_out_at__isnull=True,
        )
        .select_related("user", "shift")
        .order_by("shift__ends_at")
    )


def shift_list(
    *,
    activation: Activation,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[Shift]:
    qs = activation.shifts.annotate(staffed=Count("assignments")).prefetch_related(
        Prefetch("assignments", queryset=ShiftAssignment.objects.select_related("user"))
    )
    if start:
        qs = qs.filter(ends_at__gt=start)
    if end:
        qs = qs.filter(starts_at__lt=end)
    return qs.order_by("starts_at")


def my_assignments(
    *, user: User, upcoming_only: bool = True
) -> QuerySet[ShiftAssignment]:
    qs = ShiftAssignment.objects.filter(user=user).select_related("shift__activation")
    if upcoming_only:
        qs = qs.filter(shift__ends_at__gt=timezone.now())
    return qs.order_by("shift__starts_at")


@dataclass(frozen=True)
class CoverageSlot:
    start: dt.datetime
    end: dt.datetime
    needed: int
    staffed: int
    checked_in: int

    @property
    def gap(self) -> int:
        return max(self.needed - self.staffed, 0)

    @property
    def uncovered(self) -> bool:
        """No shift planned at all, or fewer people than needed."""
        return self.needed == 0 or self.gap > 0


def coverage(
    *, activation: Activation, start: dt.datetime | None = None, hours: int = 24
) -> list[CoverageSlot]:
    """Hour-by-hour coverage from `start` (the current hour by default) for `hours` hours."""
    start = (start or timezone.now()).replace(minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(hours=hours)
    shifts = list(shift_list(activation=activation, start=start, end=end))
    slots = []
    for index in range(hours):
        slot_start = start + dt.timedelta(hours=index)
        slot_end = slot_start + dt.timedelta(hours=1)
        covering = [
            s for s in shifts if s.starts_at < slot_end and s.ends_at > slot_start
        ]
        slots.append(
            CoverageSlot(
                start=slot_start,
                end=slot_end,
                needed=sum(s.headcount for s in covering),
                staffed=sum(getattr(s, "staffed", 0) for s in covering),
                checked_in=sum(
                    1
                    for s in covering
                    for a in s.assignments.all()
                    if a.checked_in_at and not a.checked_out_at
                ),
            )
        )
    return slots


def coverage_gaps(*, activation: Activation, hours: int = 72) -> list[CoverageSlot]:
    return [
        slot for slot in coverage(activation=activation, hours=hours) if slot.uncovered
    ]


def log_entries(
    *,
    activation: Activation,
    kind: str | None = None,
    author_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    query: str = "",
) -> QuerySet[LogEntry]:
    qs = activation.log_entries.select_related("author", "corrects")
    if kind:
        qs = qs.filter(kind=kind)
    if author_id:
        qs = qs.filter(author_id=author_id)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    if query:
        qs = qs.filter(text__icontains=query)
    return qs.order_by("-at", "-id")


def log_authors(*, activation: Activation) -> QuerySet[User]:
    """People who wrote in the activation's log (for the author filter)."""
    return User.objects.filter(
        pk__in=activation.log_entries.filter(author__isnull=False).values("author_id")
    ).order_by("last_name", "first_name", "username")


def _safe_cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: neutralise it.
    return "'" + value if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value


def log_csv_rows(
    *, activation: Activation, entries: QuerySet[LogEntry]
) -> Iterator[str]:
    """CSV lines (header first) of the given entries, times in the activation's time zone."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["id", "time", "kind", "author", "text", "corrects"]
    if activation.is_exercise:
        header.append("EXERCISE")
    writer.writerow(header)
    yield buffer.getvalue()
    for entry in entries.iterator(chunk_size=2000):
        buffer.seek(0)
        buffer.truncate()
        row = [
            str(entry.pk),
            timezone.localtime(entry.at, activation.tz).isoformat(timespec="seconds"),
            entry.kind,
            _safe_cell(entry.author.get_username()) if entry.author else "system",
            _safe_cell(entry.text),
            str(entry.corrects_id or ""),
        ]
        if activation.is_exercise:
            row.append("EXERCICE / EXERCISE")
        writer.writerow(row)
        yield buffer.getvalue()
