"""Roster pages: shifts, sign-ups, check-in/out, coverage, my shifts, my volunteer profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from activations import selectors, services
from activations.forms.roster import (
    DEFAULT_RANGE,
    AssignForm,
    CheckOutForm,
    CoverageFilterForm,
    LanguageFormSet,
    ReturnForm,
    RosterFilterForm,
    ShiftForm,
    VolunteerProfileForm,
)
from activations.models import (
    Activation,
    ActivationMember,
    Shift,
    ShiftAssignment,
    Skill,
)
from activations.permissions import Action, activation_get_for_user, role_allows
from activations.services._common import CHECK_IN_EARLY
from activations.views._common import activation_context, report_domain_error
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest

# Roles that cannot be put on a shift (the service refuses them too).
NOT_ON_SHIFTS = (ActivationMember.Role.LIAISON, ActivationMember.Role.OBSERVER)


# --- presentation helpers -----------------------------------------------------------
def _can_check_in(assignment: ShiftAssignment, now: dt.datetime) -> bool:
    shift = assignment.shift
    return (
        assignment.checked_in_at is None
        and shift.starts_at - CHECK_IN_EARLY <= now <= shift.ends_at
    )


def _can_check_out(assignment: ShiftAssignment) -> bool:
    return assignment.checked_in_at is not None and assignment.checked_out_at is None


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
                can_check_in=mine is not None and _can_check_in(mine, now),
                can_check_out=mine is not None and _can_check_out(mine),
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


def _back(
    request: AuthenticatedHttpRequest, activation: Activation, *, anchor: str = ""
) -> HttpResponse:
    """Redirect to where the action was made: my shifts, or the roster with its filter."""
    form = ReturnForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("return_to") == "my-shifts":
        return redirect(reverse("activations:my-shifts") + anchor)
    url = reverse("activations:roster", args=[activation.slug])
    if data.get("range") and data["range"] != DEFAULT_RANGE:
        url += "?" + urlencode({"range": data["range"]})
    return redirect(url + anchor)


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


def _own_assignment(
    request: AuthenticatedHttpRequest, activation: Activation, assignment_id: int
) -> ShiftAssignment:
    """The viewer's own assignment on this activation (404 for anybody else's)."""
    return get_object_or_404(
        ShiftAssignment.objects.select_related("shift", "user"),
        pk=assignment_id,
        shift__activation=activation,
        user=request.user,
    )


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
    return _back(request, activation, anchor=f"#shift-{shift.pk}")


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
        return _back(request, activation, anchor=f"#shift-{shift.pk}")
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
    return _back(request, activation, anchor=f"#shift-{shift.pk}")


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
    return _back(request, activation, anchor=f"#shift-{shift_id}")


@login_required
@require_POST
def assignment_check_in(
    request: AuthenticatedHttpRequest, slug: str, assignment_id: int
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.SIGN_UP
    )
    assignment = _own_assignment(request, activation, assignment_id)
    try:
        services.shift_check_in(user=request.user, assignment=assignment)
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Checked in. Have a good shift."))
    return _back(request, activation, anchor=f"#assignment-{assignment.pk}")


@login_required
@require_POST
def assignment_check_out(
    request: AuthenticatedHttpRequest, slug: str, assignment_id: int
) -> HttpResponse:
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.SIGN_UP
    )
    assignment = _own_assignment(request, activation, assignment_id)
    form = CheckOutForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(str(m) for errors in form.errors.values() for m in errors)
        )
        return _back(request, activation, anchor=f"#assignment-{assignment.pk}")
    try:
        services.shift_check_out(
            user=request.user,
            assignment=assignment,
            handover_note=form.cleaned_data["handover_note"],
        )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Checked out. Thank you."))
    return _back(request, activation, anchor=f"#assignment-{assignment.pk}")


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


# --- my shifts --------------------------------------------------------------------
@dataclass
class MyShiftRow:
    assignment: ShiftAssignment
    can_check_in: bool
    can_check_out: bool
    show_activation_tz: bool
    check_in_opens_at: dt.datetime | None


@login_required
@require_GET
def my_shifts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's shifts in every activation: upcoming, and the last 7 days."""
    now = timezone.now()
    assignments = selectors.my_assignments(
        user=request.user, upcoming_only=False
    ).filter(shift__ends_at__gt=now - dt.timedelta(days=7))
    upcoming: list[MyShiftRow] = []
    past: list[MyShiftRow] = []
    for assignment in assignments:
        opens = assignment.shift.starts_at - CHECK_IN_EARLY
        row = MyShiftRow(
            assignment=assignment,
            can_check_in=_can_check_in(assignment, now),
            can_check_out=_can_check_out(assignment),
            show_activation_tz=assignment.shift.activation.timezone
            != request.user.timezone,
            check_in_opens_at=opens if opens > now else None,
        )
        (upcoming if assignment.shift.ends_at > now else past).append(row)
    past.reverse()  # most recent first
    return render(
        request,
        "activations/roster/my_shifts.html",
        {
            "upcoming": upcoming,
            "past": past,
            "check_in_minutes": int(CHECK_IN_EARLY.total_seconds() // 60),
        },
    )


# --- volunteer profile --------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def volunteer_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's own volunteer profile and the charter."""
    profile = services.volunteer_profile_get_or_create(user=request.user)
    languages = list(profile.languages.order_by("language"))
    initial: dict[str, Any] = {
        "skills": list(profile.skills),
        "training_level": profile.training_level,
        "availability_notes": profile.availability_notes,
    }
    form = VolunteerProfileForm(request.POST or None, initial=initial)
    formset = LanguageFormSet(
        request.POST or None,
        prefix="languages",
        initial=[
            {"language": lang.language, "level": lang.level} for lang in languages
        ],
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.volunteer_profile_update(
                user=request.user, **form.cleaned_data, languages=formset.languages()
            )
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(request, _("Your volunteer profile has been saved."))
            return redirect("activations:volunteer-profile")
    return render(
        request,
        "activations/roster/volunteer_profile.html",
        {
            "profile": profile,
            "form": form,
            "formset": formset,
            "teams": request.user.organisation_memberships.select_related(
                "organisation"
            ).order_by("organisation__name"),
            "charter_version": services.CHARTER_VERSION,
            "charter_current": profile.charter_accepted
            and profile.charter_version == services.CHARTER_VERSION,
        },
    )


@login_required
@require_POST
def charter_accept(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.charter_accept(user=request.user)
    messages.success(request, _("Thank you: you have accepted the volunteer charter."))
    return redirect(reverse("activations:volunteer-profile") + "#charter")
