"""The map pages on the demo data, in Chromium, as the team lead and the liaison:
each page loads, draws, shows no script error, and leaves a screenshot to look at."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from mapping.models import Incident, ReferenceLayer
from tests.browser.support import log_in
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings, monkeypatch):
    monkeypatch.setenv("VOST_DEMO_PASSWORD", DEFAULT_PASSWORD)
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False


def _watch(page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.route("https://tile.openstreetmap.org/**", lambda r: r.abort())
    return errors


def test_the_team_leads_map_pages(page, screenshot, demo):
    errors = _watch(page)
    log_in(page, "chef-equipe")
    # the map: clusters or items, layers, incidents, legend
    page.goto(reverse("mapping:map", args=["demo"]))
    expect(page.locator("#opmap[data-state=ready]")).to_be_visible()
    expect(page.locator(".opmap-marker").first).to_be_visible()
    expect(page.locator(".leaflet-control-layers")).to_contain_text("Secteurs")
    screenshot("map-demo-team")
    # zoomed in on Lattes: the incident the three road reports form, and a popup
    page.locator(".opmap-legend").scroll_into_view_if_needed()
    for _ in range(3):
        target = page.locator(".opmap-dot.urgent").first.bounding_box()
        assert target is not None
        page.mouse.dblclick(target["x"] + 40, target["y"] + 10)
        page.wait_for_timeout(600)
        expect(page.locator("#opmap[data-state=ready]")).to_be_visible()
    expect(page.locator("#opmap")).to_have_attribute("data-zoom", "14")
    page.locator("[data-item]:has(.v-verified)").last.dispatch_event("click")
    expect(page.locator(".leaflet-popup-content .popup-summary")).not_to_be_empty()
    page.wait_for_timeout(400)  # the popup fades in
    screenshot("map-demo-team-zoomed")
    incident = Incident.objects.filter(activation__slug="demo").first()
    layer = ReferenceLayer.objects.filter(activation__slug="demo").first()
    for name, url in (
        ("map-demo-incidents", reverse("mapping:incident-list", args=["demo"])),
        (
            "map-demo-incident",
            reverse("mapping:incident-detail", args=["demo", incident.number]),
        ),
        ("map-demo-layers", reverse("mapping:layer-list", args=["demo"])),
        ("map-demo-layer", reverse("mapping:layer-detail", args=["demo", layer.pk])),
        ("map-demo-exports", reverse("mapping:export-list", args=["demo"])),
    ):
        response = page.goto(url)
        assert response.status == 200, url
        screenshot(name)
    assert errors == []


def test_the_liaisons_map(page, screenshot, demo):
    errors = _watch(page)
    log_in(page, "liaison")
    page.goto(reverse("mapping:map", args=["demo"]))
    expect(page.locator("#opmap[data-state=ready]")).to_be_visible()
    expect(page.locator("input[name=verification]")).to_have_count(0)
    screenshot("map-demo-liaison")
    assert errors == []
