"""Reads of the search: full-text queries over an activation's posts (PostgreSQL
FTS, the ``search_vector`` column added by monitoring migration 0004), their
highlighted excerpts, and the saved searches."""

from __future__ import annotations

import base64
import datetime as dt
import html
import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import BooleanField, F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from activations.models import Activation
from mapping.models import MapItem, Verification
from monitoring.models import Post
from search.models import SavedSearch
from verification.models import Case
from vost.exceptions import DomainError

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 500
PAGE_SIZE = 25
STATEMENT_TIMEOUT_MS = 5000  # a search running longer is stopped and explained
MAX_RANK_OFFSET = 500  # "best match first" pages through the first 500 matches
# Both configurations, OR-ed: a French word is found by its French stem, an
# English one by its English stem; both fold accents (unaccent dictionary).
TSQUERY = "(websearch_to_tsquery('vost_fr', %s) || websearch_to_tsquery('vost_en', %s))"
START, STOP = "\x01", "\x02"  # headline markers, removed from the text first
HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=45, MinWords=20, MaxFragments=2"
)


class SearchQueryError(DomainError):
    code = "invalid_search"


@dataclass(frozen=True)
class SearchParams:
    query: str = ""
    platform: str = ""
    lang: str = ""
    category: str = ""
    place: str = ""
    area: GEOSGeometry | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    verified_only: bool = False
    order: str = "date"


@dataclass
class SearchHit:
    post: Post
    excerpt: SafeString
    rank: float | None = None


@dataclass
class SearchPage:
    hits: list[SearchHit]
    next_cursor: str = ""
    notices: list[str] = field(default_factory=list)


def query_check(*, query: str) -> list[str]:
    """Explain a query's problems: raise SearchQueryError when nothing can be
    searched, return notices (shown, not fatal) for what was ignored."""
    notices: list[str] = []
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchQueryError(
            _("The search is too long: keep it under %(limit)d characters.")
            % {"limit": MAX_QUERY_LENGTH}
        )
    if not query:
        return notices
    if query.count('"') % 2:
        notices.append(
            _(
                "A quotation mark is not closed: the words after it are searched as a phrase."
            )
        )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT websearch_to_tsquery('vost_fr', %s)::text,"
                " websearch_to_tsquery('vost_en', %s)::text",
                [query, query],
            )
            french, english = cursor.fetchone()
    except (
        DatabaseError
    ) as exc:  # should not happen: websearch_to_tsquery accepts anything
        logger.warning("search query %r refused by the database: %s", query, exc)
        raise SearchQueryError(
            _(
                'This search could not be understood. Use plain words, "quoted phrases", OR and -excluded words.'
            )
        ) from None
    if not french and not english:
        logger.warning("search query %r has no searchable word", query)
        raise SearchQueryError(
            _(
                "Nothing to search in “%(query)s”: it only has very common words or symbols."
                ' Use plain words, "quoted phrases", OR and -excluded words.'
            )
            % {"query": Truncator(query).chars(60)}
        )
    if not french:
        notices.append(
            _(
                "These words are very common in French: they are only searched as English words."
            )
        )
    elif not english:
        notices.append(
            _(
                "These words are very common in English: they are only searched as French words."
            )
        )
    return notices


def _verified(activation: Activation) -> Q:
    """Posts of a cluster with a verified case or map item, or of a verified case.
    The ids are read first (a few thousand at most): one indexed IN on the posts."""
    verified_cases = Case.objects.filter(
        activation=activation, status=Case.Status.VERIFIED
    )
    clusters = set(
        verified_cases.filter(cluster__isnull=False).values_list(
            "cluster_id", flat=True
        )
    ) | set(
        MapItem.objects.filter(
            activation=activation, verification=Verification.VERIFIED
        ).values_list("cluster_id", flat=True)
    )
    posts = set(
        verified_cases.filter(post__isnull=False).values_list("post_id", flat=True)
    )
    return Q(cluster_id__in=sorted(clusters)) | Q(pk__in=sorted(posts))


def posts_matching(*, activation: Activation, params: SearchParams) -> QuerySet[Post]:
    """The activation's posts matching the words and filters (unordered)."""
    posts = Post.objects.filter(activation=activation)
    if params.query:
        posts = posts.filter(
            RawSQL(  # noqa: S611 (constant SQL, the words are bound parameters)
                f'"monitoring_post"."search_vector" @@ {TSQUERY}',
                [params.query, params.query],
                output_field=BooleanField(),
            )
        )
    if params.platform:
        posts = posts.filter(platform=params.platform)
    if params.lang:
        posts = posts.filter(lang__startswith=params.lang)
    if params.category:
        posts = posts.filter(category=params.category)
    if params.place:
        posts = posts.filter(place_name__icontains=params.place)
    if params.area is not None:
        posts = posts.filter(location__intersects=params.area)
    if params.since:
        posts = posts.filter(posted_at__gte=params.since)
    if params.until:
        posts = posts.filter(posted_at__lte=params.until)
    if params.verified_only:
        posts = posts.filter(_verified(activation))
    return posts


def _encode_cursor(post: Post) -> str:
    raw = f"{post.posted_at.isoformat()}|{post.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int] | int:
    """(posted_at, id) for date order; an offset (digits) for rank order."""
    if cursor.isdigit():
        return int(cursor)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        when, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return dt.datetime.fromisoformat(when), int(pk)
    except (ValueError, UnicodeDecodeError):
        logger.warning("bad search cursor %r", cursor)
        raise SearchQueryError(
            _("This page link is not valid any more: start the search again.")
        ) from None


