"""The emerging signals page in Chromium: a detected surge with its sparkline and
escaped samples, the blind-spot map, confirm and dismiss."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import ActivationMember
from monitoring.models import Place
from signals import services
from signals.detector import Event
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_member
from tests.signals.support import add_posts
from tests.signals.test_detector import steady_stream, surge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def test_a_volunteer_reviews_a_surge_and_sees_the_blind_spots(page, screenshot):
    activation = ActivationFactory(slug="crue-34", title="Crue éclair Hérault")
    volunteer = make_member(activation, Role.VOLUNTEER, username="vic").user
    now = dt.datetime.now(dt.UTC)
    add_posts(
        activation, steady_stream(now - dt.timedelta(hours=6), hours=6, per_minute=2)
    )
    add_posts(activation, surge(now - dt.timedelta(minutes=9), minutes=9, per_minute=3))
    add_posts(
        activation,
        [
            Event(
                at=now - dt.timedelta(minutes=1),
                text="#crue <img src=x onerror=alert(1)>",
            )
        ],
    )
    Place.objects.create(
        source="insee",
        code="34129",
        name="Lattes",
        normalized="lattes",
        population=17000,
        location=Point(3.90, 43.57),
    )
    services.signals_detect(activation=activation, now=now)
    page.context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog), dialog.dismiss()))
    log_in(page, volunteer.username)
    page.goto(reverse("signals:list", args=[activation.slug]))
    card = page.locator("article.signal").filter(
        has=page.get_by_role("heading", name="Hashtag #crue")
    )
    expect(card).to_be_visible()
    expect(card.locator("svg.sparkline polyline")).to_have_count(1)
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator(".blind-spot-list li")).to_contain_text(
        "17000 inhabitants (Lattes)"
    )
    screenshot("signals_list")
    card.get_by_role("button", name="Confirm").click()
    expect(card).to_have_class("card signal signal-confirmed")
    expect(card.get_by_role("button", name="Confirm")).to_have_count(0)
    lez = page.locator("article.signal").filter(
        has=page.get_by_role("heading", name="Term lez")
    )
    lez.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_text("Signal dismissed.")).to_be_visible()
    expect(lez).to_have_count(0)
    expect(card).to_be_visible()
    screenshot("signals_reviewed")
    assert dialogs == []
