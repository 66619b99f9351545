"""Incidents: verified items of one category close in space and time, seen as one event.

Proposals (the beat task ``mapping.propose_incidents`` every 2 minutes, or a team
lead's "Propose now") link two VERIFIED items of the same activation and category
when they are within ``INCIDENT_DISTANCE_M`` metres (geodesic, PostGIS
``ST_DWithin`` on geography) and ``INCIDENT_WINDOW_MINUTES`` of each other; each
connected component of two items or more is a PROPOSED incident.

Rules decided here (the pages and the API say the same):

- Items without a category are never grouped.
- Items of a CONFIRMED or DISMISSED incident are pinned: proposals never touch
  them. A dismissed proposal thus keeps its items out of later proposals; a team
  lead frees some with ``incident_split`` (the part split off a dismissed incident
  is a new proposal, regrouped by the next run) or ``incident_remove_item``.
- Proposals are reconciled, not rebuilt: a new group takes over the existing
  proposal it shares most items with (same category), so a proposal keeps its
  number while reports are added to it; an unchanged group changes nothing.
  Proposals no group takes over are deleted (their items freed).
- Merging, splitting and adding an item are decisions on the grouping, so their
  results are CONFIRMED (a proposal would be undone by the next run). Incidents
  merged into another become DISMISSED and empty, with a note saying where their
  items went: their number is never reused and their page still answers.
- Only incidents of the same category are merged (else: refused, say which).
- Numbers are per activation: the highest + 1, taken under a lock on the
  activation's row. A deleted proposal's number can come back only if it was the
  highest.

Locks: every write locks the activation's row first (FOR NO KEY UPDATE: inserts
referencing the activation elsewhere are not blocked), then incidents in
primary-key order. One order everywhere: no deadlock between the beat task and a
team lead, and a second submission sees the first one's result (ConflictError).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from activations.models import Activation, LogEntry
from activations.services._common import log
from mapping.models import Incident, MapItem, Verification
from mapping.selectors.incidents import category_label
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

Status = Incident.Status
MAX_TITLE = 200
MAX_NOTE = 2000
MAX_REASON = 500
# A footprint of one point or of points on a line is this much around them.
FOOTPRINT_BUFFER_M = 100
# Bounds of the settings that proposals accept (a typo must not group a region).
MAX_DISTANCE_M = 50_000
MAX_WINDOW_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class ProposalResult:
    """What one proposal run changed in an activation."""

    created: int = 0  # new proposals
    kept: int = 0  # proposals whose items did not change
    updated: int = 0  # proposals that gained or lost items (same number)
    deleted: int = 0  # proposals no longer holding
    items: int = 0  # items in proposals after the run

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


# --- helpers ---------------------------------------------------------------------------
def _lock_activation(activation_id: int) -> Activation:
    # NO KEY: posts, log entries... referencing the activation can still be inserted.
    return Activation.objects.select_for_update(no_key=True).get(pk=activation_id)


def _locked(incident: Incident) -> Incident:
    """The incident's current row, locked (after its activation's row)."""
    _lock_activation(incident.activation_id)
    current = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("activation", "confirmed_by")
        .filter(pk=incident.pk)
        .first()
    )
    if current is None:
        raise ConflictError(
            _(
                "Incident #%(number)s no longer exists: the proposals were redone "
                "meanwhile. Reload the incidents."
            )
            % {"number": incident.number},
            code="gone",
        )
    return current


def _next_number(activation_id: int) -> int:
    """The next incident number; the caller holds the activation's lock."""
    last = Incident.objects.filter(activation_id=activation_id).aggregate(
        last=Max("number")
    )["last"]
    return (last or 0) + 1


def _who(user: User | None) -> str:
    return user.display_name if user is not None else _("the system")


def _when(moment: dt.datetime) -> str:
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def _not_open(incident: Incident) -> ConflictError:
    """The refusal of a decision on an incident someone already closed or confirmed."""
    if incident.status == Status.CONFIRMED:
        confirmed_at = incident.confirmed_at or incident.updated_at
        return ConflictError(
            _("Incident #%(number)s was already confirmed by %(who)s (%(when)s).")
            % {
                "number": incident.number,
                "who": _who(incident.confirmed_by),
                "when": _when(timezone.localtime(confirmed_at)),
            },
            code="already_confirmed",
        )
    return ConflictError(
        _("Incident #%(number)s was already dismissed: %(note)s")
        % {"number": incident.number, "note": incident.note or "-"},
        code="already_dismissed",
    )


