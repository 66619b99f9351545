"""Public help API: role matrix, bad input, double match, schema."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from publichelp.models import AidEntry
from tests.factories import ALL_ROLES, UserFactory, make_member
from tests.publichelp.support import XSS, entry, state

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Kind = AidEntry.Kind
WHO = ["anonymous", "non-member", *ALL_ROLES]


def _pair(activation):
    return entry(activation, kind=Kind.NEED), entry(
        activation, kind=Kind.OFFER, km_east=1
    )


ENDPOINTS = {
    "entry-list": ("get", Action.VIEW_PUBLIC_HELP, None, 200),
    "entry-list post": (
        "post",
        Action.MANAGE_PUBLIC_HELP,
        None,
        201,
    ),
    "entry-detail": ("get", Action.VIEW_PUBLIC_HELP, "need", 200),
    "entry-matches": ("get", Action.VIEW_PUBLIC_HELP, "need", 200),
    "entry-match": ("post", Action.MANAGE_PUBLIC_HELP, "need", 200),
    "entry-status": ("post", Action.MANAGE_PUBLIC_HELP, "need", 200),
    "reply-list": ("get", Action.VIEW_PUBLIC_HELP, None, 200),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(activation, who, endpoint):
    method, action, target, ok = ENDPOINTS[endpoint]
    name = endpoint.split(" ")[0]
    need, offer = _pair(activation)
    args = [activation.slug] + ([need.pk] if target else [])
    payload = {
        "entry-list": {
            "kind": "offer",
            "category": "shelter",
            "description": "Chambre",
            "location": {"type": "Point", "coordinates": [3.88, 43.6]},
        },
        "entry-match": {"other": offer.pk},
        "entry-status": {"status": "closed", "version": need.version},
    }.get(name, {})
    client = APIClient()
    if who == "non-member":
        client.force_authenticate(UserFactory())
    elif who != "anonymous":
        client.force_authenticate(make_member(activation, who).user)
    before = state()
    url = reverse(f"api-help-{name}", args=args)
    response = (
        client.get(url) if method == "get" else client.post(url, payload, format="json")
    )
    if who == "anonymous":
        assert response.status_code == 401
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content
        return
    else:
        assert response.status_code == 403
    if method == "post":
        assert state() == before


def _client(activation, role=Role.VOLUNTEER):
    client = APIClient()
    client.force_authenticate(make_member(activation, role).user)
    return client


def test_create_scrubs_and_returns_untrusted_text_as_is(activation):
    client = _client(activation)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")  # the marker is translated
    response = client.post(
        reverse("api-help-entry-list", args=[activation.slug]),
        {
            "kind": "need",
            "category": "medical",
            "description": XSS + " 06 12 34 56 78",
            "location": {"type": "Point", "coordinates": [3.88, 43.6]},
            "radius_m": 500,
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["description"] == XSS + " [phone removed]"
    assert response.json()["location"]["coordinates"] == [3.88, 43.6]


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "need", "category": "shelter", "description": "x"},
        {
            "kind": "need",
            "category": "shelter",
            "description": "x",
            "location": {"type": "Point", "coordinates": [999, 0]},
        },
        {
            "kind": "need",
            "category": "shelter",
            "description": "x",
            "location": "POINT(3 43)",
        },
        {
            "kind": "want",
            "category": "shelter",
            "description": "x",
            "place_name": "Lunel",
        },
        {
            "kind": "need",
            "category": "shelter",
            "description": "x",
            "place_name": "Atlantide",
        },
        {
            "kind": "need",
            "category": "shelter",
            "description": "x",
            "place_name": "Lunel",
            "source_post": 999999,
        },
    ],
)
def test_bad_input_answers_400_with_the_house_body(activation, payload):
    response = _client(activation).post(
        reverse("api-help-entry-list", args=[activation.slug]), payload, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400
    assert AidEntry.objects.count() == 0


def test_matches_then_double_match_is_409(activation):
    need, offer = _pair(activation)
    client = _client(activation)
    matches = client.get(
        reverse("api-help-entry-matches", args=[activation.slug, need.pk]),
        {"max_distance_m": 5000},
    ).json()
    assert [m["entry"]["id"] for m in matches] == [offer.pk]
    assert 900 < matches[0]["distance_m"] < 1100
    url = reverse("api-help-entry-match", args=[activation.slug, need.pk])
    first = client.post(url, {"other": offer.pk}, format="json")
    assert first.status_code == 200
    assert first.json()["status"] == "matched"
    before = state()
    second = client.post(url, {"other": offer.pk}, format="json")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_matched"
    assert state() == before


def test_bad_distance_is_400(activation):
    need, _offer = _pair(activation)
    response = _client(activation).get(
        reverse("api-help-entry-matches", args=[activation.slug, need.pk]),
        {"max_distance_m": "-3"},
    )
    assert response.status_code == 400


def test_status_with_stale_version_is_409(activation):
    need, _offer = _pair(activation)
    before = state()
    response = _client(activation).post(
        reverse("api-help-entry-status", args=[activation.slug, need.pk]),
        {"status": "closed", "version": need.version + 3},
        format="json",
    )
    assert response.status_code == 409
    assert state() == before


def test_reply_list_is_filled(activation):
    response = _client(activation, Role.OBSERVER).get(
        reverse("api-help-reply-list", args=[activation.slug]),
        {"language": "en", "situation": "heat"},
    )
    assert response.status_code == 200
    [reply] = response.json()
    assert reply["scope"] == "library"
    assert "{emergency_number}" in reply["body"]
    assert "112" in reply["text"]


def test_schema_documents_the_endpoints(client):
    admin = UserFactory(is_staff=True)
    client.force_login(admin)
    schema = client.get(reverse("api-schema")).content.decode()
    for operation in (
        "aid_entry_list",
        "aid_entry_create",
        "aid_entry_matches",
        "aid_entry_match",
        "aid_entry_status",
        "reply_template_list",
    ):
        assert operation in schema
