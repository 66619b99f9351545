import subprocess
import sys

from django.urls import reverse

from tests.conftest import REPO


def test_french_and_english_catalogues_are_complete():
    result = subprocess.run(
        [sys.executable, "scripts/i18n.py", "check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_login_page_in_french_by_default(client, db):
    response = client.get(reverse("accounts:login"))
    assert '<html lang="fr">' in response.text
    assert "Se connecter" in response.text
    assert "Mot de passe oublié ?" in response.text
    assert "<span>VOST Hub</span>" in response.text  # not the host name


def test_login_page_in_english_from_the_browser(client, db):
    response = client.get(
        reverse("accounts:login"), headers={"Accept-Language": "en-GB,en;q=0.8"}
    )
    assert '<html lang="en">' in response.text
    assert "Forgotten your password?" in response.text
    assert "Se connecter" not in response.text


def test_signed_in_users_language_wins_over_the_browser(client, user_factory):
    user = user_factory(language="en")
    client.force_login(user)
    response = client.get(
        reverse("accounts:profile"), headers={"Accept-Language": "fr"}
    )
    assert "My account" in response.text
