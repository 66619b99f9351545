"""Sources API: an activation's sources (list, add) and one source (read, change,
pause, resume).

Reading needs VIEW_POSTS, changing MANAGE_SOURCES. A source shows the NAME of the
variable holding its credentials, never a secret; its messages are redacted.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from activations.api._common import (
    WRITE_ERRORS,
    ActivationApi,
    EnumField,
    errors,
    request_user,
)
from activations.permissions import Action
from monitoring import selectors, services, source_params
from monitoring.models import Platform, Source
from monitoring.permissions import source_get_for_user
from monitoring.selectors import SourceStatus
from vost.api import Pagination


class SourceHealthOutput(serializers.Serializer[Any]):
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(help_text="Secrets are redacted.")
    consecutive_failures = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "SourceHealth"


class SourceUsageOutput(serializers.Serializer[Any]):
    count = serializers.IntegerField(help_text="Posts read this month.")
    cap = serializers.IntegerField(allow_null=True)
    percent = serializers.IntegerField(allow_null=True, help_text="Of the cap.")
    level = serializers.IntegerField(
        help_text="Highest warning reached: 0, 50, 80, 95 or 100 (fetching stops)."
    )

    class Meta:
        ref_name = "SourceUsage"


class SourceOutput(serializers.Serializer[SourceStatus]):
    id = serializers.IntegerField(source="source.pk")
    activation = serializers.CharField(
        source="source.activation.slug", help_text="Slug of the activation."
    )
    platform = EnumField(enum="Platform", choices=Platform, source="source.platform")
    name = serializers.CharField(source="source.name")
    params = serializers.DictField(
        source="source.params", help_text="Platform parameters (see the input)."
    )
    credentials_env = serializers.CharField(
        source="source.credentials_env",
        help_text="Name of the variable holding the credentials (never its value).",
    )
    is_enabled = serializers.BooleanField(source="source.is_enabled")
    paused_reason = serializers.CharField()
    interval_seconds = serializers.IntegerField(source="source.interval_seconds")
    monthly_cap = serializers.IntegerField(source="source.monthly_cap", allow_null=True)
    health = serializers.SerializerMethodField()
    usage = SourceUsageOutput(
        allow_null=True, help_text="X sources only: month-to-date usage."
    )
    created_at = serializers.DateTimeField(source="source.created_at")
    updated_at = serializers.DateTimeField(source="source.updated_at")

    class Meta:
        ref_name = "Source"

    @extend_schema_field(SourceHealthOutput)
    def get_health(self, status: SourceStatus) -> dict[str, Any]:
        source = status.source
        return cast(
            dict[str, Any],
            SourceHealthOutput(
                {
                    "last_success_at": source.last_success_at,
                    "last_error_at": source.last_error_at,
                    "last_error": status.last_error,
                    "consecutive_failures": source.consecutive_failures,
                    "next_attempt_at": source.next_attempt_at,
                }
            ).data,
        )


PARAMS_HELP = "Per platform: " + "; ".join(
    f"{platform}: "
    + ", ".join(
        f"{p.key}{' (required)' if p.required else ''}"
        for p in source_params.PARAMS[platform]
    )
    for platform in source_params.EDITABLE_PLATFORMS
)


class SourceInput(serializers.Serializer[Any]):
    platform = EnumField(
        enum="EditablePlatform",
        choices=[(p.value, p.label) for p in source_params.EDITABLE_PLATFORMS],
    )
    name = serializers.CharField(max_length=120)
    params = serializers.DictField(help_text=PARAMS_HELP)
    credentials_env = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4096,
        help_text="The NAME of the environment variable holding the token "
        "(e.g. X_BEARER_TOKEN), never the token itself.",
    )
    interval_seconds = serializers.IntegerField(
        min_value=source_params.MIN_INTERVAL,
        max_value=source_params.MAX_INTERVAL,
        default=120,
    )
    monthly_cap = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="X only: posts read per month; warnings at 50/80/95%.",
    )

    class Meta:
        ref_name = "SourceWrite"

    def validate_credentials_env(self, value: str) -> str:
        try:
            return source_params.check_credentials_env(value)
        except DjangoValidationError as exc:
            raise ValidationError(list(exc.messages)) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "platform" in attrs and "params" in attrs:
            try:
                attrs["params"] = source_params.clean_params(
                    attrs["platform"], attrs["params"]
                )
            except DjangoValidationError as exc:
                raise ValidationError({"params": exc.message_dict}) from None
        return attrs


class SourceUpdateInput(SourceInput):
    # No defaults here: a field left out of a PATCH keeps its value.
    credentials_env = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4096,
        help_text=SourceInput().fields["credentials_env"].help_text,
    )
    interval_seconds = serializers.IntegerField(
        min_value=source_params.MIN_INTERVAL,
        max_value=source_params.MAX_INTERVAL,
        required=False,
    )
    monthly_cap = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text=SourceInput().fields["monthly_cap"].help_text,
    )
    is_enabled = serializers.BooleanField(
        required=False, help_text="false pauses the source, true resumes it."
    )
    paused_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Why it is paused (with is_enabled: false).",
    )

    class Meta:
        ref_name = "SourceUpdate"


def _source_body(source: Source) -> dict[str, Any]:
    return cast(dict[str, Any], SourceOutput(selectors.source_status(source)).data)


class SourceListApi(ActivationApi):
    """The activation's sources (roles that see posts) and adding one (coordinators)."""

    activation_actions = {"GET": Action.VIEW_POSTS, "POST": Action.MANAGE_SOURCES}
    pagination_class = Pagination

    Input = SourceInput
    Output = SourceOutput

    @extend_schema(
        operation_id="source_list",
        tags=["monitoring"],
        responses={200: Output(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        statuses = selectors.source_statuses(activation=self.activation)
        for item in statuses:
            item.source.activation = self.activation
        paginator = Pagination()
        page: Any = paginator.paginate_queryset(statuses, request, view=self)
        return paginator.get_paginated_response(self.Output(page, many=True).data)

    @extend_schema(
        operation_id="source_create",
        tags=["monitoring"],
        request=Input,
        responses={201: Output, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        source = services.source_save(
            by=self.user(), activation=self.activation, **data.validated_data
        )
        source.activation = self.activation
        return Response(_source_body(source), status=status.HTTP_201_CREATED)


class SourceDetailApi(APIView):
    """One source: read (roles that see posts), change, pause or resume (coordinators)."""

    permission_classes = [IsAuthenticated]

    Input = SourceUpdateInput
    Output = SourceOutput

    @extend_schema(
        operation_id="source_retrieve",
        tags=["monitoring"],
        responses={200: Output, **errors(403, 404)},
    )
    def get(self, request: Request, source_id: int) -> Response:
        source = source_get_for_user(
            user=request_user(request), source_id=source_id, action=Action.VIEW_POSTS
        )
        return Response(_source_body(source))

    @extend_schema(
        operation_id="source_update",
        tags=["monitoring"],
        request=Input,
        responses={200: Output, **WRITE_ERRORS},
    )
    def patch(self, request: Request, source_id: int) -> Response:
        user = request_user(request)
        source = source_get_for_user(
            user=user, source_id=source_id, action=Action.MANAGE_SOURCES
        )
        given = self.Input(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        changes = dict(given.validated_data)
        if not changes:
            raise ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("Nothing to change.")]}
            )
        enabled = changes.pop("is_enabled", None)
        reason = changes.pop("paused_reason", "")
        config = {
            "platform": source.platform,
            "name": source.name,
            "params": source.params,
            "credentials_env": source.credentials_env,
            "interval_seconds": source.interval_seconds,
            "monthly_cap": source.monthly_cap,
        }
        if changes:
            config |= changes
            # The full result is checked again: a new platform needs its parameters.
            full = self.Input(data=config)
            full.is_valid(raise_exception=True)
            config = {k: full.validated_data[k] for k in config}
        with transaction.atomic():
            if changes:
                source = services.source_save(
                    by=user, activation=source.activation, source=source, **config
                )
            if enabled is not None:
                source = services.source_set_enabled(
                    by=user, source=source, enabled=enabled, reason=reason
                )
        source = source_get_for_user(user=user, source_id=source_id)
        return Response(_source_body(source))
