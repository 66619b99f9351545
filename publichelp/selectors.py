"""Reads of the help to the population: the reply templates an activation uses (its
overrides over the library), filled with its values; the mutual-aid board and the
offers (or needs) that match an entry by category and distance.

Callers have already checked access (VIEW_PUBLIC_HELP) on the activation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from activations.models import Activation
from monitoring.models import Place, Post
from monitoring.pipeline.text import fold
from publichelp.models import (
    PLACEHOLDER_RE,
    AidEntry,
    ReplyTemplate,
    ReplyValues,
    Situation,
)

DEFAULT_MATCH_DISTANCE_M = 10_000
MAX_MATCH_DISTANCE_M = 200_000


# --- reply templates ------------------------------------------------------------------
def reply_values_get(*, activation: Activation) -> ReplyValues:
    """The activation's values for the placeholders (unsaved defaults if none yet)."""
    values = ReplyValues.objects.filter(activation=activation).first()
    if values is None:
        values = ReplyValues(
            activation=activation,
            official_url=activation.authority.website or "",
        )
    return values


def reply_placeholder_values(*, activation: Activation) -> dict[str, str]:
    """What each placeholder becomes; a missing value stays visible as [to check: …]."""
    values = reply_values_get(activation=activation)
    filled = {
        "official_url": values.official_url or activation.authority.website,
        "emergency_number": values.emergency_number or "112",
        "shelter": values.shelter,
        "authority": values.authority or activation.authority.name,
    }
    labels = {
        "official_url": _("official website"),
        "emergency_number": _("emergency number"),
        "shelter": _("shelter"),
        "authority": _("authority"),
    }
    return {
        name: value or "[%s]" % (_("to check: %(what)s") % {"what": labels[name]})
        for name, value in filled.items()
    }


def reply_fill(*, body: str, values: dict[str, str]) -> str:
    """`body` with its known placeholders replaced (never str.format: bodies are data)."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def reply_missing_values(*, activation: Activation) -> list[str]:
    """Placeholders the activation has no value for yet."""
    return [
        name
        for name, value in reply_placeholder_values(activation=activation).items()
        if value.startswith("[")
    ]


def reply_templates_for(
    *,
    activation: Activation,
    situation: str | None = None,
    language: str | None = None,
    include_inactive: bool = False,
) -> list[ReplyTemplate]:
    """The templates the activation uses: each of its overrides, and each library
    template it does not override. Inactive ones only with `include_inactive`."""
    scope = Q(activation__isnull=True) | Q(activation=activation)
    queryset = ReplyTemplate.objects.filter(scope)
    if situation:
        queryset = queryset.filter(situation=situation)
    if language:
        queryset = queryset.filter(language=language)
    chosen: dict[tuple[str, str], ReplyTemplate] = {}
    for template in queryset.order_by("situation", "language", "activation_id"):
        key = (template.situation, template.language)
        current = chosen.get(key)
        if current is None or current.activation_id is None:
            chosen[key] = template  # an override wins over the library
    templates = [t for t in chosen.values() if include_inactive or t.is_active]
    order = {value: index for index, value in enumerate(Situation.values)}
    return sorted(
        templates,
        key=lambda t: (order.get(t.situation, 99), t.language != "fr", t.title),
    )


def reply_template_get(
    *, activation: Activation, template_id: int
) -> ReplyTemplate | None:
    """A template the activation may see: its own or the library's."""
    return (
        ReplyTemplate.objects.filter(
            Q(activation__isnull=True) | Q(activation=activation), pk=template_id
        )
        .select_related("activation")
        .first()
    )


def reply_filled(
    *, activation: Activation, templates: Iterable[ReplyTemplate]
) -> list[ReplyTemplate]:
    """The templates with ``filled`` (their text ready to paste) set."""
    values = reply_placeholder_values(activation=activation)
    result = []
    for template in templates:
        template.filled = reply_fill(body=template.body, values=values)  # type: ignore[attr-defined]
        result.append(template)
    return result


# --- places ---------------------------------------------------------------------------
def place_find(*, name: str) -> Place | None:
    """The most populated gazetteer place with this name (accents and case folded)."""
    folded = fold(name)
    if not folded:
        return None
    return Place.objects.filter(normalized=folded).order_by("-population").first()


