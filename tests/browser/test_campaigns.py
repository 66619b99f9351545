"""Prevention campaigns in Chromium: the library, and a liaison approving a campaign."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from activations.models import ActivationMember
from campaigns import services
from campaigns.models import PreventionMessage
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def test_library_and_liaison_approval(page, screenshot, settings):
    settings.VOST_RELAY_MASTODON_URL = ""
    # the shared library comes from a data migration, which transactional tests flush
    seed_library = importlib.import_module(
        "campaigns.migrations.0002_seed_prevention_messages"
    ).seed
    seed_library(django_apps, None)
    activation = ActivationFactory(slug="veille-34", title="Veille Hérault")
    coordinator = make_member(activation, Role.COORDINATOR, username="camille").user
    liaison = make_member(activation, Role.LIAISON, username="lea").user
    messages = list(
        PreventionMessage.objects.filter(team=None, risk__in=["flood", "heat_wave"])
    )
    start = timezone.now() + dt.timedelta(days=1)
    campaign = services.campaign_create(
        team=activation.lead_team,
        agreement=activation.agreement,
        by=coordinator,
        title="Crues et canicule",
        messages=messages,
        channels=["mastodon", "bluesky"],
        times=[start],
    )
    log_in(page, coordinator.username)
    page.goto(reverse("campaigns:list"))
    expect(page.locator(".campaigns-message")).to_have_count(12)
    screenshot("campaigns_list")

    log_in(page, liaison.username, fresh=True)
    page.goto(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    expect(page.locator(".campaigns-awaiting")).to_be_visible()
    page.locator(
        f"form[action='{reverse('campaigns:campaign-approve', args=[campaign.pk])}'] button"
    ).click()
    expect(page.locator(".campaigns-approved")).to_be_visible()
    expect(page.locator(".campaigns-status-scheduled")).to_have_count(8)
    screenshot("campaigns_detail_approved")
