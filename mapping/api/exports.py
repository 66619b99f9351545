"""API of the map's exports (included by mapping.api.urls).

``POST activations/<slug>/map/exports/`` queues an export (202) of the
activation's VERIFIED items and/or incidents; poll its ``url`` until ``status``
is ``done``, then GET its ``download_url``. Team leads, coordinators and
liaisons (EXPORT_MAP); only coordinators may name the authors
(``pseudonymise: false``) and only they see such exports.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import URLPattern, path, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, EnumField, UserRef, errors
from activations.permissions import Action
from audit import services as audit
from mapping.models import MapExport
from mapping.selectors import exports as selectors
from mapping.services import exports as services


def _export_url(request: Request, export: MapExport, name: str) -> str:
    return request.build_absolute_uri(
        reverse(name, args=[export.activation.slug, export.pk])
    )


class MapExportOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    format = EnumField(enum="MapExportFormat", choices=MapExport.Format)
    include_items = serializers.BooleanField(help_text="Verified items included.")
    include_incidents = serializers.BooleanField(
        help_text="Incidents (not the dismissed ones) included."
    )
    pseudonymise = serializers.BooleanField(
        help_text="Authors as pseudonyms (the same for the same account), no links "
        "to the posts."
    )
    status = EnumField(enum="MapExportStatus", choices=MapExport.Status)
    total = serializers.IntegerField(help_text="Rows to write (once running).")
    done = serializers.IntegerField(help_text="Rows written so far.")
    progress = serializers.IntegerField(help_text="Percent done, 0 to 100.")
    size_bytes = serializers.IntegerField()
    error = serializers.CharField(help_text="Why it failed (status failed), or empty.")
    requested_by = UserRef(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    exercise = serializers.BooleanField(
        source="activation.is_exercise",
        help_text="Exercise data: every file says so too.",
    )
    url = serializers.SerializerMethodField(help_text="This export (poll it).")
    download_url = serializers.SerializerMethodField(
        help_text="The file, once status is done; else null."
    )

    class Meta:
        ref_name = "MapExport"

    def get_url(self, export: MapExport) -> str:
        return _export_url(self.context["request"], export, "api-map-export-detail")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, export: MapExport) -> str | None:
        if export.status != MapExport.Status.DONE:
            return None
        return _export_url(self.context["request"], export, "api-map-export-download")


class MapExportListApi(ActivationApi):
    """The activation's newest exports (20), and queuing a new one."""

    activation_actions = {"GET": Action.EXPORT_MAP, "POST": Action.EXPORT_MAP}

    class Input(serializers.Serializer[Any]):
        format = EnumField(enum="MapExportFormat", choices=MapExport.Format)
        include_items = serializers.BooleanField(default=True)
        include_incidents = serializers.BooleanField(default=True)
        pseudonymise = serializers.BooleanField(
            default=True, help_text="false (coordinators only): name the authors."
        )

        class Meta:
            ref_name = "MapExportRequest"

    Output = MapExportOutput

    @extend_schema(
        operation_id="map_export_list",
        tags=["map"],
        responses={200: Output(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        exports = selectors.map_exports_list(activation=self.activation)
        for export in exports:
            export.activation = self.activation
        return Response(
            self.Output(exports, many=True, context={"request": request}).data
        )

    @extend_schema(
        operation_id="map_export_create",
        tags=["map"],
        request=Input,
        responses={
            202: Output,
            **errors(400, 403, 404),
            409: OpenApiResponse(
                description="Too many exports are being prepared; nothing changed."
            ),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        export = services.export_request(
            activation=self.activation, by=self.user(), **data.validated_data
        )
        export.activation = self.activation
        body = self.Output(export, context={"request": request}).data
        return Response(
            body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]}
        )


class MapExportDetailApi(ActivationApi):
    """One export: its status, progress and, once done, where to download it."""

    activation_actions = {"GET": Action.EXPORT_MAP}
    Output = MapExportOutput

    @extend_schema(
        operation_id="map_export_retrieve",
        tags=["map"],
        responses={200: Output, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, export_id: int) -> Response:
        export = selectors.map_export_get(
            activation=self.activation, export_id=export_id
        )
        if export is None:
            raise Http404
        return Response(self.Output(export, context={"request": request}).data)


class MapExportDownloadApi(ActivationApi):
    """The built file as an attachment (404 until status is done). Content types:
    application/geo+json, application/vnd.google-earth.kml+xml, text/csv,
    application/geopackage+sqlite3."""

    activation_actions = {"GET": Action.EXPORT_MAP}

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        # The answer is a file whatever the Accept header says (e.g.
        # application/geo+json); only errors are rendered, as JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="map_export_download",
        tags=["map"],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                description="The file (GeoJSON, KML, CSV or GeoPackage)."
            ),
            **errors(403, 404),
        },
    )
    def get(self, request: Request, slug: str, export_id: int) -> FileResponse:
        export = selectors.map_export_get(
            activation=self.activation, export_id=export_id
        )
        if export is None or export.status != MapExport.Status.DONE:
            raise Http404
        try:
            file = services.export_open(export)
        except FileNotFoundError:
            raise Http404 from None
        audit.record_request(
            request,
            action=audit.Action.EXPORT,
            activation=self.activation,
            obj=export,
            summary=f"downloaded format={export.format} "
            f"pseudonymised={export.pseudonymise}",
        )
        response = FileResponse(
            file.handle,
            as_attachment=True,
            filename=file.filename,
            content_type=file.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


_BASE = "activations/<slug:slug>/map/exports/"

urlpatterns: list[URLPattern] = [
    path(_BASE, MapExportListApi.as_view(), name="api-map-export-list"),
    path(
        _BASE + "<int:export_id>/",
        MapExportDetailApi.as_view(),
        name="api-map-export-detail",
    ),
    path(
        _BASE + "<int:export_id>/download/",
        MapExportDownloadApi.as_view(),
        name="api-map-export-download",
    ),
]
