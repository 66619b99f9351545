"""Roster API: an activation's shifts, sign-ups and assignments, coverage.

Shifts and assignments are reached through their activation: the id gives the
activation's slug, then ``activation_get_for_user`` decides (a shift of an
activation you do not take part in is a 404, like a missing one). A person's own
shifts and checking in and out of them are in ``activations.api.volunteers``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from activations import services
from activations.api._common import (
    WRITE_ERRORS,
    ActivationApi,
    EnumField,
    UserRef,
    errors,
    paginate,
    request_user,
)
from activations.models import Activation, Shift, ShiftAssignment, Skill
from activations.permissions import Action, activation_get_for_user
from activations.selectors import (
    activation_members,
    coverage,
    shift_list,
)
from vost.api import Pagination


def _shift_get(
    *, user: User, shift_id: int, action: Action
) -> tuple[Activation, Shift]:
    """The shift and its activation, if the user's role there allows `action`."""
    slug = (
        Shift.objects.filter(pk=shift_id)
        .values_list("activation__slug", flat=True)
        .first()
    )
    if slug is None:
        raise Http404
    activation = activation_get_for_user(user=user, slug=slug, action=action)
    shift = shift_list(activation=activation).filter(pk=shift_id).first()
    if shift is None:  # deleted meanwhile
        raise Http404
    return activation, shift


class AssignmentOutput(serializers.ModelSerializer[ShiftAssignment]):
    user = UserRef(read_only=True)
    source = EnumField(  # type: ignore[assignment]  # a field named "source"
        enum="AssignmentSource", choices=ShiftAssignment.Source, read_only=True
    )

    class Meta:
        model = ShiftAssignment
        fields = [
            "id",
            "shift",
            "user",
            "source",
            "checked_in_at",
            "checked_out_at",
            "handover_note",
        ]
        read_only_fields = fields
        ref_name = "ShiftAssignment"


class ShiftOutput(serializers.ModelSerializer[Shift]):
    staffed = serializers.SerializerMethodField(help_text="People on the shift.")
    assignments = AssignmentOutput(many=True, read_only=True)
    required_skills = serializers.ListField(
        child=EnumField(enum="Skill", choices=Skill), read_only=True
    )

    class Meta:
        model = Shift
        fields = [
            "id",
            "title",
            "starts_at",
            "ends_at",
            "required_skills",
            "headcount",
            "staffed",
            "notes",
            "assignments",
        ]
        read_only_fields = fields
        ref_name = "Shift"

    def get_staffed(self, shift: Shift) -> int:
        return len(shift.assignments.all())  # prefetched by shift_list


class SignUpOutput(serializers.Serializer[Any]):
    assignment = AssignmentOutput()
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="Not refusals: e.g. fatigue beyond the team's limit in 24 h.",
    )

    class Meta:
        ref_name = "SignUp"


