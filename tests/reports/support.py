"""Helpers of the reports tests: known data over known periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from activations.models import ActivationMember
from reports import services
from reports.models import SituationReport
from tests.factories import make_member

Role = ActivationMember.Role


def people(activation: Any) -> dict[str, Any]:
    return {
        "lead": make_member(activation, Role.TEAM_LEAD).user,
        "coordinator": make_member(activation, Role.COORDINATOR).user,
        "liaison": make_member(activation, Role.LIAISON).user,
    }


def draft(activation: Any, by: Any, **kwargs: Any) -> SituationReport:
    return services.report_compose(activation=activation, by=by, **kwargs)


def in_review(activation: Any, by: Any) -> SituationReport:
    report = draft(activation, by)
    return services.report_submit(report=report, by=by)


def published(activation: Any, lead: Any, coordinator: Any) -> SituationReport:
    report = in_review(activation, lead)
    return services.report_publish(report=report, by=coordinator)


def hours_ago(now: dt.datetime, hours: float) -> dt.datetime:
    return now - dt.timedelta(hours=hours)
