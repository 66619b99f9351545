"""Activation pages: list, open one under an agreement, overview, settings, status, members."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations import selectors, services
from activations.forms.activation import (
    ActivationCreateForm,
    ActivationEditForm,
    ActivationListFilterForm,
    ActivationTransitionForm,
    MemberRemoveForm,
    MemberSetForm,
    SupportingTeamForm,
    language_choices,
)
from activations.models import Activation, ActivationMember, Mission
from activations.permissions import (
    Action,
    activation_get_for_user,
    activation_roles,
    agreements_visible_to,
    coordinated_teams,
)
from activations.services.activations import ACTIVATION_TRANSITIONS
from activations.views._common import activation_context, report_domain_error
from vost.exceptions import ConflictError, DomainError
from vost.http import AuthenticatedHttpRequest

UPCOMING_SHIFTS = 5
RECENT_LOG_ENTRIES = 10


def _geojson(geometry: GEOSGeometry | None) -> Any:
    """A geometry as a GeoJSON object for json_script (map.js reads it)."""
    return json.loads(geometry.geojson) if geometry is not None else None


def _next_states(activation: Activation) -> list[str]:
    # A stable order for the buttons: forward first, closing last.
    order = [s.value for s in Activation.Status]
    return sorted(ACTIVATION_TRANSITIONS[activation.status], key=order.index)


# --- list ---------------------------------------------------------------------------
@login_required
@require_GET
def activation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The activations the person takes part in (or whose lead team they coordinate)."""
    form = ActivationListFilterForm(request.GET)
    activations = list(
        selectors.activation_list(user=request.user, **form.selector_filters())
    )
    roles = activation_roles(user=request.user, activations=activations)
    rows = [
        (activation, ActivationMember.Role(roles[activation.pk]).label)
        for activation in activations
        if activation.pk in roles
    ]
    return render(
        request,
        "activations/activation/list.html",
        {
            "form": form,
            "rows": rows,
            "tabs": ActivationListFilterForm.TABS,
            "current": form.current,
            "can_open": selectors.agreements_usable_by(user=request.user).exists(),
        },
    )


# --- create ---------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def activation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Coordinators open an activation under an agreement in force of their team."""
    teams = coordinated_teams(request.user)
    if not teams.exists():
        raise PermissionDenied
    usable = selectors.agreements_usable_by(user=request.user)
    form = ActivationCreateForm(
        request.POST or None,
        request.FILES or None,
        usable=usable,
        manageable=agreements_visible_to(request.user).filter(
            vost_team__in=teams.values("pk")
        ),
        initial={
            "timezone": request.user.timezone,
            "languages": [request.user.language],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            activation = services.activation_create(
                by=request.user,
                agreement=form.cleaned_data["agreement"],
                slug=form.cleaned_data["slug"],
                open_now=form.cleaned_data["open_now"],
                **form.details(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                (
                    _("Activation “%(title)s” opened.")
                    if activation.status == Activation.Status.ACTIVE
                    else _("Activation “%(title)s” recorded as requested.")
                )
                % {"title": activation.title},
            )
            return redirect("activations:activation-detail", slug=activation.slug)
    territories = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"reference": agreement.reference},
                "geometry": _geojson(agreement.territory),
            }
            for agreement in usable
            if agreement.territory is not None
        ],
    }
    return render(
        request,
        "activations/activation/create.html",
        {"form": form, "has_usable": bool(usable), "territories": territories},
    )


# --- overview ---------------------------------------------------------------------------
@login_required
@require_GET
def activation_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW
    )
    context = activation_context(
        user=request.user, activation=activation, tab="overview"
    )
    can = context["can"]
    if can[Action.VIEW_ROSTER]:
        context["on_duty"] = list(selectors.on_duty_now(activation=activation))
        context["next_shifts"] = list(
            selectors.shift_list(activation=activation, start=timezone.now())[
                :UPCOMING_SHIFTS
            ]
        )
    if can[Action.VIEW_LOG]:
        context["recent_log"] = list(
            selectors.log_entries(activation=activation)[:RECENT_LOG_ENTRIES]
        )
    if can[Action.MANAGE]:
        context["next_states"] = _next_states(activation)
    context["mission_labels"] = [
        Mission(m).label if m in Mission.values else m for m in activation.missions
    ]
    context["language_labels"] = [
        label
        for code, label in language_choices(activation.languages)
        if code in activation.languages
    ]
    context["viewer_role_label"] = ActivationMember.Role(context["viewer_role"]).label
    context["area_geojson"] = _geojson(activation.area)
    context["territory_geojson"] = _geojson(activation.agreement.territory)
    return render(request, "activations/activation/detail.html", context)


