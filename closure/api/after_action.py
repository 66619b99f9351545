"""After-action review API: the figures as JSON, the lessons learned, the PDF.

Every member role may read it (VIEW_AFTER_ACTION, liaisons included); coordinators
and team leads write the lessons learned. Figures are frozen when the activation
closes and computed live before (``frozen`` says which). Times are ISO 8601 (UTC),
durations in seconds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import URLPattern, path
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, errors
from activations.permissions import Action
from audit import services as audit
from closure import selectors, services
from closure.models import AfterActionReview
from closure.pdf import aar_pdf
from closure.views import can_edit_lessons

logger = logging.getLogger(__name__)


class AfterActionOutput(serializers.Serializer[Any]):
    frozen = serializers.BooleanField(
        help_text="True once the activation closed: the figures no longer change."
    )
    generated_at = serializers.DateTimeField(allow_null=True)
    lessons_learned = serializers.CharField()
    version = serializers.IntegerField(
        help_text="Send it back with PATCH: a stale version is refused with 409."
    )
    figures = serializers.JSONField(
        help_text=(
            "volumes {ingested, items, triaged, cases_opened, verified, debunked, "
            "escalations, escalations_acknowledged}; medians_seconds {to_triage, "
            "to_verify, to_acknowledge} (null without data); coverage {period_start, "
            "period_end, duration_hours, covered_hours, ratio, gaps [{start, end, "
            "hours}]}; by_category [{category, label, count}]; timeline [{at, kind, "
            "text}]."
        )
    )
    purge = serializers.JSONField(
        allow_null=True,
        help_text="The retention purge: {status, due_at, done_at, counts}, or null.",
    )

    class Meta:
        ref_name = "AfterActionReview"


def _output(activation: Any) -> dict[str, Any]:
    review: AfterActionReview | None = selectors.aar_get(activation=activation)
    purge = getattr(activation, "retention_purge", None)
    return AfterActionOutput(
        {
            "frozen": bool(review and review.figures),
            "generated_at": review.generated_at if review else None,
            "lessons_learned": review.lessons_learned if review else "",
            "version": review.version if review else 1,
            "figures": selectors.aar_figures(activation=activation),
            "purge": None
            if purge is None
            else {
                "status": purge.status,
                "due_at": purge.due_at.isoformat(),
                "done_at": purge.done_at.isoformat() if purge.done_at else None,
                "counts": purge.counts,
            },
        }
    ).data


class AfterActionApi(ActivationApi):
    """The after-action review of the activation; PATCH saves the lessons learned."""

    activation_actions = {
        "GET": Action.VIEW_AFTER_ACTION,
        "PATCH": Action.VIEW_AFTER_ACTION,  # + MANAGE or EDIT_REPORTS, checked below
    }

    class Input(serializers.Serializer[Any]):
        lessons_learned = serializers.CharField(
            allow_blank=True, max_length=services.MAX_LESSONS, trim_whitespace=True
        )
        version = serializers.IntegerField(
            min_value=1, help_text="The version you read (from GET)."
        )

        class Meta:
            ref_name = "AfterActionLessons"

    Output = AfterActionOutput

    @extend_schema(
        operation_id="after_action_retrieve",
        tags=["after-action"],
        responses={200: Output, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(_output(self.activation))

    @extend_schema(
        operation_id="after_action_lessons_update",
        tags=["after-action"],
        request=Input,
        responses={200: Output, **errors(400, 403, 404, 409)},
        description="Coordinators and team leads only.",
    )
    def patch(self, request: Request, slug: str) -> Response:
        if not can_edit_lessons(self.activation):
            raise PermissionDenied
        data = self.Input(data=request.data)
        if not data.is_valid():
            logger.warning(
                "lessons learned refused for activation %s: %s",
                self.activation.pk,
                dict(data.errors),
            )
            data.is_valid(raise_exception=True)
        services.aar_lessons_update(
            activation=self.activation,
            by=self.user(),
            lessons_learned=data.validated_data["lessons_learned"],
            version=data.validated_data["version"],
        )
        return Response(_output(self.activation))


class PdfRenderer(BaseRenderer):
    """application/pdf (error bodies are still JSON bytes)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


class AfterActionPdfApi(ActivationApi):
    """The after-action review as an A4 PDF in the caller's language."""

    activation_actions = {"GET": Action.VIEW_AFTER_ACTION}
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="after_action_pdf",
        tags=["after-action"],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The PDF."
            ),
            **errors(403, 404),
        },
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        pdf = aar_pdf(
            activation=self.activation,
            language=translation.get_language() or "en",
            base_url=request.build_absolute_uri("/"),
        )
        audit.record_request(
            request,
            action=audit.Action.EXPORT,
            activation=self.activation,
            object_type="closure.afteraction",
            object_id=self.activation.slug,
            summary="after-action review format=pdf",
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{self.activation.slug}-after-action.pdf"'
        )
        return response


urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/after-action/",
        AfterActionApi.as_view(),
        name="api-after-action",
    ),
    path(
        "activations/<slug:slug>/after-action.pdf",
        AfterActionPdfApi.as_view(),
        name="api-after-action-pdf",
    ),
]
