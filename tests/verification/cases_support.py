"""Helpers shared by the case tests (not a test module)."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import GEOSGeometry

from accounts.models import Notification
from activations.models import ActivationMember, LogEntry
from tests.factories import make_item, make_member
from verification.models import Case, CaseEvent, Evidence
from verification.services import cases as services

Role = ActivationMember.Role

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def case_state() -> dict[str, list[dict[str, Any]]]:
    """Every row a case action may touch, to prove a refused one changed nothing."""
    state = {}
    for model in (Case, Evidence, CaseEvent, LogEntry, Notification):
        rows = []
        for row in model.objects.order_by("pk").values():
            rows.append(
                {
                    key: value.ewkt if isinstance(value, GEOSGeometry) else value
                    for key, value in row.items()
                }
            )
        state[model._meta.label] = rows
    return state


def open_case(activation: Any, by: Any = None, *, text: str = "", **item: Any) -> Case:
    """A case opened from a fresh queue item (by a new volunteer unless `by`)."""
    by = by or make_member(activation, Role.VOLUNTEER).user
    cluster = make_item(activation, text=text, **item)
    return services.case_open(
        activation=activation,
        by=by,
        claim="Le pont de Lavalette est effondré",
        cluster=cluster,
    )


def with_evidence(case: Case, by: Any) -> Case:
    services.evidence_add(
        case=case,
        by=by,
        kind="official",
        finding="supports",
        url="https://www.herault.gouv.fr/communique",
        note="La préfecture confirme la fermeture du pont.",
    )
    case.refresh_from_db()
    return case


def proposed(case: Case, by: Any, status: str = "verified") -> Case:
    """The case with evidence by `by` and a verdict proposed by `by`."""
    case = with_evidence(case, by)
    return services.case_propose_verdict(
        case=case,
        by=by,
        status=status,
        note="Confirmé par la préfecture.",
        version=case.version,
    )


def set_skills(user: Any, skills: list[str]) -> None:
    profile = user.volunteer_profile
    profile.skills = skills
    profile.save(update_fields=["skills"])
