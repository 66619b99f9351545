"""Record of processing API: read it (every role), coordinators edit it."""

from __future__ import annotations

import logging
from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, errors
from activations.permissions import Action
from privacy import selectors, services
from privacy.models import EDITABLE, MAX_FIELD

logger = logging.getLogger(__name__)


class RecordOutput(serializers.Serializer[Any]):
    activation = serializers.JSONField()
    agreement = serializers.JSONField()
    controller = serializers.CharField()
    processors = serializers.CharField()
    legal_basis = serializers.CharField()
    purposes = serializers.CharField()
    data_categories = serializers.CharField()
    data_subjects = serializers.CharField()
    recipients = serializers.CharField()
    transfers = serializers.CharField()
    security_measures = serializers.CharField()
    notes = serializers.CharField()
    retention = serializers.CharField(
        help_text="From the agreement's retention period; not editable."
    )
    version = serializers.IntegerField(
        help_text="Send it back with PATCH: a stale version is refused with 409."
    )
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ProcessingRecord"


class RecordInput(serializers.Serializer[Any]):
    controller = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_FIELD
    )
    processors = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_FIELD
    )
    legal_basis = serializers.CharField(required=False, max_length=MAX_FIELD)
    purposes = serializers.CharField(required=False, max_length=MAX_FIELD)
    data_categories = serializers.CharField(required=False, max_length=MAX_FIELD)
    data_subjects = serializers.CharField(required=False, max_length=MAX_FIELD)
    recipients = serializers.CharField(required=False, max_length=MAX_FIELD)
    transfers = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_FIELD
    )
    security_measures = serializers.CharField(required=False, max_length=MAX_FIELD)
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_FIELD
    )
    version = serializers.IntegerField(min_value=1)

    class Meta:
        ref_name = "ProcessingRecordInput"


class RecordApi(ActivationApi):
    """The activation's record of processing (GDPR art. 30)."""

    activation_actions = {
        "GET": Action.VIEW_PROCESSING_RECORD,
        "PATCH": Action.MANAGE_PROCESSING_RECORD,
    }

    def _document(self) -> dict[str, Any]:
        record = services.processing_record_get(activation=self.activation)
        return selectors.record_document(activation=self.activation, record=record)

    @extend_schema(
        operation_id="processing_record_retrieve",
        tags=["privacy"],
        responses={200: RecordOutput, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(self._document())

    @extend_schema(
        operation_id="processing_record_update",
        tags=["privacy"],
        request=RecordInput,
        responses={200: RecordOutput, **errors(400, 403, 404, 409)},
        description="Coordinators only.",
    )
    def patch(self, request: Request, slug: str) -> Response:
        data = RecordInput(data=request.data)
        if not data.is_valid():
            logger.warning(
                "record of processing of %s refused: %s",
                self.activation.pk,
                dict(data.errors),
            )
            data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k in EDITABLE}
        services.processing_record_update(
            activation=self.activation,
            by=self.user(),
            values=values,
            version=data.validated_data["version"],
        )
        return Response(self._document())


urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/privacy/record/",
        RecordApi.as_view(),
        name="api-privacy-record",
    ),
]
