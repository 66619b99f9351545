"""Volunteers API: what concerns one person rather than a roster: your own shifts
across activations, and checking in and out of one of your assignments.

An assignment is reached through its activation: the id gives the activation's
slug, then ``activation_get_for_user`` decides (an assignment in an activation you
do not take part in is a 404, like a missing one). Shifts, sign-ups and coverage
are in ``activations.api.roster``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from activations import services
from activations.api._common import (
    WRITE_ERRORS,
    EnumField,
    errors,
    paginate,
    request_user,
)
from activations.api.roster import AssignmentOutput
from activations.models import Shift, ShiftAssignment
from activations.permissions import Action, activation_get_for_user
from activations.selectors import my_assignments
from vost.api import Pagination


def _assignment_get(
    *, user: User, assignment_id: int, action: Action
) -> ShiftAssignment:
    """The assignment, if the user's role in its activation allows `action`."""
    slug = (
        ShiftAssignment.objects.filter(pk=assignment_id)
        .values_list("shift__activation__slug", flat=True)
        .first()
    )
    if slug is None:
        raise Http404
    activation = activation_get_for_user(user=user, slug=slug, action=action)
    assignment = (
        ShiftAssignment.objects.select_related("user", "shift")
        .filter(pk=assignment_id, shift__activation=activation)
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


class AssignmentCheckInApi(APIView):
    """Check in for your own shift (from 30 minutes before its start to its end)."""

    @extend_schema(
        operation_id="assignment_check_in",
        tags=["roster"],
        request=None,
        responses={200: AssignmentOutput, **WRITE_ERRORS},
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        user = request_user(request)
        assignment = _assignment_get(
            user=user, assignment_id=assignment_id, action=Action.SIGN_UP
        )
        assignment = services.shift_check_in(user=user, assignment=assignment)
        return Response(AssignmentOutput(assignment).data)


class AssignmentCheckOutApi(APIView):
    """Check out of your own shift, leaving a handover note for the next people."""

    class Input(serializers.Serializer[Any]):
        handover_note = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=5000
        )

        class Meta:
            ref_name = "AssignmentCheckOut"

    @extend_schema(
        operation_id="assignment_check_out",
        tags=["roster"],
        request=Input,
        responses={200: AssignmentOutput, **WRITE_ERRORS},
    )
    def post(self, request: Request, assignment_id: int) -> Response:
        user = request_user(request)
        assignment = _assignment_get(
            user=user, assignment_id=assignment_id, action=Action.SIGN_UP
        )
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.shift_check_out(
            user=user,
            assignment=assignment,
            handover_note=data.validated_data["handover_note"],
        )
        return Response(AssignmentOutput(assignment).data)


class MyShiftOutput(serializers.ModelSerializer[ShiftAssignment]):
    class ShiftRef(serializers.ModelSerializer[Shift]):
        activation_slug = serializers.SlugField(
            source="activation.slug", read_only=True
        )
        activation_title = serializers.CharField(
            source="activation.title", read_only=True
        )
        activation_timezone = serializers.CharField(
            source="activation.timezone", read_only=True
        )

        class Meta:
            model = Shift
            fields = [
                "id",
                "title",
                "starts_at",
                "ends_at",
                "activation_slug",
                "activation_title",
                "activation_timezone",
            ]
            read_only_fields = fields
            ref_name = "MyShiftRef"

    shift = ShiftRef(read_only=True)
    source = EnumField(  # type: ignore[assignment]  # a field named "source"
        enum="AssignmentSource", choices=ShiftAssignment.Source, read_only=True
    )

    class Meta:
        model = ShiftAssignment
        fields = [
            "id",
            "shift",
            "source",
            "checked_in_at",
            "checked_out_at",
            "handover_note",
        ]
        read_only_fields = fields
        ref_name = "MyShift"


class MyShiftListApi(APIView):
    """Your own shifts, across activations, soonest first."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        past = serializers.BooleanField(
            required=False, default=False, help_text="Also shifts that are over."
        )

    Output = MyShiftOutput

    @extend_schema(
        operation_id="my_shift_list",
        tags=["roster"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **errors(400)},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        assignments = my_assignments(
            user=request_user(request),
            upcoming_only=not filters.validated_data["past"],
        )
        return paginate(
            request=request, view=self, queryset=assignments, serializer=self.Output
        )
