"""Who may read the OGC API: the role matrix, liaisons' verified-only view, and
the GIS clients' token authentication (header or HTTP Basic)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.urls import URLPattern, reverse

from accounts.services import api_token_create, api_token_revoke
from activations.models import ActivationMember
from mapping.models import Incident, MapItem, Verification
from mapping.ogc.urls import urlpatterns
from tests.accounts.support import ALL_SCOPES
from tests.factories import ALL_ROLES, DEFAULT_PASSWORD, UserFactory, make_member
from tests.mapping.test_ogc_api import make_incident, make_map_item
from verification.models import Case

Role = ActivationMember.Role
REALM = 'Basic realm="VOST Hub OGC API", charset="UTF-8"'


def basic(username: str, password: str) -> str:
    encoded = base64.b64encode(f"{username}:{password}".encode()).decode()
    return f"Basic {encoded}"


@pytest.fixture
def data(activation):
    """A verified and an unverified item, one confirmed incident with a note."""
    opener = make_member(activation, Role.VOLUNTEER).user
    case = Case.objects.create(
        activation=activation, number=5, claim="x", opened_by=opener
    )
    incident = make_incident(
        activation, 1, note="Internal: waiting for the SDIS", centroid=None
    )
    return {
        "verified": make_map_item(activation, case=case, incident=incident),
        "unverified": make_map_item(activation, verification=Verification.UNCHECKED),
        "incident": incident,
    }


def endpoints(activation, data) -> dict[str, str]:
    slug = activation.slug
    verified = data["verified"].cluster_id
    return {
        "landing": reverse("ogc:landing", args=[slug]),
        "conformance": reverse("ogc:conformance", args=[slug]),
        "api": reverse("ogc:api", args=[slug]),
        "api-docs": reverse("ogc:api-docs", args=[slug]),
        "api-docs-script": reverse("ogc:api-docs-script", args=[slug]),
        "collections": reverse("ogc:collections", args=[slug]),
        "collection": reverse("ogc:collection", args=[slug, "verified-items"]),
        "items": reverse("ogc:items", args=[slug, "verified-items"]),
        "item": reverse("ogc:item", args=[slug, "verified-items", verified]),
        "team collection": reverse("ogc:collection", args=[slug, "items"]),
        "team items": reverse("ogc:items", args=[slug, "items"]),
        "team item": reverse("ogc:item", args=[slug, "items", verified]),
    }


TEAM_ONLY = {"team collection", "team items", "team item"}
ENDPOINTS = [
    "landing",
    "conformance",
    "api",
    "api-docs",
    "api-docs-script",
    "collections",
    "collection",
    "items",
    "item",
    *sorted(TEAM_ONLY),
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("who", ["anonymous", "non-member", *ALL_ROLES])
def test_role_matrix(client, activation, data, who, endpoint):
    # given
    if who == "non-member":
        client.force_login(UserFactory())
    elif who != "anonymous":
        client.force_login(make_member(activation, who).user)
    before = MapItem.objects.count()
    # when
    response = client.get(endpoints(activation, data)[endpoint])
    # then
    if who == "anonymous":
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == REALM
        assert response.json()["code"] == "NotAuthenticated"
    elif who == "non-member":
        assert response.status_code == 404
        assert response.json()["code"] == "NotFound"
    elif who == Role.LIAISON and endpoint in TEAM_ONLY:
        assert response.status_code == 404  # verified items only: no such collection
    else:
        assert response.status_code == 200, response.content[:300]
    assert MapItem.objects.count() == before


def test_every_ogc_url_asks_anonymous_callers_to_authenticate(client, activation):
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {"slug": activation.slug}
        route = str(pattern.pattern)
        kwargs |= {
            name: "1" for name in ("collection_id", "feature_id") if name in route
        }
        response = client.get(reverse(f"ogc:{pattern.name}", kwargs=kwargs))
        assert response.status_code == 401, route
        assert response["WWW-Authenticate"] == REALM


def test_a_liaison_sees_only_verified_items_and_no_team_internals(
    client, activation, data
):
    # given
    client.force_login(make_member(activation, Role.LIAISON).user)
    slug = activation.slug
    # when
    collections = client.get(reverse("ogc:collections", args=[slug])).json()
    items = client.get(reverse("ogc:items", args=[slug, "verified-items"])).json()
    incidents = client.get(reverse("ogc:items", args=[slug, "incidents"])).json()
    unverified = client.get(
        reverse(
            "ogc:item", args=[slug, "verified-items", data["unverified"].cluster_id]
        )
    )
    definition = client.get(reverse("ogc:api", args=[slug])).json()
    # then
    assert [c["id"] for c in collections["collections"]] == [
        "verified-items",
        "incidents",
    ]
    assert definition["components"]["parameters"]["collectionId"]["schema"]["enum"] == [
        "verified-items",
        "incidents",
    ]
    assert [f["id"] for f in items["features"]] == [data["verified"].cluster_id]
    properties = items["features"][0]["properties"]
    assert properties["case"] is None  # no access to verification cases
    assert properties["incident"] == 1  # confirmed: shared
    assert incidents["features"][0]["properties"]["note"] is None
    assert unverified.status_code == 404


def test_the_team_sees_case_numbers_and_incident_notes(client, activation, data):
    client.force_login(make_member(activation, Role.OBSERVER).user)
    slug = activation.slug
    items = client.get(reverse("ogc:items", args=[slug, "verified-items"])).json()
    incidents = client.get(reverse("ogc:items", args=[slug, "incidents"])).json()
    assert items["features"][0]["properties"]["case"] == 5
    assert incidents["features"][0]["properties"]["note"] == (
        "Internal: waiting for the SDIS"
    )


def test_a_liaison_never_sees_a_proposed_incident_number(client, activation):
    proposed = make_incident(activation, 9, status=Incident.Status.PROPOSED)
    make_map_item(activation, incident=proposed)
    slug = activation.slug
    client.force_login(make_member(activation, Role.LIAISON).user)
    liaison = client.get(reverse("ogc:items", args=[slug, "verified-items"])).json()
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    lead = client.get(reverse("ogc:items", args=[slug, "verified-items"])).json()
    assert liaison["features"][0]["properties"]["incident"] is None
    assert lead["features"][0]["properties"]["incident"] == 9


# --- token authentication ----------------------------------------------------------------
@pytest.fixture
def member(activation):
    return make_member(
        activation, Role.VOLUNTEER, username="gis.user", email="GIS.User@Example.org"
    ).user


@pytest.fixture
def token(member):
    return api_token_create(user=member, name="test", scopes=ALL_SCOPES)


def landing(client, activation, **headers: str) -> Any:
    return client.get(reverse("ogc:landing", args=[activation.slug]), headers=headers)


@pytest.mark.parametrize(
    "header",
    [
        "Token {key}",
        "token {key}",
        "Bearer {key}",
        "  Token   {key}  ",
    ],
)
def test_a_token_in_the_authorization_header_authenticates(
    client, activation, token, header
):
    response = landing(client, activation, Authorization=header.format(key=token.key))
    assert response.status_code == 200


@pytest.mark.parametrize("username", ["gis.user", "GIS.USER", "gis.user@example.org"])
def test_basic_with_the_user_name_or_email_and_the_token(
    client, activation, token, username
):
    response = landing(client, activation, Authorization=basic(username, token.key))
    assert response.status_code == 200


def test_the_token_user_gets_their_language(client, activation, member, token):
    # given
    member.language = "fr"
    member.save(update_fields=["language"])
    make_map_item(activation)
    # when
    response = client.get(
        reverse("ogc:items", args=[activation.slug, "verified-items"]),
        headers={"Authorization": f"Token {token.key}"},
    )
    # then
    properties = response.json()["features"][0]["properties"]
    assert properties["category_label"] == "Dégâts aux infrastructures et réseaux"


@pytest.mark.parametrize(
    "header",
    [
        "Token 0123456789abcdef0123456789abcdef01234567",  # unknown
        "Token ",
        "Token " + "a" * 41,
        "Bearer",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no colon").decode(),
        "Digest username=gis.user",
        "Negotiate abc",
    ],
)
def test_wrong_credentials_are_a_401(client, activation, token, header):
    response = landing(client, activation, Authorization=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == REALM
    assert response.json()["code"] == "NotAuthenticated"


def test_basic_with_another_user_name_is_a_401(client, activation, token):
    other = UserFactory(username="someone.else")
    response = landing(
        client, activation, Authorization=basic(other.username, token.key)
    )
    assert response.status_code == 401


def test_basic_with_the_account_password_is_a_401(client, activation, member, token):
    response = landing(
        client, activation, Authorization=basic(member.username, DEFAULT_PASSWORD)
    )
    assert response.status_code == 401


def test_a_revoked_token_is_a_401(client, activation, member, token):
    # given
    assert (
        landing(client, activation, Authorization=f"Token {token.key}").status_code
        == 200
    )
    api_token_revoke(user=member, token_id=token.token.pk)
    # when
    response = landing(client, activation, Authorization=f"Token {token.key}")
    basic_response = landing(
        client, activation, Authorization=basic("gis.user", token.key)
    )
    # then
    assert response.status_code == 401
    assert basic_response.status_code == 401


def test_the_token_of_an_inactive_account_is_a_401(client, activation, member, token):
    member.is_active = False
    member.save(update_fields=["is_active"])
    response = landing(client, activation, Authorization=f"Token {token.key}")
    assert response.status_code == 401


def test_a_token_of_a_non_member_is_a_404(client, activation):
    stranger = api_token_create(user=UserFactory(), name="test", scopes=ALL_SCOPES)
    response = landing(client, activation, Authorization=f"Token {stranger.key}")
    assert response.status_code == 404


def test_wrong_credentials_win_over_a_valid_session(client, activation, member):
    client.force_login(member)
    response = landing(client, activation, Authorization="Token nope")
    assert response.status_code == 401


def test_the_token_is_never_accepted_in_the_query_string(client, activation, token):
    response = client.get(
        reverse("ogc:landing", args=[activation.slug]), {"token": token.key}
    )
    assert response.status_code == 401  # anonymous: the parameter does not log in


def test_a_gis_client_pages_through_items_with_basic(client, activation, member, token):
    # given
    for _ in range(3):
        make_map_item(activation)
    auth = {"Authorization": basic(member.username, token.key)}
    href = reverse("ogc:items", args=[activation.slug, "verified-items"]) + "?limit=2"
    seen: list[int] = []
    # when
    while href:
        doc = client.get(href, headers=auth).json()
        seen += [f["id"] for f in doc["features"]]
        href = next((x["href"] for x in doc["links"] if x["rel"] == "next"), "")
    # then
    assert len(seen) == len(set(seen)) == 3
