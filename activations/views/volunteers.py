"""The signed-in person's own pages and actions: my shifts across activations,
checking in and out of one of my assignments, my volunteer profile (skills,
languages, training) and the volunteer charter.

The activation's roster itself (shifts, sign-up, assignment, coverage) is in
activations/views/roster.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activations import selectors, services
from activations.forms.roster import (
    CheckOutForm,
    LanguageFormSet,
    ReturnForm,
    VolunteerProfileForm,
)
from activations.models import Activation, ShiftAssignment
from activations.permissions import Action, activation_get_for_user
from activations.services._common import CHECK_IN_EARLY
from activations.views._common import (
    activation_context,
    assignment_can_check_in,
    assignment_can_check_out,
    redirect_back,
    report_domain_error,
)
from monitoring import triage
from vost.exceptions import DomainError
from vost.http import AuthenticatedHttpRequest


# --- check-in/out -----------------------------------------------------------------
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
    return redirect_back(request, activation, anchor=f"#assignment-{assignment.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def assignment_check_out(
    request: AuthenticatedHttpRequest, slug: str, assignment_id: int
) -> HttpResponse:
    """Check out of one's own shift. GET: the form, its handover note prefilled with
    what the person still has in progress. POST: check out and return the queue
    items they hold in this activation (a note left empty gets that list)."""
    activation = activation_get_for_user(
        user=request.user, slug=slug, action=Action.SIGN_UP
    )
    assignment = _own_assignment(request, activation, assignment_id)
    if request.method == "GET":
        return _check_out_page(request, activation, assignment)
    form = CheckOutForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(str(m) for errors in form.errors.values() for m in errors)
        )
        return redirect_back(request, activation, anchor=f"#assignment-{assignment.pk}")
    note = form.cleaned_data["handover_note"].strip() or triage.handover_prefill(
        activation=activation, user=request.user
    )
    try:
        with transaction.atomic():
            services.shift_check_out(
                user=request.user, assignment=assignment, handover_note=note
            )
            released = triage.claims_release_for_user(
                activation=activation, user=request.user
            )
    except DomainError as exc:
        report_domain_error(request, exc)
    else:
        messages.success(request, _("Checked out. Thank you."))
        if released:
            messages.info(
                request,
                ngettext(
                    "%(n)s queue item you held went back to the queue.",
                    "%(n)s queue items you held went back to the queue.",
                    len(released),
                )
                % {"n": len(released)},
            )
    return redirect_back(request, activation, anchor=f"#assignment-{assignment.pk}")


def _check_out_page(
    request: AuthenticatedHttpRequest,
    activation: Activation,
    assignment: ShiftAssignment,
) -> HttpResponse:
    return_form = ReturnForm(request.GET)
    back = return_form.cleaned_data if return_form.is_valid() else {}
    form = CheckOutForm(
        initial={
            "handover_note": triage.handover_prefill(
                activation=activation, user=request.user
            ),
            "return_to": back.get("return_to", ""),
            "range": back.get("range", ""),
        }
    )
    context = activation_context(user=request.user, activation=activation, tab="roster")
    context |= {
        "assignment": assignment,
        "form": form,
        "can_check_out": assignment_can_check_out(assignment),
        "claims": list(triage.my_claims(activation=activation, user=request.user)),
        "back_url": reverse("activations:my-shifts")
        if back.get("return_to") == "my-shifts"
        else reverse("activations:roster", args=[activation.slug]),
    }
    return render(request, "activations/roster/check_out.html", context)


# --- my shifts --------------------------------------------------------------------
@dataclass
class MyShiftRow:
    assignment: ShiftAssignment
    can_check_in: bool
    can_check_out: bool
    show_activation_tz: bool
    check_in_opens_at: dt.datetime | None
    handover: str = ""  # prefilled handover note: what is still in progress


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
            can_check_in=assignment_can_check_in(assignment, now),
            can_check_out=assignment_can_check_out(assignment),
            show_activation_tz=assignment.shift.activation.timezone
            != request.user.timezone,
            check_in_opens_at=opens if opens > now else None,
        )
        if row.can_check_out:
            row.handover = triage.handover_prefill(
                activation=assignment.shift.activation, user=request.user
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
