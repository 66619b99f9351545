"""The volunteer's triage workspace: live counters, who is on shift, "Next", the item
one holds with its decision form, undo for 30 s, and the team lead's queue table
with filters and bulk decisions. Keyboard-first (static/js/triage.js); every action
is a plain form POST, so it all works without JavaScript too.

Access: Action.TRIAGE for everything, Action.TRIAGE_BULK for the queue table and
bulk decisions. Items are found only inside the activation (another activation's
item is a 404). Refusals of the services (expired lease, someone else decided, a
double click, a stale page) become a message; nothing is changed and the page
shows the item as it is now.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from activations.models import Activation
from activations.permissions import (
    Action,
    activation_allowed_actions,
    activation_get_for_user,
)
from activations.selectors import on_duty_now
from activations.views._common import activation_context
from audit import services as audit
from monitoring import selectors, triage
from monitoring.forms_triage import (
    BulkForm,
    DecisionForm,
    QueueFilterForm,
    TokenForm,
    UndoForm,
    return_query,
)
from monitoring.models import Category, Cluster, Platform, Post, TriageDecision

if TYPE_CHECKING:
    from django.db.models import QuerySet
from monitoring.templatetags.monitoring_tags import http_url
from vost.exceptions import ConflictError, DomainError
from vost.http import AuthenticatedHttpRequest

PAGE_SIZE: Final = 50
COUNTS_REFRESH_SECONDS: Final = 4  # new urgent items must show within 5 s
RENEW_BEFORE_SECONDS: Final = 120  # the page renews the lease when less is left
MAX_REFUSAL_MESSAGES: Final = 10
# How far a place guess may be off, by where it comes from (drawn around the point).
PLACE_PRECISION_METRES: Final[dict[str, int]] = {
    Post.LocationSource.PLATFORM: 250,
    Post.LocationSource.GEOPARSED: 3000,
    Post.LocationSource.OFFICIAL: 5000,
}
NEW_ACCOUNT_DAYS: Final = 30
# Decision errors the user fixes on the same form (the item is still theirs).
FORM_ERRORS: Final = frozenset(
    {
        "category_required",
        "invalid_category",
        "invalid_decision",
        "invalid_note",
        "invalid_tag",
    }
)
Kind = TriageDecision.Kind


# --- what the pages show -----------------------------------------------------------------
@dataclass(frozen=True)
class MediaItem:
    """One attachment, reduced to what is safe to show: http(s) links only, previews
    over https only (the page's CSP), never an embedded player."""

    kind: str  # image, video, link
    url: str
    preview: str
    text: str


@dataclass(frozen=True)
class AuthorFacts:
    handle: str
    name: str
    created_at: dt.datetime | None
    new_account: bool
    followers: int | None
    verified: bool
    bot: bool
    profile_url: str


def _https(value: object) -> str:
    link = http_url(value)
    return link if link.lower().startswith("https://") else ""


def media_items(post: Post) -> list[MediaItem]:
    items: list[MediaItem] = []
    for raw in post.media if isinstance(post.media, list) else []:
        if not isinstance(raw, dict):
            continue
        kind = str(raw.get("type") or "").lower()
        url = http_url(raw.get("url"))
        preview = _https(raw.get("preview_url"))
        text = str(
            raw.get("description") or raw.get("alt_text") or raw.get("title") or ""
        )[:300]
        if kind in {"image", "photo"}:
            items.append(MediaItem("image", url, preview or _https(url), text))
        elif kind in {"video", "gifv", "animated_gif", "audio"}:
            items.append(MediaItem("video", url, preview, text))
        elif url:
            items.append(MediaItem("link", url, preview, text))
    return [item for item in items if item.url or item.preview]


def author_facts(post: Post, now: dt.datetime) -> AuthorFacts:
    meta = post.author_meta if isinstance(post.author_meta, dict) else {}
    created = meta.get("created_at")
    created_at = None
    if isinstance(created, str):
        try:
            created_at = parse_datetime(created)
        except ValueError:
            created_at = None
        if created_at is not None and timezone.is_naive(created_at):
            created_at = timezone.make_aware(created_at, dt.UTC)
    followers = meta.get("followers_count", meta.get("followers"))
    return AuthorFacts(
        handle=post.author_handle,
        name=post.author_name,
        created_at=created_at,
        new_account=created_at is not None
        and now - created_at < dt.timedelta(days=NEW_ACCOUNT_DAYS),
        followers=followers
        if isinstance(followers, int) and not isinstance(followers, bool)
        else None,
        verified=meta.get("verified") is True,
        bot=meta.get("bot") is True,
        profile_url=http_url(meta.get("url")),
    )


def place_geojson(post: Post) -> dict[str, Any] | None:
    """The place guess as GeoJSON: the point, and a circle of its precision (which
    also gives the small map a sensible zoom)."""
    if post.location is None:
        return None
    lon, lat = float(post.location.x), float(post.location.y)
    radius = PLACE_PRECISION_METRES.get(post.location_source, 2000)
    dlat = radius / 111_320
    dlon = radius / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    ring = [
        [
            round(lon + dlon * math.cos(2 * math.pi * i / 32), 6),
            round(lat + dlat * math.sin(2 * math.pi * i / 32), 6),
        ]
        for i in range(33)
    ]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            },
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            },
        ],
    }


