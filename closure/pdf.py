"""The after-action review as a PDF (WeasyPrint, A4, in the reader's language)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from activations.models import Activation
from closure.presentation import aar_context


def aar_html(*, activation: Activation, language: str) -> str:
    """The print HTML of the review (what the PDF is made of)."""
    with translation.override(language):
        return render_to_string(
            "closure/after_action_pdf.html",
            {
                "activation": activation,
                "language": language,
                **aar_context(activation=activation),
            },
        )


def aar_pdf(*, activation: Activation, language: str, base_url: str = "") -> bytes:
    """Render the review; EXERCISE is printed on every page of an exercise."""
    import weasyprint  # lazy: heavy, and only needed here

    html = aar_html(activation=activation, language=language)
    pdf: bytes = weasyprint.HTML(string=html, base_url=base_url or None).write_pdf()
    return pdf