def posts_search(
    *,
    activation: Activation,
    params: SearchParams,
    cursor: str = "",
    limit: int = PAGE_SIZE,
) -> SearchPage:
    """One page of matches with highlighted excerpts. Newest first pages by
    keyset (posted_at, id); best match first ranks the matches and pages by
    offset through the first MAX_RANK_OFFSET."""
    notices = query_check(query=params.query)
    try:
        with transaction.atomic():
            with connection.cursor() as db:
                # JIT compilation costs more than it saves on these short queries;
                # a pathological search is stopped rather than left to load the server.
                db.execute("SET LOCAL jit = off")
                db.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            page = _search_page(
                activation=activation, params=params, cursor=cursor, limit=limit
            )
    except OperationalError as exc:
        logger.warning("search %r stopped: %s", params.query, exc)
        raise SearchQueryError(
            _("This search takes too long: narrow it with more words or filters.")
        ) from None
    page.notices = notices + page.notices
    return page


def _search_page(
    *, activation: Activation, params: SearchParams, cursor: str, limit: int
) -> SearchPage:
    posts = posts_matching(activation=activation, params=params)
    position = _decode_cursor(cursor) if cursor else None
    by_rank = params.order == "rank" and bool(params.query)
    if by_rank:
        offset = position if isinstance(position, int) else 0
        if offset >= MAX_RANK_OFFSET:
            raise SearchQueryError(
                _("Only the first %(n)d best matches are listed: narrow the search.")
                % {"n": MAX_RANK_OFFSET}
            )
        ranked = posts.annotate(
            rank=RawSQL(  # noqa: S611 (constant SQL, bound parameters)
                f'ts_rank("monitoring_post"."search_vector", {TSQUERY})',
                [params.query, params.query],
                output_field=FloatField(),
            )
        ).order_by("-rank", "-posted_at", "-pk")
        rows: list[Post] = list(ranked[offset : offset + limit + 1])
        next_cursor = str(offset + limit) if len(rows) > limit else ""
    else:
        if isinstance(position, tuple):
            when, pk = position
            posts = posts.filter(Q(posted_at__lt=when) | Q(posted_at=when, pk__lt=pk))
        rows = list(posts.order_by(F("posted_at").desc(), F("pk").desc())[: limit + 1])
        next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else ""
    rows = rows[:limit]
    excerpts = headlines(post_ids=[post.pk for post in rows], query=params.query)
    hits = [
        SearchHit(
            post=post,
            excerpt=excerpts.get(post.pk, mark_safe("")),
            rank=getattr(post, "rank", None),
        )
        for post in rows
    ]
    return SearchPage(hits=hits, next_cursor=next_cursor)


def safe_headline(raw: str) -> SafeString:
    """HTML of a ts_headline output: everything escaped, then only our markers
    become <mark> (a post cannot inject markup)."""
    escaped = html.escape(raw.replace("\x00", ""))
    return mark_safe(  # noqa: S308 (escaped above)
        escaped.replace(START, "<mark>").replace(STOP, "</mark>")
    )


def headlines(*, post_ids: list[int], query: str) -> dict[int, SafeString]:
    """Excerpts of these posts with the query's words marked."""
    if not post_ids:
        return {}
    if not query:
        return {
            pk: safe_headline(
                Truncator(text.replace(START, "").replace(STOP, "")).chars(300)
            )
            for pk, text in Post.objects.filter(pk__in=post_ids).values_list(
                "pk", "text"
            )
        }
    sql = (
        "SELECT id, ts_headline("  # noqa: S608 (constant SQL, bound parameters)
        " CASE WHEN left(lang, 2) = 'en' THEN 'vost_en'::regconfig"
        " ELSE 'vost_fr'::regconfig END,"
        f" translate(text, %s, ''), {TSQUERY}, %s)"
        " FROM monitoring_post WHERE id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [START + STOP, query, query, HEADLINE_OPTIONS, post_ids])
        return {pk: safe_headline(text or "") for pk, text in cursor.fetchall()}


def latest_post_id(*, activation: Activation) -> int:
    last = (
        Post.objects.filter(activation=activation)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return int(last or 0)


def saved_search_list(*, activation: Activation) -> QuerySet[SavedSearch]:
    return (
        SavedSearch.objects.filter(activation=activation)
        .select_related("created_by")
        .prefetch_related("followers")
        .order_by("name")
    )


def saved_search_get(*, activation: Activation, pk: int) -> SavedSearch:
    """The activation's saved search `pk` (404 when it belongs to another one)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(SavedSearch, activation=activation, pk=pk)


def saved_search_params(*, saved: SavedSearch) -> SearchParams:
    """The search a saved search stands for (filters re-validated by the form)."""
    from search.forms import SearchForm

    data: dict[str, Any] = {**saved.filters, "q": saved.query}
    form = SearchForm(data)
    if not form.is_valid():
        logger.warning(
            "saved search %s has invalid filters: %s", saved.pk, form.errors.as_json()
        )
        raise SearchQueryError(
            _("The filters of this saved search are no longer valid.")
        )
    return form.params()
