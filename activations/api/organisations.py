"""Organisations API: VOST teams and authorities, and their contacts.

Access goes through ``activations.permissions`` only: what a person may not see
is a 404, what they may see but not change is a 403. Agreements between
organisations are in ``activations.api.agreements``.
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
    paginate,
    request_user,
)
from activations.models import Contact, Organisation
from activations.permissions import (
    coordinated_teams,
    organisation_get_for_user,
    vost_team_can_create,
)
from activations.selectors import organisation_list
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
