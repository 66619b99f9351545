"""Reads for verification cases: the list and its filters, one case's history, the
post's facts and media, helper links (reverse image search, web archives) and the
place search behind "locate".

Every function starts from an activation the caller obtained through
``activation_get_for_user``/``case_get_for_user``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final
from urllib.parse import quote, urlsplit, urlunsplit

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from activations.models import Activation
from activations.permissions import ROLE_ACTIONS, Action
from monitoring.models import Place, Post
from monitoring.pipeline import gazetteer
from monitoring.pipeline.text import fold
from verification.models import Case, CaseEvent, Evidence

OPEN_STATUSES: Final = (Case.Status.UNVERIFIED, Case.Status.IN_PROGRESS)


class CaseFilter(StrEnum):
    OPEN = "open"
    REVIEW = "review"  # a verdict waits for its second reviewer
    MINE = "mine"  # … and I may be that reviewer
    CLOSED = "closed"
    ALL = "all"


FILTER_LABELS: Final = {
    CaseFilter.OPEN: _("Open"),
    CaseFilter.REVIEW: _("Awaiting review"),
    CaseFilter.MINE: _("Awaiting my review"),
    CaseFilter.CLOSED: _("Closed"),
    CaseFilter.ALL: _("All"),
}


def _filtered(qs: QuerySet[Case], *, status: str, user: User) -> QuerySet[Case]:
    if status == CaseFilter.OPEN:
        return qs.filter(status__in=OPEN_STATUSES)
    if status == CaseFilter.REVIEW:
        return qs.exclude(proposed_status="")
    if status == CaseFilter.MINE:
        return qs.exclude(proposed_status="").exclude(proposed_by=user)
    if status == CaseFilter.CLOSED:
        return qs.filter(status__in=Case.FINAL)
    return qs


def case_list(
    *, activation: Activation, user: User, status: str = CaseFilter.OPEN, q: str = ""
) -> QuerySet[Case]:
    """The activation's cases for one filter of the list, awaiting review first, then
    the most recently changed; with ``evidence_count``. ``mine`` assumes the caller
    has checked that `user` may review (else it is the same as ``review`` minus
    their own proposals)."""
    qs = _filtered(Case.objects.filter(activation=activation), status=status, user=user)
    if q:
        if q.lstrip("#").isdigit():
            qs = qs.filter(Q(number=int(q.lstrip("#"))) | Q(claim__icontains=q))
        else:
            qs = qs.filter(claim__icontains=q)
    return (
        qs.select_related("assigned_to", "proposed_by", "reviewed_by")
        .annotate(
            evidence_count=Count("evidence"),
            pending=ExpressionWrapper(
                ~Q(proposed_status=""), output_field=BooleanField()
            ),
        )
        .order_by("-pending", "-updated_at", "-number")
    )


def case_assignable_people(*, activation: Activation) -> QuerySet[User]:
    """Members who may work on cases (coordinators, team leads, volunteers)."""
    return User.objects.filter(
        is_active=True,
        activation_memberships__activation=activation,
        activation_memberships__role__in=[
            role for role, actions in ROLE_ACTIONS.items() if Action.VERIFY in actions
        ],
    ).order_by("first_name", "last_name", "username")


def case_counts(*, activation: Activation, user: User) -> dict[str, int]:
    """How many cases each filter of the list shows (one query)."""
    pending = ~Q(proposed_status="")
    counts = Case.objects.filter(activation=activation).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        review=Count("pk", filter=pending),
        mine=Count("pk", filter=pending & ~Q(proposed_by=user)),
        closed=Count("pk", filter=Q(status__in=Case.FINAL)),
        all=Count("pk"),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def case_evidence(*, case: Case) -> QuerySet[Evidence]:
    return case.evidence.select_related("author").order_by("created_at", "id")


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    """The full history, oldest first."""
    return case.events.select_related("user").order_by("at", "id")


# --- the post --------------------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    label: str
    value: str


def _count(meta: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def author_facts(post: Post, *, now: dt.datetime | None = None) -> list[Fact]:
    """What the platform tells about the author, in plain words (values are plain
    text, rendered escaped)."""
    meta = post.author_meta if isinstance(post.author_meta, dict) else {}
    facts: list[Fact] = []
    if post.author_name:
        facts.append(Fact(str(_("Name")), post.author_name))
    if post.author_handle:
        facts.append(Fact(str(_("Account")), post.author_handle))
    created = meta.get("created_at")
    if isinstance(created, str) and (when := parse_datetime(created)) is not None:
        if timezone.is_naive(when):
            when = timezone.make_aware(when, dt.UTC)
        days = max(0, ((now or timezone.now()) - when).days)
        facts.append(
            Fact(
                str(_("Account created")),
                str(_("%(date)s (%(days)s days ago)"))
                % {"date": when.date().isoformat(), "days": days},
            )
        )
    for label, keys in (
        (_("Followers"), ("followers_count", "followers")),
        (_("Following"), ("following_count",)),
        (_("Posts"), ("statuses_count",)),
    ):
        value = _count(meta, *keys)
        if value is not None:
            facts.append(Fact(str(label), f"{value:,}".replace(",", "\u202f")))
    if isinstance(meta.get("verified"), bool):
        verified = str(_("yes")) if meta["verified"] else str(_("no"))
        if meta.get("verified_type"):
            verified += f" ({meta['verified_type']})"
        facts.append(Fact(str(_("Verified by the platform")), verified))
    for key, label in (
        ("bot", _("Declared bot")),
        ("locked", _("Private account")),
        ("official", _("Official sender")),
    ):
        if meta.get(key) is True:
            facts.append(Fact(str(label), str(_("yes"))))
    return facts


def _http(url: Any) -> str:
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class MediaItem:
    kind: str
    url: str
    preview_url: str
    description: str
    searches: list[Link] = field(default_factory=list)

    @property
    def is_video(self) -> bool:
        return self.kind in {"video", "gifv", "animated_gif"}


def reverse_image_links(image_url: str) -> list[Link]:
    """Reverse image searches for an image address (opened in a new tab)."""
    encoded = quote(image_url, safe="")
    return [
        Link("Google Lens", f"https://lens.google.com/uploadbyurl?url={encoded}"),
        Link("TinEye", f"https://tineye.com/search?url={encoded}"),
        Link(
            "Yandex",
            f"https://yandex.com/images/search?rpt=imageview&url={encoded}",
        ),
        Link(
            "Bing",
            "https://www.bing.com/images/search?view=detailv2&iss=sbi"
            f"&form=SBIVSP&sbisrc=UrlPaste&q=imgurl:{encoded}",
        ),
    ]


# Characters of a URL that stay as they are when it is appended to an archive's path
# (its query must keep working); everything else is percent-encoded.
_ARCHIVE_SAFE: Final = ":/?&=%@+,;~!$*"


def archive_links(page_url: str) -> list[Link]:
    """Save the page now, or look for earlier snapshots (Wayback Machine, archive.today)."""
    url = _http(page_url)
    if not url:
        return []
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
    path = quote(bare, safe=_ARCHIVE_SAFE)
    return [
        Link(
            str(_("Save now (Wayback Machine)")), f"https://web.archive.org/save/{path}"
        ),
        Link(
            str(_("Earlier snapshots (Wayback Machine)")),
            f"https://web.archive.org/web/*/{path}",
        ),
        Link(
            str(_("Latest snapshot (archive.today)")),
            f"https://archive.ph/newest/{path}",
        ),
    ]


def post_media(post: Post) -> list[MediaItem]:
    """The post's media with safe addresses only, each image with its reverse searches
    (a video is searched by its thumbnail)."""
    items: list[MediaItem] = []
    for raw in post.media if isinstance(post.media, list) else []:
        if not isinstance(raw, dict):
            continue
        url = _http(raw.get("url"))
        preview = _http(raw.get("preview_url"))
        if not url and not preview:
            continue
        kind = str(raw.get("type") or "unknown")[:20]
        image = url if kind == "image" else preview
        items.append(
            MediaItem(
                kind=kind,
                url=url,
                preview_url=preview if preview else (url if kind == "image" else ""),
                description=str(raw.get("description") or raw.get("title") or "")[
                    :1500
                ],
                searches=reverse_image_links(image) if image else [],
            )
        )
    return items


# --- places ----------------------------------------------------------------------
@dataclass(frozen=True)
class PlaceMatch:
    name: str
    department: str
    population: int
    lon: float
    lat: float

    @property
    def label(self) -> str:
        return f"{self.name} ({self.department})" if self.department else self.name


def place_search(q: str, *, limit: int = 8) -> list[PlaceMatch]:
    """Places whose folded name starts with (then contains) the folded query, the most
    populated first: the Place table when loaded, else the packaged gazetteer."""
    key = fold(q or "").strip()
    if len(key) < 2:
        return []
    if Place.objects.exists():
        rows = list(
            Place.objects.filter(normalized__startswith=key).order_by(
                "-population", "name"
            )[:limit]
        )
        if len(rows) < limit:
            rows += list(
                Place.objects.filter(normalized__contains=key)
                .exclude(normalized__startswith=key)
                .order_by("-population", "name")[: limit - len(rows)]
            )
        return [
            PlaceMatch(
                name=p.name,
                department=p.department,
                population=p.population,
                lon=p.location.x,
                lat=p.location.y,
            )
            for p in rows
        ]
    entries = gazetteer.current().entries
    starts = [e for e in entries if fold(e.name).startswith(key)]
    contains = [e for e in entries if key in fold(e.name) and e not in starts]
    found = sorted(starts, key=lambda e: -e.population) + sorted(
        contains, key=lambda e: -e.population
    )
    return [
        PlaceMatch(
            name=e.name,
            department=e.department,
            population=e.population,
            lon=e.lon,
            lat=e.lat,
        )
        for e in found[:limit]
    ]
