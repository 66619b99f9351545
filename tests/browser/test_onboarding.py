"""Onboarding in Chromium: an invited volunteer opens the link from the email, sets a
username and password and lands signed in; the coordinator's pages render."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import OrganisationMember
from onboarding import services
from tests.browser.support import log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    OrganisationMemberFactory,
    UserFactory,
    VolunteerProfileFactory,
    VostTeamFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invited_volunteer_accepts_and_lands_signed_in(page, screenshot):
    # given a coordinator's invitation, mailed
    team = VostTeamFactory(name="ESOV Hérault")
    coordinator = UserFactory(username="claire")
    OrganisationMemberFactory(
        organisation=team, user=coordinator, role=OrganisationMember.Role.COORDINATOR
    )
    services.invitation_create(
        team=team, email="nina@example.org", invited_by=coordinator
    )
    token = re.search(r"/join/([\w-]+)/", mail.outbox[-1].body).group(1)
    # when the volunteer opens the link and creates the account
    page.goto(reverse("onboarding:accept", args=[token]), timeout=120_000)
    expect(page.locator("h1")).to_contain_text("ESOV Hérault")
    page.locator("#id_first_name").fill("Nina")
    page.locator("#id_last_name").fill("Nouvelle")
    page.locator("#id_username").fill("nina")
    page.locator("#id_password1").fill(DEFAULT_PASSWORD)
    page.locator("#id_password2").fill(DEFAULT_PASSWORD)
    screenshot("onboarding_accept")
    page.locator(".auth-card button[type=submit]").click()
    # then they are signed in on the dashboard
    expect(page.locator("form.logout")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("ESOV Hérault")
    screenshot("onboarding_accepted")
    # and the link cannot be used again
    page.context.clear_cookies()
    page.goto(reverse("onboarding:accept", args=[token]))
    expect(page.locator(".onboarding-refusal")).to_contain_text("déjà été utilisée le")
    screenshot("onboarding_reused")


def test_the_coordinator_pages_render(page, screenshot):
    team = VostTeamFactory(name="ESOV Hérault")
    coordinator = UserFactory(username="claire")
    OrganisationMemberFactory(
        organisation=team, user=coordinator, role=OrganisationMember.Role.COORDINATOR
    )
    volunteer = UserFactory(username="vol")
    OrganisationMemberFactory(organisation=team, user=volunteer)
    VolunteerProfileFactory(user=volunteer, skills=["monitoring", "translation"])
    services.application_submit(
        team=team,
        name="Paul Postulant",
        email="paul@example.org",
        motivation="Je suis les réseaux pendant les crues.",
        languages=["fr", "en"],
        skills=["monitoring"],
    )
    services.invitation_create(
        team=team, email="nina@example.org", invited_by=coordinator
    )
    log_in(page, "claire")
    page.goto(reverse("onboarding:home"))
    expect(page.locator(".onboarding-application")).to_have_count(1)
    screenshot("onboarding_home")
    page.goto(reverse("onboarding:readiness", args=[team.pk]))
    expect(page.locator("tfoot [data-row=total]").first).to_be_visible()
    screenshot("onboarding_readiness")
    page.goto(reverse("onboarding:training", args=[team.pk]))
    screenshot("onboarding_training")
    page.context.clear_cookies()
    page.goto(reverse("onboarding:apply", args=[team.pk]))
    expect(page.locator("#id_website")).not_to_be_in_viewport()
    screenshot("onboarding_apply")
