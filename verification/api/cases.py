"""Verification cases API: list and open cases, read one (with its evidence and full
history), and every action of the case page: start, assign, add evidence, grade,
locate, propose a verdict, review it (four-eyes), withdraw a proposal, reopen.

Reading needs VIEW_CASES, changing VERIFY, reviewing REVIEW_VERDICT (and, checked by
the service, being a coordinator, a team lead or a volunteer with the verification
skill, and not the proposer). Changes name the ``version`` of the case they were
made on: a stale one answers 409 and changes nothing. Every change answers the case
as it now is (with its new version).
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.contrib.gis.geos import Point
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activations.api._common import (
    ActivationApi,
    EnumField,
    UserRef,
    errors,
    paginate,
    request_user,
)
from activations.models import Activation
from activations.permissions import Action
from monitoring.models import Cluster
from verification import selectors
from verification.models import Case, CaseEvent, Credibility, Evidence, Reliability
from verification.permissions import case_get_for_user
from verification.services import cases as services

CASE_WRITE_ERRORS = errors(400, 403, 404, 409)
CREDIBILITY_HELP = "Admiralty information credibility: " + "; ".join(
    str(label) for _value, label in Credibility.choices
)
RELIABILITY_HELP = "Admiralty source reliability: " + "; ".join(
    str(label) for _value, label in Reliability.choices
)
POINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "nullable": True,
    "description": "A GeoJSON Point, longitude/latitude in WGS 84 (null: not located).",
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
        },
    },
    "example": {"type": "Point", "coordinates": [3.8767, 43.6108]},
}
VERDICTS = [
    (s.value, s.label)
    for s in (
        Case.Status.VERIFIED,
        Case.Status.FALSE,
        Case.Status.MISLEADING,
        Case.Status.UNVERIFIABLE,
    )
]


# --- output ------------------------------------------------------------------------
@extend_schema_field(POINT_SCHEMA)
class PointField(serializers.Field):  # type: ignore[type-arg]
    def to_representation(self, value: Point) -> dict[str, Any]:
        return cast(dict[str, Any], json.loads(value.geojson))


class EvidenceOutput(serializers.ModelSerializer[Evidence]):
    kind = EnumField(enum="EvidenceKind", choices=Evidence.Kind, read_only=True)
    finding = EnumField(
        enum="EvidenceFinding", choices=Evidence.Finding, read_only=True
    )
    author = UserRef(read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "kind", "finding", "url", "note", "author", "created_at"]
        read_only_fields = fields
        ref_name = "CaseEvidence"


class CaseEventOutput(serializers.ModelSerializer[CaseEvent]):
    kind = EnumField(enum="CaseEventKind", choices=CaseEvent.Kind, read_only=True)
    user = UserRef(read_only=True, allow_null=True, help_text="null: the system.")
    changes = serializers.DictField(
        source="data", read_only=True, help_text="Old and new values."
    )

    class Meta:
        model = CaseEvent
        fields = ["id", "at", "kind", "user", "text", "changes"]
        read_only_fields = fields
        ref_name = "CaseEvent"


class CaseOutput(serializers.ModelSerializer[Case]):
    status = EnumField(enum="CaseStatus", choices=Case.Status, read_only=True)
    proposed_status = serializers.CharField(
        read_only=True,
        help_text="The verdict waiting for its second reviewer (a CaseStatus), "
        'or "" when none waits.',
    )
    awaiting_review = serializers.BooleanField(read_only=True)
    grade = serializers.CharField(
        read_only=True, help_text='Admiralty code such as "B2" ("" until graded).'
    )
    reliability = serializers.CharField(read_only=True, help_text=RELIABILITY_HELP)
    credibility = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=CREDIBILITY_HELP
    )
    location = PointField(read_only=True, allow_null=True)
    location_source = serializers.CharField(
        read_only=True, help_text='"post", "map", "place" or "".'
    )
    opened_by = UserRef(read_only=True)
    assigned_to = UserRef(read_only=True, allow_null=True)
    proposed_by = UserRef(read_only=True, allow_null=True)
    reviewed_by = UserRef(
        read_only=True, allow_null=True, help_text="The second reviewer who confirmed."
    )
    item = serializers.IntegerField(
        source="cluster_id",
        read_only=True,
        allow_null=True,
        help_text="Id of the queue item (cluster) the case was opened from.",
    )
    post = serializers.IntegerField(source="post_id", read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "claim",
            "category",
            "status",
            "proposed_status",
            "awaiting_review",
            "proposal_note",
            "proposed_at",
            "grade",
            "reliability",
            "credibility",
            "location",
            "location_radius_m",
            "location_source",
            "place_name",
            "opened_by",
            "assigned_to",
            "proposed_by",
            "reviewed_by",
            "item",
            "post",
            "created_at",
            "updated_at",
            "closed_at",
            "version",
        ]
        read_only_fields = fields
        ref_name = "Case"


class CaseDetailOutput(CaseOutput):
    evidence = EvidenceOutput(many=True, read_only=True)
    events = CaseEventOutput(many=True, read_only=True, help_text="Oldest first.")

    class Meta(CaseOutput.Meta):
        fields = [*CaseOutput.Meta.fields, "evidence", "events"]
        read_only_fields = fields
        ref_name = "CaseDetail"


def _detail_body(case: Case) -> dict[str, Any]:
    fresh = (
        Case.objects.select_related(
            "opened_by", "assigned_to", "proposed_by", "reviewed_by"
        )
        .prefetch_related("evidence__author", "events__user")
        .get(pk=case.pk)
    )
    return cast(dict[str, Any], CaseDetailOutput(fresh).data)


class _CaseActionApi(APIView):
    """One action on one case, reached by activation slug and case number."""

    permission_classes = [IsAuthenticated]
    action: Action = Action.VERIFY

    def case(self, request: Request, slug: str, number: int) -> tuple[Activation, Case]:
        return case_get_for_user(
            user=request_user(request), slug=slug, number=number, action=self.action
        )


class VersionInput(serializers.Serializer[Any]):
    version = serializers.IntegerField(
        min_value=1, help_text="The version of the case this change was made on."
    )

    class Meta:
        ref_name = "CaseVersion"


# --- list, create, detail -------------------------------------------------------------
class CaseListApi(ActivationApi):
    """The activation's cases (roles that see cases), and opening one (VERIFY)."""

    activation_actions = {"GET": Action.VIEW_CASES, "POST": Action.VERIFY}

    class FilterSerializer(serializers.Serializer[Any]):
        status = EnumField(
            enum="CaseListFilter",
            choices=[
                (f.value, str(selectors.FILTER_LABELS[f])) for f in selectors.CaseFilter
            ],
            required=False,
            default=selectors.CaseFilter.OPEN,
            help_text="open (default), review (a verdict waits for its second "
            "reviewer), mine (… and you did not propose it), closed, all.",
        )
        q = serializers.CharField(
            required=False,
            max_length=200,
            help_text="A case number, or words of the claim.",
        )

    class Input(serializers.Serializer[Any]):
        claim = serializers.CharField(
            max_length=2000, help_text="What to verify, in a sentence or two."
        )
        item = serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="Id of the queue item (cluster) of this activation the claim "
            "comes from; if it already has a case, that case is answered (200).",
        )
        category = serializers.CharField(required=False, max_length=20, default="")

        class Meta:
            ref_name = "CaseCreate"

    @extend_schema(
        operation_id="case_list",
        tags=["verification"],
        parameters=[FilterSerializer],
        responses={200: CaseOutput(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = selectors.case_list(
            activation=self.activation,
            user=self.user(),
            status=filters.validated_data["status"],
            q=filters.validated_data.get("q", "").strip(),
        ).select_related("opened_by")
        return paginate(
            request=request, view=self, queryset=cases, serializer=CaseOutput
        )

    @extend_schema(
        operation_id="case_create",
        tags=["verification"],
        request=Input,
        responses={
            201: CaseDetailOutput,
            200: CaseDetailOutput,
            **errors(400, 403, 404),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        cluster = None
        if (item := data.validated_data.get("item")) is not None:
            cluster = Cluster.objects.filter(
                activation=self.activation, pk=item
            ).first()
            if cluster is None:
                raise serializers.ValidationError(
                    {"item": [_("There is no such queue item in this activation.")]}
                )
        existed = cluster is not None and cluster.cases.exists()
        case = services.case_open(
            activation=self.activation,
            by=self.user(),
            claim=data.validated_data["claim"],
            cluster=cluster,
            category=data.validated_data["category"],
        )
        return Response(
            _detail_body(case),
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class CaseDetailApi(_CaseActionApi):
    """One case with its evidence and its full history."""

    action = Action.VIEW_CASES

    @extend_schema(
        operation_id="case_retrieve",
        tags=["verification"],
        responses={200: CaseDetailOutput, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        _activation, case = self.case(request, slug, number)
        return Response(_detail_body(case))


# --- actions ----------------------------------------------------------------------------
class CaseStartApi(_CaseActionApi):
    """Unverified → in progress; the case goes to you if nobody has it."""

    @extend_schema(
        operation_id="case_start",
        tags=["verification"],
        request=VersionInput,
        responses={200: CaseDetailOutput, **CASE_WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        _activation, case = self.case(request, slug, number)
        data = VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_start(
            case=case, by=request_user(request), version=data.validated_data["version"]
        )
        return Response(_detail_body(case))


class CaseAssignApi(_CaseActionApi):
    """Give the case to someone (leads), take a free case or let go of yours."""

    class Input(VersionInput):
        assignee = serializers.IntegerField(
            allow_null=True,
            help_text="User id of a member who verifies; null: nobody.",
        )

        class Meta:
            ref_name = "CaseAssign"

    @extend_schema(
        operation_id="case_assign",
        tags=["verification"],
        request=Input,
        responses={200: CaseDetailOutput, **CASE_WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        activation, case = self.case(request, slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = None
        if (user_id := data.validated_data["assignee"]) is not None:
            assignee = (
                selectors.case_assignable_people(activation=activation)
                .filter(pk=user_id)
                .first()
            )
            if assignee is None:
                raise serializers.ValidationError(
                    {"assignee": [_("This person cannot work on cases here.")]}
                )
        case = services.case_assign(
            case=case,
            by=request_user(request),
            assignee=assignee,
            version=data.validated_data["version"],
        )
        return Response(_detail_body(case))


class CaseEvidenceAddApi(_CaseActionApi):
    """Record one check: what was done, the link, what it showed."""

    class Input(serializers.Serializer[Any]):
        kind = EnumField(enum="EvidenceKind", choices=Evidence.Kind)
        finding = EnumField(
            enum="EvidenceFinding",
            choices=Evidence.Finding,
            default=Evidence.Finding.INCONCLUSIVE,
        )
        url = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=1000,
            help_text="An http(s) address (optional).",
        )
        note = serializers.CharField(max_length=5000)

        class Meta:
            ref_name = "CaseEvidenceCreate"

    @extend_schema(
        operation_id="case_evidence_add",
        tags=["verification"],
        request=Input,
        responses={201: CaseDetailOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        _activation, case = self.case(request, slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        services.evidence_add(
            case=case, by=request_user(request), **data.validated_data
        )
        return Response(_detail_body(case), status=status.HTTP_201_CREATED)


class CaseGradeApi(_CaseActionApi):
    """Set the Admiralty grade."""

    class Input(VersionInput):
        reliability = EnumField(
            enum="Reliability", choices=Reliability, help_text=RELIABILITY_HELP
        )
        credibility = serializers.IntegerField(
            min_value=1, max_value=6, help_text=CREDIBILITY_HELP
        )

        class Meta:
            ref_name = "CaseGrade"

    @extend_schema(
        operation_id="case_grade",
        tags=["verification"],
        request=Input,
        responses={200: CaseDetailOutput, **CASE_WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        _activation, case = self.case(request, slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_grade(
            case=case, by=request_user(request), **data.validated_data
        )
        return Response(_detail_body(case))


class CaseLocateApi(_CaseActionApi):
    """Set where the claim happened, with a precision radius (or clear it)."""

    class Input(VersionInput):
        lon = serializers.FloatField(
            allow_null=True, help_text="Longitude, -180 to 180; null with lat clears."
        )
        lat = serializers.FloatField(allow_null=True, help_text="Latitude, -90 to 90.")
        radius_m = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Precision radius in metres, 1 to 500000.",
        )
        location_source = EnumField(
            enum="CaseLocationSource",
            choices=Case.LocationSource,
            default=Case.LocationSource.MAP,
        )
        place_name = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=200
        )

        class Meta:
            ref_name = "CaseLocate"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if (attrs["lon"] is None) != (attrs["lat"] is None):
                raise serializers.ValidationError(
                    _("Give both longitude and latitude, or neither to clear.")
                )
            return attrs

    @extend_schema(
        operation_id="case_locate",
        tags=["verification"],
        request=Input,
        responses={200: CaseDetailOutput, **CASE_WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        _activation, case = self.case(request, slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        point = (
            None
            if given["lon"] is None
            else Point(given["lon"], given["lat"], srid=4326)
        )
        case = services.case_locate(
            case=case,
            by=request_user(request),
            point=point,
            radius_m=given["radius_m"],
            source=given["location_source"],
            place_name=given["place_name"],
            version=given["version"],
        )
        return Response(_detail_body(case))


class CaseProposeApi(_CaseActionApi):
    """Propose a verdict: "unverifiable" closes the case; "verified", "false" and
    "misleading" wait for a second, different reviewer."""

    class Input(VersionInput):
        verdict = EnumField(enum="CaseVerdict", choices=VERDICTS)
        note = serializers.CharField(max_length=5000, help_text="The reasoning.")

        class Meta:
            ref_name = "CasePropose"

    @extend_schema(
        operation_id="case_propose",
        tags=["verification"],
        request=Input,
        responses={200: CaseDetailOutput, **CASE_WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        _activation, case = self.case(request, slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        case = services.case_propose_verdict(
            case=case,
            by=request_user(request),
            status=given["verdict"],
            note=given["note"],
            version=given["version"],
        )
        return Response(_detail_body(case))


class CaseReviewApi(_CaseActionApi):
    """Second review: confirm the proposed verdict (the case closes) or send it back
    with a note. Not by the proposer; only coordinators, team leads and volunteers
    with the verification skill (403 otherwise)."""

    action = Action.REVIEW_VERDICT

    class Input(VersionInput):
        approve = serializers.BooleanField(
            help_text="true confirms the verdict, false sends it back."
        )
        note = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=5000,
            help_text="Required when sending back.",
        )

        class Meta:
            ref_name = "CaseReview"

    @extend_schema(
        operation_id="case_review",
        tags=["verification"],
        request=Input,
        responses={200: CaseDetailOutput, **CASE_WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        _activation, case = self.case(request, slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_review(
            case=case, by=request_user(request), **data.validated_data
        )
        return Response(_detail_body(case))


class CaseWithdrawApi(_CaseActionApi):
    """Take back a verdict still waiting for review (its proposer, or a lead)."""

    @extend_schema(
        operation_id="case_withdraw",
        tags=["verification"],
        request=VersionInput,
        responses={200: CaseDetailOutput, **CASE_WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        _activation, case = self.case(request, slug, number)
        data = VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_withdraw_proposal(
            case=case, by=request_user(request), version=data.validated_data["version"]
        )
        return Response(_detail_body(case))


class CaseReopenApi(_CaseActionApi):
    """Back to "in progress" from a verdict (coordinators and team leads)."""

    class Input(VersionInput):
        note = serializers.CharField(max_length=5000, help_text="Why it is reopened.")

        class Meta:
            ref_name = "CaseReopen"

    @extend_schema(
        operation_id="case_reopen",
        tags=["verification"],
        request=Input,
        responses={200: CaseDetailOutput, **CASE_WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        _activation, case = self.case(request, slug, number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_reopen(
            case=case, by=request_user(request), **data.validated_data
        )
        return Response(_detail_body(case))


# --- routes (included by verification/api/urls.py) ----------------------------------

_CASE = "activations/<slug:slug>/cases/<int:number>/"

urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/cases/",
        CaseListApi.as_view(),
        name="api-case-list",
    ),
    path(_CASE, CaseDetailApi.as_view(), name="api-case-detail"),
    path(_CASE + "start/", CaseStartApi.as_view(), name="api-case-start"),
    path(_CASE + "assign/", CaseAssignApi.as_view(), name="api-case-assign"),
    path(
        _CASE + "evidence/", CaseEvidenceAddApi.as_view(), name="api-case-evidence-add"
    ),
    path(_CASE + "grade/", CaseGradeApi.as_view(), name="api-case-grade"),
    path(_CASE + "locate/", CaseLocateApi.as_view(), name="api-case-locate"),
    path(_CASE + "propose/", CaseProposeApi.as_view(), name="api-case-propose"),
    path(_CASE + "review/", CaseReviewApi.as_view(), name="api-case-review"),
    path(_CASE + "withdraw/", CaseWithdrawApi.as_view(), name="api-case-withdraw"),
    path(_CASE + "reopen/", CaseReopenApi.as_view(), name="api-case-reopen"),
]