def post_for_entry(*, activation: Activation, post_id: int) -> Post | None:
    """A post of the activation an entry may be made from (None if not its own)."""
    return (
        Post.objects.filter(activation=activation, pk=post_id)
        .only("id", "activation_id", "url", "text", "location", "place_name")
        .first()
    )


# --- the board ------------------------------------------------------------------------
def aid_entry_list(
    *,
    activation: Activation,
    kind: str | None = None,
    category: str | None = None,
    statuses: Sequence[str] | None = None,
) -> QuerySet[AidEntry]:
    """The activation's entries, newest first, narrowed by the filters."""
    queryset = AidEntry.objects.filter(activation=activation).select_related(
        "matched_with", "created_by"
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    if category:
        queryset = queryset.filter(category=category)
    if statuses:
        queryset = queryset.filter(status__in=list(statuses))
    return queryset.order_by("-created_at", "-pk")


def aid_entry_get(*, activation: Activation, entry_id: int) -> AidEntry | None:
    return (
        AidEntry.objects.filter(activation=activation, pk=entry_id)
        .select_related("matched_with", "created_by", "source_post")
        .first()
    )


@dataclass(frozen=True)
class Match:
    entry: AidEntry
    distance_m: int  # between the areas (0 when they overlap)

    @property
    def distance_text(self) -> str:
        if self.distance_m < 1000:
            return f"{self.distance_m} m"
        return f"{number_format(self.distance_m / 1000, 1)} km"


_PAIRS_SQL = """
SELECT e.id, o.id,
       GREATEST(0, ST_Distance(e.location::geography, o.location::geography)
                   - COALESCE(e.radius_m, 0) - COALESCE(o.radius_m, 0)) AS distance
  FROM publichelp_aidentry e
  JOIN publichelp_aidentry o
    ON o.activation_id = e.activation_id
   AND o.category = e.category
   AND o.kind <> e.kind
   AND o.status = 'open'
   AND o.expires_at > %(now)s
   AND ST_DWithin(e.location::geography, o.location::geography,
                  %(distance)s + COALESCE(e.radius_m, 0) + COALESCE(o.radius_m, 0))
 WHERE e.id = ANY(%(ids)s)
 ORDER BY e.id, distance, o.created_at
"""


def aid_match_suggestions(
    *,
    entries: Sequence[AidEntry],
    max_distance_m: int = DEFAULT_MATCH_DISTANCE_M,
    per_entry: int | None = None,
) -> dict[int, list[Match]]:
    """For each entry, the open, unexpired entries of the other kind and the same
    category within `max_distance_m` (on the sphere, between the areas), nearest
    first. Two queries whatever the number of entries."""
    ids = [entry.pk for entry in entries]
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            _PAIRS_SQL,
            {"now": timezone.now(), "distance": max_distance_m, "ids": ids},
        )
        rows: list[tuple[int, int, float]] = cursor.fetchall()
    pairs: dict[int, list[tuple[int, float]]] = {}
    for entry_id, other_id, distance in rows:
        found = pairs.setdefault(entry_id, [])
        if per_entry is None or len(found) < per_entry:
            found.append((other_id, distance))
    others = AidEntry.objects.in_bulk(
        {other for found in pairs.values() for other, _ in found}
    )
    return {
        entry_id: [Match(others[other], round(distance)) for other, distance in found]
        for entry_id, found in pairs.items()
    }


def aid_matches(
    *, entry: AidEntry, max_distance_m: int = DEFAULT_MATCH_DISTANCE_M
) -> list[Match]:
    """The entries that may be matched with `entry` (none unless it is open)."""
    if entry.status != AidEntry.Status.OPEN:
        return []
    return aid_match_suggestions(entries=[entry], max_distance_m=max_distance_m).get(
        entry.pk, []
    )


def entry_initial_from_post(post: Post) -> dict[str, Any]:
    """What a new entry takes from the post it was spotted in (scrubbed)."""
    from publichelp.services import text_scrub  # the scrubber lives with the writes

    text, _removed = text_scrub(post.text[:500])
    initial: dict[str, Any] = {
        "description": text[:500],
        "place_name": post.place_name,
        "post": post.pk,
    }
    if post.location is not None:
        initial |= {"lon": round(post.location.x, 6), "lat": round(post.location.y, 6)}
    return initial
