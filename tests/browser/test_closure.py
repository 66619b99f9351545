"""The after-action review in Chromium: a coordinator reads the frozen figures of a
closed exercise, writes the lessons learned and gets the PDF (saved as
var/screenshots/closure-after-action.pdf to be looked at)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import Activation, ActivationMember
from closure import services
from tests.browser.support import log_in
from tests.closure.helpers import build_known_history
from tests.conftest import SCREENSHOTS
from tests.factories import ActivationFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def test_after_action_review_page(page, screenshot):
    # given a closed exercise with known figures, frozen and its purge scheduled
    activation = ActivationFactory(
        slug="exo-crue",
        title="Exercice crue Lez",
        kind=Activation.Kind.EXERCISE,
    )
    coordinator = make_member(activation, Role.COORDINATOR, username="coord").user
    build_known_history(activation)
    activation.refresh_from_db()
    services.aar_generate(activation=activation)
    services.purge_schedule(activation=activation)
    # when the coordinator opens the review and writes the lessons learned
    log_in(page, coordinator.username)
    page.goto(reverse("closure:after-action", args=[activation.slug]))
    expect(page.get_by_role("heading", name="After-action review")).to_be_visible()
    expect(page.locator(".exercise-banner")).to_be_visible()
    expect(page.locator(".aar-medians")).to_contain_text("2 min 00 s")
    expect(page.locator(".aar-medians")).to_contain_text("15 min 00 s")
    page.get_by_role("textbox", name="Lessons learned").fill(
        "Renforcer la veille de nuit : aucune couverture entre 12 h et 16 h.\n"
        "Les accusés de réception des signalements urgents ont été rapides."
    )
    page.get_by_role("button", name="Save lessons learned").click()
    # then it is saved and shown again
    expect(page.get_by_text("Lessons learned saved.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Lessons learned")).to_have_value(
        "Renforcer la veille de nuit : aucune couverture entre 12 h et 16 h.\n"
        "Les accusés de réception des signalements urgents ont été rapides."
    )
    page.wait_for_timeout(300)
    screenshot("closure-after-action")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("closure-after-action-mobile")
    # the PDF, kept next to the screenshots to be looked at
    pdf = page.request.get(reverse("closure:after-action-pdf", args=[activation.slug]))
    assert pdf.ok
    assert pdf.body().startswith(b"%PDF")
    (SCREENSHOTS / "closure-after-action.pdf").write_bytes(pdf.body())
