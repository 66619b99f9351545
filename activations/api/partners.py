"""Partners API: organisations (VOST teams, authorities), their contacts, agreements.

Access goes through ``activations.permissions`` only: what a person may not see
is a 404, what they may see but not change is a 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
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
from activations.models import Agreement, Contact, Mission, Organisation
from activations.permissions import (
    agreement_get_for_user,
    coordinated_teams,
    organisation_get_for_user,
    vost_team_can_create,
)
from activations.selectors import agreement_list, organisation_list
from vost.api import Pagination

ORGANISATION_FIELDS = [
    "id",
    "name",
    "short_name",
    "kind",
    "description",
    "email",
    "phone",
    "website",
    "address",
    "managed_by",
    "max_hours_per_24h",
    "is_active",
    "created_at",
    "updated_at",
]


class OrganisationOutput(serializers.ModelSerializer[Organisation]):
    kind = EnumField(enum="OrganisationKind", choices=Organisation.Kind, read_only=True)

    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS
        read_only_fields = fields
        ref_name = "Organisation"


class OrganisationRef(serializers.ModelSerializer[Organisation]):
    kind = EnumField(enum="OrganisationKind", choices=Organisation.Kind, read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "kind"]
        read_only_fields = fields
        ref_name = "OrganisationRef"


class OrganisationListApi(APIView):
    """Organisations the user can see (GET) and recording a new one (POST).

    Coordinators record authorities managed by one of their VOST teams; only staff
    create VOST teams (the creator becomes the team's coordinator).
    """

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        kind = EnumField(
            enum="OrganisationKind", choices=Organisation.Kind, required=False
        )
        q = serializers.CharField(
            required=False, max_length=100, help_text="Part of the name."
        )

    class Input(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=200)
        short_name = serializers.CharField(
            max_length=40, required=False, allow_blank=True
        )
        kind = EnumField(enum="OrganisationKind", choices=Organisation.Kind)
        description = serializers.CharField(required=False, allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        website = serializers.URLField(required=False, allow_blank=True)
        address = serializers.CharField(required=False, allow_blank=True)
        managed_by = serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text=(
                "For an authority: the id of the VOST team that records it (one "
                "you coordinate; optional if you coordinate exactly one)."
            ),
        )
        max_hours_per_24h = serializers.IntegerField(
            min_value=1, max_value=24, required=False
        )

        class Meta:
            ref_name = "OrganisationCreate"

    Output = OrganisationOutput

    @extend_schema(
        operation_id="organisation_list",
        tags=["organisations"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        organisations = organisation_list(
            user=request_user(request),
            kind=filters.validated_data.get("kind"),
            query=filters.validated_data.get("q", ""),
        )
        return paginate(
            request=request, view=self, queryset=organisations, serializer=self.Output
        )

    @extend_schema(
        operation_id="organisation_create",
        tags=["organisations"],
        request=Input,
        responses={201: Output, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        managed_by_id = fields.pop("managed_by", None)
        managed_by: Organisation | None = None
        if fields["kind"] == Organisation.Kind.VOST_TEAM:
            if not vost_team_can_create(user):
                raise PermissionDenied
        elif managed_by_id is not None:
            managed_by = organisation_get_for_user(
                user=user, organisation_id=managed_by_id, manage=True
            )
            if not managed_by.is_vost_team:
                raise ValidationError(
                    {"managed_by": [_("Choose one of your VOST teams.")]}
                )
        else:
            teams = list(coordinated_teams(user)[:2])
            if not teams:
                raise PermissionDenied
            if len(teams) > 1:
                raise ValidationError(
                    {"managed_by": [_("Say which of your VOST teams records it.")]}
                )
            managed_by = teams[0]
        organisation = services.organisation_create(
            by=user, managed_by=managed_by, **fields
        )
        return Response(self.Output(organisation).data, status=status.HTTP_201_CREATED)


class OrganisationDetailApi(APIView):
    """One organisation: read (if visible), edit (if you manage it)."""

    class Input(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=200, required=False)
        short_name = serializers.CharField(
            max_length=40, required=False, allow_blank=True
        )
        description = serializers.CharField(required=False, allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        website = serializers.URLField(required=False, allow_blank=True)
        address = serializers.CharField(required=False, allow_blank=True)
        max_hours_per_24h = serializers.IntegerField(
            min_value=1, max_value=24, required=False
        )
        is_active = serializers.BooleanField(required=False)

        class Meta:
            ref_name = "OrganisationUpdate"

    Output = OrganisationOutput

    @extend_schema(
        operation_id="organisation_retrieve",
        tags=["organisations"],
        responses={200: Output, **READ_ERRORS},
    )
    def get(self, request: Request, organisation_id: int) -> Response:
        organisation = organisation_get_for_user(
            user=request_user(request), organisation_id=organisation_id
        )
        return Response(self.Output(organisation).data)

    @extend_schema(
        operation_id="organisation_update",
        tags=["organisations"],
        request=Input,
        responses={200: Output, **WRITE_ERRORS},
    )
    def patch(self, request: Request, organisation_id: int) -> Response:
        organisation = organisation_get_for_user(
            user=request_user(request), organisation_id=organisation_id, manage=True
        )
        data = self.Input(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        organisation = services.organisation_update(
            organisation=organisation, **data.validated_data
        )
        return Response(self.Output(organisation).data)


class ContactOutput(serializers.ModelSerializer[Contact]):
    kind = EnumField(enum="ContactKind", choices=Contact.Kind, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "kind",
            "position",
            "name",
            "role",
            "phone",
            "email",
            "hours",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        ref_name = "Contact"


class OrganisationContactListApi(APIView):
    """An organisation's contacts (GET if visible; POST if you manage it)."""

    pagination_class = Pagination

    class Input(serializers.Serializer[Any]):
        kind = EnumField(
            enum="ContactKind", choices=Contact.Kind, default=Contact.Kind.GENERAL
        )
        position = serializers.IntegerField(min_value=0, max_value=32767, default=0)
        name = serializers.CharField(max_length=150)
        role = serializers.CharField(max_length=150, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)
        hours = serializers.CharField(max_length=120, required=False, allow_blank=True)

        class Meta:
            ref_name = "ContactCreate"

    Output = ContactOutput

    @extend_schema(
        operation_id="organisation_contact_list",
        tags=["organisations"],
        responses={200: Output(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, organisation_id: int) -> Response:
        organisation = organisation_get_for_user(
            user=request_user(request), organisation_id=organisation_id
        )
        return paginate(
            request=request,
            view=self,
            queryset=organisation.contacts.all(),
            serializer=self.Output,
        )

    @extend_schema(
        operation_id="organisation_contact_create",
        tags=["organisations"],
        request=Input,
        responses={201: Output, **WRITE_ERRORS},
    )
    def post(self, request: Request, organisation_id: int) -> Response:
        organisation = organisation_get_for_user(
            user=request_user(request), organisation_id=organisation_id, manage=True
        )
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_save(
            contact=Contact(organisation=organisation, **data.validated_data)
        )
        return Response(self.Output(contact).data, status=status.HTTP_201_CREATED)


# --- agreements ---------------------------------------------------------------
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
