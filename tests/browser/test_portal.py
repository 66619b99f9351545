"""The liaison portal in Chromium: the liaison asks, a volunteer answers with a
linked item, the liaison reads the answer."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import Activation, ActivationMember
from tests.browser.support import log_in
from tests.factories import ActivationFactory, make_map_item, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role


def test_liaison_asks_volunteer_answers_with_an_item(page, screenshot):
    # given an exercise activation with a liaison, a volunteer and a verified item
    activation = ActivationFactory(
        slug="crue-34", title="Crue éclair Hérault", kind=Activation.Kind.EXERCISE
    )
    liaison = make_member(
        activation,
        Role.LIAISON,
        username="nadia",
        first_name="Nadia",
        last_name="Bernard",
    ).user
    volunteer = make_member(
        activation,
        Role.VOLUNTEER,
        username="lea",
        first_name="Léa",
        last_name="Garnier",
    ).user
    make_member(activation, Role.TEAM_LEAD)
    item = make_map_item(
        activation,
        summary="Pont de Brissac submergé, route D986 coupée",
        place_name="Brissac",
    )
    # when the liaison asks on the portal
    log_in(page, liaison.username)
    page.goto(reverse("portal:home"))
    expect(page.locator(".portal-activation")).to_contain_text("Crue éclair Hérault")
    screenshot("portal_home")
    page.get_by_role("link", name="Crue éclair Hérault").click()
    page.locator("#id_question").fill(
        "La D986 est-elle praticable entre Saint-Martin et Ganges ?"
    )
    page.locator("#ask button[type=submit]").click()
    expect(page.locator(".rfi-table")).to_contain_text("RFI 1")
    screenshot("portal_activation")
    # and a volunteer answers it, linking the item
    log_in(page, volunteer.username, fresh=True)
    page.goto(reverse("portal:rfi-list", args=[activation.slug]))
    screenshot("portal_rfi_list")
    page.get_by_role("link", name="RFI 1").click()
    page.locator("#id_answer").fill("Non : le pont de Brissac est submergé.")
    page.locator("#id_map_items").select_option(str(item.pk))
    screenshot("portal_rfi_answer_form")
    page.locator(".rfi-answer-form button[type=submit]").click()
    expect(page.locator(".rfi-answer-text")).to_contain_text("submergé")
    # then the liaison sees the answer with the linked item
    log_in(page, liaison.username, fresh=True)
    page.goto(reverse("portal:rfi-detail", args=[activation.slug, 1]))
    expect(page.locator(".rfi-answer-text")).to_contain_text(
        "le pont de Brissac est submergé"
    )
    expect(page.locator(".rfi-links")).to_contain_text("Pont de Brissac submergé")
    screenshot("portal_rfi_answered")
