"""Requests for information API: an activation's requests, asking one (the
authority's liaison), one request, and the team's answer and assignment; the asker
closes or withdraws it.

Reading needs VIEW_RFI (team, liaison, observer). Asking, closing and withdrawing
need ASK_RFI (liaisons; closing and withdrawing: the asker only). Answering and
assigning need ANSWER_RFI (volunteers, team leads, coordinators). A second answer
answers 409 naming who answered and when; a stale ``version`` answers 409. Linked
items must be verified map items (by id) and cases (by number) of the same
activation, else 400. Questions and answers are plain text: escape them.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from activations.api._common import ActivationApi, EnumField, UserRef, errors, paginate
from activations.permissions import Action
from portal import selectors, services
from portal.models import RequestForInformation
from vost.api import Pagination
from vost.exceptions import DomainError

RFI = RequestForInformation
TAGS = ["requests for information"]
CHANGE_ERRORS = errors(400, 403, 404, 409)


class LinkedItemOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The map item.")
    category = serializers.CharField()
    observed_at = serializers.DateTimeField()
    place_name = serializers.CharField()
    summary = serializers.CharField(help_text="Plain text, UNTRUSTED: escape it.")

    class Meta:
        ref_name = "RfiLinkedItem"


class LinkedCaseOutput(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    status = serializers.CharField()
    claim = serializers.CharField()

    class Meta:
        ref_name = "RfiLinkedCase"


class RfiOutput(serializers.Serializer[RFI]):
    number = serializers.IntegerField(help_text="1, 2… within the activation.")
    question = serializers.CharField(help_text="Plain text: escape it.")
    priority = EnumField(enum="RfiPriority", choices=RFI.Priority)
    status = EnumField(enum="RfiStatus", choices=RFI.Status)
    asked_by = UserRef()
    asked_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    due_state = serializers.CharField(
        help_text="`overdue`, `due_soon` (within 30 minutes) or empty."
    )
    assigned_to = UserRef(allow_null=True)
    answer = serializers.CharField()
    answered_by = UserRef(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text="Send it back with a change.")

    class Meta:
        ref_name = "Rfi"


class RfiDetailOutput(RfiOutput):
    map_items = LinkedItemOutput(many=True)
    cases = LinkedCaseOutput(many=True)

    class Meta:
        ref_name = "RfiDetail"


class _RfiApi(ActivationApi):
    def rfi(self, number: int) -> RFI:
        rfi = selectors.rfi_get(activation=self.activation, number=number)
        if rfi is None:
            raise Http404
        return rfi

    def body(self, number: int, *, code: int = status.HTTP_200_OK) -> Response:
        return Response(RfiDetailOutput(self.rfi(number)).data, status=code)


class VersionInput(serializers.Serializer[Any]):
    version = serializers.IntegerField(min_value=1)

    class Meta:
        ref_name = "RfiVersion"


class RfiListApi(_RfiApi):
    """GET: the requests, open ones first by due time. POST: ask one (liaisons);
    the team leads and coordinators are notified. The same question sent again
    within two minutes answers the first one (double submission)."""

    activation_actions = {"GET": Action.VIEW_RFI, "POST": Action.ASK_RFI}
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = EnumField(enum="RfiStatus", choices=RFI.Status, required=False)

        class Meta:
            ref_name = "RfiFilters"

    class Input(serializers.Serializer[Any]):
        question = serializers.CharField(max_length=services.MAX_QUESTION)
        due_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            default=None,
            help_text="In the future, at most 14 days ahead. Default: in one hour.",
        )
        priority = EnumField(
            enum="RfiPriority", choices=RFI.Priority, default=RFI.Priority.NORMAL
        )

        class Meta:
            ref_name = "RfiAsk"

    @extend_schema(
        operation_id="rfi_list",
        tags=TAGS,
        parameters=[FilterSerializer],
        responses={200: RfiOutput(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rfis = selectors.rfi_list(
            activation=self.activation, status=filters.validated_data.get("status")
        )
        return paginate(request=request, view=self, queryset=rfis, serializer=RfiOutput)

    @extend_schema(
        operation_id="rfi_ask",
        tags=TAGS,
        request=Input,
        responses={201: RfiDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        rfi = services.rfi_ask(
            activation=self.activation,
            by=self.user(),
            question=given["question"],
            due_at=given["due_at"],
            priority=given["priority"],
        )
        return self.body(rfi.number, code=status.HTTP_201_CREATED)


class RfiDetailApi(_RfiApi):
    """One request with its answer and linked items."""

    activation_actions = {"GET": Action.VIEW_RFI}

    @extend_schema(
        operation_id="rfi_retrieve",
        tags=TAGS,
        responses={200: RfiDetailOutput, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        return self.body(number)


class RfiAnswerApi(_RfiApi):
    """Answer the open request; links replace nothing (it is answered once)."""

    activation_actions = {"POST": Action.ANSWER_RFI}

    class Input(VersionInput):
        answer = serializers.CharField(max_length=services.MAX_ANSWER)
        map_items = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            default=list,
            max_length=services.MAX_LINKS,
            help_text="Ids of verified map items of this activation.",
        )
        cases = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            default=list,
            max_length=services.MAX_LINKS,
            help_text="Numbers of cases of this activation.",
        )

        class Meta:
            ref_name = "RfiAnswer"

    @extend_schema(
        operation_id="rfi_answer",
        tags=TAGS,
        request=Input,
        responses={200: RfiDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rfi = self.rfi(number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        services.rfi_answer(
            rfi=rfi,
            by=self.user(),
            answer=given["answer"],
            version=given["version"],
            map_item_ids=given["map_items"],
            case_numbers=given["cases"],
        )
        return self.body(number)


class RfiAssignApi(_RfiApi):
    """Assign the open request to a team member who may answer (null: nobody)."""

    activation_actions = {"POST": Action.ANSWER_RFI}

    class Input(VersionInput):
        assignee = serializers.IntegerField(
            allow_null=True, help_text="A user id; null to unassign."
        )

        class Meta:
            ref_name = "RfiAssign"

    @extend_schema(
        operation_id="rfi_assign",
        tags=TAGS,
        request=Input,
        responses={200: RfiDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rfi = self.rfi(number)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        pk = data.validated_data["assignee"]
        assignee = None
        if pk is not None:
            assignee = User.objects.filter(pk=pk).first()
            if assignee is None:
                raise DomainError(
                    _("No such team member in this activation."),
                    code="not_a_team_member",
                )
        services.rfi_assign(
            rfi=rfi,
            by=self.user(),
            assignee=assignee,
            version=data.validated_data["version"],
        )
        return self.body(number)


class RfiCloseApi(_RfiApi):
    """The asker closes the request (answered or not needed any more)."""

    activation_actions = {"POST": Action.ASK_RFI}
    service = staticmethod(services.rfi_close)

    @extend_schema(
        operation_id="rfi_close",
        tags=TAGS,
        request=VersionInput,
        responses={200: RfiDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        rfi = self.rfi(number)
        data = VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        self.service(rfi=rfi, by=self.user(), version=data.validated_data["version"])
        return self.body(number)


class RfiWithdrawApi(RfiCloseApi):
    """The asker withdraws a question not answered yet."""

    service = staticmethod(services.rfi_withdraw)

    @extend_schema(
        operation_id="rfi_withdraw",
        tags=TAGS,
        request=VersionInput,
        responses={200: RfiDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        return super().post(request, slug, number)


_BASE = "activations/<slug:slug>/rfi/"
_ONE = _BASE + "<int:number>/"

urlpatterns: list[URLPattern] = [
    path(_BASE, RfiListApi.as_view(), name="api-rfi-list"),
    path(_ONE, RfiDetailApi.as_view(), name="api-rfi-detail"),
    path(_ONE + "answer/", RfiAnswerApi.as_view(), name="api-rfi-answer"),
    path(_ONE + "assign/", RfiAssignApi.as_view(), name="api-rfi-assign"),
    path(_ONE + "close/", RfiCloseApi.as_view(), name="api-rfi-close"),
    path(_ONE + "withdraw/", RfiWithdrawApi.as_view(), name="api-rfi-withdraw"),
]
