"""Writing the audit trail: one INSERT per audited act, in the caller's transaction.

``record`` is called by the services and views where the act happens (triage
decisions, verdicts, report publication, exports, membership changes, pages that
show posts' authors or raw text). It runs inside the caller's transaction: a
decision and its audit row commit together or not at all; a failed insert makes
the act fail (an act that cannot be audited does not happen).

The client address and the request id come from the request when the caller has
one, otherwise from the request being served (``AuditContextMiddleware`` and
``vost.logging.RequestIdMiddleware``); outside a request (tasks, shell) they are
empty. Missing context never raises.

Summaries name codes and ids (``kind=relevant category=infrastructure``), never
post text or author handles: the trail must not become a second copy of the
personal data that retention and erasure remove elsewhere.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.request import Request

from accounts.models import User
from activations.models import Activation, Organisation
from audit.models import MAX_SUMMARY, AuditEvent
from vost.logging import current_request_id

logger = logging.getLogger(__name__)

Action = AuditEvent.Action

_client_ip: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)


def client_ip(request: HttpRequest | Request) -> str | None:
    """The peer address of `request` (REMOTE_ADDR, which the proxy in front sets),
    or None when it is missing or not an IP address."""
    value = str(request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def current_client_ip() -> str | None:
    """The client address of the request being served, None outside a request."""
    return _client_ip.get()


class AuditContextMiddleware:
    """Remember the client address of the request being served, for audit rows
    written by services that have no request (placed after RequestIdMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


def _team_id(organisation: Organisation) -> int | None:
    """The VOST team answerable for events about `organisation`."""
    if organisation.kind == Organisation.Kind.VOST_TEAM:
        return organisation.pk
    return organisation.managed_by_id


def _object(
    obj: Model | None, object_type: str, object_id: str | int | None
) -> tuple[str, str]:
    if obj is not None:
        return obj._meta.label_lower, str(obj.pk)
    return object_type, "" if object_id is None else str(object_id)


def _event(
    *,
    action: str,
    actor: User | None,
    activation: Activation | None,
    organisation: Organisation | None,
    object_type: str,
    object_id: str,
    summary: str,
    request: HttpRequest | Request | None,
) -> AuditEvent:
    """The unsaved event, its context filled in (no query)."""
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    team_id: int | None = None
    if organisation is not None:
        team_id = _team_id(organisation)
    elif activation is not None:
        team_id = activation.lead_team_id
    request_id = current_request_id()
    return AuditEvent(
        at=timezone.now(),
        action=action,
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "",
        activation=activation,
        organisation_id=team_id,
        object_type=object_type[:50],
        object_id=object_id[:64],
        summary=" ".join(summary.split())[:MAX_SUMMARY],
        ip_address=client_ip(request) if request is not None else current_client_ip(),
        request_id="" if request_id == "-" else request_id[:64],
    )


def record(
    *,
    action: str,
    actor: User | None,
    activation: Activation | None = None,
    organisation: Organisation | None = None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int | None = None,
    summary: str = "",
    request: HttpRequest | Request | None = None,
) -> AuditEvent:
    """Append one event to the trail and return it.

    `actor` None means the system. `obj`, when given, names the object
    (``monitoring.cluster`` and its primary key); otherwise `object_type` and
    `object_id`. The event belongs to `activation` (and its lead team) or to the
    VOST team answerable for `organisation`. No query other than the INSERT.
    """
    kind, ident = _object(obj, object_type, object_id)
    event = _event(
        action=action,
        actor=actor,
        activation=activation,
        organisation=organisation,
        object_type=kind,
        object_id=ident,
        summary=summary,
        request=request,
    )
    event.save(force_insert=True)
    return event


def record_many(
    *,
    action: str,
    actor: User | None,
    activation: Activation,
    objects: Sequence[Model],
    summary: str = "",
) -> list[AuditEvent]:
    """One event per object (a bulk decision), written by a single INSERT."""
    if not objects:
        return []
    events = []
    for obj in objects:
        kind, ident = _object(obj, "", None)
        events.append(
            _event(
                action=action,
                actor=actor,
                activation=activation,
                organisation=None,
                object_type=kind,
                object_id=ident,
                summary=summary,
                request=None,
            )
        )
    return AuditEvent.objects.bulk_create(events)


def record_request(
    request: HttpRequest | Request,
    *,
    action: str,
    activation: Activation | None = None,
    organisation: Organisation | None = None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int | None = None,
    summary: str = "",
) -> AuditEvent:
    """``record`` for a view: the actor, address and request id come from `request`."""
    user: Any = getattr(request, "user", None)
    return record(
        action=action,
        actor=user if isinstance(user, User) else None,
        activation=activation,
        organisation=organisation,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        summary=summary,
        request=request,
    )
