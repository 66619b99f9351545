"""Incidents in Chromium: a team lead proposes, reviews and confirms an incident;
the authority's liaison then sees it (and only it) in the list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from activations.models import ActivationMember
from mapping.models import Incident
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_member
from tests.mapping.test_incidents_support import OTHER, XSS, put, trio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def _log_out(page):
    page.locator("form.logout button[type=submit]").click()
    expect(page.get_by_label("Mot de passe")).to_be_visible()


def test_a_lead_confirms_a_proposal_and_the_liaison_sees_it(page, screenshot):
    # given verified reports: a flooded street (three, one hostile), and cautions
    activation = ActivationFactory(slug="crue-34", title="Crue éclair Hérault")
    make_member(activation, Role.TEAM_LEAD, username="camille")
    make_member(activation, Role.LIAISON, username="lou")
    trio(activation, place="Lattes", summary="Route de Lattes sous 50 cm d'eau")
    put(activation, east=-200, minutes=30, place="Lattes", summary=XSS)
    trio(activation, start=200, category=OTHER, place="Pérols")

    # the team lead proposes now
    log_in(page, "camille")
    page.goto("/a/crue-34/map/incidents/")
    page.get_by_role("button", name="Propose now").click()
    expect(page.locator("#incident-1")).to_be_visible()
    expect(page.locator("#incident-2")).to_be_visible()
    screenshot("incidents-list")

    # opens the flood, reads its reports (the hostile one shown as text), confirms
    page.locator("#incident-1 a").click()
    expect(page.locator("#reports")).to_contain_text("<script>")
    expect(page.locator("#reports tbody tr")).to_have_count(4)
    screenshot("incident-proposed")
    page.get_by_label("Title").fill("Crue du Lez à Lattes")
    page.get_by_role("button", name="Confirm the incident").click()
    expect(page.locator(".incident-status")).to_contain_text("Confirmed")
    screenshot("incident-confirmed")
    assert Incident.objects.get(number=1).status == Incident.Status.CONFIRMED

    # the liaison sees the confirmed one only
    _log_out(page)
    log_in(page, "lou")
    page.goto("/a/crue-34/map/incidents/")
    expect(page.locator("#incident-1")).to_contain_text("Crue du Lez à Lattes")
    expect(page.locator("#incident-2")).to_have_count(0)
    expect(page.get_by_role("button", name="Propose now")).to_have_count(0)
