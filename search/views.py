"""Search page of an activation: words and filters, highlighted results paged by
keyset, and the team's saved searches (save, edit, follow, delete), each change
a POST that redirects back with a message."""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context
from audit import services as audit
from search import selectors, services
from search.forms import SavedSearchForm, SearchForm
from search.selectors import SearchPage
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)


@login_required
@require_GET
def search(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_POSTS
    )
    form = SearchForm(request.GET or None)
    page: SearchPage | None = None
    error = ""
    if form.is_bound:
        if form.is_valid():
            try:
                page = selectors.posts_search(
                    activation=activation,
                    params=form.params(),
                    cursor=request.GET.get("after", ""),
                )
            except DomainError as exc:
                error = exc.message
        else:
            logger.warning("search form refused: %s", form.errors.as_json())
    if page is not None and page.hits:
        audit.record_request(
            request,
            action=audit.Action.PERSONAL_DATA_VIEW,
            activation=activation,
            object_type="monitoring.post",
            summary=f"search results={len(page.hits)}",
        )
    next_url = ""
    if page and page.next_cursor:
        query = request.GET.copy()
        query["after"] = page.next_cursor
        next_url = "?" + query.urlencode()
    saved_id = request.GET.get("saved", "")
    context = {
        **activation_context(user=request.user, activation=activation, tab="search"),
        "form": form,
        "page": page,
        "error": error,
        "next_url": next_url,
        "saved_searches": selectors.saved_search_list(activation=activation),
        "current_saved": int(saved_id) if saved_id.isdigit() else None,
        "save_form": SavedSearchForm(initial={"alerts_enabled": True}),
        "has_search": form.is_bound and form.is_valid() and not error,
        "current_query": request.GET.urlencode(),
        "activation_area": (
            json.loads(activation.area.geojson) if activation.area else None
        ),
    }
    return render(request, "search/search.html", context)


def _back(slug: str, query: str = "") -> HttpResponse:
    url = reverse("search:search", args=[slug])
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def saved_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_SAVED_SEARCHES
    )
    search_form = SearchForm(request.POST)
    save_form = SavedSearchForm(request.POST)
    query = urlencode(
        {k: request.POST[k] for k in search_form.fields if request.POST.get(k)}
    )
    if not (search_form.is_valid() and save_form.is_valid()):
        logger.warning(
            "saved search refused: %s %s",
            search_form.errors.as_json(),
            save_form.errors.as_json(),
        )
        messages.error(
            request,
            _("The search was not saved: %(errors)s")
            % {
                "errors": " ".join(
                    str(e)
                    for errs in (
                        *search_form.errors.values(),
                        *save_form.errors.values(),
                    )
                    for e in errs
                )
            },
        )
        return _back(slug, query)
    try:
        saved = services.saved_search_create(
            activation=activation,
            user=request.user,
            name=save_form.cleaned_data["name"],
            query=search_form.cleaned_data["q"].strip(),
            filters=search_form.filters_to_save(),
            alerts_enabled=save_form.cleaned_data["alerts_enabled"],
        )
    except DomainError as exc:
        logger.warning("saved search refused: %s", exc.message)
        messages.error(request, exc.message)
        return _back(slug, query)
    messages.success(request, _("Search “%(name)s” saved.") % {"name": saved.name})
    return _back(slug, f"{query}&saved={saved.pk}" if query else f"saved={saved.pk}")


@login_required
@require_POST
def saved_update(
    request: AuthenticatedHttpRequest, slug: str, saved_id: int
) -> HttpResponse:
    """One form per change: ``do`` is rename, alerts_on, alerts_off or replace
    (the search words and filters become those posted)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_SAVED_SEARCHES
    )
    saved = selectors.saved_search_get(activation=activation, pk=saved_id)
    action = request.POST.get("do", "")
    try:
        if action == "rename":
            services.saved_search_update(
                saved=saved, user=request.user, name=request.POST.get("name", "")
            )
        elif action in ("alerts_on", "alerts_off"):
            services.saved_search_update(
                saved=saved, user=request.user, alerts_enabled=action == "alerts_on"
            )
        elif action == "replace":
            form = SearchForm(request.POST)
            if not form.is_valid():
                raise DomainError(
                    " ".join(str(e) for errs in form.errors.values() for e in errs)
                )
            services.saved_search_update(
                saved=saved,
                user=request.user,
                query=form.cleaned_data["q"].strip(),
                filters=form.filters_to_save(),
            )
        else:
            raise DomainError(_("Unknown change."))
    except DomainError as exc:
        logger.warning("saved search %s change refused: %s", saved_id, exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved search updated."))
    saved.refresh_from_db()
    return redirect(services.saved_search_url(saved))


@login_required
@require_POST
def saved_delete(
    request: AuthenticatedHttpRequest, slug: str, saved_id: int
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_SAVED_SEARCHES
    )
    saved = selectors.saved_search_get(activation=activation, pk=saved_id)
    services.saved_search_delete(saved=saved, user=request.user)
    messages.success(
        request, _("Saved search “%(name)s” deleted.") % {"name": saved.name}
    )
    return _back(slug)


@login_required
@require_POST
def saved_follow(
    request: AuthenticatedHttpRequest, slug: str, saved_id: int
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_POSTS
    )
    saved = selectors.saved_search_get(activation=activation, pk=saved_id)
    follow = request.POST.get("follow") == "1"
    services.saved_search_follow(saved=saved, user=request.user, follow=follow)
    text = (
        _("You follow “%(name)s”: its alerts reach you.")
        if follow
        else _("You no longer follow “%(name)s”.")
    )
    messages.success(request, text % {"name": saved.name})
    return redirect(services.saved_search_url(saved))