def _numbers(incidents: Iterable[Incident]) -> str:
    return ", ".join(f"#{i.number}" for i in incidents)


def _clean_text(value: str | None, *, limit: int, label: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise DomainError(
            _("%(field)s: at most %(limit)s characters.")
            % {"field": capfirst(label), "limit": limit},
            code="too_long",
        )
    return text


_REFRESH_SQL = """
SELECT count(*), min(observed_at), max(observed_at),
       ST_AsEWKB(ST_Centroid(ST_Collect(location))),
       ST_AsEWKB(
         CASE WHEN GeometryType(ST_ConvexHull(ST_Collect(location))) = 'POLYGON'
              THEN ST_ConvexHull(ST_Collect(location))
              ELSE ST_Buffer(ST_ConvexHull(ST_Collect(location))::geography, %s)::geometry
         END)
FROM {items} WHERE incident_id = %s
"""


def _title(incident: Incident) -> str:
    places = Counter(
        name.strip()
        for name in MapItem.objects.filter(incident=incident).values_list(
            "place_name", flat=True
        )
        if name.strip()
    )
    label = category_label(incident.category)
    if places:
        # most common, then alphabetical: the same title on every run
        place = min(places.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        title = _("%(category)s near %(place)s") % {"category": label, "place": place}
    else:
        title = ngettext(
            "%(category)s, %(n)s report",
            "%(category)s, %(n)s reports",
            incident.item_count,
        ) % {"category": label, "n": incident.item_count}
    return title[:MAX_TITLE]


def _refresh(incident: Incident, *, retitle: bool | None = None) -> Incident:
    """Recompute what an incident says of its items: centroid, footprint (convex
    hull; buffered when it is a point or a line), first and last report, count, and
    (for proposals, or when asked) the title. Saves the incident."""
    sql = _REFRESH_SQL.format(items=connection.ops.quote_name(MapItem._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [FOOTPRINT_BUFFER_M, incident.pk])
        count, started, ended, centroid, footprint = cursor.fetchone()
    incident.item_count = count
    incident.started_at = started
    incident.ended_at = ended
    incident.centroid = GEOSGeometry(memoryview(centroid)) if centroid else None  # type: ignore[assignment]
    incident.footprint = GEOSGeometry(memoryview(footprint)) if footprint else None
    if retitle is None:
        retitle = incident.status == Status.PROPOSED or not incident.title
    if retitle and count:
        incident.title = _title(incident)
    incident.save(
        update_fields=[
            "item_count",
            "started_at",
            "ended_at",
            "centroid",
            "footprint",
            "title",
            "updated_at",
        ]
    )
    return incident


def _confirm(incident: Incident, by: User) -> None:
    if incident.status != Status.CONFIRMED:
        incident.status = Status.CONFIRMED
        incident.confirmed_by = by
        incident.confirmed_at = timezone.now()
        incident.save(
            update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"]
        )


def _log(incident: Incident, by: User | None, text: str) -> None:
    log(
        activation=incident.activation,
        author=by,
        kind=LogEntry.Kind.DECISION if by is not None else LogEntry.Kind.SYSTEM,
        text=text[:2000],
    )


# --- proposals ---------------------------------------------------------------------------
_EDGES_SQL = """
SELECT a.id, b.id
FROM {items} a
JOIN {items} b
  ON b.activation_id = a.activation_id
 AND b.category = a.category
 AND b.id > a.id
 AND b.verification = %(verified)s
 AND b.observed_at BETWEEN a.observed_at - %(window)s AND a.observed_at + %(window)s
 AND ST_DWithin(a.location::geography, b.location::geography, %(distance)s)
LEFT JOIN {incidents} ai ON ai.id = a.incident_id
LEFT JOIN {incidents} bi ON bi.id = b.incident_id
WHERE a.activation_id = %(activation)s
  AND a.verification = %(verified)s
  AND a.category <> ''
  AND (ai.id IS NULL OR ai.status = %(proposed)s)
  AND (bi.id IS NULL OR bi.status = %(proposed)s)
"""


def _edges(
    *, activation_id: int, distance_m: float, window: dt.timedelta
) -> list[tuple[int, int]]:
    """Pairs of free (or proposed) verified items of the same category that are
    within `distance_m` metres and `window` of each other."""
    sql = _EDGES_SQL.format(
        items=connection.ops.quote_name(MapItem._meta.db_table),
        incidents=connection.ops.quote_name(Incident._meta.db_table),
    )
    with connection.cursor() as cursor:
        params: dict[str, Any] = {
            "activation": activation_id,
            "verified": Verification.VERIFIED,
            "proposed": Status.PROPOSED,
            "window": window,
            "distance": float(distance_m),
        }
        cursor.execute(sql, params)
        return [(a, b) for a, b in cursor.fetchall()]


def _components(edges: Iterable[tuple[int, int]]) -> list[frozenset[int]]:
    """Connected components of the graph (union-find with path halving)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[int, set[int]] = {}
    for node in parent:
        groups.setdefault(find(node), set()).add(node)
    return [frozenset(g) for g in groups.values() if len(g) >= 2]


@transaction.atomic
def incidents_propose(
    *,
    activation: Activation,
    distance_m: float | None = None,
    window_minutes: int | None = None,
) -> ProposalResult:
    """Redo the activation's proposals from its verified items (see the module's
    docstring). Idempotent: a second run with nothing new changes nothing. Confirmed
    and dismissed incidents are never touched, only their figures refreshed."""
    if distance_m is None:
        distance_m = settings.INCIDENT_DISTANCE_M
    if window_minutes is None:
        window_minutes = settings.INCIDENT_WINDOW_MINUTES
    if not 0 < distance_m <= MAX_DISTANCE_M:
        raise DomainError(
            _("The distance must be between 1 and %(max)s metres.")
            % {"max": MAX_DISTANCE_M},
            code="invalid",
        )
    if not 0 <= window_minutes <= MAX_WINDOW_MINUTES:
        raise DomainError(
            _("The time window must be between 0 and %(max)s minutes.")
            % {"max": MAX_WINDOW_MINUTES},
            code="invalid",
        )
    locked = _lock_activation(activation.pk)
    proposals = {
        i.pk: i
        for i in Incident.objects.select_for_update()
        .filter(activation=locked, status=Status.PROPOSED)
        .order_by("pk")
    }
    candidates = {
        pk: (incident_id, category, observed_at)
        for pk, incident_id, category, observed_at in MapItem.objects.filter(
            activation=locked, verification=Verification.VERIFIED
        )
        .exclude(category="")
        .filter(Q(incident__isnull=True) | Q(incident__status=Status.PROPOSED))
        .values_list("pk", "incident_id", "category", "observed_at")
    }
    edges = _edges(
        activation_id=locked.pk,
        distance_m=distance_m,
        window=dt.timedelta(minutes=window_minutes),
    )
    # An item the map sync changed between the two reads waits for the next run.
    groups = _components(
        (x, y) for x, y in edges if x in candidates and y in candidates
    )
    # Oldest first, so that new numbers follow the events' order.
    groups.sort(key=lambda g: (min(candidates[pk][2] for pk in g), min(g)))

    # Each group takes over the proposal of its category it shares most items with.
    pairs = []
    for index, group in enumerate(groups):
        category = candidates[next(iter(group))][1]
        shared = Counter(
            candidates[pk][0] for pk in group if candidates[pk][0] in proposals
        )
        for incident_id, overlap in shared.items():
            if proposals[incident_id].category == category:
                pairs.append(
                    (-overlap, proposals[incident_id].number, index, incident_id)
                )
    taken: dict[int, int] = {}  # group index -> incident id
    used: set[int] = set()
    for _overlap, _number, index, incident_id in sorted(pairs):
        if index not in taken and incident_id not in used:
            taken[index] = incident_id
            used.add(incident_id)

    current: dict[int, set[int]] = {pk: set() for pk in proposals}
    for pk, (incident_id, _category, _at) in candidates.items():
        if incident_id in current:
            current[incident_id].add(pk)

    created: list[Incident] = []
    kept = updated = 0
    touched: list[Incident] = []
    target: dict[int, int] = {}  # item id -> incident id
    number = _next_number(locked.pk)
    for index, group in enumerate(groups):
        if index in taken:
            incident = proposals[taken[index]]
            if current[incident.pk] == group:
                kept += 1
            else:
                updated += 1
                touched.append(incident)
        else:
            incident = Incident.objects.create(
                activation=locked,
                number=number,
                category=candidates[next(iter(group))][1],
                status=Status.PROPOSED,
            )
            number += 1
            created.append(incident)
            touched.append(incident)
        for pk in group:
            target[pk] = incident.pk

    # Items of proposals that are no longer candidates (unverified since, category
    # changed) leave them; then every candidate goes to its group's incident, or
    # out of any proposal.
    MapItem.objects.filter(incident__in=list(proposals)).exclude(
        pk__in=list(candidates)
    ).update(incident=None)
    moves: dict[int | None, list[int]] = {}
    for pk, (incident_id, _category, _at) in candidates.items():
        if target.get(pk) != incident_id:
            moves.setdefault(target.get(pk), []).append(pk)
    for destination, pks in moves.items():
        MapItem.objects.filter(pk__in=pks).update(incident_id=destination)
    stale = [i for pk, i in proposals.items() if pk not in used]
    if stale:
        Incident.objects.filter(pk__in=[i.pk for i in stale]).delete()
    for incident in touched:
        _refresh(incident)

    # Figures of the other incidents follow their items (moved, relocated, gone).
    touched_ids = {i.pk for i in touched}
    behind = (
        Incident.objects.filter(activation=locked)
        .exclude(pk__in=touched_ids)
        .annotate(n=Count("items"), last=Max("items__updated_at"))
        .filter(~Q(n=F("item_count")) | Q(last__gt=F("updated_at")))
    )
    for incident in behind:
        _refresh(incident)

    result = ProposalResult(
        created=len(created),
        kept=kept,
        updated=updated,
        deleted=len(stale),
        items=len(target),
    )
    if created or stale:
        parts = []
        if created:
            parts.append(
                _("new: %(numbers)s") % {"numbers": _numbers(created)},
            )
        if stale:
            parts.append(
                _("withdrawn: %(numbers)s") % {"numbers": _numbers(stale)},
            )
        log(
            activation=locked,
            kind=LogEntry.Kind.SYSTEM,
            text=_("Incident proposals redone (%(changes)s).")
            % {"changes": "; ".join(parts)},
        )
    if result.changed:
        logger.info(
            "incident proposals of activation %s: %s created, %s updated, "
            "%s deleted, %s kept",
            locked.pk,
            result.created,
            result.updated,
            result.deleted,
            result.kept,
        )
    return result


def incidents_propose_all() -> dict[int, ProposalResult]:
    """Redo the proposals of every open activation (beat task), each in its own
    transaction: one failing activation is logged and does not stop the others."""
    open_statuses = [
        Activation.Status.REQUESTED,
        Activation.Status.ACTIVE,
        Activation.Status.STANDBY,
    ]
    results: dict[int, ProposalResult] = {}
    for activation in Activation.objects.filter(status__in=open_statuses).order_by(
        "pk"
    ):
        if (
            not MapItem.objects.filter(
                activation=activation, verification=Verification.VERIFIED
            ).exists()
            and not Incident.objects.filter(activation=activation).exists()
        ):
            continue
        try:
            results[activation.pk] = incidents_propose(activation=activation)
        except Exception:
            logger.exception(
                "incident proposals failed for activation %s", activation.pk
            )
    return results


# --- a team lead's decisions --------------------------------------------------------------
@transaction.atomic
def incident_confirm(
    *,
    incident: Incident,
    by: User,
    title: str | None = None,
    note: str = "",
    seen_item_ids: Collection[int] | None = None,
) -> Incident:
    """Confirm a proposal (optionally retitled, with a note for the team). Its items
    are then pinned. `seen_item_ids` are the items the person saw: if the proposal
    changed since, nothing is confirmed (ConflictError)."""
    title = _clean_text(title, limit=MAX_TITLE, label=_("title"))
    note = _clean_text(note, limit=MAX_NOTE, label=_("note"))
    current = _locked(incident)
    if current.status != Status.PROPOSED:
        raise _not_open(current)
    if seen_item_ids is not None:
        members = set(current.items.values_list("pk", flat=True))
        if members != set(seen_item_ids):
            raise ConflictError(
                _(
                    "Incident #%(number)s changed since you opened it: it now has "
                    "%(n)s reports. Check them and confirm again."
                )
                % {"number": current.number, "n": len(members)},
                code="changed",
            )
    if title:
        current.title = title
    current.note = note
    current.save(update_fields=["title", "note", "updated_at"])
    _confirm(current, by)
    _log(
        current,
        by,
        ngettext(
            "Incident #%(number)s confirmed: %(title)s (%(n)s report).",
            "Incident #%(number)s confirmed: %(title)s (%(n)s reports).",
            current.item_count,
        )
        % {"number": current.number, "title": current.title, "n": current.item_count},
    )
    return current


@transaction.atomic
def incident_dismiss(*, incident: Incident, by: User, reason: str) -> Incident:
    """Dismiss a proposal or a confirmed incident, saying why. Its items stay in it,
    so they are not proposed again (split or remove items to free them)."""
    reason = _clean_text(reason, limit=MAX_REASON, label=_("reason"))
    if not reason:
        raise DomainError(_("Say why the incident is dismissed."), code="required")
    current = _locked(incident)
    if current.status == Status.DISMISSED:
        raise _not_open(current)
    current.status = Status.DISMISSED
    current.note = reason
    current.save(update_fields=["status", "note", "updated_at"])
    _log(
        current,
        by,
        _("Incident #%(number)s dismissed: %(reason)s")
        % {"number": current.number, "reason": reason},
    )
    return current


@transaction.atomic
def incident_merge(
    *, incidents: Sequence[Incident], into: Incident, by: User
) -> Incident:
    """Move every item of `incidents` into `into`, which is confirmed. The merged
    incidents are dismissed, empty, with a note naming `into`. Same activation and
    same category only; dismissed incidents are neither merged nor merged into."""
    if not incidents:
        raise DomainError(_("Choose the incidents to merge."), code="required")
    if any(i.pk == into.pk for i in incidents):
        raise DomainError(
            _("An incident cannot be merged into itself."), code="invalid"
        )
    if any(i.activation_id != into.activation_id for i in incidents):
        raise DomainError(
            _("Only incidents of the same activation can be merged."), code="invalid"
        )
    _lock_activation(into.activation_id)
    ids = sorted({into.pk, *(i.pk for i in incidents)})
    rows = {
        i.pk: i
        for i in Incident.objects.select_for_update(of=("self",))
        .select_related("activation", "confirmed_by")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    for wanted in [into, *incidents]:
        if wanted.pk not in rows:
            raise ConflictError(
                _(
                    "Incident #%(number)s no longer exists: the proposals were "
                    "redone meanwhile. Reload the incidents."
                )
                % {"number": wanted.number},
                code="gone",
            )
    target = rows[into.pk]
    sources = [rows[i.pk] for i in sorted(incidents, key=lambda i: i.number)]
    sources = list({s.pk: s for s in sources}.values())
    if target.status == Status.DISMISSED:
        raise _not_open(target)
    for source in sources:
        if source.status == Status.DISMISSED:
            raise _not_open(source)
    other = [s for s in sources if s.category != target.category]
    if other:
        raise DomainError(
            _(
                "Only incidents of the same category can be merged: #%(number)s is "
                "“%(category)s”, #%(other)s is “%(other_category)s”."
            )
            % {
                "number": target.number,
                "category": category_label(target.category),
                "other": other[0].number,
                "other_category": category_label(other[0].category),
            },
            code="category",
        )
    was_proposed = target.status == Status.PROPOSED
    MapItem.objects.filter(incident__in=sources).update(incident=target)
    _confirm(target, by)
    _refresh(target, retitle=was_proposed)
    for source in sources:
        source.status = Status.DISMISSED
        source.note = _("Merged into #%(number)s by %(who)s.") % {
            "number": target.number,
            "who": by.display_name,
        }
        source.save(update_fields=["status", "note", "updated_at"])
        _refresh(source, retitle=False)
    _log(
        target,
        by,
        _("Incidents %(numbers)s merged into #%(number)s: %(title)s (%(n)s reports).")
        % {
            "numbers": _numbers(sources),
            "number": target.number,
            "title": target.title,
            "n": target.item_count,
        },
    )
    return target


@transaction.atomic
def incident_split(
    *, incident: Incident, item_ids: Collection[int], by: User
) -> Incident:
    """Move the selected items of `incident` into a new incident, returned.

    Both parts of a confirmed incident or of a proposal are confirmed (the split is
    a decision on the grouping). Items split off a dismissed incident are freed: the
    new incident is a proposal, regrouped by the next proposal run."""
    wanted = set(item_ids)
    if not wanted:
        raise DomainError(
            _("Select the reports to move to a new incident."), code="required"
        )
    current = _locked(incident)
    members = set(current.items.values_list("pk", flat=True))
    strangers = sorted(wanted - members)
    if strangers:
        raise ConflictError(
            _(
                "Some selected reports are no longer part of incident #%(number)s "
                "(someone changed it meanwhile). Reload the page and select again."
            )
            % {"number": current.number},
            code="changed",
        )
    if wanted == members:
        raise DomainError(
            _(
                "Leave at least one report in incident #%(number)s (to close it, "
                "dismiss it)."
            )
            % {"number": current.number},
            code="all_items",
        )
    freed = current.status == Status.DISMISSED
    if current.status == Status.PROPOSED:
        _confirm(current, by)
    part = Incident.objects.create(
        activation=current.activation,
        number=_next_number(current.activation_id),
        category=current.category,
        status=Status.PROPOSED if freed else Status.CONFIRMED,
        confirmed_by=None if freed else by,
        confirmed_at=None if freed else timezone.now(),
    )
    MapItem.objects.filter(pk__in=wanted, incident=current).update(incident=part)
    _refresh(current, retitle=False)
    _refresh(part, retitle=True)
    _log(
        current,
        by,
        ngettext(
            "Incident #%(number)s split: %(n)s report moved to #%(new)s (%(status)s).",
            "Incident #%(number)s split: %(n)s reports moved to #%(new)s (%(status)s).",
            part.item_count,
        )
        % {
            "number": current.number,
            "n": part.item_count,
            "new": part.number,
            "status": part.get_status_display(),
        },
    )
    return part


@transaction.atomic
def incident_remove_item(
    *, incident: Incident, map_item: MapItem, by: User
) -> Incident:
    """Take one item out of an incident; it is free again (proposals may group it
    anew). The last item cannot be removed: dismiss the incident instead."""
    current = _locked(incident)
    if not MapItem.objects.filter(pk=map_item.pk, incident=current).exists():
        raise ConflictError(
            _("This report is no longer part of incident #%(number)s.")
            % {"number": current.number},
            code="changed",
        )
    if current.items.count() <= 1:
        raise DomainError(
            _(
                "This is the last report of incident #%(number)s: dismiss the "
                "incident instead."
            )
            % {"number": current.number},
            code="last_item",
        )
    MapItem.objects.filter(pk=map_item.pk).update(incident=None)
    if current.status == Status.PROPOSED:
        _confirm(current, by)
    _refresh(current, retitle=False)
    _log(
        current,
        by,
        _("Report #%(item)s removed from incident #%(number)s.")
        % {"item": map_item.cluster_id, "number": current.number},
    )
    return current


@transaction.atomic
def incident_add_item(*, incident: Incident, map_item: MapItem, by: User) -> Incident:
    """Add a verified item of the same category to an incident, which is then
    confirmed. An item of another proposal is taken from it; an item of a confirmed
    or dismissed incident must be removed from it first."""
    current = _locked(incident)
    item = (
        MapItem.objects.select_for_update(of=("self",))
        .select_related("incident")
        .filter(pk=map_item.pk, activation_id=current.activation_id)
        .first()
    )
    if item is None:
        raise DomainError(
            _("This report is not on this activation's map."), code="not_found"
        )
    if current.status == Status.DISMISSED:
        raise _not_open(current)
    if item.incident_id == current.pk:
        raise ConflictError(
            _("This report is already part of incident #%(number)s.")
            % {"number": current.number},
            code="unchanged",
        )
    if item.verification != Verification.VERIFIED:
        raise DomainError(
            _("Only verified reports are grouped into incidents."), code="invalid"
        )
    if item.category != current.category:
        raise DomainError(
            _("This report's category is not the incident's (%(category)s).")
            % {"category": category_label(current.category)},
            code="category",
        )
    previous = item.incident
    if previous is not None and previous.status != Status.PROPOSED:
        raise ConflictError(
            _("This report is already part of incident #%(number)s (%(status)s).")
            % {"number": previous.number, "status": previous.get_status_display()},
            code="taken",
        )
    MapItem.objects.filter(pk=item.pk).update(incident=current)
    if previous is not None:
        if previous.items.count() < 2:
            previous.delete()  # not a group any more
        else:
            _refresh(previous)
    _confirm(current, by)
    _refresh(current, retitle=False)
    _log(
        current,
        by,
        _("Report #%(item)s added to incident #%(number)s.")
        % {"item": item.cluster_id, "number": current.number},
    )
    return current