def priority_level(priority: float) -> str:
    if priority >= triage.URGENT_PRIORITY:
        return "urgent"
    if priority >= triage.HIGH_PRIORITY:
        return "high"
    if priority >= triage.LOW_PRIORITY:
        return "normal"
    return "low"


def _undoable(activation: Activation, user: Any) -> dict[str, Any] | None:
    """The user's last decision still inside the undo window, with seconds left."""
    decision = triage.decision_last_undoable(activation=activation, user=user)
    if decision is None:
        return None
    left = triage.UNDO_WINDOW - (timezone.now() - decision.created_at)
    return {
        "decision": decision,
        "seconds_left": max(1, math.ceil(left.total_seconds())),
        "label": decision_label(decision),
    }


def decision_label(decision: TriageDecision) -> str:
    label = str(decision.get_kind_display())
    if decision.kind in (Kind.RELEVANT, Kind.URGENT) and decision.category:
        label += " — " + str(decision.get_category_display())
    return label


def _counts_context(
    activation: Activation, user: Any, *, shared: bool = False
) -> dict[str, Any]:
    counts = triage.queue_counts(activation=activation, user=user, shared=shared)
    return {
        "counts": counts,
        "open_escalations": counts.open_escalations,
        "refresh_seconds": COUNTS_REFRESH_SECONDS,
    }


class _CappedPaginator(Paginator[Cluster]):
    """Counts the open queue up to triage.COUNT_CAP items (a bounded subquery): in a
    surge it holds hundreds of thousands, and the team lead's table then says
    "page 1 of 100+" instead of counting them all on every load."""

    more = False

    @cached_property
    def count(self) -> int:
        queryset = cast("QuerySet[Cluster]", self.object_list)
        found = queryset[: triage.COUNT_CAP + 1].count()
        self.more = found > triage.COUNT_CAP
        return min(found, triage.COUNT_CAP)


_URL_MARK: Final = 987654321  # a number no other part of the URL holds


def _item_url(activation: Activation, cluster_id: int) -> str:
    return reverse("monitoring:triage-item", args=[activation.slug, cluster_id])


def _workspace(activation: Activation, query: str = "") -> HttpResponse:
    url = reverse("monitoring:triage", args=[activation.slug])
    return redirect(f"{url}?{query}" if query else url)


def _form_errors(form: Any) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def _lead_filters(
    request: AuthenticatedHttpRequest, activation: Activation, data: Any
) -> tuple[QueueFilterForm | None, triage.QueueFilters]:
    allowed = activation_allowed_actions(user=request.user, activation=activation)
    if Action.TRIAGE_BULK not in allowed:
        return None, triage.QueueFilters()
    form = QueueFilterForm(data, sources=selectors.source_list(activation=activation))
    return form, form.queue_filters()


