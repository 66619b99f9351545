"""The incidents pages: the list (with "Propose now"), one incident with its reports
and a team lead's decisions (confirm, dismiss, split, merge), and the GeoJSON the
map page draws.

Every page gets the activation through ``activation_get_for_user`` with the action
it needs (VIEW_MAP to read, MANAGE_INCIDENTS to decide); liaisons see confirmed
incidents only (others answer 404). Decisions are plain POST forms redirecting back
to the incident; a refused one renders the incident again with the reason shown
(400, or 409 when someone else decided first), and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from activations.models import Activation
from activations.permissions import Action, activation_get_for_user
from activations.views._common import activation_context
from mapping.forms.incidents import (
    IncidentConfirmForm,
    IncidentDismissForm,
    IncidentFilterForm,
    IncidentMergeForm,
    IncidentSplitForm,
)
from mapping.models import Incident
from mapping.selectors import incidents as selectors
from mapping.selectors.items import sees_verified_only
from mapping.services import incidents as services
from vost.exceptions import ConflictError, DomainError
from vost.http import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

TAB = "map"
ANCHORS = {
    "confirm_form": "confirm",
    "dismiss_form": "dismiss",
    "split_form": "reports",
    "merge_form": "merge",
}


# --- the list --------------------------------------------------------------------------
@login_required
@require_GET
def incident_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Incidents of the activation, latest first, with counts per status."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_MAP
    )
    filters = IncidentFilterForm(request.GET)
    status = filters.status_value()
    counts = selectors.incident_status_counts(activation=activation)
    incidents = list(
        selectors.incident_list(activation=activation, status=status)[:500]
    )
    for incident in incidents:
        incident.category_label = selectors.category_label(incident.category)  # type: ignore[attr-defined]
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    context |= {
        "incidents": incidents,
        "status": status or "",
        "status_tabs": [
            (value, label, counts[value])
            for value, label in Incident.Status.choices
            if counts[value] or value == Incident.Status.CONFIRMED
        ],
        "total": sum(counts.values()),
        "liaison_view": sees_verified_only(activation),
    }
    return render(request, "mapping/incidents.html", context)


@login_required
@require_POST
def incidents_propose(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Redo the proposals now (the beat task does it every few minutes)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_INCIDENTS
    )
    try:
        result = services.incidents_propose(activation=activation)
    except DomainError as exc:
        logger.warning("incident proposals refused in %s: %s", slug, exc.message)
        messages.error(request, exc.message)
    else:
        if result.changed:
            messages.success(
                request,
                _(
                    "Proposals redone: %(created)s new, %(updated)s changed, "
                    "%(deleted)s withdrawn, %(kept)s unchanged."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "deleted": result.deleted,
                    "kept": result.kept,
                },
            )
        else:
            messages.info(request, _("Proposals are up to date: nothing changed."))
    return redirect("mapping:incident-list", slug=activation.slug)


@login_required
@require_GET
def incidents_geojson(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The visible incidents as GeoJSON (footprints), for the map page."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_MAP
    )
    filters = IncidentFilterForm(request.GET)
    data = selectors.incidents_geojson(
        activation=activation, status=filters.status_value()
    )
    response = JsonResponse(data, content_type="application/geo+json")
    response["Cache-Control"] = "private, no-store"
    return response


# --- one incident ----------------------------------------------------------------------
def _incident(
    request: AuthenticatedHttpRequest, slug: str, number: int, action: Action
) -> Incident:
    activation = activation_get_for_user(user=request.user, slug=slug, action=action)
    incident = selectors.incident_get(activation=activation, number=number)
    if incident is None:
        raise Http404
    incident.activation = activation  # carries the viewer's role
    return incident


def _detail_context(
    request: AuthenticatedHttpRequest,
    incident: Incident,
    bound: dict[str, forms.Form] | None = None,
) -> dict[str, Any]:
    activation: Activation = incident.activation
    context = activation_context(user=request.user, activation=activation, tab=TAB)
    can = context["can"]
    items = list(selectors.incident_items(incident=incident))
    for item in items:
        item.category_label = selectors.category_label(item.category)  # type: ignore[attr-defined]
    forms_: dict[str, forms.Form | None] = dict.fromkeys(ANCHORS)
    merge_choices: list[Incident] = []
    if can[Action.MANAGE_INCIDENTS]:
        if incident.status == Incident.Status.PROPOSED:
            forms_["confirm_form"] = IncidentConfirmForm(
                initial={
                    "title": incident.title,
                    "seen": ",".join(str(item.pk) for item in items),
                }
            )
        if incident.status != Incident.Status.DISMISSED:
            forms_["dismiss_form"] = IncidentDismissForm()
            merge_choices = list(selectors.incident_merge_choices(incident=incident))
            forms_["merge_form"] = IncidentMergeForm() if merge_choices else None
        if len(items) > 1:
            forms_["split_form"] = IncidentSplitForm()
    forms_ |= bound or {}
    context |= forms_
    context |= {
        "incident": incident,
        "items": items,
        "merge_choices": merge_choices,
        "category_label": selectors.category_label(incident.category),
        "Status": Incident.Status,
        "liaison_view": sees_verified_only(activation),
    }
    return context


def _refused(
    request: AuthenticatedHttpRequest,
    incident: Incident,
    *,
    name: str,
    form: forms.Form,
    error: DomainError | None = None,
) -> HttpResponse:
    """The incident page again, with `form` as sent and why it was refused."""
    if error is not None:
        form.add_error(None, error.message)
    problems = [str(m) for errors in form.errors.values() for m in errors]
    logger.warning(
        "incident #%s of %s: %s refused: %s",
        incident.number,
        incident.activation.slug,
        name,
        "; ".join(problems),
    )
    status = 409 if isinstance(error, ConflictError) else 400
    fresh = selectors.incident_get(
        activation=incident.activation, number=incident.number
    )
    if fresh is None:  # gone meanwhile (proposals redone): back to the list
        messages.error(request, " ".join(problems))
        return redirect("mapping:incident-list", slug=incident.activation.slug)
    fresh.activation = incident.activation
    context = _detail_context(request, fresh, {name: form})
    context["refused"] = {"anchor": ANCHORS[name], "problems": problems}
    return render(request, "mapping/incident_detail.html", context, status=status)


def _back(incident: Incident, anchor: str = "") -> HttpResponse:
    url = reverse(
        "mapping:incident-detail", args=[incident.activation.slug, incident.number]
    )
    return redirect(url + (f"#{anchor}" if anchor else ""))


@login_required
@require_GET
def incident_detail(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    incident = _incident(request, slug, number, Action.VIEW_MAP)
    return render(
        request, "mapping/incident_detail.html", _detail_context(request, incident)
    )


@login_required
@require_POST
def incident_confirm(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    incident = _incident(request, slug, number, Action.MANAGE_INCIDENTS)
    form = IncidentConfirmForm(request.POST)
    if not form.is_valid():
        return _refused(request, incident, name="confirm_form", form=form)
    seen = form.cleaned_data["seen"]
    try:
        incident = services.incident_confirm(
            incident=incident,
            by=request.user,
            title=form.cleaned_data["title"],
            note=form.cleaned_data["note"],
            seen_item_ids=seen if "seen" in request.POST else None,
        )
    except DomainError as exc:
        return _refused(request, incident, name="confirm_form", form=form, error=exc)
    messages.success(
        request, _("Incident #%(number)s confirmed.") % {"number": incident.number}
    )
    return _back(incident)


@login_required
@require_POST
def incident_dismiss(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    incident = _incident(request, slug, number, Action.MANAGE_INCIDENTS)
    form = IncidentDismissForm(request.POST)
    if not form.is_valid():
        return _refused(request, incident, name="dismiss_form", form=form)
    try:
        incident = services.incident_dismiss(
            incident=incident, by=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        return _refused(request, incident, name="dismiss_form", form=form, error=exc)
    messages.success(
        request, _("Incident #%(number)s dismissed.") % {"number": incident.number}
    )
    return _back(incident)


@login_required
@require_POST
def incident_split(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    """Move the ticked reports to a new incident."""
    incident = _incident(request, slug, number, Action.MANAGE_INCIDENTS)
    form = IncidentSplitForm(request.POST)
    if not form.is_valid():
        return _refused(request, incident, name="split_form", form=form)
    try:
        part = services.incident_split(
            incident=incident, by=request.user, item_ids=form.cleaned_data["items"]
        )
    except DomainError as exc:
        return _refused(request, incident, name="split_form", form=form, error=exc)
    messages.success(
        request,
        ngettext(
            "%(n)s report moved to the new incident #%(new)s.",
            "%(n)s reports moved to the new incident #%(new)s.",
            part.item_count,
        )
        % {"n": part.item_count, "new": part.number},
    )
    return _back(part)


@login_required
@require_POST
def incident_merge(
    request: AuthenticatedHttpRequest, slug: str, number: int
) -> HttpResponse:
    """Merge the chosen incidents (same category) into this one."""
    incident = _incident(request, slug, number, Action.MANAGE_INCIDENTS)
    form = IncidentMergeForm(request.POST)
    if not form.is_valid():
        return _refused(request, incident, name="merge_form", form=form)
    others, missing = selectors.incidents_by_numbers(
        activation=incident.activation, numbers=form.cleaned_data["incidents"]
    )
    if missing:
        form.add_error(
            "incidents",
            _("No incident #%(number)s in this activation.") % {"number": missing[0]},
        )
        return _refused(request, incident, name="merge_form", form=form)
    try:
        incident = services.incident_merge(
            incidents=others, into=incident, by=request.user
        )
    except DomainError as exc:
        return _refused(request, incident, name="merge_form", form=form, error=exc)
    messages.success(
        request,
        _("%(numbers)s merged into #%(number)s.")
        % {
            "numbers": ", ".join(f"#{i.number}" for i in others),
            "number": incident.number,
        },
    )
    return _back(incident)
