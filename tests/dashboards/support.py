"""A small activation with known figures for the dashboard tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from activations.models import ActivationMember
from monitoring.models import Cluster, Escalation, Platform, TriageDecision
from tests.factories import make_item, make_member
from verification.models import Case

NOW = dt.datetime(2026, 11, 26, 10, 30, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(hours=30)  # outside both windows' posts (24 h)


def _at(cluster: Cluster, when: dt.datetime) -> None:
    cluster.representative.__class__.objects.filter(cluster=cluster).update(
        posted_at=when, received_at=when
    )


def _old_done(activation: Any) -> Cluster:
    """An item of 30 hours ago, decided long since (an escalation's item)."""
    item = make_item(activation, text="Ancien message", place_name="Sète")
    _at(item, OLD)
    Cluster.objects.filter(pk=item.pk).update(status="done")
    return item


def known_activation(activation: Any) -> dict[str, Any]:
    """Posts, queue items, decisions, cases and escalations with known figures."""
    lead = make_member(activation, ActivationMember.Role.TEAM_LEAD).user
    a = make_item(
        activation,
        text="Pont effondré à Lattes #inondation https://t.co/x @pompiers34",
        category="infrastructure",
        priority=0.5,
        place_name="Montpellier",
    )
    _at(a, NOW - dt.timedelta(minutes=20))  # 10:10, current hour
    b = make_item(
        activation,
        text="Besoin d'aide rue de Lattes #inondation",
        category="request",
        priority=0.9,
        place_name="Lattes",
        platform=Platform.X,
    )
    _at(b, NOW - dt.timedelta(minutes=10))  # 10:20
    c = make_item(
        activation,
        text="Route coupée près du pont",
        category="infrastructure",
        priority=0.95,
        place_name="Montpellier",
        platform=Platform.X,
    )
    _at(c, NOW - dt.timedelta(minutes=85))  # 09:05, the hour before
    Cluster.objects.filter(pk=c.pk).update(
        status="in_triage",
        claimed_by=lead,
        lease_expires_at=NOW + dt.timedelta(minutes=5),
    )
    done = []
    for decision in ("urgent", "verify", "not_relevant", "relevant"):
        item = make_item(activation, text="Ancien message", place_name="Sète")
        _at(item, OLD)
        Cluster.objects.filter(pk=item.pk).update(status="done", decision=decision)
        done.append(item)
    # triage decisions: 2 count (one per hour), a skip and an undone one do not
    for minutes, kind, undone in (
        (25, "relevant", False),
        (15, "skip", False),
        (80, "urgent", False),
        (5, "verify", True),
        (60 * 30, "relevant", False),  # before the window
    ):
        TriageDecision.objects.create(
            activation=activation,
            cluster=done[0],
            user=lead,
            kind=kind,
            previous_status="in_triage",
            created_at=NOW - dt.timedelta(minutes=minutes),
            undone_at=NOW if undone else None,
        )
    for number, status in enumerate(
        (
            "unverified",
            "in_progress",
            "in_progress",
            "verified",
            "false",
            "unverifiable",
        ),
        start=1,
    ):
        Case.objects.create(
            activation=activation,
            number=number,
            claim="Le pont est effondré",
            opened_by=lead,
            status=status,
        )
    # escalations: acknowledged after 60, 120 and 300 s; one older; one open for 40 min
    for raised_ago, ack_after in ((120, 60), (90, 120), (60, 300), (60 * 30, 10)):
        item = _old_done(activation)
        escalation = Escalation.objects.create(
            activation=activation,
            cluster=item,
            raised_by=lead,
            summary="Famille sur un toit",
            status="acknowledged",
            acknowledged_by=lead,
            acknowledged_at=NOW
            - dt.timedelta(minutes=raised_ago)
            + dt.timedelta(seconds=ack_after),
        )
        Escalation.objects.filter(pk=escalation.pk).update(
            created_at=NOW - dt.timedelta(minutes=raised_ago)
        )
    item = _old_done(activation)
    waiting = Escalation.objects.create(
        activation=activation,
        cluster=item,
        raised_by=lead,
        summary="Personne âgée isolée <b>rue</b>",
    )
    Escalation.objects.filter(pk=waiting.pk).update(
        created_at=NOW - dt.timedelta(minutes=40)
    )
    return {"lead": lead, "waiting": waiting}