# --- pages -------------------------------------------------------------------------------
@login_required
@require_GET
def triage_workspace(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Counters, who is on shift, the item one holds or "Next"; for team leads the
    queue table with filters and bulk actions."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.TRIAGE
    )
    now = timezone.now()
    context = activation_context(user=request.user, activation=activation, tab="triage")
    # the figures every open workspace shares (up to COUNTS_MAX_AGE seconds old,
    # as the poll that refreshes them): one count of a large queue less per page
    context |= _counts_context(activation, request.user, shared=True)
    claims = list(triage.my_claims(activation=activation, user=request.user))
    live = sorted(
        (c for c in claims if c.lease_expires_at and c.lease_expires_at >= now),
        key=lambda c: c.lease_expires_at or now,
    )
    on_duty = list(on_duty_now(activation=activation))
    context |= {
        "current": live[0] if live else None,
        "claims": live,
        "on_duty": on_duty,
        "my_duty": next((a for a in on_duty if a.user_id == request.user.pk), None),
        "undo": _undoable(activation, request.user),
    }
    if context["can"][Action.TRIAGE_BULK]:
        sources = list(selectors.source_list(activation=activation))
        filters = QueueFilterForm(request.GET, sources=sources)
        paginator = _CappedPaginator(
            triage.queue_list(activation=activation, filters=filters.queue_filters()),
            PAGE_SIZE,
        )
        page = paginator.get_page(request.GET.get("page"))
        categories = dict(Category.choices)
        platforms = dict(Platform.choices)
        # one reverse() for the page, not one {% url %} per row
        url_of = _item_url(activation, _URL_MARK).replace(str(_URL_MARK), "{}", 1)
        for cluster in page.object_list:
            cluster.url = url_of.format(cluster.pk)  # type: ignore[attr-defined]
            cluster.level = priority_level(cluster.priority)  # type: ignore[attr-defined]
            # labels looked up once per page (get_FOO_display rebuilds the choices
            # dictionary on every call: 100 times for a page of 50 rows)
            cluster.category_label = categories.get(cluster.category, "")  # type: ignore[attr-defined]
            post = cluster.representative
            cluster.origin = (  # type: ignore[attr-defined]
                post.source.name
                if post and post.source
                else platforms.get(post.platform, "")
                if post
                else ""
            )
        context |= {
            "filters": filters,
            "page": page,
            "page_total": f"{paginator.num_pages}+"
            if paginator.more
            else str(paginator.num_pages),
            "query": filters.query(),
            "return_query": filters.query(page=str(page.number)),
            "bulk_form": BulkForm(),
            "now": now,
        }
    return render(request, "monitoring/triage.html", context)


