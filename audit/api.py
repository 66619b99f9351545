"""Read-only API of the audit trail, with the pages' rules: an activation's events
for its coordinators (Action.VIEW_AUDIT), a VOST team's for the team's
coordinators. Filters as the pages; keyset paging with ``after``/``next_cursor``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activations.api._common import ActivationApi, EnumField, errors, request_user
from activations.permissions import Action, organisation_get_for_user
from audit import selectors
from audit.forms import AuditFilterForm
from audit.models import AuditEvent
from audit.selectors import MAX_PAGE_SIZE, PAGE_SIZE

FILTER_HELP = {
    "actor": "Username, exactly as recorded.",
    "action": "One of the action codes.",
    "since": "YYYY-MM-DD, inclusive (the activation's time zone; UTC for a team).",
    "until": "YYYY-MM-DD, inclusive.",
    "object": "An object id, or type:id (verification.case:12).",
    "q": "Words of the summary (all must appear).",
    "after": "The next_cursor of the previous page.",
    "page_size": f"Events per page, at most {MAX_PAGE_SIZE} (default {PAGE_SIZE}).",
}
PARAMETERS = [OpenApiParameter(n, str, description=t) for n, t in FILTER_HELP.items()]


class AuditEventOutput(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(
        source="actor_label", help_text="Username; empty for the system."
    )
    action = EnumField(enum="AuditAction", choices=AuditEvent.Action)
    activation = serializers.SlugRelatedField[Any](slug_field="slug", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "activation",
            "object_type",
            "object_id",
            "summary",
            "ip_address",
            "request_id",
        ]
        read_only_fields = fields
        ref_name = "AuditEvent"


class AuditPageOutput(serializers.Serializer[Any]):
    results = AuditEventOutput(many=True, source="events")
    next_cursor = serializers.CharField(help_text="Pass as `after`; empty at the end.")

    class Meta:
        ref_name = "AuditPage"


def _page(request: Request, events: Any, tz: dt.tzinfo | None) -> Response:
    form = AuditFilterForm(request.query_params, tz=tz)
    if not form.is_valid():
        raise serializers.ValidationError(
            {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        )
    size_text = request.query_params.get("page_size", "")
    size = int(size_text) if size_text.isdigit() else PAGE_SIZE
    page = selectors.audit_page(
        selectors.audit_filter(events, filters=form.filters()),
        cursor=request.query_params.get("after", ""),
        size=size,
    )
    return Response(AuditPageOutput(page).data)


class ActivationAuditApi(ActivationApi):
    """The activation's audit trail, newest first (coordinators)."""

    activation_actions = {"GET": Action.VIEW_AUDIT}

    @extend_schema(
        operation_id="activation_audit_list",
        tags=["audit"],
        parameters=PARAMETERS,
        responses={200: AuditPageOutput, **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return _page(
            request,
            selectors.audit_events(activation=self.activation),
            self.activation.tz,
        )


class TeamAuditApi(APIView):
    """A VOST team's audit trail (its activations and organisations), newest
    first (the team's coordinators)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="team_audit_list",
        tags=["audit"],
        parameters=PARAMETERS,
        responses={200: AuditPageOutput, **errors(400, 403, 404)},
    )
    def get(self, request: Request, organisation_id: int) -> Response:
        team = organisation_get_for_user(
            user=request_user(request), organisation_id=organisation_id, manage=True
        )
        if not team.is_vost_team:
            raise Http404
        return _page(request, selectors.audit_events(team=team), None)
