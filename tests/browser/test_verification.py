"""Verification with four-eyes review, in Chromium: a volunteer proposes "verified",
the case waits for a second reviewer, a team lead confirms it."""

import pytest
from django.templatetags.static import static
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import ActivationMember
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_item, make_member
from verification.models import Case
from verification.services import cases as services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def _fixture(live_server_url):
    """A flood activation with a volunteer, a team lead and three cases."""
    activation = ActivationFactory(
        slug="crue-34", title="Crue éclair Hérault", timezone="Europe/Paris"
    )
    volunteer = make_member(
        activation,
        Role.VOLUNTEER,
        username="valentin",
        first_name="Valentin",
        last_name="Morel",
    ).user
    make_member(
        activation,
        Role.TEAM_LEAD,
        username="lea",
        first_name="Léa",
        last_name="Garnier",
    )
    image = live_server_url + static("img/favicon.svg")
    bridge = make_item(
        activation,
        text="Le pont de Lavalette vient de s'effondrer !! Photo prise il y a 5 min "
        "<script>alert('x')</script>",
        category="infrastructure",
        url="https://mastodon.example/@temoin34/1",
        author_handle="@temoin34@mastodon.example",
        author_name="Témoin 34",
        author_meta={
            "followers_count": 87,
            "following_count": 120,
            "statuses_count": 431,
            "created_at": "2025-11-02T10:00:00Z",
        },
        media=[
            {
                "type": "image",
                "url": image,
                "preview_url": image,
                "description": "Le pont",
            },
            {
                "type": "video",
                "url": "https://files.example/v.mp4",
                "preview_url": image,
            },
        ],
    )
    case = services.case_open(
        activation=activation,
        by=volunteer,
        claim="Le pont de Lavalette (Montpellier) s'est effondré ce matin.",
        cluster=bridge,
    )
    services.case_open(
        activation=activation,
        by=volunteer,
        claim="Des pillages auraient lieu dans les maisons évacuées à Lattes.",
        cluster=make_item(activation, text="Pillages à Lattes ??"),
    )
    services.case_open(
        activation=activation,
        by=volunteer,
        claim="La préfecture aurait ordonné l'évacuation de tout Palavas.",
    )
    # populate the URL resolver here, not during the first page load of the test
    reverse("verification:case-list", args=[activation.slug])
    return activation, case


def test_a_verdict_waits_for_a_second_reviewer(page, live_server, screenshot):
    # given
    activation, case = _fixture(live_server.url)
    base = f"/a/{activation.slug}/cases/"

    # when: the volunteer opens the list and the case
    log_in(page, "valentin")
    page.goto(base)
    expect(page.get_by_role("heading", name="Verification cases")).to_be_visible()
    expect(page.locator(".case-table tbody tr")).to_have_count(3)
    screenshot("verification-list")
    page.get_by_role("link", name="Le pont de Lavalette (Montpellier)").click()
    expect(page.get_by_role("heading", name=f"Case #{case.number}")).to_be_visible()
    expect(page.locator("#case-status")).to_have_text("Unverified")
    # the post's text is shown, not run
    expect(page.get_by_text("<script>alert('x')</script>", exact=False)).to_be_visible()
    lens = page.get_by_role("link", name="Google Lens").first
    expect(lens).to_have_attribute("target", "_blank")
    expect(lens).to_have_attribute("rel", "noopener noreferrer")
    expect(
        page.locator("#case-map .leaflet-container, #case-map.leaflet-container")
    ).to_have_count(1)
    screenshot("verification-case-open")

    # when: evidence, then a click on the map, then the proposal
    page.get_by_label("Check").select_option("official")
    page.get_by_label("Finding").select_option("supports")
    page.get_by_label("Link").fill(
        "https://www.herault.gouv.fr/actualites/pont-lavalette"
    )
    page.locator("#evidence-note").fill(
        "Communiqué de la préfecture : pont fermé après effondrement partiel."
    )
    page.get_by_role("button", name="Add evidence").last.click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    expect(page.locator(".evidence-list li")).to_have_count(1)
    page.locator("#case-map").click(position={"x": 160, "y": 120})
    expect(page.locator("#locate-lon")).not_to_have_value("")
    page.get_by_role("button", name="Save the location").click()
    expect(page.get_by_text("Location saved.")).to_be_visible()
    page.get_by_label("Verified").check()
    page.get_by_label("Reasoning").fill(
        "Confirmé par la préfecture et par deux autres témoins."
    )
    page.get_by_role("button", name="Propose").click()

    # then: it waits for someone else
    expect(
        page.get_by_text("Verdict proposed: it now waits for a second reviewer.")
    ).to_be_visible()
    expect(page.get_by_text("Waiting for a second, different reviewer")).to_be_visible()
    expect(
        page.get_by_text(
            "You proposed this verdict; a second, different reviewer must confirm it."
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name="Confirm “Verified”")).to_have_count(0)
    expect(page.locator("#case-status")).to_have_text("In progress")
    screenshot("verification-awaiting-review")

    # when: the team lead logs in
    page.get_by_role("button", name="Log out").click()
    log_in(page, "lea")
    page.goto(base)
    expect(page.get_by_text("1 verdict waits for your review.")).to_be_visible()
    expect(page.locator("tr.row-awaiting-me")).to_have_count(1)
    screenshot("verification-list-awaiting-me")
    page.locator("tr.row-awaiting-me .claim-link").click()
    page.get_by_label("Your note").fill("Vérifié avec le communiqué officiel.")
    page.get_by_role("button", name="Confirm “Verified”").click()

    # then
    expect(page.get_by_text("Verdict confirmed: the case is closed.")).to_be_visible()
    expect(page.locator("#case-status")).to_have_text("Verified")
    expect(page.get_by_text("Confirmed by", exact=True)).to_be_visible()
    screenshot("verification-verified")
    case.refresh_from_db()
    assert case.status == Case.Status.VERIFIED
    assert case.proposed_by.username == "valentin"
    assert case.reviewed_by.username == "lea"
