"""Reads of the rumour register, always scoped to one activation or one rumour.

Linked posts come back as plain dataclasses so that the pages and the API show the
same thing to the same person: people who may not see the raw queue (the
authority's liaison) get the public text but pseudonymous authors ("account 1")
and no link to the original (its address names the account).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext as _

from activations.models import Activation
from monitoring.models import Category, Cluster, Platform, Post
from verification.models import Case, Relay, Rumour, RumourEvent
from verification.services.rumours import EVENT_LABELS, LIAISON_EVENT_KINDS

BUCKETS = ("hour", "day")
POSTS_PER_ITEM = 10


# --- the register ---------------------------------------------------------------------
def _count_of(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated ``SELECT COUNT(*)`` subquery (0 when there is no row)."""
    return Coalesce(
        Subquery(
            queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def rumour_list(
    *, activation: Activation, status: str | None = None
) -> QuerySet[Rumour]:
    """The activation's rumours, newest first seen first, with the number of linked
    items, posts, cases and relays and the platforms involved (one query)."""
    through = Rumour.clusters.through
    rumours = Rumour.objects.filter(activation=activation)
    if status:
        rumours = rumours.filter(status=status)
    linked_posts = Post.objects.filter(
        cluster__in=Subquery(
            through.objects.filter(rumour_id=OuterRef(OuterRef("pk"))).values(
                "cluster_id"
            )
        )
    )
    return rumours.annotate(
        items_count=_count_of(through.objects.filter(rumour_id=OuterRef("pk"))),
        posts_count=_count_of(linked_posts),
        cases_count=_count_of(
            Rumour.cases.through.objects.filter(rumour_id=OuterRef("pk"))
        ),
        relays_count=_count_of(Relay.objects.filter(rumour_id=OuterRef("pk"))),
        platforms=ArraySubquery(linked_posts.order_by().values("platform").distinct()),
    ).order_by("-first_seen_at", "-number")


def rumour_status_counts(*, activation: Activation) -> dict[str, int]:
    """How many rumours are in each status (every status present, 0 when none)."""
    counts = dict.fromkeys(Rumour.Status.values, 0)
    for row in (
        Rumour.objects.filter(activation=activation)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    ):
        counts[row["status"]] = row["n"]
    return counts


def platform_label(platform: str) -> str:
    try:
        return str(Platform(platform).label)
    except ValueError:
        return platform


# --- linked posts and items -----------------------------------------------------------
@dataclass(frozen=True)
class LinkedPost:
    """A post of a linked item, as the viewer may see it."""

    id: int
    cluster_id: int
    platform: str
    platform_label: str
    text: str
    lang: str
    author: str  # the handle, or "account N" for people who may not see the queue
    author_name: str
    followers: int | None
    url: str  # "" when hidden or not an http(s) address
    posted_at: dt.datetime


@dataclass
class LinkedItem:
    """A linked queue item (cluster) and up to POSTS_PER_ITEM of its posts."""

    cluster_id: int
    size: int
    first_seen_at: dt.datetime
    category: str
    category_label: str
    posts: list[LinkedPost] = field(default_factory=list)

    @property
    def platforms(self) -> list[str]:
        return sorted({post.platform_label for post in self.posts})

    @property
    def more(self) -> int:
        """Posts of the item not listed."""
        return max(self.size - len(self.posts), 0)


def _http(url: str) -> str:
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


def _followers(meta: object) -> int | None:
    if isinstance(meta, dict):
        value = meta.get("followers")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def rumour_items(*, rumour: Rumour, reveal_authors: bool) -> list[LinkedItem]:
    """The linked items, oldest first, each with its first posts (two queries).

    Without `reveal_authors` authors are numbered "account 1, 2…" in the order
    they first posted, the same across items, and links to originals are dropped.
    """
    clusters = list(
        Cluster.objects.filter(rumours=rumour)
        .order_by("first_seen_at", "pk")
        .only("pk", "size", "first_seen_at", "category")
    )
    if not clusters:
        return []
    posts = (
        Post.objects.filter(cluster__in=[c.pk for c in clusters])
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("cluster_id")],
                order_by=[F("posted_at").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=POSTS_PER_ITEM)
        .order_by("posted_at", "pk")
        .only(
            "pk",
            "cluster_id",
            "platform",
            "text",
            "lang",
            "author_handle",
            "author_name",
            "author_id",
            "author_meta",
            "url",
            "posted_at",
        )
    )
    pseudonyms: dict[tuple[str, str], str] = {}
    items = {
        c.pk: LinkedItem(
            cluster_id=c.pk,
            size=c.size,
            first_seen_at=c.first_seen_at,
            category=c.category,
            category_label=str(Category(c.category).label)
            if c.category in Category.values
            else "",
        )
        for c in clusters
    }
    for post in posts:
        if reveal_authors:
            author, name, url = post.author_handle, post.author_name, _http(post.url)
        else:
            key = (
                post.platform,
                post.author_id or post.author_handle or f"post-{post.pk}",
            )
            if key not in pseudonyms:
                pseudonyms[key] = _("account %(n)s") % {"n": len(pseudonyms) + 1}
            author, name, url = pseudonyms[key], "", ""
        assert post.cluster_id is not None  # noqa: S101  (filtered on clusters)
        items[post.cluster_id].posts.append(
            LinkedPost(
                id=post.pk,
                cluster_id=post.cluster_id,
                platform=post.platform,
                platform_label=platform_label(post.platform),
                text=post.text,
                lang=post.lang,
                author=author,
                author_name=name,
                followers=_followers(post.author_meta),
                url=url,
                posted_at=post.posted_at,
            )
        )
    return list(items.values())


def rumour_cases(*, rumour: Rumour) -> QuerySet[Case]:
    return rumour.cases.order_by("number")


def rumour_case_choices(*, rumour: Rumour, limit: int = 200) -> QuerySet[Case]:
    """Cases of the activation not linked yet, newest first (for the link form)."""
    return (
        Case.objects.filter(activation_id=rumour.activation_id)
        .exclude(rumours=rumour)
        .order_by("-number")
        .only("pk", "number", "claim", "status")[:limit]
    )


def rumour_events(*, rumour: Rumour, liaison_view: bool) -> list[RumourEvent]:
    """The history, oldest first; the liaison sees only status, counter-message and
    relay steps (not the team's internal linking)."""
    events = rumour.events.select_related("user")
    if liaison_view:
        events = events.filter(kind__in=LIAISON_EVENT_KINDS)
    result = list(events)
    for event in result:
        event.label = EVENT_LABELS.get(event.kind, event.kind)  # type: ignore[attr-defined]
    return result


def rumour_relays(*, rumour: Rumour) -> QuerySet[Relay]:
    return rumour.relays.select_related("recorded_by").order_by("relayed_at", "pk")


# --- finding items to link ----------------------------------------------------------------
@dataclass(frozen=True)
class Resolution:
    cluster_ids: list[int]
    problems: list[str]


def items_resolve(*, activation: Activation, references: Iterable[str]) -> Resolution:
    """Turn what a person typed (queue item numbers "12" / "#12", or links to posts)
    into queue item ids of the activation; what cannot be found is explained.

    Items of another activation are not resolved here: the service refuses them.
    """
    ids: list[int] = []
    problems: list[str] = []
    for raw in references:
        reference = raw.strip().strip(",;")
        if not reference:
            continue
        number = reference.removeprefix("#")
        if number.isdigit():
            ids.append(int(number))
            continue
        if not _http(reference):
            problems.append(
                _("“%(ref)s” is neither a queue item number nor a link to a post.")
                % {"ref": reference[:200]}
            )
            continue
        bare = reference.rstrip("/")
        post = (
            Post.objects.filter(activation=activation, url__in=[bare, bare + "/"])
            .only("pk", "cluster_id")
            .first()
        )
        if post is None:
            problems.append(
                _("No post of this activation has the link %(url)s.")
                % {"url": reference[:300]}
            )
        elif post.cluster_id is None:
            problems.append(
                _("The post %(url)s is not in the queue yet: try again in a minute.")
                % {"url": reference[:300]}
            )
        else:
            ids.append(post.cluster_id)
    return Resolution(cluster_ids=list(dict.fromkeys(ids)), problems=problems)


# --- reach over time ------------------------------------------------------------------------
class ReachPoint(NamedTuple):
    time: dt.datetime  # start of the bucket
    posts: int
    accounts: int  # distinct accounts that posted in the bucket
    followers: int  # their followers (each account once, where the platform says)


class PlatformReach(NamedTuple):
    platform: str
    label: str
    posts: int
    accounts: int
    followers: int


# Posts of the linked items; an account is (platform, author id or handle), a post
# without either counts as its own account. Followers only where the platform gave
# a number; an account counts once per group, with its largest figure.
_LINKED_POSTS_SQL = """
    SELECT p.posted_at, p.platform,
           p.platform || ':' || COALESCE(NULLIF(p.author_id, ''),
                                         NULLIF(p.author_handle, ''),
                                         'post-' || p.id::text) AS account,
           CASE WHEN jsonb_typeof(p.author_meta -> 'followers') = 'number'
                THEN (p.author_meta ->> 'followers')::numeric::bigint END AS followers
      FROM {post} p
     WHERE p.cluster_id IN (SELECT l.cluster_id FROM {link} l WHERE l.rumour_id = %s)
"""


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "post": quote(Post._meta.db_table),
        "link": quote(Rumour.clusters.through._meta.db_table),
    }


