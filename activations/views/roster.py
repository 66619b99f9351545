"""Roster pages of an activation: its shifts by day, adding and editing them,
signing up, assigning and withdrawing, and hour-by-hour coverage.

The signed-in person's own pages and actions (my shifts, checking in and out of
an assignment, the volunteer profile and charter) are in
activations/views/volunteers.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from activations import selectors, services
from activations.forms.roster import (
    AssignForm,
    CoverageFilterForm,
    RosterFilterForm,
    ShiftForm,
)
from activations.models import (
    Activation,
    ActivationMember,
    Shift,
    ShiftAssignment,
    Skill,
)
from activations.permissions import Action, activation_get_for_user, role_allows
from activations.views._common import (
    activation_context,
    assignment_can_check_in,
    assignment_can_check_out,
    redirect_back,
    report_domain_error,
)
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

# Roles that cannot be put on a shift (the service refuses them too).
NOT_ON_SHIFTS = (ActivationMember.Role.LIAISON, ActivationMember.Role.OBSERVER)


# --- presentation helpers -----------------------------------------------------------
@dataclass
class ShiftRow:
    shift: Shift
    assignments: list[ShiftAssignment]
    mine: ShiftAssignment | None
    is_full: bool
    is_over: bool
    can_check_in: bool = False
    can_check_out: bool = False
    assignable: list[User] = field(default_factory=list)

    @property
    def skill_labels(self) -> list[str]:
        return [str(Skill(value).label) for value in self.shift.required_skills]

    @property
    def missing(self) -> int:
        return max(self.shift.headcount - len(self.assignments), 0)


@dataclass
class RosterDay:
    day: dt.date
    rows: list[ShiftRow] = field(default_factory=list)


def _roster_days(
    shifts: Iterable[Shift],
    *,
    activation: Activation,
    viewer_id: int,
    members: list[User] | None,
) -> list[RosterDay]:
    """Shifts grouped by their start day in the activation's time zone; for a roster
    manager, each shift lists the members who could still be assigned to it."""
    now = timezone.now()
    rows = []
    for shift in shifts:
        assignments = list(shift.assignments.all())
        mine = next((a for a in assignments if a.user_id == viewer_id), None)
        rows.append(
            ShiftRow(
                shift=shift,
                assignments=assignments,
                mine=mine,
                is_full=len(assignments) >= shift.headcount,
                is_over=shift.ends_at <= now,
                can_check_in=mine is not None and assignment_can_check_in(mine, now),
                can_check_out=mine is not None and assignment_can_check_out(mine),
                assignable=[
                    m
                    for m in members or []
                    if all(a.user_id != m.pk for a in assignments)
                ],
            )
        )
    return [
        RosterDay(day=day, rows=list(group))
        for day, group in groupby(
            rows,
            key=lambda r: timezone.localtime(r.shift.starts_at, activation.tz).date(),
        )
    ]


def _own_or_managed_assignment(
    request: AuthenticatedHttpRequest, activation: Activation, assignment_id: int
) -> ShiftAssignment:
    """An assignment of this activation: the viewer's own, or anyone's for a roster manager."""
    assignment = get_object_or_404(
        ShiftAssignment.objects.select_related("shift", "user"),
        pk=assignment_id,
        shift__activation=activation,
    )
    if assignment.user_id != request.user.pk and not role_allows(
        getattr(activation, "viewer_role", None), Action.MANAGE_ROSTER
    ):
        raise PermissionDenied
    return assignment


# --- roster -----------------------------------------------------------------------
@login_required
@require_GET
def roster(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The activation's shifts by day, with sign-up, check-in/out and, for coordinators,
    shift creation and assignment."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_ROSTER
    )
    filter_form = RosterFilterForm(request.GET or None)
    start, end = filter_form.window(timezone.now())
    shifts = selectors.shift_list(activation=activation, start=start, end=end)
    context = activation_context(user=request.user, activation=activation, tab="roster")
    members = None
    if context["can"][Action.MANAGE_ROSTER] and activation.is_open:
        members = [
            m.user
            for m in selectors.activation_members(activation=activation).exclude(
                role__in=NOT_ON_SHIFTS
            )
        ]
    return render(
        request,
        "activations/roster/roster.html",
        {
            **context,
            "filter_form": filter_form,
            "range": filter_form.selected,
            "days": _roster_days(
                shifts,
                activation=activation,
                viewer_id=request.user.pk,
                members=members,
            ),
            "members": members,
            "shift_form": ShiftForm(tz=activation.tz) if members is not None else None,
            "show_viewer_tz": request.user.timezone != activation.timezone,
        },
    )


def _shift_form_page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    form: ShiftForm,
    shift: Shift | None,
) -> HttpResponse:
    return render(
        request,
        "activations/roster/shift_form.html",
        {
            **activation_context(
                user=request.user, activation=activation, tab="roster"
            ),
            "form": form,
            "shift": shift,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shift_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_ROSTER
    )
    form = ShiftForm(request.POST or None, tz=activation.tz)
    if request.method == "POST" and form.is_valid():
        try:
            shift = services.shift_save(
                by=request.user, activation=activation, **form.cleaned_data
            )
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("The shift has been added."))
            return redirect(
                reverse("activations:roster", args=[activation.slug])
                + f"?range=all#shift-{shift.pk}"
            )
    return _shift_form_page(request, activation, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def shift_edit(
    request: AuthenticatedHttpRequest, slug: str, shift_id: int
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_ROSTER
    )
    shift = get_object_or_404(activation.shifts, pk=shift_id)
    form = ShiftForm(
        request.POST or None, tz=activation.tz, initial=ShiftForm.initial_from(shift)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_save(
                by=request.user, activation=activation, shift=shift, **form.cleaned_data
            )
        except DomainError as exc:
            report_domain_error(request, exc)
            shift.refresh_from_db()  # the service set the refused values on it
        else:
            messages.success(request, _("The shift has been saved."))
            return redirect(
                reverse("activations:roster", args=[activation.slug])
                + f"?range=all#shift-{shift.pk}"
            )
    return _shift_form_page(request, activation, form, shift)


@login_required
@require_POST
def shift_sign_up(
    request: AuthenticatedHttpRequest, slug: str, shift_id: int
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.SIGN_UP
    )
    shift = get_object_or_404(activation.shifts, pk=shift_id)
    try:
        result = services.shift_assign(by=request.user, shift=shift, user=request.user)
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("You are on this shift."))
        for warning in result.warnings:
            messages.warning(request, warning)
    return redirect_back(request, activation, anchor=f"#shift-{shift.pk}")


@login_required
@require_POST
def shift_assign(
    request: AuthenticatedHttpRequest, slug: str, shift_id: int
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.MANAGE_ROSTER
    )
    shift = get_object_or_404(activation.shifts, pk=shift_id)
    members = selectors.activation_members(activation=activation).exclude(
        role__in=NOT_ON_SHIFTS
    )
    form = AssignForm(
        request.POST, members=User.objects.filter(pk__in=members.values("user_id"))
    )
    if not form.is_valid():
        messages.error(request, _("Choose a member of this activation."))
        return redirect_back(request, activation, anchor=f"#shift-{shift.pk}")
    member = form.cleaned_data["user"]
    try:
        result = services.shift_assign(by=request.user, shift=shift, user=member)
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(
            request,
            _("%(user)s is on this shift.") % {"user": member.display_name},
        )
        for warning in result.warnings:
            messages.warning(request, warning)
    return redirect_back(request, activation, anchor=f"#shift-{shift.pk}")


@login_required
@require_POST
def assignment_withdraw(
    request: AuthenticatedHttpRequest, slug: str, assignment_id: int
) -> HttpResponse:
    """Leave a shift (or, for a roster manager, take someone off it)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.SIGN_UP
    )
    assignment = _own_or_managed_assignment(request, activation, assignment_id)
    shift_id = assignment.shift_id
    try:
        services.shift_withdraw(by=request.user, assignment=assignment)
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Removed from the shift."))
    return redirect_back(request, activation, anchor=f"#shift-{shift_id}")


# --- coverage ---------------------------------------------------------------------
@login_required
@require_GET
def coverage(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Hour by hour: people needed, signed up and checked in; gaps highlighted."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.VIEW_ROSTER
    )
    filter_form = CoverageFilterForm(request.GET or None)
    hours = filter_form.selected
    slots = selectors.coverage(activation=activation, hours=hours)
    tz = activation.tz
    days = [
        (day, list(group))
        for day, group in groupby(
            slots, key=lambda s: timezone.localtime(s.start, tz).date()
        )
    ]
    return render(
        request,
        "activations/roster/coverage.html",
        {
            **activation_context(
                user=request.user, activation=activation, tab="coverage"
            ),
            "filter_form": filter_form,
            "hours": hours,
            "days": days,
            "uncovered": sum(1 for s in slots if s.uncovered),
            "unplanned": sum(1 for s in slots if s.needed == 0),
            "short": sum(1 for s in slots if s.needed and s.gap),
            "first_gap": next((s for s in slots if s.uncovered), None),
            "show_viewer_tz": request.user.timezone != activation.timezone,
        },
    )
