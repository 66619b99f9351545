"""The activation log ("main courante"): read, filter, append, correct, export as CSV.

Entries are never edited nor deleted (the database refuses it): a correction is a
new entry pointing at the one it corrects.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from activations import selectors, services
from activations.forms.log import LogEntryForm, LogFilterForm
from activations.models import Activation, LogEntry
from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context
from audit import services as audit
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

PAGE_SIZE = 50


def _entry_form(
    request: AuthenticatedHttpRequest, activation: Activation
) -> tuple[LogEntryForm, LogEntry | None]:
    """The add-entry form and the entry it corrects, if any.

    ``?correct=<id>`` prefills a correction with the text of that entry.
    """
    entries = activation.log_entries.select_related("author")
    if request.method == "POST":
        form = LogEntryForm(request.POST, entries=entries)
        form.is_valid()
        return form, form.cleaned_data.get("corrects")
    correct = request.GET.get("correct", "")
    original = entries.filter(pk=int(correct)).first() if correct.isdigit() else None
    initial = {"corrects": original.pk, "text": original.text} if original else {}
    return LogEntryForm(entries=entries, initial=initial), original


@login_required
@require_http_methods(["GET", "POST"])
def log(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Entries newest first, 50 a page, with filters; POST appends an entry.

    An htmx poll (every 15 s) gets only the entries fragment.
    """
    activation = activation_get_for_user(
        user=request.user,
        slug=slug,
        action=Action.WRITE_LOG if request.method == "POST" else Action.VIEW_LOG,
    )
    context = activation_context(user=request.user, activation=activation, tab="log")
    entry_form, original = None, None
    if context["can"][Action.WRITE_LOG]:
        entry_form, original = _entry_form(request, activation)
    if request.method == "POST" and entry_form is not None and entry_form.is_valid():
        data = entry_form.cleaned_data
        try:
            entry = services.log_entry_add(
                by=request.user,
                activation=activation,
                text=data["text"],
                kind=data["kind"],
                corrects=data["corrects"],
            )
        except DomainError as exc:
            entry_form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Entry #%(id)s added to the log.") % {"id": entry.pk}
            )
            return redirect("activations:log", slug=activation.slug)
    filters = LogFilterForm(
        request.GET, authors=selectors.log_authors(activation=activation)
    )
    entries = selectors.log_entries(
        activation=activation, **filters.selector_filters()
    ).prefetch_related("corrections")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in ("page", "correct"):
        query.pop(name, None)
    context |= {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "entry_form": entry_form,
        "original": original,
    }
    template = "activations/log/log.html"
    if request.htmx and request.method == "GET":
        template += "#entries"
    response = render(request, template, context)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def log_export(request: AuthenticatedHttpRequest, slug: str) -> HttpResponseBase:
    """The log as CSV, with the page's filters; exercises carry an EXERCISE column."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.EXPORT_LOG
    )
    filters = LogFilterForm(
        request.GET, authors=selectors.log_authors(activation=activation)
    )
    if not filters.is_valid():
        return HttpResponseBadRequest(_("Invalid filters."))
    entries = selectors.log_entries(activation=activation, **filters.selector_filters())
    audit.record_request(
        request,
        action=audit.Action.EXPORT,
        activation=activation,
        object_type="activations.log",
        object_id=activation.slug,
        summary="activation log format=csv filters="
        + ",".join(sorted(k for k, v in request.GET.items() if v)),
    )
    response = StreamingHttpResponse(
        selectors.log_csv_rows(activation=activation, entries=entries),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{activation.slug}-log.csv"'
    )
    return response
