"""Situation reports in Chromium: the team lead composes, edits and submits a report,
the coordinator publishes it, the liaison opens the PDF and acknowledges it."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activations.models import ActivationMember
from reports.models import ReportAcknowledgement, SituationReport
from tests.browser.support import log_in
from tests.conftest import SCREENSHOTS
from tests.factories import ActivationFactory, make_map_item, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def test_lead_drafts_coordinator_publishes_liaison_reads_the_pdf_and_acknowledges(
    page, screenshot
):
    # given an exercise activation with verified items of the last hours
    activation = ActivationFactory(
        slug="crue-34",
        title="Crue éclair Hérault",
        kind="exercise",
        activated_at=timezone.now() - dt.timedelta(hours=6),
    )
    lead = make_member(activation, Role.TEAM_LEAD, username="lea").user
    coordinator = make_member(activation, Role.COORDINATOR, username="camille").user
    liaison = make_member(
        activation, Role.LIAISON, username="prefecture", language="fr"
    ).user
    for i, category in enumerate(
        ["infrastructure", "request", "caution", "displaced"] * 3
    ):
        make_map_item(
            activation,
            category=category,
            lon=3.82 + i / 80,
            lat=43.58 + (i % 4) / 60,
            urgent=i == 1,
            observed_at=timezone.now() - dt.timedelta(hours=1 + i % 5),
            summary=f"Route coupée par l'eau <b>{i}</b>",
        )

    # when the team lead composes a draft, writes the summary and submits it
    log_in(page, lead.username)
    page.goto(reverse("reports:report-list", args=[activation.slug]))
    page.locator("#compose").click()
    page.locator("#id_summary").fill("Crue en décrue lente; 12 éléments vérifiés.")
    page.locator("#id_text_key_events").fill("Route D986 coupée à Saint-Gély.")
    page.locator("#save").click()
    expect(page.locator(".report-summary")).to_contain_text("Crue en décrue lente")
    page.locator("#submit-review").click()
    expect(page.locator(".report-status")).to_have_class(
        "badge report-status report-status-in_review"
    )
    screenshot("reports-lead-in-review")

    # and the coordinator publishes it
    log_in(page, coordinator.username, fresh=True)
    report = SituationReport.objects.get()
    page.goto(reverse("reports:report-detail", args=[activation.slug, 1, 1]))
    page.locator("#publish").click()
    expect(page.locator(".report-status")).to_have_class(
        "badge report-status report-status-published"
    )

    # then the liaison reads it, opens the PDF and acknowledges it
    log_in(page, liaison.username, fresh=True)
    page.goto(reverse("reports:report-list", args=[activation.slug]))
    page.locator(".report-list a").first.click()
    expect(page.locator(".exercise-banner")).to_be_visible()
    expect(page.locator(".report-map-img")).to_be_visible()
    # the SVG map is served and decoded (800 px wide)
    page.wait_for_function(
        "() => { const img = document.querySelector('.report-map-img');"
        " return img.complete && img.naturalWidth === 800; }"
    )
    expect(page.locator("#key-title")).to_be_visible()
    expect(page.locator(".report-body")).to_contain_text(
        "Route coupée par l'eau <b>1</b>"
    )
    screenshot("reports-liaison-detail")
    href = page.locator("#report-pdf").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    body = pdf.body()
    assert body.startswith(b"%PDF")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "reports-liaison.pdf").write_bytes(body)
    try:
        from pypdf import PdfReader
    except ImportError:
        pass  # the bytes above must do
    else:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
        assert "Crue éclair Hérault" in text
        assert "EXERCICE / EXERCISE" in text
        assert "Crue en décrue lente" in text
    page.locator("#acknowledge").click()
    expect(page.locator("#acknowledgements")).to_contain_text(liaison.display_name)
    screenshot("reports-liaison-acknowledged")
    ack = ReportAcknowledgement.objects.get()
    assert (ack.report_id, ack.user_id) == (report.pk, liaison.pk)
