"""Situation reports API.

Reading needs VIEW_REPORTS (every role; liaisons and observers see published
reports only, others answer 404). Composing, editing and submitting need
EDIT_REPORTS (team leads, coordinators), publishing PUBLISH_REPORTS
(coordinators; only a report in review: "publishing without review" answers 400),
acknowledging ACKNOWLEDGE_REPORTS (the authority's liaisons; a second
acknowledgement answers 200 with the first one). A published report never
changes: a correction is a new version, saying what changed, that goes through
review again. Edits carry the ``revision`` read; a stale one answers 409.
Summaries of items and rumour claims in ``data`` are UNTRUSTED text: escape them.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from activations.api._common import ActivationApi, EnumField, UserRef, errors, paginate
from activations.permissions import Action
from audit import services as audit
from reports import selectors, services
from reports.models import SECTION_KEYS, ReportAcknowledgement, SituationReport
from reports.rendering import report_document, report_pdf
from vost.api import Pagination

TAGS = ["reports"]
CHANGE_ERRORS = errors(400, 403, 404, 409)


class AcknowledgementOutput(serializers.Serializer[ReportAcknowledgement]):
    user = UserRef()
    at = serializers.DateTimeField()

    class Meta:
        ref_name = "ReportAcknowledgement"


class ReportOutput(serializers.Serializer[SituationReport]):
    number = serializers.IntegerField()
    version = serializers.IntegerField(help_text="1, then 2, 3… for corrections.")
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="“3”, or “3.2” for a correction."
    )
    status = EnumField(enum="ReportStatus", choices=SituationReport.Status)
    is_final = serializers.BooleanField()
    revision = serializers.IntegerField(help_text="Send it back with an edit.")
    change_note = serializers.CharField(help_text="What a correction changes.")
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    summary = serializers.CharField()
    created_by = UserRef()
    submitted_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    published_by = UserRef(allow_null=True)
    content_hash = serializers.CharField(help_text="SHA-256 of the published content.")
    pdf = serializers.SerializerMethodField()
    json = serializers.SerializerMethodField()

    class Meta:
        ref_name = "SituationReport"

    def get_pdf(self, report: SituationReport) -> str:
        return _url("reports:report-pdf", report)

    def get_json(self, report: SituationReport) -> str:
        return _url("reports:report-json", report)


class ReportDetailOutput(ReportOutput):
    texts = serializers.DictField(
        child=serializers.CharField(), help_text="Section texts."
    )
    data = serializers.JSONField(  # type: ignore[assignment]
        help_text="The composed data of each section."
    )
    acknowledgements = AcknowledgementOutput(many=True, source="acks")

    class Meta:
        ref_name = "SituationReportDetail"


def _url(name: str, report: SituationReport) -> str:
    from django.urls import reverse

    return reverse(name, args=[report.activation.slug, report.number, report.version])


class _ReportApi(ActivationApi):
    def report(self, number: int, version: int) -> SituationReport:
        report = selectors.report_get(
            activation=self.activation, number=number, version=version
        )
        if report is None:
            raise Http404
        return report

    def body(
        self, report: SituationReport, *, code: int = status.HTTP_200_OK
    ) -> Response:
        fresh = self.report(report.number, report.version)
        fresh.acks = (  # type: ignore[attr-defined]
            list(selectors.report_acknowledgements(report=fresh))
            if fresh.is_published
            else []
        )
        return Response(ReportDetailOutput(fresh).data, status=code)


class RevisionInput(serializers.Serializer[Any]):
    revision = serializers.IntegerField(min_value=1, help_text="The revision you read.")

    class Meta:
        ref_name = "ReportRevision"


class ReportListApi(_ReportApi):
    """The activation's reports, latest first (liaisons, observers: published only)."""

    activation_actions = {"GET": Action.VIEW_REPORTS}
    pagination_class = Pagination

    @extend_schema(
        operation_id="report_list",
        tags=TAGS,
        responses={200: ReportOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return paginate(
            request=request,
            view=self,
            queryset=selectors.report_list(activation=self.activation),
            serializer=ReportOutput,
        )


class ReportComposeApi(_ReportApi):
    """Compose the next report (a draft) over the time since the last one. Refused
    (409) while another new report is not published."""

    activation_actions = {"POST": Action.EDIT_REPORTS}

    class Input(serializers.Serializer[Any]):
        is_final = serializers.BooleanField(required=False, default=False)

        class Meta:
            ref_name = "ReportCompose"

    @extend_schema(
        operation_id="report_compose",
        tags=TAGS,
        request=Input,
        responses={201: ReportDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_compose(
            activation=self.activation,
            by=self.user(),
            is_final=data.validated_data["is_final"],
        )
        return self.body(report, code=status.HTTP_201_CREATED)


class ReportDetailApi(_ReportApi):
    """One version of a report with its composed data; PATCH edits the summary and
    section texts of a draft or a report in review."""

    activation_actions = {"GET": Action.VIEW_REPORTS, "PATCH": Action.EDIT_REPORTS}

    class Input(RevisionInput):
        summary = serializers.CharField(
            required=False, allow_blank=True, max_length=services.MAX_SUMMARY
        )
        texts = serializers.DictField(
            child=serializers.CharField(allow_blank=True, max_length=services.MAX_TEXT),
            required=False,
            help_text="Section key -> text; keys: " + ", ".join(SECTION_KEYS) + ".",
        )
        is_final = serializers.BooleanField(required=False)

        class Meta:
            ref_name = "ReportEdit"

    @extend_schema(
        operation_id="report_retrieve",
        tags=TAGS,
        responses={200: ReportDetailOutput, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str, number: int, version: int) -> Response:
        return self.body(self.report(number, version))

    @extend_schema(
        operation_id="report_edit",
        tags=TAGS,
        request=Input,
        responses={200: ReportDetailOutput, **CHANGE_ERRORS},
    )
    def patch(self, request: Request, slug: str, number: int, version: int) -> Response:
        report = self.report(number, version)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        report = services.report_edit(
            report=report,
            by=self.user(),
            revision=given["revision"],
            summary=given.get("summary", report.summary),
            texts=given.get("texts", {}),
            is_final=given.get("is_final"),
        )
        return self.body(report)


def _step_api(name: str, action: Action, doc: str) -> type[_ReportApi]:
    step = {
        "submit": services.report_submit,
        "publish": services.report_publish,
    }[name]

    class StepApi(_ReportApi):
        activation_actions = {"POST": action}

        @extend_schema(
            operation_id=f"report_{name}",
            tags=TAGS,
            request=RevisionInput,
            responses={200: ReportDetailOutput, **CHANGE_ERRORS},
            description=doc,
        )
        def post(
            self, request: Request, slug: str, number: int, version: int
        ) -> Response:
            report = self.report(number, version)
            data = RevisionInput(data=request.data)
            data.is_valid(raise_exception=True)
            report = step(
                report=report, by=self.user(), revision=data.validated_data["revision"]
            )
            return self.body(report)

    StepApi.__name__ = StepApi.__qualname__ = f"Report{name.title()}Api"
    StepApi.__doc__ = doc
    return StepApi


ReportSubmitApi = _step_api(
    "submit", Action.EDIT_REPORTS, "Draft -> in review (409 if already in review)."
)
ReportPublishApi = _step_api(
    "publish",
    Action.PUBLISH_REPORTS,
    "In review -> published; the liaisons are notified. A draft answers 400 "
    "(publishing without review), a published report 409.",
)


class ReportCorrectApi(_ReportApi):
    """Start a correction of a published report: a new draft version (201)."""

    activation_actions = {"POST": Action.EDIT_REPORTS}

    class Input(serializers.Serializer[Any]):
        change_note = serializers.CharField(
            max_length=services.MAX_CHANGE_NOTE, help_text="What changes."
        )

        class Meta:
            ref_name = "ReportCorrect"

    @extend_schema(
        operation_id="report_correct",
        tags=TAGS,
        request=Input,
        responses={201: ReportDetailOutput, **CHANGE_ERRORS},
    )
    def post(self, request: Request, slug: str, number: int, version: int) -> Response:
        report = self.report(number, version)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.report_correct(
            report=report,
            by=self.user(),
            change_note=data.validated_data["change_note"],
        )
        return self.body(correction, code=status.HTTP_201_CREATED)


class ReportAcknowledgeApi(_ReportApi):
    """Record your receipt of a published report (201; 200 with the first one if
    you already did)."""

    activation_actions = {"POST": Action.ACKNOWLEDGE_REPORTS}

    @extend_schema(
        operation_id="report_acknowledge",
        tags=TAGS,
        request=None,
        responses={
            201: AcknowledgementOutput,
            200: AcknowledgementOutput,
            **CHANGE_ERRORS,
        },
    )
    def post(self, request: Request, slug: str, number: int, version: int) -> Response:
        report = self.report(number, version)
        ack, created = services.report_acknowledge(report=report, by=self.user())
        return Response(
            AcknowledgementOutput(ack).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class _FileApi(_ReportApi):
    activation_actions = {"GET": Action.VIEW_REPORTS}

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        return super().perform_content_negotiation(request, force=True)


class ReportPdfApi(_FileApi):
    """The report as a PDF, in your language preference."""

    @extend_schema(
        operation_id="report_pdf",
        tags=TAGS,
        responses={
            (200, "application/pdf"): OpenApiResponse(description="The PDF."),
            **errors(403, 404),
        },
    )
    def get(
        self, request: Request, slug: str, number: int, version: int
    ) -> HttpResponse:
        report = self.report(number, version)
        audit.record_request(
            request,
            action=audit.Action.EXPORT,
            activation=self.activation,
            obj=report,
            summary=f"format=pdf {report.label}",
        )
        response = HttpResponse(
            report_pdf(report=report, language=self.user().language or "en"),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{slug}-report-{number}-v{version}.pdf"'
        )
        return response


class ReportJsonApi(_ReportApi):
    """The report as a JSON document (as the web page's .json)."""

    activation_actions = {"GET": Action.VIEW_REPORTS}

    @extend_schema(
        operation_id="report_document",
        tags=TAGS,
        responses={
            200: OpenApiResponse(description="The report document."),
            **errors(403, 404),
        },
    )
    def get(self, request: Request, slug: str, number: int, version: int) -> Response:
        report = self.report(number, version)
        audit.record_request(
            request,
            action=audit.Action.EXPORT,
            activation=self.activation,
            obj=report,
            summary=f"format=json {report.label}",
        )
        return Response(report_document(report))


_BASE = "activations/<slug:slug>/reports/"
_ONE = _BASE + "<int:number>/v<int:version>/"

urlpatterns: list[URLPattern] = [
    path(_BASE, ReportListApi.as_view(), name="api-report-list"),
    path(_BASE + "compose/", ReportComposeApi.as_view(), name="api-report-compose"),
    path(_ONE, ReportDetailApi.as_view(), name="api-report-detail"),
    path(_ONE + "submit/", ReportSubmitApi.as_view(), name="api-report-submit"),
    path(_ONE + "publish/", ReportPublishApi.as_view(), name="api-report-publish"),
    path(_ONE + "correct/", ReportCorrectApi.as_view(), name="api-report-correct"),
    path(
        _ONE + "acknowledge/",
        ReportAcknowledgeApi.as_view(),
        name="api-report-acknowledge",
    ),
    path(_ONE + "pdf/", ReportPdfApi.as_view(), name="api-report-pdf"),
    path(_ONE + "json/", ReportJsonApi.as_view(), name="api-report-json"),
]
