"""Helpers of the portal tests (not a test module)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from activations.models import ActivationMember
from portal import services
from portal.models import RequestForInformation
from tests.factories import make_member

Role = ActivationMember.Role


def ask(activation: Any, liaison: Any = None, **kwargs: Any) -> RequestForInformation:
    liaison = liaison or make_member(activation, Role.LIAISON).user
    kwargs.setdefault("question", "La D986 est-elle praticable ?")
    kwargs.setdefault("due_at", timezone.now() + dt.timedelta(hours=1))
    return services.rfi_ask(activation=activation, by=liaison, **kwargs)


def rfi_state() -> list[tuple[Any, ...]]:
    return list(
        RequestForInformation.objects.order_by("pk").values_list(
            "pk", "status", "version", "answer", "assigned_to_id", "answered_by_id"
        )
    )
