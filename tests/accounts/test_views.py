import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import ApiToken, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

PROTECTED_GET = [
    "accounts:profile",
    "accounts:password-change",
    "accounts:password-change-done",
    "home",
]
PROTECTED_POST = [
    "accounts:two-factor-backup-codes",
    "accounts:two-factor-disable",
    "accounts:api-tokens",
]


# --- role matrix: anonymous vs signed-in --------------------------------------------
@pytest.mark.parametrize("name", PROTECTED_GET)
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize("name", PROTECTED_POST)
def test_anonymous_cannot_touch_tokens(client, db, name):
    response = client.post(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", PROTECTED_GET)
def test_signed_in_user_reaches_own_pages(client, user, name):
    client.force_login(user)
    response = client.get(reverse(name), follow=True)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "accounts:login",
        "accounts:password-reset",
        "accounts:password-reset-done",
        "accounts:password-reset-complete",
    ],
)
def test_public_auth_pages_render_for_anonymous(client, db, name):
    assert client.get(reverse(name)).status_code == 200


# --- login / logout --------------------------------------------------------------
def test_login_with_the_right_password_lands_on_the_dashboard(client, user):
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == user


def test_login_with_a_wrong_password_is_refused_with_a_message(client, user):
    response = client.post(
        reverse("accounts:login"),
        {"username": user.username, "password": "nope"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert "Please enter a correct username and password" in response.text


def test_login_ignores_an_offsite_next(client, user):
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {
            "username": user.username,
            "password": DEFAULT_PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logout_needs_post(client, user):
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_csrf_is_enforced_on_login(db, user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("accounts:login"),
        {"username": user.username, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 403


# --- profile ---------------------------------------------------------------------
def _profile_data(user: User, **changes: str) -> dict[str, str]:
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
        "timezone": user.timezone,
    }
    return data | changes


def test_profile_update_saves_language_and_timezone(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        _profile_data(
            user,
            language="fr",
            timezone="America/Guadeloupe",
            phone="+590 590 00 00 00",
        ),
        follow=True,
    )
    user.refresh_from_db()
    assert (user.language, user.timezone, user.phone) == (
        "fr",
        "America/Guadeloupe",
        "+590 590 00 00 00",
    )
    assert (
        "Votre profil a été enregistré." in response.text
    )  # in the language just chosen


def test_profile_rejects_an_unknown_timezone_and_changes_nothing(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        _profile_data(user, timezone="Mars/Olympus", first_name="Changed"),
    )
    user.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors["timezone"]
    assert user.timezone == "Europe/Paris"
    assert user.first_name != "Changed"


def test_profile_rejects_an_email_used_by_another_account_case_insensitively(
    client, user
):
    UserFactory(username="other", email="Taken@Example.org")
    client.force_login(user)
    before = user.email
    response = client.post(
        reverse("accounts:profile"), _profile_data(user, email="taken@example.ORG")
    )
    user.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors
    assert user.email == before


def test_times_are_shown_in_the_users_timezone(client, user):
    user.timezone = "Pacific/Noumea"
    user.save()
    client.force_login(user)
    response = client.get(reverse("accounts:profile"))
    assert "Pacific/Noumea" in response.text


# --- password change and reset -------------------------------------------------------
def test_password_change_requires_the_old_password(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": "wrong",
            "new_password1": "a-New-passw0rd-2026",
            "new_password2": "a-New-passw0rd-2026",
        },
    )
    user.refresh_from_db()
    assert response.status_code == 200
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_change_works_and_keeps_the_session(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "a-New-passw0rd-2026",
            "new_password2": "a-New-passw0rd-2026",
        },
        follow=True,
    )
    user.refresh_from_db()
    assert response.redirect_chain[-1][0] == reverse("accounts:password-change-done")
    assert user.check_password("a-New-passw0rd-2026")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_password_reset_mails_a_working_link(client, user):
    # when
    response = client.post(reverse("accounts:password-reset"), {"email": user.email})
    # then
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "VOST Hub" in message.subject
    link = next(
        line
        for line in message.body.splitlines()
        if "/accounts/password/reset/" in line
    )
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "Reset-passw0rd-2026",
            "new_password2": "Reset-passw0rd-2026",
        },
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Reset-passw0rd-2026")


def test_password_reset_does_not_reveal_unknown_addresses(client, db):
    response = client.post(
        reverse("accounts:password-reset"), {"email": "nobody@example.org"}
    )
    assert response.status_code == 302
    assert mail.outbox == []


# --- language switcher -------------------------------------------------------------
def test_language_switch_sets_a_cookie_for_anonymous(client, db):
    response = client.post(
        reverse("accounts:set-language"),
        {"language": "en", "next": reverse("accounts:login")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert response.cookies["django_language"].value == "en"
    page = client.get(reverse("accounts:login"))
    assert '<html lang="en">' in page.text


def test_language_switch_saves_the_signed_in_users_preference(client, user):
    client.force_login(user)
    client.post(reverse("accounts:set-language"), {"language": "fr", "next": "/"})
    user.refresh_from_db()
    assert user.language == "fr"


def test_language_switch_refuses_offsite_redirects_and_unknown_languages(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:set-language"),
        {"language": "de", "next": "https://evil.example/"},
    )
    user.refresh_from_db()
    assert response["Location"] == "/"
    assert user.language == "en"
