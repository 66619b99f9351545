"""The operational map in Chromium: an item verified while the map is open appears
by itself with the right popup; the liaison's map shows verified items only."""

import re

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import ActivationMember
from mapping.views import map as map_views
from tests.browser.support import log_in
from tests.factories import (
    ActivationFactory,
    make_map_item,
    make_member,
)
from tests.verification.cases_support import open_case, proposed
from verification.services import cases as services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def _block_tiles(page):
    page.context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())


def test_a_newly_verified_item_appears_with_its_popup(page, screenshot, monkeypatch):
    # given a team lead watching the map, which refreshes every 2 s here
    monkeypatch.setattr(map_views, "REFRESH_SECONDS", 2)
    activation = ActivationFactory(slug="crue-34", title="Crue éclair Hérault")
    lead = make_member(activation, Role.TEAM_LEAD, username="lea").user
    volunteer = make_member(activation, Role.VOLUNTEER).user
    reviewer = make_member(activation, Role.TEAM_LEAD).user
    make_map_item(activation, verification="unchecked", lon=3.85, lat=43.62)
    _block_tiles(page)
    log_in(page, lead.username)
    page.goto(reverse("mapping:map", args=[activation.slug]))
    expect(page.locator("#opmap[data-state=ready]")).to_be_visible()
    expect(page.locator("[data-item]")).to_have_count(1)
    # when a case on a new item is located, proposed and confirmed by a second person
    case = open_case(
        activation,
        volunteer,
        text="Le pont de Lavalette est effondré <img src=x onerror=alert(1)>",
    )
    case = services.case_locate(
        case=case,
        by=volunteer,
        point=Point(3.88, 43.6, srid=4326),
        radius_m=200,
        source="map",
        place_name="Lavalette",
        version=case.version,
    )
    case = proposed(case, volunteer)
    services.case_review(case=case, by=reviewer, approve=True, version=case.version)
    # then it appears without a reload, filled as verified
    marker = page.locator(f"[data-item='{case.cluster_id}']")
    expect(marker).to_be_visible(timeout=10_000)
    expect(marker.locator(".opmap-dot")).to_have_class("opmap-dot v-verified")
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Le pont de Lavalette est effondré <img src=x")
    expect(popup.locator(".popup-verification")).to_have_class(
        "chip popup-verification v-verified"
    )
    expect(popup.locator("img")).to_have_count(0)  # the post's HTML stays text
    expect(popup.locator("a.popup-case")).to_have_attribute(
        "href", reverse("verification:case-detail", args=[activation.slug, case.number])
    )
    expect(popup).to_contain_text("Lavalette")
    screenshot("map-team-popup")


def test_the_liaison_sees_verified_items_only(page, screenshot):
    # given
    activation = ActivationFactory(slug="crue-34", title="Crue éclair Hérault")
    liaison = make_member(activation, Role.LIAISON, username="prefecture").user
    verified = make_map_item(activation, urgent=True)
    make_map_item(activation, verification="in_progress", lon=3.9)
    _block_tiles(page)
    # when
    log_in(page, liaison.username)
    page.goto(reverse("mapping:map", args=[activation.slug]))
    # then
    expect(page.locator("#opmap[data-state=ready]")).to_be_visible()
    expect(page.locator("[data-item]")).to_have_count(1)
    expect(page.locator(f"[data-item='{verified.cluster_id}']")).to_be_visible()
    expect(page.locator("input[name=verification]")).to_have_count(0)
    screenshot("map-liaison")


BLIND_SPOTS = re.compile("Blind spots|Angles morts")


def test_blind_spots_overlay_shows_the_silent_towns(page, screenshot):
    from monitoring.models import Place

    activation = ActivationFactory(slug="crue-blind", title="Crue angles morts")
    lead = make_member(activation, Role.TEAM_LEAD, username="lea").user
    liaison = make_member(activation, Role.LIAISON, username="lia").user
    Place.objects.create(
        source="insee",
        code="34129",
        name="Lattes",
        normalized="lattes",
        population=17000,
        location=Point(3.90, 43.57),
    )
    _block_tiles(page)
    log_in(page, lead.username)
    page.goto(reverse("mapping:map", args=[activation.slug]))
    overlay = page.locator(
        ".leaflet-control-layers-overlays label", has_text=BLIND_SPOTS
    )
    expect(overlay).to_be_visible()
    overlay.locator("input").check()
    cell = page.locator("path.leaflet-interactive[fill='#5f6b7a']")
    expect(cell).to_have_count(1)
    cell.hover()
    expect(page.locator(".opmap-blind-spot")).to_contain_text("Lattes")
    screenshot("map_blind_spots")
    # liaisons do not get the overlay (signals are the team's working material)
    log_in(page, liaison.username, fresh=True)
    page.goto(reverse("mapping:map", args=[activation.slug]))
    expect(page.locator(".leaflet-control-layers-overlays")).to_be_visible()
    expect(
        page.locator(".leaflet-control-layers-overlays label", has_text=BLIND_SPOTS)
    ).to_have_count(0)
