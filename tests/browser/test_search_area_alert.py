"""Search in a browser, continued: an area drawn on the map narrows the results,
and a followed saved search alerts its followers when new posts match (real
Celery worker running the beat task)."""

import time

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Notification
from activations.models import ActivationMember
from search import tasks
from search.models import SavedSearch
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_item, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def test_area_drawn_on_the_map_limits_the_results(page, screenshot):
    activation = ActivationFactory(slug="crue-area", title="Crue Montpellier")
    lead = make_member(activation, Role.TEAM_LEAD, username="lea").user
    # the activation area is a 0.2-degree square around (3.88, 43.61)
    make_item(activation, text="Pont coupé à l'ouest", location=Point(3.80, 43.61))
    make_item(activation, text="Pont coupé à l'est", location=Point(3.96, 43.61))
    log_in(page, lead.username)
    page.goto(reverse("search:search", args=[activation.slug]) + "?q=pont")
    expect(page.locator(".search-hit")).to_have_count(2)
    page.locator(".search-area summary").click()
    expect(page.locator(".search-area-map .leaflet-draw-draw-polygon")).to_be_visible()
    # What the drawing tools write into the form: Leaflet.draw 1.0.4 takes no
    # synthetic mouse clicks in headless Chromium (it reports touch support), so the
    # test writes the western half of the area and checks the editor shows it.
    west = {
        "type": "MultiPolygon",
        "coordinates": [
            [
                [
                    [3.77, 43.50],
                    [3.88, 43.50],
                    [3.88, 43.72],
                    [3.77, 43.72],
                    [3.77, 43.50],
                ]
            ]
        ],
    }
    page.evaluate(
        """(geojson) => {
            const field = document.getElementById("id_area");
            field.value = JSON.stringify(geojson);
            field.dispatchEvent(new Event("change"));
        }""",
        west,
    )
    expect(page.locator(".search-area-map path.leaflet-interactive")).to_have_count(1)
    screenshot("search_area_drawn")
    page.locator(".search-words button[type=submit]").click()
    expect(page.locator(".search-hit")).to_have_count(1)
    expect(page.locator(".search-hit")).to_contain_text("l'ouest")
    expect(page.locator(".search-area summary")).to_contain_text("area")
    screenshot("search_area_results")


@pytest.mark.celery_worker
def test_followed_saved_search_alerts_on_new_matches(page, screenshot, celery_worker):
    activation = ActivationFactory(slug="crue-alert", title="Crue alertes")
    lead = make_member(activation, Role.TEAM_LEAD, username="lea").user
    make_item(activation, text="Digue fissurée près du camping")
    log_in(page, lead.username)
    page.goto(reverse("search:search", args=[activation.slug]) + "?q=digue")
    expect(page.locator(".search-hit")).to_have_count(1)
    page.locator("input[name=name]").first.fill("Digues")
    page.locator(".save-search button").click()
    expect(page.locator(".saved.current")).to_contain_text("Alerts on")
    saved = SavedSearch.objects.get(activation=activation, name="Digues")
    assert list(saved.followers.all()) == [lead]

    # a matching post and a non-matching one arrive, then the beat task runs
    make_item(activation, text="La digue du Lez a cédé, quartier évacué")
    make_item(activation, text="Coupure de courant rue Foch")
    tasks.run_saved_searches.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Notification.objects.filter(user=lead, kind="saved_search_match").exists():
            break
        time.sleep(0.2)
    note = Notification.objects.get(user=lead, kind="saved_search_match")
    assert "1" in note.title
    assert "Digues" in note.title
    assert "cédé" in note.body
    assert "courant" not in note.body

    page.reload()
    expect(page.locator(".notif-link .badge")).to_have_text("1")
    page.locator(".notif-link").click()
    expect(page.locator("main")).to_contain_text("Digues")
    screenshot("search_alert_notification")
    # running the task again alerts nobody twice
    tasks.check_saved_search.delay(saved.pk).get(timeout=30)
    assert (
        Notification.objects.filter(user=lead, kind="saved_search_match").count() == 1
    )
