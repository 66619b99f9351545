"""Activation log API ("main courante"): read, filter, append.

The log is append-only: there is no PUT, PATCH or DELETE (405); a mistake is
fixed by a new entry that ``corrects`` the old one.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from activations import services
from activations.api._common import (
    WRITE_ERRORS,
    ActivationApi,
    EnumField,
    UserRef,
    errors,
    paginate,
)
from activations.models import LogEntry
from activations.permissions import Action
from activations.selectors import log_entries
from vost.api import Pagination


class LogEntryOutput(serializers.ModelSerializer[LogEntry]):
    author = UserRef(read_only=True, allow_null=True, help_text="null: the system.")
    kind = EnumField(enum="LogEntryKind", choices=LogEntry.Kind, read_only=True)

    class Meta:
        model = LogEntry
        fields = ["id", "at", "kind", "author", "text", "corrects"]
        read_only_fields = fields
        ref_name = "LogEntry"


class LogEntryListApi(ActivationApi):
    """The activation's log, newest first (roles that see the log), and writing a
    note, a decision or a correction (roles that write the log)."""

    activation_actions = {"GET": Action.VIEW_LOG, "POST": Action.WRITE_LOG}
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        kind = EnumField(enum="LogEntryKind", choices=LogEntry.Kind, required=False)
        author = serializers.IntegerField(required=False, help_text="A user id.")
        since = serializers.DateTimeField(
            required=False, help_text="Entries at or after this time."
        )
        until = serializers.DateTimeField(
            required=False, help_text="Entries before this time."
        )
        q = serializers.CharField(
            required=False, max_length=200, help_text="Part of the text."
        )

    class Input(serializers.Serializer[Any]):
        text = serializers.CharField(max_length=5000)
        kind = EnumField(
            enum="LogEntryWritableKind",
            choices=[
                (k.value, k.label)
                for k in (
                    LogEntry.Kind.NOTE,
                    LogEntry.Kind.DECISION,
                    LogEntry.Kind.CORRECTION,
                )
            ],
            default=LogEntry.Kind.NOTE,
        )
        corrects = serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="Id of the entry this one corrects (same activation).",
        )

        class Meta:
            ref_name = "LogEntryCreate"

    Output = LogEntryOutput

    @extend_schema(
        operation_id="log_entry_list",
        tags=["log"],
        parameters=[FilterSerializer],
        responses={200: Output(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        entries = log_entries(
            activation=self.activation,
            kind=filters.validated_data.get("kind"),
            author_id=filters.validated_data.get("author"),
            since=filters.validated_data.get("since"),
            until=filters.validated_data.get("until"),
            query=filters.validated_data.get("q", ""),
        )
        return paginate(
            request=request, view=self, queryset=entries, serializer=self.Output
        )

    @extend_schema(
        operation_id="log_entry_create",
        tags=["log"],
        request=Input,
        responses={201: Output, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        corrects = None
        if data.validated_data.get("corrects") is not None:
            corrects = (
                log_entries(activation=self.activation)
                .filter(pk=data.validated_data["corrects"])
                .first()
            )
            if corrects is None:
                raise ValidationError(
                    {"corrects": [_("No such entry in this activation's log.")]}
                )
        entry = services.log_entry_add(
            by=self.user(),
            activation=self.activation,
            text=data.validated_data["text"],
            kind=data.validated_data["kind"],
            corrects=corrects,
        )
        return Response(self.Output(entry).data, status=status.HTTP_201_CREATED)


class LogEntryDetailApi(ActivationApi):
    """One log entry (read only: the log is append-only)."""

    activation_actions = {"GET": Action.VIEW_LOG}

    Output = LogEntryOutput

    @extend_schema(
        operation_id="log_entry_retrieve",
        tags=["log"],
        responses={200: Output, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, entry_id: int) -> Response:
        entry = log_entries(activation=self.activation).filter(pk=entry_id).first()
        if entry is None:
            raise Http404
        return Response(self.Output(entry).data)