class ShiftFieldsInput(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    required_skills = serializers.ListField(
        child=EnumField(enum="Skill", choices=Skill), required=False
    )
    headcount = serializers.IntegerField(min_value=1, max_value=100, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


def _shift_body(*, activation: Activation, shift: Shift) -> dict[str, Any]:
    fresh = shift_list(activation=activation).get(pk=shift.pk)
    return ShiftOutput(fresh).data


class ShiftListApi(ActivationApi):
    """An activation's shifts (roles that see the roster) and adding one (coordinators)."""

    activation_actions = {"GET": Action.VIEW_ROSTER, "POST": Action.MANAGE_ROSTER}
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        to = serializers.DateTimeField(
            required=False, help_text="Shifts starting before this time."
        )

        def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
            fields = super().get_fields()
            # "from" is a Python keyword, so it cannot be declared as an attribute
            fields["from"] = serializers.DateTimeField(
                required=False, help_text="Shifts ending after this time."
            )
            return fields

    class Input(ShiftFieldsInput):
        class Meta:
            ref_name = "ShiftCreate"

    Output = ShiftOutput

    @extend_schema(
        operation_id="shift_list",
        tags=["roster"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        shifts = shift_list(
            activation=self.activation,
            start=filters.validated_data.get("from"),
            end=filters.validated_data.get("to"),
        )
        return paginate(
            request=request, view=self, queryset=shifts, serializer=self.Output
        )

    @extend_schema(
        operation_id="shift_create",
        tags=["roster"],
        request=Input,
        responses={201: Output, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        shift = services.shift_save(
            by=self.user(), activation=self.activation, **data.validated_data
        )
        return Response(
            _shift_body(activation=self.activation, shift=shift),
            status=status.HTTP_201_CREATED,
        )


class ShiftDetailApi(APIView):
    """One shift: read (roles that see the roster), edit (coordinators)."""

    class Input(ShiftFieldsInput):
        class Meta:
            ref_name = "ShiftUpdate"

    Output = ShiftOutput

    @extend_schema(
        operation_id="shift_retrieve",
        tags=["roster"],
        responses={200: Output, **errors(403, 404)},
    )
    def get(self, request: Request, shift_id: int) -> Response:
        _activation, shift = _shift_get(
            user=request_user(request), shift_id=shift_id, action=Action.VIEW_ROSTER
        )
        return Response(self.Output(shift).data)

    @extend_schema(
        operation_id="shift_update",
        tags=["roster"],
        request=Input,
        responses={200: Output, **WRITE_ERRORS},
    )
    def patch(self, request: Request, shift_id: int) -> Response:
        user = request_user(request)
        activation, shift = _shift_get(
            user=user, shift_id=shift_id, action=Action.MANAGE_ROSTER
        )
        data = self.Input(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        shift = services.shift_save(
            by=user, activation=activation, shift=shift, **data.validated_data
        )
        return Response(_shift_body(activation=activation, shift=shift))


class ShiftSignUpApi(APIView):
    """Sign yourself up for a shift (POST) or withdraw before checking in (DELETE)."""

    @extend_schema(
        operation_id="shift_sign_up",
        tags=["roster"],
        request=None,
        responses={201: SignUpOutput, **WRITE_ERRORS},
    )
    def post(self, request: Request, shift_id: int) -> Response:
        user = request_user(request)
        _activation, shift = _shift_get(
            user=user, shift_id=shift_id, action=Action.SIGN_UP
        )
        result = services.shift_assign(by=user, shift=shift, user=user)
        body = SignUpOutput(
            {"assignment": result.assignment, "warnings": result.warnings}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="shift_withdraw",
        tags=["roster"],
        request=None,
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, shift_id: int) -> Response:
        user = request_user(request)
        _activation, shift = _shift_get(
            user=user, shift_id=shift_id, action=Action.SIGN_UP
        )
        assignment = next(
            (a for a in shift.assignments.all() if a.user_id == user.pk), None
        )
        if assignment is None:
            raise Http404
        services.shift_withdraw(by=user, assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShiftAssignApi(APIView):
    """Put a member of the activation on a shift (coordinators)."""

    class Input(serializers.Serializer[Any]):
        user_id = serializers.IntegerField(
            help_text="Id of a member of the activation."
        )

        class Meta:
            ref_name = "ShiftAssign"

    @extend_schema(
        operation_id="shift_assign",
        tags=["roster"],
        request=Input,
        responses={201: SignUpOutput, **WRITE_ERRORS},
    )
    def post(self, request: Request, shift_id: int) -> Response:
        by = request_user(request)
        activation, shift = _shift_get(
            user=by, shift_id=shift_id, action=Action.MANAGE_ROSTER
        )
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        member = (
            activation_members(activation=activation)
            .filter(user_id=data.validated_data["user_id"])
            .first()
        )
        if member is None:
            raise serializers.ValidationError(
                {"user_id": [_("This person does not take part in the activation.")]}
            )
        result = services.shift_assign(by=by, shift=shift, user=member.user)
        body = SignUpOutput(
            {"assignment": result.assignment, "warnings": result.warnings}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


class CoverageSlotOutput(serializers.Serializer[Any]):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    needed = serializers.IntegerField(help_text="People the shifts of this hour need.")
    staffed = serializers.IntegerField(help_text="People signed up or assigned.")
    checked_in = serializers.IntegerField(help_text="People checked in and not out.")
    gap = serializers.IntegerField(help_text="needed minus staffed, at least 0.")
    uncovered = serializers.BooleanField(
        help_text="No shift planned at all, or fewer people than needed."
    )

    class Meta:
        ref_name = "CoverageSlot"


class ActivationCoverageApi(ActivationApi):
    """Hour-by-hour coverage of the roster from the current hour."""

    activation_actions = {"GET": Action.VIEW_ROSTER}

    class FilterSerializer(serializers.Serializer[Any]):
        hours = serializers.ChoiceField(choices=[24, 72], default=24)

    Output = CoverageSlotOutput

    @extend_schema(
        operation_id="activation_coverage",
        tags=["roster"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        slots = coverage(
            activation=self.activation, hours=int(filters.validated_data["hours"])
        )
        return Response(self.Output(slots, many=True).data)
