"""Test helpers for closing: a published final report built through reports.services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from activations.models import Activation, ActivationMember, LogEntry
from monitoring.models import Cluster, Escalation, Post, TriageDecision
from tests.factories import (
    ShiftAssignmentFactory,
    ShiftFactory,
    make_item,
    make_member,
)
from verification.models import Case, CaseEvent


def publish_final_report(activation: Any, *, by: Any = None) -> Any:
    """Compose, submit and publish the activation's final situation report, as the
    reports workflow does (so the closing rule sees a real published final report)."""
    from reports import services as reports

    if by is None:
        by = make_member(activation, ActivationMember.Role.COORDINATOR).user
    report = reports.report_compose(activation=activation, by=by, is_final=True)
    report = reports.report_submit(report=report, by=by, revision=report.revision)
    return reports.report_publish(report=report, by=by, revision=report.revision)


# --- an activation with known figures (see test_figures.py) ---------------------
Role = ActivationMember.Role
T0 = dt.datetime(2026, 3, 10, 6, 0, tzinfo=dt.UTC)


def _at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _decide(activation, cluster, user, kind, minutes, **extra):
    return TriageDecision.objects.create(
        activation=activation,
        cluster=cluster,
        user=user,
        kind=kind,
        category=cluster.category,
        previous_status="new",
        created_at=_at(minutes),
        **extra,
    )


def build_known_history(activation):
    """Activation of 10 hours with known triage, verification, escalation and shifts."""
    Activation.objects.filter(pk=activation.pk).update(
        activated_at=T0,
        status=Activation.Status.CLOSED,
        closed_at=_at(600),
        close_reason="Décrue",
    )
    activation.refresh_from_db()
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    # triage: three items received at T0, first kept decision after 1, 2 and 5 min
    # -> median 120 s. A skip before and an undone decision do not count.
    items = []
    for minutes, category in [
        (1, "infrastructure"),
        (2, "infrastructure"),
        (5, "request"),
    ]:
        item = make_item(activation, category=category)
        Post.objects.filter(cluster=item).update(received_at=T0)
        _decide(activation, item, volunteer, "skip", minutes / 2)
        _decide(activation, item, volunteer, "relevant", 0.2, undone_at=_at(0.3))
        _decide(activation, item, volunteer, "relevant", minutes)
        Cluster.objects.filter(pk=item.pk).update(
            decision="relevant", status="done", decided_at=_at(minutes)
        )
        items.append(item)
    # an item never decided, and a post that joined a decided item afterwards
    make_item(activation)
    late = make_item(activation)
    Post.objects.filter(cluster=late).update(cluster=items[0], received_at=_at(30))
    # verification: confirmed 10 and 20 min after opening -> median 900 s;
    # one case still open does not count.
    for number, (opened, confirmed, status) in enumerate(
        [(0, 10, "verified"), (10, 30, "false"), (20, None, "in_progress")], start=1
    ):
        case = Case.objects.create(
            activation=activation,
            number=number,
            claim=f"Claim {number}",
            opened_by=volunteer,
            status=status,
        )
        Case.objects.filter(pk=case.pk).update(created_at=_at(opened))
        if confirmed is not None:
            CaseEvent.objects.create(
                case=case, at=_at(confirmed), user=lead, kind=CaseEvent.Kind.CONFIRMED
            )
    # escalations acknowledged after 30, 90, 150, 210 s -> median 120 s (even count)
    for seconds in (30, 90, 150, 210):
        cluster = make_item(activation, category="request")
        escalation = Escalation.objects.create(
            activation=activation,
            cluster=cluster,
            raised_by=volunteer,
            summary=f"Personne bloquée {seconds}",
            status=Escalation.Status.ACKNOWLEDGED,
            acknowledged_by=lead,
            acknowledged_at=_at(60) + dt.timedelta(seconds=seconds),
        )
        Escalation.objects.filter(pk=escalation.pk).update(created_at=_at(60))
    # coverage: 0-4 h checked in and out, 3-6 h checked in without checking out
    # (counted to the shift's end) -> 6 h of 10; one gap 6 h-10 h.
    first = ShiftFactory(activation=activation, starts_at=_at(0), ends_at=_at(240))
    second = ShiftFactory(activation=activation, starts_at=_at(180), ends_at=_at(360))
    ShiftAssignmentFactory(
        shift=first, user=volunteer, checked_in_at=_at(0), checked_out_at=_at(240)
    )
    ShiftAssignmentFactory(shift=second, user=lead, checked_in_at=_at(180))
    LogEntry.objects.create(
        activation=activation, at=_at(90), kind=LogEntry.Kind.NOTE, text="Point 1"
    )
    LogEntry.objects.create(
        activation=activation, at=_at(95), kind=LogEntry.Kind.CHECK_IN, text="In"
    )
    return activation
