"""Account endpoints: the signed-in user reads and edits their own profile."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import Notification, User, timezone_choices
from vost.api import Pagination


class MeApi(APIView):
    """The signed-in user's own account (no one else's is reachable here)."""

    class Output(serializers.ModelSerializer[User]):
        class Meta:
            model = User
            fields = [
                "id",
                "username",
                "first_name",
                "last_name",
                "email",
                "phone",
                "language",
                "timezone",
            ]
            read_only_fields = fields

    class Input(serializers.Serializer[User]):
        first_name = serializers.CharField(
            max_length=150, required=False, allow_blank=True
        )
        last_name = serializers.CharField(
            max_length=150, required=False, allow_blank=True
        )
        email = serializers.EmailField(required=False)
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
        timezone = serializers.ChoiceField(choices=timezone_choices(), required=False)

    @extend_schema(operation_id="me_retrieve", responses=Output)
    def get(self, request: Request) -> Response:
        return Response(self.Output(cast(User, request.user)).data)

    @extend_schema(operation_id="me_update", request=Input, responses=Output)
    def patch(self, request: Request) -> Response:
        user = cast(User, request.user)
        data = self.Input(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = {
            field: getattr(user, field)
            for field in (
                "first_name",
                "last_name",
                "email",
                "phone",
                "language",
                "timezone",
            )
        }
        try:
            services.user_preferences_update(
                user=user, **(current | data.validated_data)
            )
        except DjangoValidationError as exc:
            user.refresh_from_db()
            raise ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from exc
        return Response(self.Output(user).data)


# --- notifications ------------------------------------------------------------------
class NotificationOutput(serializers.ModelSerializer[Notification]):
    level = serializers.ChoiceField(
        choices=Notification.Level.choices,
        read_only=True,
        help_text="info, action (something to do) or urgent (life-safety).",
    )
    kind = serializers.CharField(
        read_only=True, help_text="What it is about, e.g. escalation, case_review."
    )
    url = serializers.SerializerMethodField(
        help_text="A path inside the hub (starting with /), or an empty string."
    )
    activation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Slug of the activation it concerns, if any.",
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "level",
            "kind",
            "title",
            "body",
            "url",
            "activation",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields
        ref_name = "Notification"

    def get_url(self, note: Notification) -> str:
        return selectors.notification_link(note.url)


class NotificationListApi(APIView):
    """The signed-in user's own notifications, newest first."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        unread = serializers.BooleanField(
            required=False, default=False, help_text="Only the unread ones."
        )

    Output = NotificationOutput

    @extend_schema(
        operation_id="notification_list",
        tags=["notifications"],
        parameters=[FilterSerializer],
        responses=Output(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        notes = selectors.notification_list(
            user=cast(User, request.user),
            unread_only=filters.validated_data["unread"],
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(notes, request, view=self)
        return paginator.get_paginated_response(self.Output(page, many=True).data)


class NotificationMarkReadApi(APIView):
    """Mark some of the user's notifications read (``ids``), or all (``all``).

    Ids of other people's notifications match nothing and are ignored.
    """

    class Input(serializers.Serializer[Any]):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            max_length=500,
            help_text="Notifications to mark read.",
        )
        all = serializers.BooleanField(
            required=False, default=False, help_text="Mark every unread one read."
        )

        class Meta:
            ref_name = "NotificationMarkRead"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if not attrs.get("all") and not attrs.get("ids"):
                raise ValidationError(_("Give the ids to mark read, or all: true."))
            return attrs

    class Output(serializers.Serializer[Any]):
        marked = serializers.IntegerField(
            help_text="How many were unread and now read."
        )
        unread = serializers.IntegerField(help_text="How many remain unread.")

        class Meta:
            ref_name = "NotificationMarkReadResult"

    @extend_schema(
        operation_id="notification_mark_read",
        tags=["notifications"],
        request=Input,
        responses=Output,
    )
    def post(self, request: Request) -> Response:
        user = cast(User, request.user)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data["all"] else data.validated_data["ids"]
        marked = services.notification_mark_read(user=user, notification_ids=ids)
        unread = selectors.notification_unread_counts(user=user).total
        return Response(self.Output({"marked": marked, "unread": unread}).data)
