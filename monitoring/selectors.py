"""Reads of the monitoring app for its pages and API: sources with their health
and quota, live ingestion figures, incoming posts.

Every function takes an activation the caller already got through
``activations.permissions`` (or ``monitoring.permissions``); nothing here checks
access. Texts that could echo a source's credentials (error messages, rejection
reasons) are redacted before they leave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from activations.models import Activation
from monitoring.models import Cluster, IngestBatch, Platform, Post, Rejection, Source
from monitoring.source_params import PARAMS
from vost.env import env_secret

USAGE_WARNINGS: Final = (95, 80, 50)  # percent of the monthly cap, highest first
REDACTED: Final = "[redacted]"
_MIN_SECRET_LENGTH = 6


# --- secrets never shown -------------------------------------------------------------
def _secrets_of(sources: Iterable[Source]) -> list[str]:
    """The credential values the sources name (read only to hide them)."""
    values = set()
    for name in {s.credentials_env for s in sources if s.credentials_env}:
        try:
            value = env_secret(name)
        except ImproperlyConfigured:
            continue
        if value and len(value) >= _MIN_SECRET_LENGTH:
            values.add(value)
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


# --- sources -----------------------------------------------------------------------
@dataclass(frozen=True)
class Usage:
    """Month-to-date posts read by an X source against its cap."""

    count: int
    cap: int | None
    percent: int | None  # of the cap, None without a cap
    level: int  # 0, 50, 80, 95 or 100: the highest warning reached


def source_usage(source: Source, *, today: dt.date | None = None) -> Usage | None:
    """None for platforms that are not billed by posts read (all but X)."""
    if source.platform != Platform.X:
        return None
    month = (today or timezone.localdate()).replace(day=1)
    count = source.usage_count if source.usage_month == month else 0
    if not source.monthly_cap:
        return Usage(count=count, cap=None, percent=None, level=0)
    percent = int(100 * count / source.monthly_cap)
    level = (
        100 if percent >= 100 else next((w for w in USAGE_WARNINGS if percent >= w), 0)
    )
    return Usage(count=count, cap=source.monthly_cap, percent=percent, level=level)


@dataclass(frozen=True)
class SourceStatus:
    """A source as shown: its usage and its messages with secrets redacted."""

    source: Source
    usage: Usage | None
    last_error: str
    paused_reason: str

    @property
    def params_shown(self) -> list[tuple[str, str]]:
        """(label, value) of each parameter, in the platform's order."""
        specs = {p.key: p for p in PARAMS.get(self.source.platform, ())}
        params = self.source.params or {}
        keys = [k for k in specs if k in params]
        keys += sorted(str(k) for k in params if k not in specs)
        shown = []
        for key in keys:
            value = params[key]
            if isinstance(value, bool):
                value = _("yes") if value else _("no")
            label = specs[key].label if key in specs else key
            shown.append((str(label), str(value)))
        return shown


def source_status(
    source: Source, *, secrets: Iterable[str] | None = None
) -> SourceStatus:
    secrets = _secrets_of([source]) if secrets is None else list(secrets)
    return SourceStatus(
        source=source,
        usage=source_usage(source),
        last_error=redact(source.last_error, secrets),
        paused_reason=redact(source.paused_reason, secrets),
    )


def source_list(*, activation: Activation) -> QuerySet[Source]:
    return Source.objects.filter(activation=activation).order_by("name", "pk")


def source_statuses(*, activation: Activation) -> list[SourceStatus]:
    """The activation's sources by name, ready to show (one query)."""
    sources = list(source_list(activation=activation))
    secrets = _secrets_of(sources)
    return [source_status(s, secrets=secrets) for s in sources]


# --- live ingestion figures --------------------------------------------------------
@dataclass(frozen=True)
class RejectionShown:
    created_at: dt.datetime
    platform: str
    platform_label: str
    source_name: str
    reason: str


@dataclass(frozen=True)
class IngestFigures:
    per_minute_5: float  # posts stored per minute over the last 5 minutes
    per_minute_60: float  # … and over the last hour
    received_60: int
    duplicates_60: int
    rejected_60: int
    total_posts: int
    clusters: int
    last_rejections: list[RejectionShown] = field(default_factory=list)


def ingest_figures(
    *, activation: Activation, now: dt.datetime | None = None
) -> IngestFigures:
    """Rates and counts from the batch records, the totals, the last 10 rejections
    (four queries, whatever the volume: the batch and rejection tables are indexed
    by activation and time)."""
    now = now or timezone.now()
    five, hour = now - dt.timedelta(minutes=5), now - dt.timedelta(hours=1)
    sums = IngestBatch.objects.filter(
        activation=activation, finished_at__gt=hour, finished_at__lte=now
    ).aggregate(
        inserted_5=Sum("inserted", filter=Q(finished_at__gt=five), default=0),
        inserted_60=Sum("inserted", default=0),
        received_60=Sum("received", default=0),
        duplicates_60=Sum("duplicates", default=0),
        rejected_60=Sum("rejected", default=0),
    )
    totals = Post.objects.filter(activation=activation).count()
    clusters = Cluster.objects.filter(activation=activation).count()
    rejections = list(
        Rejection.objects.filter(activation=activation)
        .select_related("source")
        .only(
            "created_at",
            "platform",
            "reason",
            "source",
            "source__name",
            "source__credentials_env",
        )
        .order_by("-created_at", "-pk")[:10]
    )
    secrets = _secrets_of(r.source for r in rejections if r.source is not None)
    return IngestFigures(
        per_minute_5=round(sums["inserted_5"] / 5, 1),
        per_minute_60=round(sums["inserted_60"] / 60, 1),
        received_60=sums["received_60"],
        duplicates_60=sums["duplicates_60"],
        rejected_60=sums["rejected_60"],
        total_posts=totals,
        clusters=clusters,
        last_rejections=[
            RejectionShown(
                created_at=r.created_at,
                platform=r.platform,
                platform_label=r.get_platform_display(),
                source_name=r.source.name if r.source else "",
                reason=redact(r.reason, secrets),
            )
            for r in rejections
        ],
    )


# --- incoming posts --------------------------------------------------------------------
AREA_FILTERS: Final = ("in", "out", "unknown")


def post_list(
    *,
    activation: Activation,
    platform: str = "",
    category: str = "",
    lang: str = "",
    area: str = "",
    official: bool = False,
    status: str = "",
    since: dt.datetime | None = None,
    query: str = "",
) -> QuerySet[Post]:
    """The activation's posts, newest first, narrowed by the filters.

    `area`: "in", "out" or "unknown" (no location, or no activation area);
    `status`: of the post's cluster; `since`: posted at or after.
    """
    posts = (
        Post.objects.filter(activation=activation)
        .select_related("cluster")
        .defer("raw", "minhash", "author_meta", "media")
        .order_by("-posted_at", "-pk")
    )
    if platform:
        posts = posts.filter(platform=platform)
    if category:
        posts = posts.filter(category=category)
    if lang:
        posts = posts.filter(lang=lang)
    if area == "in":
        posts = posts.filter(in_area=True)
    elif area == "out":
        posts = posts.filter(in_area=False)
    elif area == "unknown":
        posts = posts.filter(in_area__isnull=True)
    if official:
        posts = posts.filter(is_official=True)
    if status:
        posts = posts.filter(cluster__status=status)
    if since is not None:
        posts = posts.filter(posted_at__gte=since)
    if query:
        posts = posts.filter(
            Q(text__icontains=query) | Q(author_handle__icontains=query)
        )
    return posts
