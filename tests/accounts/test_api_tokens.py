"""Scoped, revocable API tokens: pages, authentication, scopes, rate limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_authenticate, api_token_create, api_token_hash
from tests.accounts.support import ALL_SCOPES
from tests.factories import ActivationFactory, UserFactory


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def _bearer(api, key):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


# --- the pages -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "accounts:api-tokens", []),
        ("post", "accounts:api-tokens", []),
        ("post", "accounts:api-token-revoke", [1]),
    ],
)
def test_anonymous_is_sent_to_login(client, db, method, name, args):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_creating_a_token_shows_the_key_once_and_stores_only_its_hash(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:api-tokens"),
        {"name": "QGIS laptop", "scopes": ["read", "ogc"], "days": "30"},
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    key = response.context["new_key"]
    assert key.startswith("vost_")
    assert len(key) > 40
    assert key in response.text
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == api_token_hash(key)
    assert key not in {token.key_hash, token.prefix, token.name}
    assert key.startswith(token.prefix)
    assert token.scopes == ["read", "ogc"]
    assert abs(
        token.expires_at - (timezone.now() + dt.timedelta(days=30))
    ) < dt.timedelta(minutes=1)
    again = client.get(reverse("accounts:api-tokens"))
    assert key not in again.text
    assert token.prefix in again.text


def test_bad_token_input_is_refused_and_saves_nothing(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:api-tokens"), {"name": "", "scopes": [], "days": "400"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "scopes", "days"}
    assert not ApiToken.objects.exists()


def test_a_token_cannot_last_more_than_a_year(user):
    with pytest.raises(ValidationError):
        api_token_create(user=user, name="x", scopes=["read"], days=366)


def test_a_token_restricted_to_an_activation_needs_membership(user, activation):
    with pytest.raises(ValidationError) as error:
        api_token_create(user=user, name="x", scopes=["read"], activation=activation)
    assert "activation" in error.value.message_dict


def test_the_list_shows_only_my_tokens(client, user):
    mine = api_token_create(user=user, name="mine", scopes=["read"])
    theirs = api_token_create(user=UserFactory(), name="theirs", scopes=["read"])
    client.force_login(user)
    response = client.get(reverse("accounts:api-tokens"))
    assert mine.token.prefix in response.text
    assert theirs.token.prefix not in response.text
    assert "theirs" not in response.text


def test_revoking_my_token_stops_it_at_once(client, api, user):
    created = api_token_create(user=user, name="script", scopes=["read"])
    assert _bearer(api, created.key).get(reverse("api-me")).status_code == 200
    client.force_login(user)
    response = client.post(
        reverse("accounts:api-token-revoke", args=[created.token.pk]), follow=True
    )
    assert response.status_code == 200
    created.token.refresh_from_db()
    assert created.token.revoked_at is not None
    refused = api.get(reverse("api-me"))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]


def test_revoking_another_persons_token_is_a_404_and_changes_nothing(client, user):
    theirs = api_token_create(user=UserFactory(), name="theirs", scopes=["read"])
    client.force_login(user)
    response = client.post(reverse("accounts:api-token-revoke", args=[theirs.token.pk]))
    assert response.status_code == 404
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is None


def test_revoke_needs_post(client, user):
    created = api_token_create(user=user, name="script", scopes=["read"])
    client.force_login(user)
    response = client.get(reverse("accounts:api-token-revoke", args=[created.token.pk]))
    assert response.status_code == 405


def test_create_needs_the_csrf_token(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(
        reverse("accounts:api-tokens"), {"name": "x", "scopes": ["read"], "days": "5"}
    )
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


# --- authentication ------------------------------------------------------------------
def test_an_expired_token_is_a_401_saying_so(api, user):
    created = api_token_create(user=user, name="old", scopes=["read"])
    ApiToken.objects.filter(pk=created.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = _bearer(api, created.key).get(reverse("api-me"))
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_an_unknown_token_is_a_401(api, db):
    response = _bearer(api, "vost_" + "x" * 43).get(reverse("api-me"))
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid API token."


def test_token_and_bearer_schemes_both_work(api, user):
    created = api_token_create(user=user, name="x", scopes=["read"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {created.key}")
    assert api.get(reverse("api-me")).json()["username"] == user.username
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {created.key}")
    assert api.get(reverse("api-me")).json()["username"] == user.username


def test_last_used_is_noted_at_most_once_a_minute(user):
    created = api_token_create(user=user, name="x", scopes=["read"])
    first = api_token_authenticate(key=created.key).last_used_at
    assert first is not None
    assert api_token_authenticate(key=created.key).last_used_at == first
    ApiToken.objects.filter(pk=created.token.pk).update(
        last_used_at=first - dt.timedelta(seconds=61)
    )
    assert api_token_authenticate(key=created.key).last_used_at > first


# --- scopes ------------------------------------------------------------------------------
def test_a_read_token_cannot_write(api, activation, member_factory):
    lead = member_factory(activation, "team_lead").user
    created = api_token_create(user=lead, name="reader", scopes=["read"])
    _bearer(api, created.key)
    url = reverse("api-log", args=[activation.slug])
    assert api.get(url).status_code == 200
    response = api.post(url, {"text": "x"}, format="json")
    assert response.status_code == 403
    assert "write" in response.json()["error"]["message"]


def test_a_write_only_token_cannot_read(api, activation, member_factory):
    lead = member_factory(activation, "team_lead").user
    created = api_token_create(user=lead, name="writer", scopes=["write"])
    _bearer(api, created.key)
    url = reverse("api-log", args=[activation.slug])
    assert api.get(url).status_code == 403
    assert api.post(url, {"text": "Via l'API"}, format="json").status_code == 201


def test_exports_need_the_export_scope(api, activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    url = reverse("api-map-export-list", args=[activation.slug])
    reader = api_token_create(user=coordinator, name="r", scopes=["read"])
    assert _bearer(api, reader.key).get(url).status_code == 403
    exporter = api_token_create(user=coordinator, name="e", scopes=["read", "export"])
    assert _bearer(api, exporter.key).get(url).status_code == 200


def test_a_token_bound_to_an_activation_opens_only_that_one(
    api, activation, member_factory
):
    user = member_factory(activation, "volunteer").user
    other = ActivationFactory()
    from activations.models import ActivationMember

    ActivationMember.objects.create(activation=other, user=user, role="volunteer")
    bound = api_token_create(
        user=user, name="bound", scopes=["read"], activation=activation
    )
    _bearer(api, bound.key)
    assert (
        api.get(reverse("api-activation-detail", args=[activation.slug])).status_code
        == 200
    )
    refused = api.get(reverse("api-activation-detail", args=[other.slug]))
    assert refused.status_code == 403
    assert activation.slug in refused.json()["error"]["message"]
    assert api.get(reverse("api-me")).status_code == 403


def test_session_requests_are_not_limited_by_scopes(client, activation, member_factory):
    lead = member_factory(activation, "team_lead").user
    client.force_login(lead)
    response = client.post(
        reverse("api-log", args=[activation.slug]),
        {"text": "Par la session"},
        content_type="application/json",
    )
    assert response.status_code == 201


# --- rate limit ----------------------------------------------------------------------
@override_settings(VOST_API_TOKEN_RATE="3/min")
def test_the_request_over_the_rate_is_a_429_with_retry_after(api, user):
    created = api_token_create(user=user, name="busy", scopes=ALL_SCOPES)
    _bearer(api, created.key)
    answers = [api.get(reverse("api-me")).status_code for _i in range(3)]
    assert answers == [200, 200, 200]
    limited = api.get(reverse("api-me"))
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["error"]["code"] == "throttled"
    # another token of the same person has its own budget
    fresh = api_token_create(user=user, name="other", scopes=ALL_SCOPES)
    assert _bearer(api, fresh.key).get(reverse("api-me")).status_code == 200


# --- role matrix: every role manages its own tokens and 2FA, nobody else's ----------
@pytest.mark.parametrize(
    "role", ["coordinator", "team_lead", "volunteer", "liaison", "observer", None]
)
def test_every_role_reaches_only_its_own_security_pages(
    client, activation, member_factory, role
):
    user = member_factory(activation, role).user if role else UserFactory()
    theirs = api_token_create(user=UserFactory(), name="theirs", scopes=["read"])
    client.force_login(user)
    for name in ("accounts:api-tokens", "accounts:two-factor"):
        assert client.get(reverse(name)).status_code == 200, (role, name)
    created = client.post(
        reverse("accounts:api-tokens"),
        {"name": "mine", "scopes": ["read"], "days": "7"},
    )
    assert created.status_code == 201
    assert ApiToken.objects.get(name="mine").user == user
    assert (
        client.post(
            reverse("accounts:api-token-revoke", args=[theirs.token.pk])
        ).status_code
        == 404
    )
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is None


# --- OGC ---------------------------------------------------------------------------------
def _ogc_landing(client, activation, key):
    return client.get(
        reverse("ogc:landing", args=[activation.slug]),
        # a refused token has no account language: the client's language is used
        headers={"Authorization": f"Bearer {key}", "Accept-Language": "en"},
    )


def test_ogc_needs_the_ogc_scope(client, activation, member_factory):
    member = member_factory(activation, "volunteer").user
    reader = api_token_create(user=member, name="api", scopes=["read", "write"])
    refused = _ogc_landing(client, activation, reader.key)
    assert refused.status_code == 401
    assert "ogc" in refused.json()["description"]
    gis = api_token_create(user=member, name="qgis", scopes=["ogc"])
    assert _ogc_landing(client, activation, gis.key).status_code == 200


def test_an_ogc_token_is_not_an_api_token(api, activation, member_factory):
    member = member_factory(activation, "volunteer").user
    gis = api_token_create(user=member, name="qgis", scopes=["ogc"])
    assert _bearer(api, gis.key).get(reverse("api-me")).status_code == 403


def test_ogc_respects_the_activation_restriction(client, activation, member_factory):
    from activations.models import ActivationMember

    member = member_factory(activation, "volunteer").user
    other = ActivationFactory()
    ActivationMember.objects.create(activation=other, user=member, role="volunteer")
    bound = api_token_create(
        user=member, name="qgis", scopes=["ogc"], activation=activation
    )
    assert _ogc_landing(client, activation, bound.key).status_code == 200
    assert _ogc_landing(client, other, bound.key).status_code == 401


def test_a_revoked_ogc_token_says_so(client, activation, member_factory):
    member = member_factory(activation, "volunteer").user
    gis = api_token_create(user=member, name="qgis", scopes=["ogc"])
    gis.token.revoked_at = timezone.now()
    gis.token.save()
    response = _ogc_landing(client, activation, gis.key)
    assert response.status_code == 401
    assert "revoked" in response.json()["description"]
