"""A coordinator opens an activation under an agreement and keeps its log, in Chromium."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activations.models import Activation, ActivationMember, OrganisationMember
from tests.browser.support import log_in
from tests.closure.helpers import publish_final_report
from tests.factories import (
    AREA,
    ActivationFactory,
    AgreementFactory,
    AuthorityFactory,
    LogEntryFactory,
    OrganisationMemberFactory,
    UserFactory,
    VolunteerProfileFactory,
    VostTeamFactory,
    make_member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_opens_an_activation_and_writes_the_log(page, screenshot):
    # given a coordinator of a VOST team with an agreement in force
    team = VostTeamFactory(name="ESOV Hérault", short_name="ESOV 34")
    authority = AuthorityFactory(
        name="SDIS de l'Hérault", short_name="SDIS 34", managed_by=team
    )
    agreement = AgreementFactory(
        reference="CONV-34-2026", vost_team=team, authority=authority
    )
    coordinator = UserFactory(
        username="claire", first_name="Claire", last_name="Martin", language="en"
    )
    OrganisationMemberFactory(
        organisation=team, user=coordinator, role=OrganisationMember.Role.COORDINATOR
    )
    # and two earlier activations, one of them an exercise
    exercise = ActivationFactory(
        agreement=agreement,
        slug="exercice-seisme",
        title="Exercice séisme Montpellier",
        kind=Activation.Kind.EXERCISE,
        status=Activation.Status.STANDBY,
    )
    ActivationFactory(
        agreement=agreement,
        slug="feux-garrigue",
        title="Feux de garrigue",
        kind=Activation.Kind.WATCH,
        status=Activation.Status.REQUESTED,
        activated_at=None,
        requested_at=timezone.now() - dt.timedelta(hours=3),
    )
    make_member(exercise, ActivationMember.Role.VOLUNTEER)
    # a team member who accepted the charter, and someone from elsewhere
    ines = UserFactory(username="ines", first_name="Inès", last_name="Garcia")
    OrganisationMemberFactory(organisation=team, user=ines)
    VolunteerProfileFactory(user=ines)
    UserFactory(username="outsider", first_name="Olivier", last_name="Dehors")

    # when the coordinator signs in and looks at the activations
    log_in(page, "claire")
    page.get_by_role("link", name="Activations", exact=True).first.click()
    expect(page.get_by_role("heading", name="Activations", exact=True)).to_be_visible()
    expect(page.get_by_text("Exercice séisme Montpellier")).to_be_visible()
    screenshot("activation-list")

    # and opens a new one under the agreement
    page.get_by_role("link", name="Open an activation").click()
    expect(page.get_by_role("heading", name="Open an activation")).to_be_visible()
    page.get_by_label("Agreement").select_option(str(agreement.pk))
    page.get_by_label("Title").fill("Crue du Lez")
    page.get_by_label("Short name (slug)").fill("crue-lez-2026")
    page.get_by_label("Kind").select_option("crisis")
    page.get_by_label("Requested by").fill("CODIS 34, officier CTA")
    page.get_by_label("Requester's phone or email").fill("+33 4 67 00 00 00")
    page.get_by_label("Social-media monitoring").check()
    page.get_by_label("Verification").check()
    page.get_by_label("Mapping").check()
    area = page.locator("#id_area")
    area.fill(AREA.geojson)
    area.dispatch_event("change")  # map.js redraws the area from the field
    page.get_by_label("Objectives").fill(
        "Repérer les signalements de personnes isolées et les rumeurs."
    )
    page.get_by_label("Escalation criteria").fill(
        "Toute personne en danger : appel immédiat au CODIS."
    )
    page.get_by_label("Report every (hours)").fill("4")
    page.get_by_label("English (en)").check()
    page.get_by_label("Open it now").check()
    expect(page.locator(".map-editor .leaflet-interactive").first).to_be_attached()
    page.wait_for_timeout(600)
    screenshot("activation-create")
    page.get_by_role("button", name="Record the activation").click()

    # then they land on the overview of the open activation
    expect(page.get_by_role("heading", name="Crue du Lez")).to_be_visible()
    expect(page.get_by_text("Activation “Crue du Lez” opened.")).to_be_visible()
    activation = Activation.objects.get(slug="crue-lez-2026")
    assert activation.status == Activation.Status.ACTIVE
    assert activation.area.equals(AREA)
    expect(page.locator(".leaflet-interactive").first).to_be_attached()
    page.wait_for_timeout(600)  # let the map finish zooming to the area
    screenshot("activation-overview")

    # the members page
    page.get_by_role("navigation", name="Activation").get_by_role(
        "link", name="Members"
    ).click()
    page.get_by_label("Username").fill("ines")
    page.get_by_role("combobox", name="Role", exact=True).select_option("team_lead")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Inès Garcia is Team lead.")).to_be_visible()
    # a person outside the teams is refused with the reason
    page.get_by_label("Username").fill("outsider")
    page.get_by_role("combobox", name="Role", exact=True).select_option("volunteer")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("is not in a VOST team of this activation")).to_be_visible()
    screenshot("activation-members")

    # the log: add an entry, then a correction of it
    page.get_by_role("navigation", name="Activation").get_by_role(
        "link", name="Log"
    ).click()
    page.get_by_role("textbox", name="Entry", exact=True).fill(
        "Point de situation : 3 signalements à Lattes."
    )
    page.get_by_label("Decision").check()
    page.get_by_role("button", name="Add to the log").click()
    expect(page.get_by_text("added to the log")).to_be_visible()
    expect(
        page.locator(".log-text", has_text="3 signalements à Lattes")
    ).to_be_visible()
    entry = activation.log_entries.get(kind="decision")
    page.locator(f"#entry-{entry.pk}").get_by_role("link", name="Correct").click()
    expect(
        page.get_by_role("heading", name=f"Correct entry #{entry.pk}")
    ).to_be_visible()
    screenshot("activation-log-correct")
    page.get_by_label("Corrected text").fill(
        "Point de situation : 4 signalements à Lattes."
    )
    page.get_by_role("button", name="Add the correction").click()
    expect(page.get_by_text("Corrected by")).to_be_visible()
    for i in range(3):
        LogEntryFactory(activation=activation, author=coordinator, text=f"Veille {i}")
    page.reload()
    screenshot("activation-log")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("activation-log-mobile")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert activation.log_entries.filter(corrects=entry).count() == 1

    # the settings page, then closing the activation with a reason
    page.get_by_role("navigation", name="Activation").get_by_role(
        "link", name="Settings"
    ).click()
    expect(page.get_by_role("heading", name="How we work")).to_be_visible()
    page.wait_for_timeout(600)
    screenshot("activation-edit")
    publish_final_report(activation)  # closing needs a published final report
    page.get_by_text("Close…").click()
    page.get_by_label("Why is the activation closed?").fill(
        "Décrue confirmée, fin de la vigilance orange."
    )
    page.get_by_role("button", name="Close the activation").click()
    expect(page.locator(".closed-note")).to_contain_text(
        "Décrue confirmée, fin de la vigilance orange."
    )
    activation.refresh_from_db()
    assert activation.status == Activation.Status.CLOSED
    page.wait_for_timeout(600)
    screenshot("activation-closed")
