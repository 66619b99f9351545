"""The signed-in landing page: what needs attention now, for each kind of person."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from activations import selectors
from activations.models import VolunteerProfile
from activations.permissions import coordinated_teams
from vost.http import AuthenticatedHttpRequest

GAP_HORIZON_HOURS = 72


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open activations, next shifts; for coordinators also expiring agreements and coverage gaps."""
    user = request.user
    activations = list(selectors.activation_list(user=user, open_only=True)[:20])
    is_coordinator = coordinated_teams(user).exists()
    gaps = []
    if is_coordinator:
        led = {t.pk for t in coordinated_teams(user)}
        for activation in activations:
            if (
                activation.lead_team_id in led
                and activation.status == activation.Status.ACTIVE
            ):
                uncovered = selectors.coverage_gaps(
                    activation=activation, hours=GAP_HORIZON_HOURS
                )
                if uncovered:
                    gaps.append((activation, len(uncovered), uncovered[0].start))
    profile = VolunteerProfile.objects.filter(user=user).first()
    context = {
        "activations": activations,
        "next_shifts": list(selectors.my_assignments(user=user)[:5]),
        "is_coordinator": is_coordinator,
        "expiring": list(selectors.agreements_expiring(user=user)[:10])
        if is_coordinator
        else [],
        "gaps": gaps,
        "gap_horizon": GAP_HORIZON_HOURS,
        "charter_missing": is_coordinator is False
        and user.organisation_memberships.exclude(role="liaison").exists()
        and (profile is None or not profile.charter_accepted),
        "usable_agreements": selectors.agreements_usable_by(user=user).exists()
        if is_coordinator
        else False,
    }
    return render(request, "activations/dashboard.html", context)
