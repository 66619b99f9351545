"""Public help in Chromium: a volunteer records a need and an offer, matches them
from the board's suggestion, and copies a filled reply template."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import ActivationMember
from publichelp import services
from publichelp.models import AidEntry
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_member
from tests.publichelp.support import XSS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def _record(page, slug, *, kind, category, description, lat, lon, place):
    page.goto(reverse("publichelp:entry-new", args=[slug]) + f"?kind={kind}")
    page.locator("#id_category").select_option(category)
    page.locator("#id_description").fill(description)
    page.locator("#id_place_name").fill(place)
    page.locator("#id_lat").fill(lat)
    page.locator("#id_lon").fill(lon)
    page.locator(".entry-form button.btn-primary").click()
    expect(page.locator(".aid-description")).to_be_visible()


def test_volunteer_records_matches_and_copies_a_reply(page, screenshot):
    # given a volunteer of an exercise, and the library of replies
    activation = ActivationFactory(
        slug="crue-34", title="Crue éclair Hérault", kind="exercise"
    )
    volunteer = make_member(activation, Role.VOLUNTEER, username="vol").user
    lead = make_member(activation, Role.TEAM_LEAD).user
    services.reply_library_seed()
    services.reply_values_save(
        activation=activation,
        by=lead,
        official_url="https://www.herault.gouv.fr/",
        emergency_number="112",
        shelter="Gymnase Jean-Bouin, Lattes",
        authority="Préfecture de l’Hérault",
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, volunteer.username)
    # when they record a need (with a phone number and markup) and a nearby offer
    page.goto(reverse("publichelp:entry-new", args=[activation.slug]) + "?kind=need")
    expect(page.locator(".privacy-warning")).to_be_visible()
    screenshot("publichelp-entry-form")
    _record(
        page,
        activation.slug,
        kind="need",
        category="shelter",
        description=f"Famille de 4 sans logement {XSS} rappeler 06 12 34 56 78",
        lat="43.6108",
        lon="3.8767",
        place="Montpellier",
    )
    _record(
        page,
        activation.slug,
        kind="offer",
        category="shelter",
        description="Chambre d’amis pour 4 personnes, 2 nuits",
        lat="43.5700",
        lon="3.9100",
        place="Lattes",
    )
    need = AidEntry.objects.get(kind="need")
    offer = AidEntry.objects.get(kind="offer")
    assert "[phone removed]" in need.description
    # then the board shows both, the offer suggested for the need
    page.goto(reverse("publichelp:home", args=[activation.slug]))
    card = page.locator(f"#entry-{need.pk}")
    expect(card.locator(".aid-description")).to_contain_text("<script>alert")
    expect(page.locator("img[src=x]")).to_have_count(0)
    suggestion = card.locator(f".aid-suggestion[data-offer='{offer.pk}']")
    expect(suggestion).to_be_visible()
    expect(page.locator(".exercise-banner")).to_be_visible()
    screenshot("publichelp-board")
    # when they match them
    suggestion.locator("button").click()
    # then both are matched
    expect(page.locator("h2 .aid-badge-matched")).to_be_visible()
    screenshot("publichelp-entry-matched")
    need.refresh_from_db()
    assert (need.status, need.matched_with_id) == ("matched", offer.pk)
    # and they copy a filled reply template
    page.goto(
        reverse("publichelp:replies", args=[activation.slug])
        + "?situation=shelter&language=fr"
    )
    reply = page.locator(".reply-card").first
    expect(reply.locator(".reply-text")).to_contain_text("Gymnase Jean-Bouin, Lattes")
    reply.locator(".js-copy").click()
    expect(reply.locator(".js-copy")).to_have_attribute("data-copied", "true")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Gymnase Jean-Bouin, Lattes" in copied
    assert "{shelter}" not in copied
    screenshot("publichelp-replies")
    page.goto(reverse("publichelp:replies", args=[activation.slug]))
    screenshot("publichelp-replies-all")