@login_required
@require_GET
def triage_counts(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The live counters (htmx, every 4 s); ``u`` and ``e`` are the urgent and
    escalation figures the page showed, to highlight what is new."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.TRIAGE, related=False
    )
    if not request.htmx:
        return _workspace(activation)
    context = activation_context(user=request.user, activation=activation, tab="triage")
    context |= _counts_context(activation, request.user, shared=True)
    counts = context["counts"]

    def previous(name: str) -> int | None:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() and len(value) < 9 else None

    before_urgent, before_escalations = previous("u"), previous("e")
    context |= {
        "new_urgent": max(0, counts.urgent_waiting - before_urgent)
        if before_urgent is not None
        else 0,
        "new_escalations": max(0, counts.open_escalations - before_escalations)
        if before_escalations is not None
        else 0,
        "polled_at": timezone.now(),
    }
    response = render(request, "monitoring/_triage_parts.html#counts-poll", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def triage_item(
    request: AuthenticatedHttpRequest, slug: str, cluster_id: int
) -> HttpResponse:
    """One item: the decision form if the user holds it, read only otherwise."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.TRIAGE
    )
    cluster = triage.item_get(activation=activation, cluster_id=cluster_id)
    if cluster is None:
        raise Http404
    return _item_page(request, activation, cluster)


def _item_page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    cluster: Cluster,
    *,
    form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    view = triage.item_view(cluster=cluster)
    audit.record_request(
        request,
        action=audit.Action.PERSONAL_DATA_VIEW,
        activation=activation,
        obj=cluster,
        summary=f"triage item post={view.post.pk}",
    )
    live_lease = (
        cluster.lease_expires_at is not None and cluster.lease_expires_at >= now
    )
    held = cluster.status == Cluster.Status.IN_TRIAGE and live_lease
    mine = held and cluster.claimed_by_id == request.user.pk
    if mine and form is None:
        form = DecisionForm(
            initial={
                "token": cluster.claim_token,
                "category": cluster.category
                if cluster.category and cluster.category != "not_relevant"
                else "",
            }
        )
    context = activation_context(user=request.user, activation=activation, tab="triage")
    context |= _counts_context(activation, request.user)
    geojson = place_geojson(view.post)
    context |= {
        "cluster": cluster,
        "post": view.post,
        "copies": view.copies,
        "other_copies": max(cluster.size - 1, len(view.copies)),
        "related": view.related,
        "decisions": view.decisions,
        "author": author_facts(view.post, now),
        "media": media_items(view.post),
        "place": geojson,
        "level": priority_level(cluster.priority),
        "mine": mine,
        "held_by_other": held and not mine,
        "lost_claim": cluster.status == Cluster.Status.IN_TRIAGE
        and cluster.claimed_by_id == request.user.pk
        and not live_lease,
        "form": form if mine else None,
        "lease_seconds": int((cluster.lease_expires_at - now).total_seconds())
        if mine and cluster.lease_expires_at
        else 0,
        "renew_before": RENEW_BEFORE_SECONDS,
        "undo": _undoable(activation, request.user),
        "thresholds": {
            "low": triage.LOW_PRIORITY,
            "high": triage.HIGH_PRIORITY,
            "urgent": triage.URGENT_PRIORITY,
        },
    }
    response = render(request, "monitoring/triage_item.html", context, status=status)
    if context["media"]:
        # Thumbnails come from the platforms' servers: allow https images on this
        # page only (they load without a referrer; scripts stay as strict as ever).
        config: dict[str, Any] = dict(settings.SECURE_CSP)
        config["img-src"] = [*config.get("img-src", ()), "https:"]
        response._csp_config = config  # type: ignore[attr-defined]  # what @csp_override sets
    return response


# --- actions -----------------------------------------------------------------------------
def _claim_next_response(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    filters: triage.QueueFilters | None = None,
    query: str = "",
) -> HttpResponse:
    try:
        cluster = triage.item_claim_next(
            activation=activation, user=request.user, filters=filters
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _workspace(activation, query)
    if cluster is None:
        messages.info(
            request,
            _("Nothing is waiting for you in the queue right now.")
            if not (filters and filters.active)
            else _("No waiting item matches these filters."),
        )
        return _workspace(activation, query)
    return redirect(_item_url(activation, cluster.pk))


@login_required
@require_POST
def triage_next(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Claim the next item (the one the user holds, if any) and open it. Team leads
    may narrow "Next" with the table's filters."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.TRIAGE
    )
    form, filters = _lead_filters(request, activation, request.POST)
    query = form.query() if form is not None else ""
    return _claim_next_response(request, activation, filters, query)


def _conflict_response(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    cluster_id: int,
    error: DomainError,
) -> HttpResponse:
    """A refused change: say why and show the item as it is now. A double click
    (second submit of a decision already recorded) lands on the next item."""
    if error.code == "not_found":
        raise Http404
    if error.code == "already_decided":
        cluster = triage.item_get(activation=activation, cluster_id=cluster_id)
        if cluster is not None and cluster.decided_by_id == request.user.pk:
            messages.info(request, error.message)
            current = triage.item_current(activation=activation, user=request.user)
            if current is not None:
                return redirect(_item_url(activation, current.pk))
            return _workspace(activation)
    messages.error(request, error.message)
    return redirect(_item_url(activation, cluster_id))


@login_required
@require_POST
def triage_decide(
    request: AuthenticatedHttpRequest, slug: str, cluster_id: int
) -> HttpResponse:
    """Record a decision on the item the user holds, then open the next item."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.TRIAGE
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        if "token" in form.errors:
            messages.error(
                request,
                _("This page is out of date: here is the item as it is now."),
            )
            return redirect(_item_url(activation, cluster_id))
        cluster = triage.item_get(activation=activation, cluster_id=cluster_id)
        if cluster is None:
            raise Http404
        messages.error(request, _form_errors(form))
        return _item_page(request, activation, cluster, form=form)
    data = form.cleaned_data
    try:
        triage.item_decide(
            activation=activation,
            cluster_id=cluster_id,
            user=request.user,
            token=data["token"],
            kind=data["kind"],
            category=data["category"],
            tags=form.tag_list(),
            note=data["note"],
        )
    except ConflictError as exc:
        return _conflict_response(request, activation, cluster_id, exc)
    except DomainError as exc:
        if exc.code not in FORM_ERRORS:
            return _conflict_response(request, activation, cluster_id, exc)
        cluster = triage.item_get(activation=activation, cluster_id=cluster_id)
        if cluster is None:
            raise Http404 from exc
        messages.error(request, exc.message)
        return _item_page(request, activation, cluster, form=form)
    return _claim_next_response(request, activation)


@login_required
@require_POST
def triage_renew(
    request: AuthenticatedHttpRequest, slug: str, cluster_id: int
) -> HttpResponse:
    """Keep the item longer. htmx (the page's auto-renewal) gets the lease fragment."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.TRIAGE
    )
    form = TokenForm(request.POST)
    error: DomainError | None = None
    cluster = None
    if not form.is_valid():
        error = DomainError(
            _("This page is out of date: here is the item as it is now.")
        )
    else:
        try:
            cluster = triage.item_renew(
                activation=activation,
                cluster_id=cluster_id,
                user=request.user,
                token=form.cleaned_data["token"],
            )
        except DomainError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            error = exc
    if request.htmx:
        now = timezone.now()
        context = {
            "activation": activation,
            "cluster": cluster,
            "lease_error": error.message if error else "",
            "lease_seconds": int((cluster.lease_expires_at - now).total_seconds())
            if cluster and cluster.lease_expires_at
            else 0,
            "renew_before": RENEW_BEFORE_SECONDS,
            "mine": cluster is not None,
        }
        return render(request, "monitoring/_triage_parts.html#lease", context)
    if error is not None:
        messages.error(request, error.message)
    elif cluster is not None and cluster.lease_expires_at is not None:
        messages.success(
            request,
            _("The item is yours until %(time)s.")
            % {"time": timezone.localtime(cluster.lease_expires_at).strftime("%H:%M")},
        )
    return redirect(_item_url(activation, cluster_id))


@login_required
@require_POST
def triage_release(
    request: AuthenticatedHttpRequest, slug: str, cluster_id: int
) -> HttpResponse:
    """Hand the item back to the queue without deciding."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.TRIAGE
    )
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("This page is out of date: here is the item as it is now.")
        )
        return redirect(_item_url(activation, cluster_id))
    try:
        triage.item_release(
            activation=activation,
            cluster_id=cluster_id,
            user=request.user,
            token=form.cleaned_data["token"],
        )
    except DomainError as exc:
        return _conflict_response(request, activation, cluster_id, exc)
    messages.success(
        request, _("Item #%(id)s went back to the queue.") % {"id": cluster_id}
    )
    return _workspace(activation)


