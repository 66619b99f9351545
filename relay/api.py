"""Relay API: official messages of an activation and their posts per channel.

Reading needs VIEW_RELAY (the team and the authority's liaison). Recording a
message needs SUBMIT_OFFICIAL_MESSAGE (liaison, team lead, coordinator); drafts,
requesting approval, publishing, recording an outbox link and cancelling need
MANAGE_RELAY (team lead, coordinator); approving needs APPROVE_RELAY (liaison).
A second approval or publication answers 409 naming who did it first; nothing is
posted twice. Message and draft texts are plain UNTRUSTED text.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, EnumField, UserRef, errors, paginate
from activations.permissions import Action
from relay import drafting, selectors, services
from relay.models import Channel, OfficialMessage, RelayTask
from vost.api import Pagination

TAGS = ["relay"]
CHANGE_ERRORS = errors(400, 403, 404, 409)
UNTRUSTED = "Plain text, UNTRUSTED: escape it before displaying it."


class RelayTaskOutput(serializers.Serializer[RelayTask]):
    id = serializers.IntegerField()
    message = serializers.IntegerField(source="message_id")
    channel = EnumField(enum="RelayChannel", choices=Channel)
    status = EnumField(enum="RelayTaskStatus", choices=RelayTask.Status)
    text = serializers.CharField(help_text="The draft for this channel. " + UNTRUSTED)
    length = serializers.SerializerMethodField(
        help_text="Characters as the platform counts them (X: a link is 23)."
    )
    limit = serializers.IntegerField(help_text="X 280, Bluesky 300, Mastodon 500.")
    approval_requested_by = UserRef(allow_null=True)
    approval_requested_at = serializers.DateTimeField(allow_null=True)
    approved_by = UserRef(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    publish_requested_by = UserRef(allow_null=True)
    publish_requested_at = serializers.DateTimeField(allow_null=True)
    published_url = serializers.CharField(help_text="Empty until published.")
    published_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()

    class Meta:
        ref_name = "RelayTask"

    def get_length(self, task: RelayTask) -> int:
        return drafting.weighted_length(task.text, task.channel)


class OfficialMessageOutput(serializers.Serializer[OfficialMessage]):
    id = serializers.IntegerField()
    origin = EnumField(enum="OfficialMessageOrigin", choices=OfficialMessage.Origin)
    status = EnumField(enum="OfficialMessageStatus", choices=OfficialMessage.Status)
    text = serializers.CharField(help_text=UNTRUSTED)
    url = serializers.CharField()
    language = EnumField(
        enum="OfficialMessageLanguage", choices=OfficialMessage.Language
    )
    created_by = UserRef(allow_null=True)
    created_at = serializers.DateTimeField()
    tasks = RelayTaskOutput(many=True, help_text="One per channel.")

    class Meta:
        ref_name = "OfficialMessage"


class _RelayApi(ActivationApi):
    def task(self, task_id: int) -> RelayTask:
        task = selectors.task_get(activation=self.activation, task_id=task_id)
        if task is None:
            raise Http404
        return task

    def task_body(self, task: RelayTask, code: int = status.HTTP_200_OK) -> Response:
        return Response(RelayTaskOutput(self.task(task.pk)).data, status=code)


class OfficialMessageListApi(_RelayApi):
    """The activation's official messages, latest first, with their posts per
    channel (GET); record one typed by a liaison or the team (POST): drafts are
    prepared for the channels the activation relays to."""

    activation_actions = {
        "GET": Action.VIEW_RELAY,
        "POST": Action.SUBMIT_OFFICIAL_MESSAGE,
    }
    pagination_class = Pagination

    class Input(serializers.Serializer[Any]):
        text = serializers.CharField(max_length=services.MAX_TEXT)
        url = serializers.URLField(
            required=False, allow_blank=True, default="", max_length=500
        )
        language = EnumField(
            enum="OfficialMessageLanguage",
            choices=OfficialMessage.Language,
            required=False,
            default="fr",
        )

        class Meta:
            ref_name = "OfficialMessageCreate"

    @extend_schema(
        operation_id="relay_message_list",
        tags=TAGS,
        responses={200: OfficialMessageOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return paginate(
            request=request,
            view=self,
            queryset=selectors.message_list(activation=self.activation),
            serializer=OfficialMessageOutput,
        )

    @extend_schema(
        operation_id="relay_message_create",
        tags=TAGS,
        request=Input,
        responses={201: OfficialMessageOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        message = services.official_message_create(
            activation=self.activation,
            by=self.user(),
            text=given["text"],
            url=given["url"],
            language=given["language"],
        )
        fresh = selectors.message_get(activation=self.activation, message_id=message.pk)
        return Response(
            OfficialMessageOutput(fresh).data, status=status.HTTP_201_CREATED
        )


class OfficialMessageDetailApi(_RelayApi):
    """One official message with its posts per channel."""

    activation_actions = {"GET": Action.VIEW_RELAY}

    @extend_schema(
        operation_id="relay_message_retrieve",
        tags=TAGS,
        responses={200: OfficialMessageOutput, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, message_id: int) -> Response:
        message = selectors.message_get(
            activation=self.activation, message_id=message_id
        )
        if message is None:
            raise Http404
        return Response(OfficialMessageOutput(message).data)


class RelayTaskListApi(_RelayApi):
    """Every post of the activation (filter ``status=outbox`` for the outbox)."""

    activation_actions = {"GET": Action.VIEW_RELAY}
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = EnumField(
            enum="RelayTaskStatus", choices=RelayTask.Status, required=False
        )

        class Meta:
            ref_name = "RelayTaskFilters"

    @extend_schema(
        operation_id="relay_task_list",
        tags=TAGS,
        parameters=[FilterSerializer],
        responses={200: RelayTaskOutput(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return paginate(
            request=request,
            view=self,
            queryset=selectors.task_list(
                activation=self.activation, status=filters.validated_data.get("status")
            ),
            serializer=RelayTaskOutput,
        )


class RelayTaskDraftApi(_RelayApi):
    """Change the draft of a post (draft or failed only; an approval then no
    longer holds if the text changed)."""

    activation_actions = {"POST": Action.MANAGE_RELAY}

    class Input(serializers.Serializer[Any]):
        text = serializers.CharField(max_length=2000)

        class Meta:
            ref_name = "RelayDraft"

    @extend_schema(
        operation_id="relay_task_draft",
        tags=TAGS,
        request=Input,
        responses={200: RelayTaskOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, task_id: int) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.relay_task_edit(
            task=self.task(task_id), by=self.user(), text=data.validated_data["text"]
        )
        return self.task_body(task)


def _step(name: str, action: Action, run: Any, doc: str) -> type[_RelayApi]:
    """An endpoint doing one step on a post, without a body."""

    class StepApi(_RelayApi):
        activation_actions = {"POST": action}

        @extend_schema(
            operation_id=f"relay_task_{name}",
            tags=TAGS,
            request=None,
            description=doc,
            responses={200: RelayTaskOutput, **CHANGE_ERRORS},
        )
        def post(self, request: Request, slug: str, task_id: int) -> Response:
            return self.task_body(run(task=self.task(task_id), by=self.user()))

    StepApi.__name__ = StepApi.__qualname__ = (
        f"RelayTask{name.title().replace('_', '')}Api"
    )
    StepApi.__doc__ = doc
    return StepApi


RelayTaskRequestApprovalApi = _step(
    "request_approval",
    Action.MANAGE_RELAY,
    services.relay_task_request_approval,
    "Send the draft to the authority's liaisons for approval (when the agreement "
    "requires it).",
)
RelayTaskApproveApi = _step(
    "approve",
    Action.APPROVE_RELAY,
    services.relay_task_approve,
    "The authority's liaison approves the draft; a second approval answers 409 "
    "naming who approved.",
)
RelayTaskPublishApi = _step(
    "publish",
    Action.MANAGE_RELAY,
    services.relay_task_publish,
    "Publish: through the platform in the background when the server has its "
    "credentials (status publishing, then published with published_url), else "
    "into the outbox. A second request answers 409; nothing is posted twice.",
)
RelayTaskCancelApi = _step(
    "cancel",
    Action.MANAGE_RELAY,
    services.relay_task_cancel,
    "Do not relay the message on this channel.",
)


class RelayTaskLinkApi(_RelayApi):
    """Record the link of a post published by hand (outbox, or after a failure)."""

    activation_actions = {"POST": Action.MANAGE_RELAY}

    class Input(serializers.Serializer[Any]):
        url = serializers.URLField(max_length=500)

        class Meta:
            ref_name = "RelayLink"

    @extend_schema(
        operation_id="relay_task_link",
        tags=TAGS,
        request=Input,
        responses={200: RelayTaskOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, task_id: int) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.relay_task_record_link(
            task=self.task(task_id), by=self.user(), url=data.validated_data["url"]
        )
        return self.task_body(task)


_BASE = "activations/<slug:slug>/relay/"
_TASK = _BASE + "tasks/<int:task_id>/"

urlpatterns: list[URLPattern] = [
    path(
        _BASE + "messages/",
        OfficialMessageListApi.as_view(),
        name="api-relay-message-list",
    ),
    path(
        _BASE + "messages/<int:message_id>/",
        OfficialMessageDetailApi.as_view(),
        name="api-relay-message-detail",
    ),
    path(_BASE + "tasks/", RelayTaskListApi.as_view(), name="api-relay-task-list"),
    path(_TASK + "draft/", RelayTaskDraftApi.as_view(), name="api-relay-task-draft"),
    path(
        _TASK + "request-approval/",
        RelayTaskRequestApprovalApi.as_view(),
        name="api-relay-task-request-approval",
    ),
    path(
        _TASK + "approve/", RelayTaskApproveApi.as_view(), name="api-relay-task-approve"
    ),
    path(
        _TASK + "publish/", RelayTaskPublishApi.as_view(), name="api-relay-task-publish"
    ),
    path(_TASK + "link/", RelayTaskLinkApi.as_view(), name="api-relay-task-link"),
    path(_TASK + "cancel/", RelayTaskCancelApi.as_view(), name="api-relay-task-cancel"),
]
