"""Reads of the liaison portal: the liaison's activations with what waits for them,
one activation's items to act on, and requests for information with their due state.

Everything starts from the user's own memberships or from an activation the view
already got through ``activation_get_for_user``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError
from django.db.models import (
    Count,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from activations.models import Activation, ActivationMember
from mapping.models import MapItem, Verification
from monitoring.models import Escalation
from portal.models import RequestForInformation
from verification.models import Case, Rumour

logger = logging.getLogger(__name__)

RFI = RequestForInformation
# An open request due within this is "due soon".
DUE_SOON = dt.timedelta(minutes=30)


def report_models() -> tuple[type[Model], type[Model]] | None:
    """(SituationReport, ReportAcknowledgement) once the reports app has them."""
    if not apps.is_installed("reports"):
        return None
    try:
        return (
            apps.get_model("reports", "SituationReport"),
            apps.get_model("reports", "ReportAcknowledgement"),
        )
    except LookupError:
        return None


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT of `queryset` (filtered on activation=OuterRef("pk"))."""
    counted = (
        queryset.order_by().values("activation").annotate(n=Count("pk")).values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _unacknowledged_reports(user: User) -> QuerySet[Any] | None:
    models = report_models()
    if models is None:
        return None
    report, acknowledgement = models
    try:
        acknowledged = acknowledgement._default_manager.filter(user=user)
        published: QuerySet[Any] = report._default_manager.filter(status="published")
        return published.exclude(pk__in=acknowledged.values("report_id"))
    except FieldError:  # their model may still be changing
        logger.warning("reports models not usable by the portal", exc_info=True)
        return None


def portal_activations(*, user: User) -> list[Activation]:
    """The activations where `user` is a liaison, open first, with counts of what
    waits for them: ``open_escalations``, ``counters_to_approve``,
    ``reports_to_acknowledge`` (None before the reports app) and ``open_rfis``."""
    queryset = (
        Activation.objects.filter(
            members__user=user, members__role=ActivationMember.Role.LIAISON
        )
        .select_related("authority", "lead_team")
        .annotate(
            open_escalations=_count(
                Escalation.objects.filter(
                    activation=OuterRef("pk"), status=Escalation.Status.OPEN
                )
            ),
            counters_to_approve=_count(
                Rumour.objects.filter(
                    activation=OuterRef("pk"),
                    counter_status=Rumour.CounterStatus.SUBMITTED,
                )
            ),
            open_rfis=_count(
                RFI.objects.filter(activation=OuterRef("pk"), status=RFI.Status.OPEN)
            ),
            answered_rfis=_count(
                RFI.objects.filter(
                    activation=OuterRef("pk"), status=RFI.Status.ANSWERED
                )
            ),
        )
    )
    reports = _unacknowledged_reports(user)
    if reports is not None:
        queryset = queryset.annotate(
            reports_to_acknowledge=_count(reports.filter(activation=OuterRef("pk")))
        )
    activations: list[Activation] = list(queryset.order_by("-activated_at", "-pk"))
    for activation in activations:
        if reports is None:
            activation.reports_to_acknowledge = None  # type: ignore[attr-defined]
    activations.sort(key=lambda a: not a.is_open)  # stable: open first
    return activations


@dataclass
class PortalItems:
    """What waits for the liaison in one activation."""

    escalations: list[Escalation]
    counters: list[Rumour]
    reports: list[Any] | None  # None: the reports app is not there yet
    rfis: list[RFI] = field(default_factory=list)


def portal_items(*, activation: Activation, user: User) -> PortalItems:
    escalations = list(
        Escalation.objects.filter(
            activation=activation, status=Escalation.Status.OPEN
        ).order_by("created_at")[:50]
    )
    counters = list(
        Rumour.objects.filter(
            activation=activation, counter_status=Rumour.CounterStatus.SUBMITTED
        ).order_by("counter_submitted_at")[:50]
    )
    reports: list[Any] | None = None
    unacknowledged = _unacknowledged_reports(user)
    if unacknowledged is not None:
        reports = list(unacknowledged.filter(activation=activation).order_by("pk")[:50])
    return PortalItems(
        escalations=escalations,
        counters=counters,
        reports=reports,
        rfis=rfi_list(activation=activation),
    )


# --- requests for information --------------------------------------------------------
def due_state(rfi: RFI, now: dt.datetime) -> str:
    """ "overdue", "due_soon" (within DUE_SOON) or "" (not open, or time left)."""
    if rfi.status != RFI.Status.OPEN:
        return ""
    if rfi.due_at < now:
        return "overdue"
    if rfi.due_at < now + DUE_SOON:
        return "due_soon"
    return ""


def rfi_list(
    *, activation: Activation, status: str | None = None, now: dt.datetime | None = None
) -> list[RFI]:
    """The activation's requests, open ones first by due time, then the others
    latest first; each with ``due_state`` set."""
    now = now or timezone.now()
    queryset = RFI.objects.filter(activation=activation).select_related(
        "asked_by", "assigned_to", "answered_by"
    )
    if status:
        queryset = queryset.filter(status=status)
    rfis = list(queryset.order_by("due_at", "number")[:500])
    for rfi in rfis:
        rfi.due_state = due_state(rfi, now)  # type: ignore[attr-defined]
        rfi.activation = activation
    open_ = [r for r in rfis if r.status == RFI.Status.OPEN]
    others = sorted(
        (r for r in rfis if r.status != RFI.Status.OPEN),
        key=lambda r: r.answered_at or r.closed_at or r.asked_at,
        reverse=True,
    )
    return open_ + others


def rfi_status_counts(*, activation: Activation) -> dict[str, int]:
    return dict(
        RFI.objects.filter(activation=activation)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )


def rfi_get(*, activation: Activation, number: int) -> RFI | None:
    """One request of the activation (None: missing, or another activation's)."""
    rfi = (
        RFI.objects.filter(activation=activation, number=number)
        .select_related("asked_by", "assigned_to", "answered_by")
        .prefetch_related(
            Prefetch("map_items", queryset=MapItem.objects.order_by("-observed_at")),
            Prefetch("cases", queryset=Case.objects.order_by("number")),
        )
        .first()
    )
    if rfi is not None:
        rfi.activation = activation  # carries the viewer's role
        rfi.due_state = due_state(rfi, timezone.now())  # type: ignore[attr-defined]
    return rfi


def answerers(*, activation: Activation) -> list[User]:
    """Team members who may answer (volunteers, team leads, coordinators)."""
    Role = ActivationMember.Role
    return [
        member.user
        for member in ActivationMember.objects.filter(
            activation=activation,
            role__in=[Role.VOLUNTEER, Role.TEAM_LEAD, Role.COORDINATOR],
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    ]


def linkable_cases(*, activation: Activation) -> list[Case]:
    """Cases an answer may link: the activation's latest 200, by number."""
    return list(Case.objects.filter(activation=activation).order_by("-number")[:200])


def has_liaison_role(*, user: User) -> bool:
    """Whether `user` is a liaison in any activation (the "Portal" link)."""
    return ActivationMember.objects.filter(
        user=user, role=ActivationMember.Role.LIAISON
    ).exists()


def linkable_items(*, activation: Activation) -> list[MapItem]:
    """Items an answer may link: the activation's verified map items, latest 200."""
    return list(
        MapItem.objects.filter(
            activation=activation, verification=Verification.VERIFIED
        ).order_by("-observed_at")[:200]
    )
