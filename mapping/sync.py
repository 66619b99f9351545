"""Keep ``MapItem`` in line with the queue and the verification cases.

An item is on the map when its cluster was decided relevant, urgent or "needs
verification", or has a verification case, and a location is known: the verification case's (set by a
volunteer, the better one) or else the first located post's. Services call
``schedule`` inside their transaction; the rows are rebuilt once it commits.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

from django.db import transaction

from mapping.models import MapItem, Verification
from monitoring.models import Cluster, Post, TriageDecision
from verification.models import Case

logger = logging.getLogger(__name__)

ON_MAP_DECISIONS = frozenset(
    {
        TriageDecision.Kind.RELEVANT,
        TriageDecision.Kind.URGENT,
        TriageDecision.Kind.VERIFY,
    }
)
_EARTH_RADIUS = 6378137.0
_MAX_LATITUDE = 85.05112878


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """WGS 84 longitude/latitude to Web Mercator metres (EPSG:3857)."""
    lat = max(-_MAX_LATITUDE, min(_MAX_LATITUDE, lat))
    x = math.radians(lon) * _EARTH_RADIUS
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * _EARTH_RADIUS
    return x, y


def _case_verification(case: Case | None) -> str:
    """The case's status (the two share their values), or "not checked"."""
    if case is None:
        return str(Verification.UNCHECKED)
    return case.status if case.status in Verification.values else "unverified"


def _summary(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 280 else flat[:279] + "…"


@transaction.atomic
def map_items_sync(cluster_ids: Iterable[int]) -> int:
    """Rebuild the map rows of these clusters; returns how many are on the map."""
    ids = sorted(set(cluster_ids))
    if not ids:
        return 0
    clusters = {
        c.pk: c
        for c in Cluster.objects.filter(pk__in=ids)
        .select_related("representative")
        .only(
            "pk",
            "activation_id",
            "status",
            "decision",
            "category",
            "first_seen_at",
            "representative__text",
            "representative__platform",
            "representative__location",
            "representative__posted_at",
            "representative__author_handle",
            "representative__url",
        )
    }
    cases: dict[int, Case] = {}
    for found in Case.objects.filter(cluster_id__in=ids).order_by("pk"):
        assert found.cluster_id is not None  # noqa: S101  (filtered)
        best = cases.get(found.cluster_id)
        # The case with a location wins; else the latest one.
        if best is None or found.location is not None or best.location is None:
            cases[found.cluster_id] = found
    on_map: list[MapItem] = []
    off_map: list[int] = []
    shown: list[Cluster] = []
    for pk in ids:
        cluster = clusters.get(pk)
        decided_relevant = (
            cluster is not None
            and cluster.status == Cluster.Status.DONE
            and cluster.decision in ON_MAP_DECISIONS
        )
        # Triaged relevant, or being verified (a case can start from any item).
        if cluster is None or not (decided_relevant or pk in cases):
            off_map.append(pk)
        else:
            shown.append(cluster)
    # another located copy, for the shown items whose case and post have no place
    # (not asked at all for the usual "not relevant" decision)
    unplaced = [
        c.pk
        for c in shown
        if (c.pk not in cases or cases[c.pk].location is None)
        and (c.representative is None or c.representative.location is None)
    ]
    fallback = (
        {
            p.cluster_id: p
            for p in Post.objects.filter(
                cluster_id__in=unplaced, location__isnull=False
            )
            .order_by("cluster_id", "posted_at", "pk")
            .distinct("cluster_id")
            .only("pk", "cluster_id", "location")
        }
        if unplaced
        else {}
    )
    for cluster in shown:
        pk = cluster.pk
        case = cases.get(pk)
        post = cluster.representative
        location, radius, place = None, None, ""
        if case is not None and case.location is not None:
            location, radius, place = (
                case.location,
                case.location_radius_m,
                case.place_name,
            )
        elif post is not None and post.location is not None:
            location = post.location
        elif pk in fallback:
            location = fallback[pk].location
        if location is None:
            off_map.append(pk)
            continue
        mx, my = mercator(location.x, location.y)
        on_map.append(
            MapItem(
                activation_id=cluster.activation_id,
                cluster_id=pk,
                case=case,
                location=location,
                mx=mx,
                my=my,
                radius_m=radius,
                place_name=place[:200],
                category=(case.category if case and case.category else "")
                or cluster.category,
                verification=_case_verification(case),
                urgent=cluster.decision == TriageDecision.Kind.URGENT,
                platform=post.platform if post else "",
                observed_at=post.posted_at if post else cluster.first_seen_at,
                summary=_summary(
                    (case.claim if case and not post else "")
                    or (post.text if post else "")
                ),
                author_handle=(post.author_handle if post else "")[:200],
                post_url=(post.url if post else "")[:500],
            )
        )
    if off_map:
        MapItem.objects.filter(cluster_id__in=off_map).delete()
    if on_map:
        MapItem.objects.bulk_create(
            on_map,
            update_conflicts=True,
            unique_fields=["cluster"],
            update_fields=[
                "case",
                "location",
                "mx",
                "my",
                "radius_m",
                "place_name",
                "category",
                "verification",
                "urgent",
                "platform",
                "observed_at",
                "summary",
                "author_handle",
                "post_url",
                "updated_at",
            ],
        )
    return len(on_map)


def schedule(cluster_ids: Iterable[int | None]) -> None:
    """Rebuild these clusters' map rows once the current transaction commits.

    A failure is logged and never undoes the decision or verdict that caused it
    (``map_items_rebuild`` repairs the read model)."""
    ids = {pk for pk in cluster_ids if pk is not None}
    if not ids:
        return

    def run() -> None:
        try:
            map_items_sync(ids)
        except Exception:
            logger.exception("map sync failed for clusters %s", sorted(ids))

    transaction.on_commit(run)


def map_items_rebuild(*, activation_id: int) -> int:
    """Rebuild every map row of an activation (repair, or after a bulk import)."""
    ids = sorted(
        set(
            Cluster.objects.filter(
                activation_id=activation_id,
                status=Cluster.Status.DONE,
                decision__in=ON_MAP_DECISIONS,
            ).values_list("pk", flat=True)
        )
        | set(
            Case.objects.filter(
                activation_id=activation_id, cluster__isnull=False
            ).values_list("cluster_id", flat=True)
        )
    )
    stale = MapItem.objects.filter(activation_id=activation_id).exclude(
        cluster_id__in=ids
    )
    stale.delete()
    total = 0
    for start in range(0, len(ids), 1000):
        total += map_items_sync(ids[start : start + 1000])
    return total
