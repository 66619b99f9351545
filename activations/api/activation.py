"""Activations API: list, request, read, edit (optimistic locking), lifecycle,
members and supporting teams.

Endpoints under ``activations/<slug>/`` reach the activation through
``IsActivationMember`` (activation_get_for_user) with the action each method needs.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.models import User, timezone_choices
from activations import services
from activations.api._common import (
    READ_ERRORS,
    WRITE_ERRORS,
    ActivationApi,
    EnumField,
    GeoJSONAreaField,
    UserRef,
    errors,
    paginate,
    request_user,
)
from activations.api.organisations import OrganisationRef
from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    Mission,
    Organisation,
)
from activations.permissions import (
    Action,
    activation_allowed_actions,
    activation_get_for_user,
    agreement_get_for_user,
    coordinated_teams,
)
from activations.selectors import activation_list, activation_members
from vost.api import Pagination

ACTIVATION_FIELDS = [
    "id",
    "slug",
    "title",
    "kind",
    "status",
    "is_open",
    "is_exercise",
    "agreement",
    "lead_team",
    "authority",
    "requester_name",
    "requester_contact",
    "missions",
    "report_cadence_hours",
    "triage_lease_minutes",
    "escalation_renotify_minutes",
    "languages",
    "timezone",
    "requested_at",
    "activated_at",
    "closed_at",
    "version",
]


class AgreementRef(serializers.ModelSerializer[Agreement]):
    class Meta:
        model = Agreement
        fields = ["id", "reference", "title"]
        read_only_fields = fields
        ref_name = "AgreementRef"


class ActivationOutput(serializers.ModelSerializer[Activation]):
    """An activation without its area and texts (lists stay small; see the detail)."""

    agreement = AgreementRef(read_only=True)
    lead_team = OrganisationRef(read_only=True)
    authority = OrganisationRef(read_only=True)
    kind = EnumField(enum="ActivationKind", choices=Activation.Kind, read_only=True)
    status = EnumField(
        enum="ActivationStatus", choices=Activation.Status, read_only=True
    )
    missions = serializers.ListField(
        child=EnumField(enum="Mission", choices=Mission), read_only=True
    )
    is_open = serializers.BooleanField(read_only=True)
    is_exercise = serializers.BooleanField(read_only=True)

    class Meta:
        model = Activation
        fields = ACTIVATION_FIELDS
        read_only_fields = fields
        ref_name = "ActivationSummary"


class ActivationDetailOutput(ActivationOutput):
    area = GeoJSONAreaField(read_only=True)
    supporting_teams = OrganisationRef(many=True, read_only=True)
    viewer_role = serializers.SerializerMethodField(
        help_text="Your role in this activation."
    )
    allowed_actions = serializers.SerializerMethodField(
        help_text="What your role lets you do here (see the permission table)."
    )

    class Meta(ActivationOutput.Meta):
        fields = [
            *ACTIVATION_FIELDS,
            "area",
            "objectives",
            "escalation_criteria",
            "close_reason",
            "supporting_teams",
            "viewer_role",
            "allowed_actions",
        ]
        read_only_fields = fields
        ref_name = "Activation"

    def get_viewer_role(self, activation: Activation) -> str | None:
        role: str | None = getattr(activation, "viewer_role", None)
        return role

    def get_allowed_actions(self, activation: Activation) -> list[str]:
        return sorted(self.context.get("allowed_actions", ()))


def _detail(*, request: Request, activation: Activation) -> dict[str, Any]:
    """The detail body; the allowed actions come from the permission layer."""
    allowed = activation_allowed_actions(
        user=request_user(request), activation=activation
    )
    return ActivationDetailOutput(
        activation, context={"allowed_actions": [str(a) for a in allowed]}
    ).data


def _reread(*, request: Request, slug: str) -> dict[str, Any]:
    """The detail body after a change, read again through the permission layer."""
    activation = activation_get_for_user(user=request_user(request), slug=slug)
    return _detail(request=request, activation=activation)


class ActivationFieldsInput(serializers.Serializer[Any]):
    """What can be said about an activation when requesting or editing it."""

    title = serializers.CharField(max_length=200)
    kind = EnumField(
        enum="ActivationKind", choices=Activation.Kind, default=Activation.Kind.CRISIS
    )
    missions = serializers.ListField(
        child=EnumField(enum="Mission", choices=Mission), allow_empty=False
    )
    area = GeoJSONAreaField()
    objectives = serializers.CharField(required=False, allow_blank=True)
    escalation_criteria = serializers.CharField(required=False, allow_blank=True)
    report_cadence_hours = serializers.IntegerField(
        min_value=1, max_value=168, required=False
    )
    triage_lease_minutes = serializers.IntegerField(
        min_value=1, max_value=120, required=False
    )
    escalation_renotify_minutes = serializers.IntegerField(
        min_value=1, max_value=240, required=False
    )
    languages = serializers.ListField(
        child=serializers.CharField(max_length=8), required=False
    )
    timezone = serializers.ChoiceField(choices=timezone_choices(), required=False)
    requester_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True
    )
    requester_contact = serializers.CharField(
        max_length=150, required=False, allow_blank=True
    )


class ActivationListApi(APIView):
    """Activations the user takes part in (GET) and requesting a new one (POST,
    coordinators of the agreement's VOST team)."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = EnumField(
            enum="ActivationStatus", choices=Activation.Status, required=False
        )
        open = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Only requested, active and standby activations.",
        )

    class Input(ActivationFieldsInput):
        agreement = serializers.IntegerField(
            help_text="Id of an agreement in force of a team you coordinate."
        )
        slug = serializers.SlugField(max_length=60)
        open_now = serializers.BooleanField(
            default=False, help_text="Open the activation at once (status active)."
        )

        class Meta:
            ref_name = "ActivationCreate"

    Output = ActivationOutput

    @extend_schema(
        operation_id="activation_list",
        tags=["activations"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        activations = activation_list(
            user=request_user(request),
            status=filters.validated_data.get("status"),
            open_only=filters.validated_data["open"],
        )
        return paginate(
            request=request, view=self, queryset=activations, serializer=self.Output
        )

    @extend_schema(
        operation_id="activation_create",
        tags=["activations"],
        request=Input,
        responses={201: ActivationDetailOutput, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        user = request_user(request)
        if not coordinated_teams(user).exists():
            raise PermissionDenied
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        agreement = agreement_get_for_user(
            user=user, agreement_id=fields.pop("agreement"), manage=True
        )
        activation = services.activation_create(
            by=user,
            agreement=agreement,
            slug=fields.pop("slug"),
            open_now=fields.pop("open_now"),
            **fields,
        )
        return Response(
            _reread(request=request, slug=activation.slug),
            status=status.HTTP_201_CREATED,
        )


class ActivationDetailApi(ActivationApi):
    """One activation: read (every role), edit (coordinators) with the version read."""

    activation_actions = {"GET": Action.VIEW, "PATCH": Action.MANAGE}

    class Input(ActivationFieldsInput):
        version = serializers.IntegerField(
            min_value=1,
            help_text="Required: the version you read; a stale one is refused with 409.",
        )

        class Meta:
            ref_name = "ActivationUpdate"

    Output = ActivationDetailOutput

    @extend_schema(
        operation_id="activation_retrieve",
        tags=["activations"],
        responses={200: Output, **READ_ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(_detail(request=request, activation=self.activation))

    @extend_schema(
        operation_id="activation_update",
        tags=["activations"],
        request=Input,
        responses={200: Output, **WRITE_ERRORS, **errors(409)},
    )
    def patch(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "version" not in fields:
            raise ValidationError({"version": [_("This field is required.")]})
        version = fields.pop("version")
        if not fields:
            raise ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("Nothing to change.")]}
            )
        services.activation_update(
            by=self.user(), activation=self.activation, version=version, **fields
        )
        return Response(_reread(request=request, slug=slug))


class ActivationTransitionApi(ActivationApi):
    """Open, put on standby, close (with a reason) or archive (coordinators)."""

    activation_actions = {"POST": Action.MANAGE}

    class Input(serializers.Serializer[Any]):
        to = EnumField(enum="ActivationStatus", choices=Activation.Status)
        version = serializers.IntegerField(min_value=1)
        reason = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            help_text="Required when closing.",
        )

        class Meta:
            ref_name = "ActivationTransition"

    @extend_schema(
        operation_id="activation_transition",
        tags=["activations"],
        request=Input,
        responses={200: ActivationDetailOutput, **WRITE_ERRORS, **errors(409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        services.activation_transition(
            by=self.user(), activation=self.activation, **data.validated_data
        )
        return Response(_reread(request=request, slug=slug))


class MemberOutput(serializers.ModelSerializer[ActivationMember]):
    user = UserRef(read_only=True)
    role = EnumField(
        enum="ActivationRole", choices=ActivationMember.Role, read_only=True
    )

    class Meta:
        model = ActivationMember
        fields = ["id", "user", "role", "created_at"]
        read_only_fields = fields
        ref_name = "ActivationMember"


class ActivationMemberListApi(ActivationApi):
    """Who takes part (roles that see the roster) and adding someone (coordinators)."""

    activation_actions = {"GET": Action.VIEW_ROSTER, "POST": Action.MANAGE_MEMBERS}
    pagination_class = Pagination

    class Input(serializers.Serializer[Any]):
        username = serializers.SlugRelatedField(
            slug_field="username", queryset=User.objects.filter(is_active=True)
        )
        role = EnumField(enum="ActivationRole", choices=ActivationMember.Role)

        class Meta:
            ref_name = "ActivationMemberAdd"

    Output = MemberOutput

    @extend_schema(
        operation_id="activation_member_list",
        tags=["activations"],
        responses={200: Output(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return paginate(
            request=request,
            view=self,
            queryset=activation_members(activation=self.activation),
            serializer=self.Output,
        )

    @extend_schema(
        operation_id="activation_member_add",
        tags=["activations"],
        request=Input,
        responses={201: Output, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.activation_member_set(
            by=self.user(),
            activation=self.activation,
            user=data.validated_data["username"],
            role=data.validated_data["role"],
        )
        return Response(self.Output(member).data, status=status.HTTP_201_CREATED)


class ActivationMemberDetailApi(ActivationApi):
    """Remove someone from the activation (coordinators)."""

    activation_actions = {"DELETE": Action.MANAGE_MEMBERS}

    @extend_schema(
        operation_id="activation_member_remove",
        tags=["activations"],
        request=None,
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request: Request, slug: str, user_id: int) -> Response:
        member = (
            activation_members(activation=self.activation)
            .filter(user_id=user_id)
            .first()
        )
        if member is None:
            raise Http404
        services.activation_member_remove(
            by=self.user(), activation=self.activation, user=member.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActivationSupportingTeamApi(ActivationApi):
    """Add a supporting VOST team; it needs its own agreement in force with the
    same authority covering the missions and the area (coordinators)."""

    activation_actions = {"POST": Action.MANAGE_MEMBERS}

    class Input(serializers.Serializer[Any]):
        team_id = serializers.PrimaryKeyRelatedField(
            queryset=Organisation.objects.filter(kind=Organisation.Kind.VOST_TEAM),
            help_text="Id of the VOST team.",
        )

        class Meta:
            ref_name = "ActivationSupportingTeamAdd"

    @extend_schema(
        operation_id="activation_supporting_team_add",
        tags=["activations"],
        request=Input,
        responses={200: ActivationDetailOutput, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        services.activation_supporting_team_add(
            by=self.user(),
            activation=self.activation,
            team=data.validated_data["team_id"],
        )
        return Response(_reread(request=request, slug=slug))