def rumour_reach(*, rumour: Rumour, bucket: str = "hour") -> list[ReachPoint]:
    """Reach over time of the linked items' posts, per hour (or day) of the
    activation's time zone: posts, distinct accounts, their followers. One query;
    buckets without posts are left out."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}")
    tz = rumour.activation.timezone
    sql = f"""
        WITH linked AS ({_LINKED_POSTS_SQL.format(**_tables())}),
        per_account AS (
            SELECT date_trunc(%s, posted_at AT TIME ZONE %s) AS local_bucket,
                   account, COUNT(*) AS posts, MAX(followers) AS followers
              FROM linked
             GROUP BY 1, 2
        )
        SELECT local_bucket AT TIME ZONE %s, SUM(posts)::bigint, COUNT(*),
               COALESCE(SUM(followers), 0)::bigint
          FROM per_account
         GROUP BY local_bucket
         ORDER BY local_bucket
    """  # noqa: S608  (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [rumour.pk, bucket, tz, tz])
        rows: Sequence[tuple[dt.datetime, int, int, int]] = cursor.fetchall()
    return [ReachPoint(time, int(p), int(a), int(f)) for time, p, a, f in rows]


def rumour_platforms(*, rumour: Rumour) -> list[PlatformReach]:
    """The platforms the linked posts come from, most posts first, with their
    accounts and followers (each account once). One query."""
    sql = f"""
        WITH linked AS ({_LINKED_POSTS_SQL.format(**_tables())}),
        per_account AS (
            SELECT platform, account, COUNT(*) AS posts, MAX(followers) AS followers
              FROM linked
             GROUP BY 1, 2
        )
        SELECT platform, SUM(posts)::bigint, COUNT(*), COALESCE(SUM(followers), 0)::bigint
          FROM per_account
         GROUP BY platform
         ORDER BY 2 DESC, platform
    """  # noqa: S608  (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [rumour.pk])
        rows: Sequence[tuple[str, int, int, int]] = cursor.fetchall()
    return [
        PlatformReach(platform, platform_label(platform), int(p), int(a), int(f))
        for platform, p, a, f in rows
    ]