@login_required
@require_POST
def triage_undo(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Take back one's own decision within 30 s: the item is one's own again."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.TRIAGE
    )
    form = UndoForm(request.POST)
    error: str
    if form.is_valid():
        try:
            cluster = triage.decision_undo(
                activation=activation,
                decision_id=form.cleaned_data["decision"],
                user=request.user,
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Decision undone: item #%(id)s is yours again.") % {"id": cluster.pk},
            )
            return redirect(_item_url(activation, cluster.pk))
    else:
        error = _("There is no decision to undo.")
    messages.error(request, error)
    current = triage.item_current(activation=activation, user=request.user)
    if current is not None:
        return redirect(_item_url(activation, current.pk))
    return _workspace(activation)


@login_required
@require_POST
def triage_bulk(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Team leads: decide on the checked rows; rows others hold or already decided
    are left as they are and listed with the reason."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.TRIAGE_BULK
    )
    form = BulkForm(request.POST)
    sources = list(selectors.source_list(activation=activation))
    query = return_query(request.POST.get("return_query", ""), sources=sources)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _workspace(activation, query)
    data = form.cleaned_data
    try:
        result = triage.items_bulk_decide(
            activation=activation,
            user=request.user,
            cluster_ids=data["items"],
            kind=data["action"],
            category=data["category"] if data["action"] == Kind.RELEVANT else "",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _workspace(activation, query)
    if result.decided:
        messages.success(
            request,
            ngettext("%(n)s item decided.", "%(n)s items decided.", len(result.decided))
            % {"n": len(result.decided)},
        )
    refused = sorted(result.refused.items())
    for pk, why in refused[:MAX_REFUSAL_MESSAGES]:
        messages.warning(
            request,
            _("Item #%(id)s not changed: %(why)s.") % {"id": pk, "why": why},
        )
    if len(refused) > MAX_REFUSAL_MESSAGES:
        more = len(refused) - MAX_REFUSAL_MESSAGES
        messages.warning(
            request,
            ngettext(
                "And %(n)s more item not changed.",
                "And %(n)s more items not changed.",
                more,
            )
            % {"n": more},
        )
    return _workspace(activation, query)
