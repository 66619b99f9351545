"""The record of processing and a data-subject erasure in Chromium: a coordinator
edits the record; two coordinators open, search, approve and carry out an
erasure (screenshots saved under var/screenshots/privacy-*.png, looked at)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import ActivationMember
from privacy.models import PostErasure, SubjectRequest
from tests.browser.support import log_in
from tests.conftest import SCREENSHOTS
from tests.factories import ActivationFactory, make_member
from tests.privacy.support import verified_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def test_record_of_processing_page(page, screenshot):
    activation = ActivationFactory(slug="crue-lez", title="Crue du Lez")
    coordinator = make_member(activation, Role.COORDINATOR, username="coord").user
    log_in(page, coordinator.username)
    page.goto(reverse("privacy:record", args=[activation.slug]))
    expect(page.get_by_role("heading", name="Record of processing")).to_be_visible()
    expect(page.locator(".record-fields")).to_contain_text(
        "days after the activation closes"
    )
    page.get_by_text("Edit the record").click()
    page.get_by_role("textbox", name="Notes").fill("Revu avec le DPO de la préfecture.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Record of processing saved.")).to_be_visible()
    expect(page.locator(".record-fields")).to_contain_text("Revu avec le DPO")
    page.wait_for_timeout(300)
    screenshot("privacy-record")
    pdf = page.request.get(reverse("privacy:record-pdf", args=[activation.slug]))
    assert pdf.body().startswith(b"%PDF")
    (SCREENSHOTS / "privacy-record.pdf").write_bytes(pdf.body())


def test_an_erasure_request_from_opening_to_completion(page, screenshot):
    activation = ActivationFactory(slug="crue-lez", title="Crue du Lez")
    first = make_member(activation, Role.COORDINATOR, username="coord").user
    second = make_member(activation, Role.COORDINATOR, username="coord2").user
    verified_item(
        activation,
        handle="@jeanne@mastodon.example",
        text="Le pont de Lattes est coupé",
    )
    team = activation.lead_team
    # the first coordinator opens and searches
    log_in(page, first.username)
    page.goto(reverse("privacy:requests", args=[team.pk]))
    page.get_by_label("Erasure").check()
    page.get_by_label("Platform").select_option("mastodon")
    page.get_by_role("textbox", name="Account").fill("@Jeanne@Mastodon.example")
    page.get_by_role("textbox", name="How the person asked").fill(
        "Courriel du 3 mai, identité vérifiée par le lien du profil."
    )
    page.get_by_role("button", name="Open the request").click()
    page.get_by_role("button", name="Search for the data").click()
    expect(page.get_by_text("1 post", exact=True)).to_be_visible()
    expect(
        page.get_by_text("Another coordinator of the team must approve")
    ).to_be_visible()
    screenshot("privacy-request-found")
    # the second approves
    log_in(page, second.username, fresh=True)
    subject = SubjectRequest.objects.get()
    page.goto(reverse("privacy:request-detail", args=[team.pk, subject.number]))
    page.get_by_label("I checked the findings and approve the erasure").check()
    page.get_by_role("button", name="Approve the erasure").click()
    expect(page.get_by_text("Erasure approved.")).to_be_visible()
    page.get_by_label("I confirm: erase everything found about this account").check()
    page.get_by_role("button", name="Erase now").click()
    expect(page.get_by_text("Erasure completed: 1 post(s) erased.")).to_be_visible()
    page.wait_for_timeout(300)
    screenshot("privacy-request-completed")
    page.goto(reverse("privacy:requests", args=[team.pk]))
    screenshot("privacy-requests")
    assert PostErasure.objects.count() == 1
