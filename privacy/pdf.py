"""The record of processing as a printable page and a PDF (WeasyPrint, A4)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation


def record_html(*, context: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return render_to_string(
            "privacy/record_print.html", {**context, "language": language}
        )


def record_pdf(*, context: dict[str, Any], language: str, base_url: str = "") -> bytes:
    import weasyprint  # lazy: heavy, and only needed here

    html = record_html(context=context, language=language)
    pdf: bytes = weasyprint.HTML(string=html, base_url=base_url or None).write_pdf()
    return pdf
