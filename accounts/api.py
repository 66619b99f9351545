"""Account endpoints: the signed-in user reads and edits their own profile."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import User, timezone_choices


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
