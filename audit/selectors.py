"""Reading the audit trail: an activation's events or a VOST team's, filtered,
newest first, paged by keyset (a cursor on time and id, stable while new events
arrive), and the same rows as CSV."""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from activations.models import Activation, Organisation
from audit.models import AuditEvent
from vost.exceptions import DomainError

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
CSV_MAX_ROWS = 100_000  # a bigger download is narrowed by period first
CSV_COLUMNS = [
    "id",
    "at",
    "actor",
    "action",
    "activation",
    "object_type",
    "object_id",
    "summary",
    "ip_address",
    "request_id",
]
# A cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class AuditCursorError(DomainError):
    code = "invalid_cursor"


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # username, as recorded
    action: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    object_type: str = ""
    object_id: str = ""
    q: str = ""  # words of the summary


@dataclass
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str = ""


def audit_events(
    *, activation: Activation | None = None, team: Organisation | None = None
) -> QuerySet[AuditEvent]:
    """The events of one activation, or of one VOST team (its activations and its
    organisations). The caller has checked VIEW_AUDIT or team coordination."""
    if (activation is None) == (team is None):
        raise ValueError("give exactly one of activation and team")
    events = AuditEvent.objects.select_related("activation")
    if activation is not None:
        return events.filter(activation=activation)
    return events.filter(organisation=team)


def audit_filter(
    events: QuerySet[AuditEvent], *, filters: AuditFilters
) -> QuerySet[AuditEvent]:
    if filters.actor:
        events = events.filter(actor_label__iexact=filters.actor)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.since is not None:
        events = events.filter(at__gte=filters.since)
    if filters.until is not None:
        events = events.filter(at__lte=filters.until)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    for word in filters.q.split()[:10]:
        events = events.filter(summary__icontains=word)
    return events.order_by("-at", "-id")


def _cursor(event: AuditEvent) -> str:
    raw = f"{event.at.isoformat()}|{event.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(cursor: str) -> Q:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at_text, _sep, pk_text = (
            base64.urlsafe_b64decode(padded.encode()).decode().partition("|")
        )
        at = parse_datetime(at_text)
        pk = int(pk_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        at = None
        pk = 0
    if at is None or timezone.is_naive(at):
        raise AuditCursorError(
            _("This page link is damaged; start again from the first page.")
        )
    return Q(at__lt=at) | Q(at=at, pk__lt=pk)


def audit_page(
    events: QuerySet[AuditEvent], *, cursor: str = "", size: int = PAGE_SIZE
) -> AuditPage:
    """One page of `events` (already filtered), newest first, after `cursor`."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    if cursor:
        events = events.filter(_after(cursor))
    rows = list(events.order_by("-at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(events=rows, next_cursor=_cursor(rows[-1]) if more else "")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def audit_csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """CSV lines (header first) of `events`, times in UTC, at most CSV_MAX_ROWS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for event in events.order_by("-at", "-id")[:CSV_MAX_ROWS].iterator(chunk_size=2000):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                str(event.pk),
                event.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                _cell(event.actor_label or "system"),
                event.action,
                event.activation.slug if event.activation else "",
                _cell(event.object_type),
                _cell(event.object_id),
                _cell(event.summary),
                event.ip_address or "",
                _cell(event.request_id),
            ]
        )
        yield buffer.getvalue()


ACTORS_WINDOW = 5000  # suggestions come from the latest events only


def audit_actors(events: QuerySet[AuditEvent]) -> list[str]:
    """The usernames among the latest ACTORS_WINDOW `events`, for the filter's
    suggestions (bounded: the trail of a long activation is big)."""
    latest = events.order_by("-at", "-id").values("pk")[:ACTORS_WINDOW]
    return list(
        AuditEvent.objects.filter(pk__in=latest)
        .exclude(actor_label="")
        .order_by("actor_label")
        .values_list("actor_label", flat=True)
        .distinct()[:500]
    )
