"""Monitoring pages of an activation: its sources (health, quota, live ingestion
figures; settings for those who manage sources) and the incoming posts (read only:
triage is its own workspace).

Access goes through ``activations.permissions``: VIEW_POSTS to read, MANAGE_SOURCES
to change a source. Secrets are never shown: a source only names the variable that
holds its credentials.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations.models import Activation
from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context, report_domain_error
from audit import services as audit
from monitoring import selectors, services
from monitoring.forms import PostFilterForm, SourceForm, SourceStateForm
from monitoring.models import Source
from monitoring.source_params import EDITABLE_PLATFORMS, POLLABLE_PLATFORMS
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

PAGE_SIZE = 50
FIGURES_REFRESH_SECONDS = 10


def _source(activation: Activation, source_id: int) -> Source:
    source = selectors.source_list(activation=activation).filter(pk=source_id).first()
    if source is None:
        raise Http404
    source.activation = activation
    return source


@login_required
@require_GET
def source_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Sources with health and quota, and the live ingestion figures.

    The htmx poll (every 10 s) gets only the figures fragment.
    """
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_POSTS
    )
    context = activation_context(
        user=request.user, activation=activation, tab="sources"
    )
    context["figures"] = selectors.ingest_figures(activation=activation)
    context["refresh_seconds"] = FIGURES_REFRESH_SECONDS
    if request.htmx:
        response = render(request, "monitoring/sources.html#figures", context)
    else:
        context |= {
            "statuses": selectors.source_statuses(activation=activation),
            "editable_platforms": [p.value for p in EDITABLE_PLATFORMS],
            "pollable_platforms": [p.value for p in POLLABLE_PLATFORMS],
        }
        response = render(request, "monitoring/sources.html", context)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _source_form_page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    source: Source | None,
) -> HttpResponse:
    if request.method == "POST":
        form = SourceForm(request.POST, instance=source)
        if form.is_valid():
            try:
                saved = services.source_save(
                    by=request.user,
                    activation=activation,
                    source=source,
                    **form.service_arguments(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Source “%(name)s” saved.") % {"name": saved.name},
                )
                return redirect("monitoring:source-list", slug=activation.slug)
    else:
        form = SourceForm(instance=source)
    context = activation_context(
        user=request.user, activation=activation, tab="sources"
    )
    context |= {"form": form, "source": source}
    return render(request, "monitoring/source_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def source_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_SOURCES
    )
    return _source_form_page(request, activation, None)


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(
    request: AuthenticatedHttpRequest, slug: str, source_id: int
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_SOURCES
    )
    source = _source(activation, source_id)
    if source.platform not in EDITABLE_PLATFORMS:
        messages.error(
            request, _("This kind of source is made by a file import, not set up here.")
        )
        return redirect("monitoring:source-list", slug=activation.slug)
    return _source_form_page(request, activation, source)


@login_required
@require_POST
def source_state(
    request: AuthenticatedHttpRequest, slug: str, source_id: int
) -> HttpResponse:
    """Pause or resume a source."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_SOURCES
    )
    source = _source(activation, source_id)
    form = SourceStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to pause or to resume the source."))
        return redirect("monitoring:source-list", slug=activation.slug)
    enabled = form.cleaned_data["state"] == "resume"
    try:
        services.source_set_enabled(
            by=request.user,
            source=source,
            enabled=enabled,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        text = (
            _("Source “%(name)s” resumed.")
            if enabled
            else _("Source “%(name)s” paused.")
        )
        messages.success(request, text % {"name": source.name})
    return redirect("monitoring:source-list", slug=activation.slug)


@login_required
@require_POST
def source_poll(
    request: AuthenticatedHttpRequest, slug: str, source_id: int
) -> HttpResponse:
    """Ask for a poll now (the task runs once the request has committed)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_SOURCES
    )
    source = _source(activation, source_id)
    try:
        services.source_poll_now(by=request.user, source=source)
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("Source “%(name)s” will be polled in a moment.") % {"name": source.name},
        )
    return redirect("monitoring:source-list", slug=activation.slug)


@login_required
@require_GET
def post_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Incoming posts, newest first, 50 a page, with filters (read only)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_POSTS
    )
    filters = PostFilterForm(request.GET)
    posts = selectors.post_list(activation=activation, **filters.selector_filters())
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record_request(
        request,
        action=audit.Action.PERSONAL_DATA_VIEW,
        activation=activation,
        object_type="monitoring.post",
        summary=f"post list page={page.number}",
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = activation_context(user=request.user, activation=activation, tab="posts")
    context |= {"filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "monitoring/posts.html", context)
