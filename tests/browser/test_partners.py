"""A coordinator records an authority and an agreement with it, in Chromium."""

import json
import re

import pytest
from playwright.sync_api import expect

from activations.models import Agreement, Contact, Organisation, OrganisationMember
from tests.conftest import SCREENSHOTS
from tests.factories import (
    DEFAULT_PASSWORD,
    AgreementFactory,
    OrganisationMemberFactory,
    UserFactory,
    VostTeamFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TERRITORY = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Hérault"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [2.9, 43.2],
                        [4.2, 43.2],
                        [4.2, 43.97],
                        [2.9, 43.97],
                        [2.9, 43.2],
                    ]
                ],
            },
        }
    ],
}


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def _map_settled(page):
    page.wait_for_selector("path.leaflet-interactive")
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    page.wait_for_timeout(
        300
    )  # Leaflet ends a zoom on a timer when transitions are off


def test_coordinator_records_an_authority_and_an_agreement(page, screenshot, tmp_path):
    # given: a coordinator of one VOST team, reading English
    coordinator = UserFactory(
        username="claire", first_name="Claire", last_name="Dubois", language="en"
    )
    team = VostTeamFactory(name="ESOV Occitanie", short_name="ESOV Oc")
    OrganisationMemberFactory(
        organisation=team, user=coordinator, role=OrganisationMember.Role.COORDINATOR
    )
    # no map tiles from the internet during tests; no zoom animation in screenshots
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.emulate_media(reduced_motion="reduce")
    _sign_in(page, "claire")

    # the partners list, with the team only
    page.goto("/partners/")
    expect(page.get_by_role("heading", name="Partners", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="ESOV Occitanie")).to_be_visible()

    # a new authority
    page.get_by_role("link", name="New partner").click()
    expect(page.get_by_role("heading", name="New partner")).to_be_visible()
    page.get_by_label(re.compile(r"^Name")).fill(
        "Service départemental d’incendie et de secours de l’Hérault"
    )
    page.get_by_label("Short name").fill("SDIS 34")
    page.get_by_label("Kind").select_option("fire_rescue")
    page.get_by_label("Email").fill("codis@sdis34.fr")
    page.get_by_label("Phone").fill("+33 4 67 10 00 00")
    page.get_by_label("Website").fill("https://www.sdis34.fr")
    page.get_by_label("Address").fill("150 rue Supernova\n34570 Vailhauques")
    screenshot("partners-organisation-form")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text(
            "Service départemental d’incendie et de secours de l’Hérault has been recorded."
        )
    ).to_be_visible()
    authority = Organisation.objects.get(short_name="SDIS 34")
    assert authority.managed_by == team

    # a contact on it
    page.locator("#new-contact-name").fill("Standard CTA-CODIS")
    page.locator("#new-contact-role").fill("Salle opérationnelle")
    page.locator("#new-contact-phone").fill("+33 4 67 10 00 18")
    page.locator("#new-contact-hours").fill("24/7")
    page.get_by_role("button", name="Add the contact").click()
    expect(page.get_by_text("The contact has been saved.")).to_be_visible()
    screenshot("partners-organisation-detail")

    # an agreement with it, the territory from a GeoJSON file
    page.get_by_role("link", name="New agreement").click()
    expect(page.get_by_role("heading", name="New agreement")).to_be_visible()
    expect(page.get_by_role("combobox", name="Authority")).to_have_value(
        str(authority.pk)
    )
    page.get_by_label("Reference").fill("CONV-SDIS34-2026")
    page.get_by_label("Title").fill("Convention de partenariat ESOV / SDIS 34")
    page.get_by_label("Signed on").fill("2026-01-15")
    page.get_by_label("Valid from").fill("2026-02-01")
    page.get_by_label("Valid until").fill("2029-01-31")
    page.get_by_label("Social-media monitoring").check()
    page.get_by_label("Verification").check()
    page.get_by_label("Mapping").check()
    area = tmp_path / "herault.geojson"
    area.write_text(json.dumps(TERRITORY))
    page.get_by_label("or upload a file").set_input_files(str(area))
    page.get_by_label("Activation procedure").fill(
        "The CODIS duty officer calls the VOST coordinator on duty, "
        "then confirms by email with the area and the missions."
    )
    expect(page.locator(".leaflet-container")).to_have_count(1)
    _map_settled(page)  # the chosen file is previewed on the map
    screenshot("partners-agreement-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("has been saved as a draft")).to_be_visible()
    agreement = Agreement.objects.get(reference="CONV-SDIS34-2026")
    assert agreement.vost_team == team
    assert agreement.authority == authority
    assert agreement.territory.extent == pytest.approx((2.9, 43.2, 4.2, 43.97))

    # its page: terms, map, escalation list; then activate it
    expect(page.locator("[data-map].leaflet-container")).to_be_visible()
    expect(page.locator("path.leaflet-interactive")).to_have_count(1)
    page.locator("#new-contact-name").fill("Officier CODIS")
    page.locator("#new-contact-role").fill("Chef de salle")
    page.locator("#new-contact-phone").fill("+33 4 67 10 00 18")
    page.locator("#new-contact-position").fill("1")
    page.get_by_role("button", name="Add the contact").click()
    expect(page.get_by_text("The contact has been saved.")).to_be_visible()
    page.get_by_role("button", name="Activate").click()
    expect(
        page.get_by_text("Agreement CONV-SDIS34-2026 is now active.")
    ).to_be_visible()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    _map_settled(page)
    screenshot("partners-agreement-detail")

    # both lists
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Agreements"
    ).click()
    expect(page.get_by_role("link", name="CONV-SDIS34-2026")).to_be_visible()
    screenshot("partners-agreement-list")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Partners"
    ).click()
    expect(
        page.get_by_role(
            "link", name="Service départemental d’incendie et de secours de l’Hérault"
        )
    ).to_be_visible()
    screenshot("partners-organisation-list")


def test_empty_lists_explain_what_to_do(page, screenshot):
    UserFactory(username="nina", language="en")
    _sign_in(page, "nina")
    page.goto("/partners/")
    expect(
        page.get_by_text("You do not belong to any organisation yet")
    ).to_be_visible()
    screenshot("partners-organisation-list-empty")
    page.goto("/agreements/")
    expect(page.get_by_role("heading", name="No agreement to show yet")).to_be_visible()
    screenshot("partners-agreement-list-empty")


def test_partner_pages_fit_a_phone(browser, live_server):
    # given: a coordinator, an agreement with a long reference and contact
    agreement = AgreementFactory(reference="CONV-SDIS34-2026-AVENANT-N2")
    Contact.objects.create(
        agreement=agreement,
        kind=Contact.Kind.ESCALATION,
        name="Officier CODIS de permanence",
        email="officier.codis.permanence@sdis34.fr",
        position=1,
    )
    coordinator = UserFactory(username="zoe", language="en")
    OrganisationMemberFactory(
        organisation=agreement.vost_team,
        user=coordinator,
        role=OrganisationMember.Role.COORDINATOR,
    )
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        locale="en-GB",
        reduced_motion="reduce",
    )
    page = context.new_page()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("zoe")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    # when / then: no page scrolls sideways
    for name, url in [
        ("partners-organisation-detail-mobile", f"/partners/{agreement.authority.pk}/"),
        ("partners-agreement-detail-mobile", f"/agreements/{agreement.pk}/"),
        ("partners-agreement-list-mobile", "/agreements/"),
    ]:
        page.goto(url)
        if "agreements/" in url and url != "/agreements/":
            _map_settled(page)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, url
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()
