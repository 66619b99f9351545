"""A volunteer signs up and checks in; a coordinator plans a shift — in Chromium."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activations.models import (
    ActivationMember,
    Shift,
    ShiftAssignment,
    VolunteerLanguage,
)
from tests.browser.support import log_in
from tests.factories import (
    ActivationFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    make_member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def _hour(offset):
    return timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(
        hours=offset
    )


def _roster_fixture():
    """An activation in Paris with a few shifts, one starting within 30 minutes."""
    activation = ActivationFactory(
        slug="feux-34", title="Feux de forêt Hérault", timezone="Europe/Paris"
    )
    volunteer = make_member(
        activation,
        Role.VOLUNTEER,
        username="lea",
        first_name="Léa",
        last_name="Martin",
        timezone="America/Montreal",
    ).user
    colleague = make_member(
        activation, Role.VOLUNTEER, first_name="Karim", last_name="Benali"
    ).user
    soon_start = timezone.now() + dt.timedelta(minutes=20)
    soon = ShiftFactory(
        activation=activation,
        title="Vérification",
        starts_at=soon_start,
        ends_at=soon_start + dt.timedelta(hours=2),
        required_skills=["verification"],
        headcount=2,
    )
    morning = ShiftFactory(
        activation=activation,
        title="Veille réseaux sociaux",
        starts_at=_hour(4),
        ends_at=_hour(8),
        required_skills=["monitoring", "geolocation"],
        headcount=3,
        notes="Suivre #FeuxHerault et les comptes des mairies.",
    )
    ShiftAssignmentFactory(shift=morning, user=colleague)
    ShiftFactory(
        activation=activation, title="Nuit", starts_at=_hour(20), ends_at=_hour(26)
    )
    return activation, volunteer, soon, morning


def test_volunteer_signs_up_then_checks_in_from_my_shifts(page, screenshot):
    activation, volunteer, soon, morning = _roster_fixture()
    log_in(page, "lea")
    # the roster: sign up for the morning watch
    page.goto(f"/a/{activation.slug}/roster/")
    expect(page.get_by_role("heading", name="Veille réseaux sociaux")).to_be_visible()
    page.locator(f"#shift-{morning.pk}").get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("You are on this shift.")).to_be_visible()
    # and for the shift that starts in 20 minutes
    page.locator(f"#shift-{soon.pk}").get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("You are on this shift.")).to_be_visible()
    assert ShiftAssignment.objects.filter(user=volunteer).count() == 2
    screenshot("roster-volunteer")
    # my shifts: check in for the one about to start
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My shifts"
    ).click()
    expect(page.get_by_role("heading", name="My shifts", level=1)).to_be_visible()
    assignment = ShiftAssignment.objects.get(user=volunteer, shift=soon)
    card = page.locator(f"#assignment-{assignment.pk}")
    card.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("Checked in. Have a good shift.")).to_be_visible()
    expect(card.get_by_text("On duty")).to_be_visible()
    expect(card.get_by_role("button", name="Check out")).to_be_visible()
    assignment.refresh_from_db()
    assert assignment.checked_in_at is not None
    screenshot("my-shifts")
    # coverage, seen from Montréal
    page.goto(f"/a/{activation.slug}/coverage/?hours=24")
    expect(page.get_by_text("uncovered hours in the next 24 h")).to_be_visible()
    expect(page.get_by_text("Your time (America/Montreal)")).to_be_visible()
    screenshot("coverage")
    # volunteer profile: add a language
    page.goto("/me/volunteer/")
    page.get_by_label("Language 1", exact=True).fill("fr")
    page.get_by_label("Level of language 1").select_option("native")
    page.get_by_label("Language 2", exact=True).fill("gcf")
    page.get_by_label("Level of language 2").select_option("working")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your volunteer profile has been saved.")).to_be_visible()
    assert set(
        VolunteerLanguage.objects.filter(profile__user=volunteer).values_list(
            "language", flat=True
        )
    ) == {"fr", "gcf"}
    screenshot("volunteer-profile")


def test_coordinator_plans_a_shift_in_the_activation_time_zone(page, screenshot):
    activation, _volunteer, _soon, morning = _roster_fixture()
    make_member(
        activation,
        Role.COORDINATOR,
        username="coord",
        first_name="Paul",
        last_name="Durand",
        timezone="Indian/Reunion",
    )
    log_in(page, "coord")
    page.goto(f"/a/{activation.slug}/roster/")
    # assign Léa to the morning watch
    shift_card = page.locator(f"#shift-{morning.pk}")
    shift_card.get_by_label("Member to assign").select_option(label="Léa Martin")
    shift_card.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Léa Martin is on this shift.")).to_be_visible()
    # add a shift, typed in Paris time by someone living in Réunion
    day = timezone.localdate() + dt.timedelta(days=1)
    form = page.locator("#add-shift")
    form.get_by_label("Title").fill("Relais messages officiels")
    form.get_by_label("Starts at").fill(f"{day.isoformat()}T09:00")
    form.get_by_label("Ends at").fill(f"{day.isoformat()}T13:00")
    form.get_by_label("Communication").check()
    form.get_by_label("People needed").fill("2")
    form.get_by_role("button", name="Add the shift").click()
    expect(page.get_by_text("The shift has been added.")).to_be_visible()
    shift = Shift.objects.get(title="Relais messages officiels")
    assert timezone.localtime(shift.starts_at, activation.tz).hour == 9
    page.goto(f"/a/{activation.slug}/roster/")
    screenshot("roster-coordinator")
