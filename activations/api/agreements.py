"""Agreements API: the partnership agreements between a VOST team and an
authority, and their status (activate, suspend, resume, terminate).

Access goes through ``activations.permissions`` only: what a person may not see
is a 404, what they may see but not change is a 403. The signed PDF is uploaded
on the web pages (``activations.views.agreements``); the organisations themselves
are in ``activations.api.organisations``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activations import services
from activations.api._common import (
    READ_ERRORS,
    WRITE_ERRORS,
    EnumField,
    GeoJSONAreaField,
    paginate,
    request_user,
)
from activations.api.organisations import OrganisationRef
from activations.models import Agreement, Mission
from activations.permissions import (
    agreement_get_for_user,
    coordinated_teams,
    organisation_get_for_user,
)
from activations.selectors import agreement_list
from vost.api import Pagination

AGREEMENT_FIELDS = [
    "id",
    "reference",
    "title",
    "vost_team",
    "authority",
    "status",
    "effective_status",
    "days_left",
    "signed_on",
    "valid_from",
    "valid_until",
    "missions",
    "retention_days",
    "relay_needs_approval",
    "activation_procedure",
    "notes",
    "has_signed_document",
    "created_at",
    "updated_at",
]


class AgreementOutput(serializers.ModelSerializer[Agreement]):
    """An agreement without its territory (lists stay small; see the detail)."""

    vost_team = OrganisationRef(read_only=True)
    authority = OrganisationRef(read_only=True)
    status = EnumField(enum="AgreementStatus", choices=Agreement.Status, read_only=True)
    missions = serializers.ListField(
        child=EnumField(enum="Mission", choices=Mission), read_only=True
    )
    effective_status = EnumField(
        enum="AgreementStatus",
        choices=Agreement.Status,
        read_only=True,
        help_text="The status today: an active agreement past its end is expired.",
    )
    days_left = serializers.IntegerField(
        read_only=True, help_text="Days until valid_until (negative once past)."
    )
    has_signed_document = serializers.SerializerMethodField(
        help_text="Whether the signed PDF has been uploaded (through the web pages)."
    )

    class Meta:
        model = Agreement
        fields = AGREEMENT_FIELDS
        read_only_fields = fields
        ref_name = "AgreementSummary"

    def get_has_signed_document(self, agreement: Agreement) -> bool:
        return bool(agreement.signed_document)


class AgreementDetailOutput(AgreementOutput):
    territory = GeoJSONAreaField(read_only=True, allow_null=True)

    class Meta(AgreementOutput.Meta):
        fields = [*AGREEMENT_FIELDS, "territory"]
        read_only_fields = fields
        ref_name = "Agreement"


class AgreementInput(serializers.Serializer[Any]):
    reference = serializers.CharField(max_length=80)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    vost_team = serializers.IntegerField(
        help_text="Id of the VOST team (one you coordinate)."
    )
    authority = serializers.IntegerField(help_text="Id of the authority.")
    signed_on = serializers.DateField(required=False, allow_null=True)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    missions = serializers.ListField(
        child=EnumField(enum="Mission", choices=Mission), required=False
    )
    territory = GeoJSONAreaField(required=False, allow_null=True)
    retention_days = serializers.IntegerField(
        min_value=0, max_value=3650, required=False
    )
    relay_needs_approval = serializers.BooleanField(
        required=False,
        help_text="Official messages are relayed only once a liaison of the "
        "authority has approved each channel's text (default true).",
    )
    activation_procedure = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


def _agreement_parties(*, request: Request, fields: dict[str, Any]) -> dict[str, Any]:
    """Replace the party ids by organisations the user may use (404/403 otherwise)."""
    user = request_user(request)
    if "vost_team" in fields:
        fields["vost_team"] = organisation_get_for_user(
            user=user, organisation_id=fields["vost_team"], manage=True
        )
    if "authority" in fields:
        fields["authority"] = organisation_get_for_user(
            user=user, organisation_id=fields["authority"]
        )
    return fields


class AgreementListApi(APIView):
    """Agreements the user can see (GET) and recording a new one as a draft (POST)."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = EnumField(
            enum="AgreementStatus",
            choices=Agreement.Status,
            required=False,
            help_text="The effective status: “expired” is an active agreement past its end.",
        )

    class Input(AgreementInput):
        class Meta:
            ref_name = "AgreementCreate"

    Output = AgreementOutput

    @extend_schema(
        operation_id="agreement_list",
        tags=["agreements"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        agreements = agreement_list(
            user=request_user(request), status=filters.validated_data.get("status")
        )
        return paginate(
            request=request, view=self, queryset=agreements, serializer=self.Output
        )

    @extend_schema(
        operation_id="agreement_create",
        tags=["agreements"],
        request=Input,
        responses={201: AgreementDetailOutput, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        if not coordinated_teams(request_user(request)).exists():
            raise PermissionDenied
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        fields = _agreement_parties(request=request, fields=dict(data.validated_data))
        agreement = services.agreement_save(agreement=None, **fields)
        return Response(
            AgreementDetailOutput(agreement).data, status=status.HTTP_201_CREATED
        )


class AgreementDetailApi(APIView):
    """One agreement: read (coordinators of its team, liaisons of its authority),
    edit (coordinators of its team). The signed PDF is uploaded on the web pages."""

    class Input(AgreementInput):
        class Meta:
            ref_name = "AgreementUpdate"

    Output = AgreementDetailOutput

    @extend_schema(
        operation_id="agreement_retrieve",
        tags=["agreements"],
        responses={200: Output, **READ_ERRORS},
    )
    def get(self, request: Request, agreement_id: int) -> Response:
        agreement = agreement_get_for_user(
            user=request_user(request), agreement_id=agreement_id
        )
        return Response(self.Output(agreement).data)

    @extend_schema(
        operation_id="agreement_update",
        tags=["agreements"],
        request=Input,
        responses={200: Output, **WRITE_ERRORS},
    )
    def patch(self, request: Request, agreement_id: int) -> Response:
        agreement = agreement_get_for_user(
            user=request_user(request), agreement_id=agreement_id, manage=True
        )
        data = self.Input(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = _agreement_parties(request=request, fields=dict(data.validated_data))
        agreement = services.agreement_save(agreement=agreement, **fields)
        return Response(self.Output(agreement).data)


class AgreementStatusApi(APIView):
    """Activate, suspend, resume or terminate an agreement (coordinators of its team)."""

    class Input(serializers.Serializer[Any]):
        status = EnumField(
            enum="AgreementStatusChange",
            choices=[
                (s.value, s.label)
                for s in (
                    Agreement.Status.ACTIVE,
                    Agreement.Status.SUSPENDED,
                    Agreement.Status.TERMINATED,
                )
            ],
            help_text="“expired” is never set: it follows from the dates.",
        )

        class Meta:
            ref_name = "AgreementStatusChange"

    Output = AgreementDetailOutput

    @extend_schema(
        operation_id="agreement_status_set",
        tags=["agreements"],
        request=Input,
        responses={200: Output, **WRITE_ERRORS},
    )
    def post(self, request: Request, agreement_id: int) -> Response:
        user = request_user(request)
        agreement = agreement_get_for_user(
            user=user, agreement_id=agreement_id, manage=True
        )
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.agreement_set_status(
            agreement=agreement, status=data.validated_data["status"], by=user
        )
        return Response(self.Output(agreement).data)
