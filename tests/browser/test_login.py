"""A person signs in, sets their preferences and switches language, in Chromium."""

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_edit_profile_and_switch_language(page, screenshot):
    UserFactory(
        username="camille", first_name="Camille", last_name="Moreau", language="fr"
    )
    # the login page, in French
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    screenshot("login-fr")
    page.get_by_label("Nom d’utilisateur").fill("camille")
    page.get_by_label("Mot de passe").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    # the dashboard greets them, then the account page
    expect(page.get_by_role("heading", name="Bonjour Camille Moreau")).to_be_visible()
    screenshot("dashboard-fr")
    page.get_by_role("link", name="Camille Moreau").click()
    expect(page.get_by_role("heading", name="Mon compte")).to_be_visible()
    page.get_by_label("Fuseau horaire").select_option("America/Cayenne")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Votre profil a été enregistré.")).to_be_visible()
    expect(page.get_by_text("Heures en America/Cayenne")).to_be_visible()
    screenshot("profile-fr")
    # switch to English
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    screenshot("profile-en")
    # log out with the keyboard only
    page.get_by_role("button", name="Log out").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot("login-en")


def test_mobile_layout_keeps_the_form_usable(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="en-GB"
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    box = page.get_by_role("button", name="Log in").bounding_box()
    assert box is not None
    assert box["width"] > 250
    page.screenshot(
        path=str(
            __import__("tests.conftest", fromlist=["SCREENSHOTS"]).SCREENSHOTS
            / "login-mobile.png"
        ),
        full_page=True,
    )
    context.close()