# --- settings -------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def activation_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Edit the details; the hidden version refuses a save over someone else's."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE
    )
    form = ActivationEditForm(
        request.POST or None, request.FILES or None, activation=activation
    )
    if request.method == "POST" and form.is_valid():
        changed = form.changed_details()
        if not changed:
            messages.info(request, _("Nothing changed."))
            return redirect("activations:activation-detail", slug=activation.slug)
        try:
            services.activation_update(
                by=request.user,
                activation=activation,
                version=form.cleaned_data["version"],
                **changed,
            )
        except ConflictError as exc:
            # Keep what they typed on screen; they reload to see the other change.
            report_domain_error(request, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The activation has been updated."))
            return redirect("activations:activation-detail", slug=activation.slug)
    context = activation_context(user=request.user, activation=activation, tab="edit")
    context |= {
        "form": form,
        "next_states": _next_states(activation),
        "territory_geojson": _geojson(activation.agreement.territory),
    }
    return render(request, "activations/activation/edit.html", context)


@login_required
@require_POST
def activation_transition(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Activate, put on standby, resume, close (with a reason) or archive."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE
    )
    form = ActivationTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This status change is not possible."))
        return redirect("activations:activation-detail", slug=activation.slug)
    try:
        activation = services.activation_transition(
            by=request.user,
            activation=activation,
            to=form.cleaned_data["to"],
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("The activation is now “%(status)s”.")
            % {"status": activation.get_status_display()},
        )
    return redirect("activations:activation-detail", slug=activation.slug)


# --- members --------------------------------------------------------------------------
def _members_page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    *,
    member_form: MemberSetForm | None = None,
    team_form: SupportingTeamForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = activation_context(
        user=request.user, activation=activation, tab="members"
    )
    context |= {
        "members": list(selectors.activation_members(activation=activation)),
        "roles": ActivationMember.Role.choices,
        "member_form": member_form or MemberSetForm(),
        "supporting_teams": list(activation.supporting_teams.order_by("name")),
        "team_form": team_form or SupportingTeamForm(activation=activation),
    }
    return render(
        request, "activations/activation/members.html", context, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def activation_members(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Members and their roles; POST adds a person or changes their role."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_MEMBERS
    )
    if request.method == "GET":
        return _members_page(request, activation)
    form = MemberSetForm(request.POST)
    if form.is_valid():
        try:
            member = services.activation_member_set(
                by=request.user,
                activation=activation,
                user=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(user)s is %(role)s.")
                % {"user": member.user.display_name, "role": member.get_role_display()},
            )
            return redirect("activations:activation-members", slug=activation.slug)
    return _members_page(request, activation, member_form=form)


@login_required
@require_POST
def activation_member_remove(
    request: AuthenticatedHttpRequest, slug: str
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_MEMBERS
    )
    form = MemberRemoveForm(request.POST, activation=activation)
    if form.is_valid():
        user = form.cleaned_data["user"]
        services.activation_member_remove(
            by=request.user, activation=activation, user=user
        )
        messages.success(
            request,
            _("%(user)s no longer takes part in the activation.")
            % {"user": user.display_name},
        )
    else:
        messages.error(request, _("This person is not a member of the activation."))
    return redirect("activations:activation-members", slug=activation.slug)


@login_required
@require_POST
def activation_team_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Add a supporting VOST team (it needs its own agreement in force)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_MEMBERS
    )
    form = SupportingTeamForm(request.POST, activation=activation)
    if form.is_valid():
        team = form.cleaned_data["team"]
        try:
            services.activation_supporting_team_add(
                by=request.user, activation=activation, team=team
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("%(team)s supports the activation.") % {"team": team}
            )
            return redirect("activations:activation-members", slug=activation.slug)
    return _members_page(request, activation, team_form=form)
