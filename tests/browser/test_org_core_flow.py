"""The whole Organisation core in one sitting, as two people would do it in Chromium:
a coordinator opens an activation under an agreement, takes a volunteer on and plans a
shift; the volunteer (French interface) signs up for it and checks in."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activations.models import Activation, LogEntry, OrganisationMember, ShiftAssignment
from tests.browser.support import log_in
from tests.factories import (
    AREA,
    AgreementFactory,
    OrganisationMemberFactory,
    UserFactory,
    VolunteerProfileFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_opens_an_activation_and_a_volunteer_signs_up_and_checks_in(
    page, screenshot
):
    # given an agreement in force between a team and an SDIS, its coordinator and a volunteer
    agreement = AgreementFactory(reference="CONV-34-2026")
    OrganisationMemberFactory(
        organisation=agreement.vost_team,
        role=OrganisationMember.Role.COORDINATOR,
        user=UserFactory(
            username="camille", first_name="Camille", last_name="Moreau", language="en"
        ),
    )
    volunteer = UserFactory(
        username="lea", first_name="Léa", last_name="Garnier", language="fr"
    )
    OrganisationMemberFactory(organisation=agreement.vost_team, user=volunteer)
    VolunteerProfileFactory(user=volunteer)

    # the coordinator opens the activation
    log_in(page, "camille", fresh=True)
    page.get_by_role("link", name="Open an activation").first.click()
    page.get_by_label("Agreement").select_option(str(agreement.pk))
    page.get_by_label("Title").fill("Crue du Lez")
    page.get_by_label("Short name (slug)").fill("crue-lez")
    page.get_by_label("Kind").select_option("crisis")
    page.get_by_label("Social-media monitoring").check()
    page.get_by_label("Verification").check()
    area = page.locator("#id_area")
    area.fill(AREA.geojson)
    area.dispatch_event("change")
    page.get_by_label("Open it now").check()
    page.get_by_role("button", name="Record the activation").click()
    expect(page.get_by_role("heading", name="Crue du Lez")).to_be_visible()
    activation = Activation.objects.get(slug="crue-lez")
    assert activation.status == Activation.Status.ACTIVE

    # takes the volunteer on
    page.get_by_role("navigation", name="Activation").get_by_role(
        "link", name="Members"
    ).click()
    page.get_by_label("Username").fill("lea")
    page.get_by_role("combobox", name="Role", exact=True).select_option("volunteer")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Léa Garnier is Volunteer.")).to_be_visible()

    # and plans a shift starting in a quarter of an hour (times in the activation's zone)
    start = timezone.localtime(
        timezone.now() + dt.timedelta(minutes=15), zoneinfo.ZoneInfo("Europe/Paris")
    )
    end = start + dt.timedelta(hours=3)
    page.get_by_role("navigation", name="Activation").get_by_role(
        "link", name="Roster"
    ).click()
    form = page.locator("#add-shift")
    form.get_by_label("Title").fill("Veille crue")
    form.get_by_label("Starts at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Ends at").fill(end.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("People needed").fill("2")
    form.get_by_role("button", name="Add the shift").click()
    expect(page.get_by_text("The shift has been added.")).to_be_visible()
    screenshot("flow-roster-coordinator")

    # the volunteer, in French, signs up from the roster
    log_in(page, "lea", fresh=True)
    expect(page.get_by_role("heading", name="Bonjour Léa Garnier")).to_be_visible()
    page.goto(f"/a/{activation.slug}/roster/")
    shift = activation.shifts.get()
    page.locator(f"#shift-{shift.pk}").get_by_role("button", name="S’inscrire").click()
    expect(page.get_by_text("Vous êtes sur cette vacation.")).to_be_visible()
    screenshot("flow-roster-volunteer-fr")

    # and checks in from "my shifts"
    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="Mes vacations"
    ).click()
    assignment = ShiftAssignment.objects.get(user=volunteer, shift=shift)
    card = page.locator(f"#assignment-{assignment.pk}")
    card.get_by_role("button", name="Prendre son service").click()
    expect(page.get_by_text("Service pris. Bonne vacation.")).to_be_visible()
    screenshot("flow-my-shifts-fr")

    # then the database and the activation log tell the same story
    assignment.refresh_from_db()
    assert assignment.checked_in_at is not None
    kinds = list(
        activation.log_entries.order_by("at", "id").values_list("kind", flat=True)
    )
    assert kinds == [
        LogEntry.Kind.STATUS,
        LogEntry.Kind.STATUS,
        LogEntry.Kind.MEMBERSHIP,
        LogEntry.Kind.ROSTER,
        LogEntry.Kind.ROSTER,
        LogEntry.Kind.CHECK_IN,
    ]
