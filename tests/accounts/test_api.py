import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.accounts.support import ALL_SCOPES
from tests.factories import UserFactory


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def test_me_requires_authentication_with_the_standard_error_body(api, db):
    response = api.get(reverse("api-me"))
    assert response.status_code in {401, 403}
    error = response.json()["error"]
    assert error["status"] == response.status_code
    assert error["code"] == "not_authenticated"
    assert error["message"]
    assert len(error["request_id"]) == 32


def test_me_with_a_token(api, user):
    token = api_token_create(user=user, name="test", scopes=ALL_SCOPES)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get(reverse("api-me"))
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert "password" not in response.json()


def test_me_with_a_wrong_token_is_401(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    response = api.get(reverse("api-me"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_me_patch_updates_only_what_is_sent(api, user):
    api.force_authenticate(user)
    response = api.patch(
        reverse("api-me"), {"timezone": "Indian/Reunion"}, format="json"
    )
    user.refresh_from_db()
    assert response.status_code == 200
    assert user.timezone == "Indian/Reunion"
    assert user.language == "en"


def test_me_patch_rejects_bad_values_and_changes_nothing(api, user):
    api.force_authenticate(user)
    response = api.patch(
        reverse("api-me"),
        {"timezone": "Nowhere/Atlantis", "first_name": "X"},
        format="json",
    )
    user.refresh_from_db()
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert "timezone" in body["details"]
    assert user.first_name != "X"


def test_me_patch_refuses_an_email_taken_by_someone_else(api, user):
    UserFactory(username="someone", email="dup@example.org")
    api.force_authenticate(user)
    before = user.email
    response = api.patch(reverse("api-me"), {"email": "DUP@example.org"}, format="json")
    user.refresh_from_db()
    assert response.status_code == 400
    assert user.email == before


def test_session_auth_needs_csrf_for_writes(user):
    api = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(user)
    response = api.patch(reverse("api-me"), {"first_name": "Nope"}, format="json")
    user.refresh_from_db()
    assert response.status_code == 403
    assert user.first_name != "Nope"


def test_unknown_api_path_is_404(api, user):
    api.force_authenticate(user)
    assert api.get("/api/v1/nothing-here/").status_code == 404


def test_openapi_schema_and_docs_for_signed_in_users(client, user):
    client.force_login(user)
    schema = client.get(
        reverse("api-schema"), headers={"Accept": "application/vnd.oai.openapi+json"}
    )
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/me/" in document["paths"]
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_schema_is_not_public(client, db):
    assert client.get(reverse("api-schema")).status_code in {401, 403}


def test_a_token_client_gets_answers_in_the_accounts_language(db):
    # given a French-speaking account calling without Accept-Language
    user = UserFactory(username="fr-api", language="fr")
    token = api_token_create(user=user, name="test", scopes=ALL_SCOPES)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    # when it sends something invalid
    response = api.patch(
        reverse("api-me"), {"timezone": "Nowhere/Atlantis"}, format="json"
    )
    # then the error speaks French
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "La requête n’est pas valide."
