"""How a report is delivered: its JSON document and its PDF (WeasyPrint)."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from reports.models import SituationReport
from reports.selectors import report_acknowledgements


def report_document(report: SituationReport) -> dict[str, Any]:
    """The report as a JSON document (codes and ISO times, as composed)."""
    activation = report.activation
    return {
        "activation": {
            "slug": activation.slug,
            "title": activation.title,
            "is_exercise": activation.is_exercise,
            "timezone": activation.timezone,
        },
        "number": report.number,
        "version": report.version,
        "label": report.label,
        "status": report.status,
        "is_final": report.is_final,
        "supersedes": report.supersedes.version if report.supersedes else None,
        "change_note": report.change_note,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "summary": report.summary,
        "texts": report.texts,
        "data": report.data,
        "submitted_at": report.submitted_at.isoformat()
        if report.submitted_at
        else None,
        "published_at": report.published_at.isoformat()
        if report.published_at
        else None,
        "content_hash": report.content_hash,
        "acknowledgements": [
            {
                "user": ack.user.get_full_name() or ack.user.get_username(),
                "at": ack.at.isoformat(),
            }
            for ack in report_acknowledgements(report=report)
        ]
        if report.is_published
        else [],
    }


def map_data_uri(report: SituationReport) -> str:
    if not report.map_svg:
        return ""
    encoded = base64.b64encode(report.map_svg.encode()).decode()
    return f"data:image/svg+xml;base64,{encoded}"


def report_pdf(*, report: SituationReport, language: str) -> bytes:
    """The report as an A4 PDF in `language` (the reader's), exercise-marked on
    every page when the activation is an exercise."""
    import weasyprint  # heavy: imported on first use only

    with translation.override(language):
        html = render_to_string(
            "reports/report_pdf.html",
            {
                "report": report,
                "activation": report.activation,
                "map_src": map_data_uri(report),
                "LANGUAGE_CODE": language,
            },
        )
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()  # type: ignore[no-any-return]
