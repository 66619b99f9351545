"""Search page in a browser: highlighted results, hostile text shown as text,
saving a search."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import ActivationMember
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_item, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def test_search_highlights_and_saves(page, screenshot):
    activation = ActivationFactory(slug="crue-34", title="Crue éclair Hérault")
    lead = make_member(activation, Role.TEAM_LEAD, username="lea").user
    make_item(activation, text="Évacuation de l'école Jules Ferry, rue inondée")
    make_item(activation, text="<img src=x onerror=alert(1)> évacuation en cours")
    make_item(activation, text="Roads flooded near the bridge", lang="en")
    log_in(page, lead.username)
    page.goto(reverse("search:search", args=[activation.slug]) + "?q=evacuation")
    expect(page.locator(".search-hit")).to_have_count(2)
    expect(page.locator(".hit-text mark").first).to_have_text(
        re.compile("évacuation", re.IGNORECASE)
    )
    expect(page.locator(".hit-text img")).to_have_count(0)
    screenshot("search_results")
    page.locator("input[name=name]").first.fill("Évacuations")
    page.locator(".save-search button").click()
    expect(page.locator(".saved.current")).to_contain_text("Évacuations")
    page.goto(reverse("search:search", args=[activation.slug]) + "?q=%26%26%26")
    expect(page.locator(".search-error")).to_be_visible()
    screenshot("search_error")
