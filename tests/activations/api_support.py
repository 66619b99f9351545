"""Helpers shared by the API tests of the activations app (not a test module)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from rest_framework.test import APIClient

from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    Contact,
    LogEntry,
    Organisation,
    OrganisationMember,
    Shift,
    ShiftAssignment,
)
from activations.permissions import ROLE_ACTIONS, Action
from tests.factories import ALL_ROLES, UserFactory

WATCHED = (
    Organisation,
    OrganisationMember,
    Contact,
    Agreement,
    Activation,
    Activation.supporting_teams.through,
    ActivationMember,
    Shift,
    ShiftAssignment,
    LogEntry,
)

# anonymous, an authenticated stranger, then each role of ALL_ROLES
WHO = ["anonymous", "non-member", *ALL_ROLES]


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of the Organisation core, to prove that a refused call changed nothing."""
    state = {}
    for model in WATCHED:
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


def geojson(multipolygon: GEOSGeometry) -> dict[str, Any]:
    return json.loads(multipolygon.geojson)


def expected_status(role: str, action: Action, ok: int) -> int:
    return ok if action in ROLE_ACTIONS[role] else 403


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error body: {"error": {status, code, message, details, request_id}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message", "details", "request_id"}
    assert error["status"] == status
    assert error["message"]
    assert len(error["request_id"]) == 32
    if code is not None:
        assert error["code"] == code
    return error


def client_as(user: Any | None) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        api.force_authenticate(user)
    return api


def call(api: APIClient, method: str, url: str, payload: Any = None) -> Any:
    if method in {"get", "delete"}:
        return getattr(api, method)(url)
    return getattr(api, method)(url, payload or {}, format="json")


@dataclass(frozen=True)
class Endpoint:
    """One method of one endpoint under an activation, for the role matrix.

    ``prepare(activation, actor)`` creates what the call needs and returns
    (url, payload); ``actor`` is the user who will call (maybe a stranger).
    """

    method: str
    action: Action
    ok: int
    prepare: Callable[[Activation, Any], tuple[str, Any]]


def actor_for(who: str, activation: Activation, member_factory: Any) -> Any:
    """The user playing `who` (None for anonymous) in `activation`."""
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return member_factory(activation, who).user
