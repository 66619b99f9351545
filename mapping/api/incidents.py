"""Incidents API: an activation's incidents (verified reports of one category close
in space and time), one with its reports, and a team lead's decisions.

Reading needs VIEW_MAP (every role; the authority's liaison sees confirmed
incidents only, with their verified reports, and no team note). Deciding needs
MANAGE_INCIDENTS (team leads, coordinators): confirm, dismiss, merge, split, and
redo the proposals now. A decision someone else already took (a second confirm, a
merge of an incident already merged) answers 409 and changes nothing.
Report summaries are plain, UNTRUSTED text: escape them before display.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.contrib.gis.geos import GEOSGeometry
from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import (
    ActivationApi,
    EnumField,
    UserRef,
    errors,
    paginate,
)
from activations.models import Activation
from activations.permissions import Action, activation_allowed_actions
from mapping.models import Incident, MapItem, Verification
from mapping.selectors import incidents as selectors
from mapping.selectors.items import sees_verified_only
from mapping.services import incidents as services
from vost.api import Pagination

TAGS = ["incidents"]
CHANGE_ERRORS = errors(400, 403, 404, 409)
UNTRUSTED = (
    "Plain text as posted, UNTRUSTED: never HTML; clients must escape it before "
    "displaying it (it may contain hostile markup)."
)
GEOMETRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "nullable": True,
    "description": "A GeoJSON geometry, longitude/latitude in WGS 84.",
    "additionalProperties": True,
}


@extend_schema_field(GEOMETRY_SCHEMA)
class GeoJSONGeometryField(serializers.Field):  # type: ignore[type-arg]
    def to_representation(self, value: GEOSGeometry) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(value.json))


# --- output ------------------------------------------------------------------------------
class IncidentOutput(serializers.Serializer[Incident]):
    number = serializers.IntegerField(help_text="#1, #2… within the activation.")
    title = serializers.CharField()
    category = serializers.CharField(help_text="A category of the taxonomy.")
    category_label = serializers.SerializerMethodField()
    status = EnumField(enum="IncidentStatus", choices=Incident.Status)
    note = serializers.SerializerMethodField(
        help_text="The team's note, or why it was dismissed (empty for liaisons)."
    )
    item_count = serializers.IntegerField(help_text="Reports in the incident.")
    started_at = serializers.DateTimeField(
        allow_null=True, help_text="The first report."
    )
    ended_at = serializers.DateTimeField(allow_null=True, help_text="The last report.")
    centroid = GeoJSONGeometryField(allow_null=True)
    footprint = GeoJSONGeometryField(
        allow_null=True,
        help_text="Convex hull of the reports (a small buffer around one point or "
        "a line).",
    )
    confirmed_by = UserRef(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="The incident's page.")

    class Meta:
        ref_name = "Incident"

    def get_category_label(self, incident: Incident) -> str:
        return selectors.category_label(incident.category)

    @extend_schema_field(serializers.CharField())
    def get_note(self, incident: Incident) -> str:
        return "" if self.context.get("liaison") else incident.note

    @extend_schema_field(serializers.CharField())
    def get_url(self, incident: Incident) -> str:
        activation: Activation = self.context["activation"]
        return selectors.incident_url(activation=activation, number=incident.number)


class IncidentItemOutput(serializers.Serializer[MapItem]):
    id = serializers.IntegerField(help_text="The map item (use it to split).")
    item = serializers.IntegerField(source="cluster_id", help_text="The queue item.")
    category = serializers.CharField()
    verification = EnumField(enum="MapVerification", choices=Verification)
    urgent = serializers.BooleanField()
    observed_at = serializers.DateTimeField()
    place_name = serializers.CharField()
    summary = serializers.CharField(help_text=UNTRUSTED)
    location = GeoJSONGeometryField()
    radius_m = serializers.IntegerField(allow_null=True)
    case = serializers.SerializerMethodField(
        help_text="The verification case's number, if any and if you may see cases."
    )

    class Meta:
        ref_name = "IncidentItem"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_case(self, item: MapItem) -> int | None:
        if not self.context.get("view_cases") or item.case is None:
            return None
        return item.case.number


class IncidentDetailOutput(IncidentOutput):
    items = IncidentItemOutput(many=True, help_text="Oldest first.")

    class Meta:
        ref_name = "IncidentDetail"


class ProposalOutput(serializers.Serializer[Any]):
    created = serializers.IntegerField(help_text="New proposals.")
    updated = serializers.IntegerField(
        help_text="Proposals that gained or lost reports (same number)."
    )
    deleted = serializers.IntegerField(help_text="Proposals no longer holding.")
    kept = serializers.IntegerField(help_text="Proposals unchanged.")
    items = serializers.IntegerField(help_text="Reports in proposals.")

    class Meta:
        ref_name = "IncidentProposals"


# --- endpoints ---------------------------------------------------------------------------
class _IncidentsApi(ActivationApi):
    def context(self) -> dict[str, Any]:
        allowed = activation_allowed_actions(
            user=self.user(), activation=self.activation
        )
        return {
            "activation": self.activation,
            "liaison": sees_verified_only(self.activation),
            "view_cases": Action.VIEW_CASES in allowed,
        }

    def incident(self, number: int) -> Incident:
        incident = selectors.incident_get(activation=self.activation, number=number)
        if incident is None:
            raise Http404
        incident.activation = self.activation  # carries the viewer's role
        return incident

    def body(self, incident: Incident, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.incident(incident.number)
        fresh.items_list = list(selectors.incident_items(incident=fresh))  # type: ignore[attr-defined]
        data = IncidentOutput(fresh, context=self.context()).data
        data["items"] = IncidentItemOutput(
            fresh.items_list,  # type: ignore[attr-defined]
            many=True,
            context=self.context(),
        ).data
        return Response(data, status=code)


class IncidentListApi(_IncidentsApi):
    """The activation's incidents, latest first (liaisons: confirmed ones only)."""

    activation_actions = {"GET": Action.VIEW_MAP}
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = EnumField(
            enum="IncidentStatus", choices=Incident.Status, required=False
        )

        class Meta:
            ref_name = "IncidentFilters"

    Output = IncidentOutput

    @extend_schema(
        operation_id="incident_list",
        tags=TAGS,
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        incidents = selectors.incident_list(
            activation=self.activation, status=filters.validated_data.get("status")
        )
        return paginate(
            request=request,
            view=self,
            queryset=incidents,
            serializer=self.Output,
            context=self.context(),
        )


class IncidentProposeApi(_IncidentsApi):
    """Redo the proposals now (a background task does it every few minutes):
    verified reports of one category within the configured distance and time of
    each other. Confirmed and dismissed incidents are left as they are."""

    activation_actions = {"POST": Action.MANAGE_INCIDENTS}

    Output = ProposalOutput

    @extend_schema(
        operation_id="incident_propose",
        tags=TAGS,
        request=None,
        responses={200: Output, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        result = services.incidents_propose(activation=self.activation)
        return Response(self.Output(result).data)


class IncidentDetailApi(_IncidentsApi):
    """One incident with its reports (liaisons: verified reports only)."""

    activation_actions = {"GET": Action.VIEW_MAP}

    @extend_schema(
        operation_id="incident_retrieve",
        tags=TAGS,
        responses={200: IncidentDetailOutput, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        return self.body(self.incident(number))


class IncidentConfirmApi(_IncidentsApi):
    """Confirm a proposal; its reports are then kept out of proposals. Send
    ``seen_items`` (the ids you looked at) to refuse (409) a proposal that changed
    meanwhile."""

    activation_actions = {"POST": Action.MANAGE_INCIDENTS}

    class Input(serializers.Serializer[Any]):
        title = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=services.MAX_TITLE,
            help_text="Empty: keep the proposed title.",
        )
        note = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=services.MAX_NOTE
        )
        seen_items = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            allow_null=True,
            default=None,
            max_length=1000,
            help_text="The map item ids you saw in the proposal.",
        )

        class Meta:
            ref_name = "IncidentConfirm"

    @extend_schema(
        operation_id="incident_confirm",
        tags=TAGS,
        request=Input,
        responses={200: IncidentDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        incident = self.incident(number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        incident = services.incident_confirm(
            incident=incident,
            by=self.user(),
            title=given["title"],
            note=given["note"],
            seen_item_ids=given["seen_items"],
        )
        return self.body(incident)


class IncidentDismissApi(_IncidentsApi):
    """Dismiss an incident, saying why. Its reports stay with it, so they are not
    proposed again (split some off to free them)."""

    activation_actions = {"POST": Action.MANAGE_INCIDENTS}

    class Input(serializers.Serializer[Any]):
        reason = serializers.CharField(max_length=services.MAX_REASON)

        class Meta:
            ref_name = "IncidentDismiss"

    @extend_schema(
        operation_id="incident_dismiss",
        tags=TAGS,
        request=Input,
        responses={200: IncidentDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        incident = self.incident(number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_dismiss(
            incident=incident, by=self.user(), reason=data.validated_data["reason"]
        )
        return self.body(incident)


class IncidentMergeApi(_IncidentsApi):
    """Merge other incidents of the same category into this one, which is then
    confirmed; the merged ones are dismissed, empty, with a note naming this one."""

    activation_actions = {"POST": Action.MANAGE_INCIDENTS}

    class Input(serializers.Serializer[Any]):
        incidents = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            min_length=1,
            max_length=100,
            help_text="Numbers of the incidents to merge into this one.",
        )

        class Meta:
            ref_name = "IncidentMerge"

    @extend_schema(
        operation_id="incident_merge",
        tags=TAGS,
        request=Input,
        responses={200: IncidentDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        into = self.incident(number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        others, missing = selectors.incidents_by_numbers(
            activation=self.activation, numbers=data.validated_data["incidents"]
        )
        if missing:
            raise ValidationError(
                {
                    "incidents": [
                        _("No incident #%(number)s in this activation.")
                        % {"number": missing[0]}
                    ]
                }
            )
        incident = services.incident_merge(incidents=others, into=into, by=self.user())
        return self.body(incident)


class IncidentSplitApi(_IncidentsApi):
    """Move some reports of the incident into a new incident (201, the new one).
    Both parts are confirmed, except when splitting a dismissed incident: the
    reports moved are then a new proposal, regrouped by the next proposals."""

    activation_actions = {"POST": Action.MANAGE_INCIDENTS}

    class Input(serializers.Serializer[Any]):
        items = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            min_length=1,
            max_length=1000,
            help_text="Map item ids (``items[].id``) to move; not all of them.",
        )

        class Meta:
            ref_name = "IncidentSplit"

    @extend_schema(
        operation_id="incident_split",
        tags=TAGS,
        request=Input,
        responses={201: IncidentDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        incident = self.incident(number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        part = services.incident_split(
            incident=incident, by=self.user(), item_ids=data.validated_data["items"]
        )
        return self.body(part, code=status.HTTP_201_CREATED)


_BASE = "activations/<slug:slug>/map/incidents/"
_ONE = _BASE + "<int:number>/"

urlpatterns: list[URLPattern] = [
    path(_BASE, IncidentListApi.as_view(), name="api-map-incident-list"),
    path(
        _BASE + "propose/",
        IncidentProposeApi.as_view(),
        name="api-map-incident-propose",
    ),
    path(_ONE, IncidentDetailApi.as_view(), name="api-map-incident-detail"),
    path(
        _ONE + "confirm/", IncidentConfirmApi.as_view(), name="api-map-incident-confirm"
    ),
    path(
        _ONE + "dismiss/", IncidentDismissApi.as_view(), name="api-map-incident-dismiss"
    ),
    path(_ONE + "merge/", IncidentMergeApi.as_view(), name="api-map-incident-merge"),
    path(_ONE + "split/", IncidentSplitApi.as_view(), name="api-map-incident-split"),
]
