"""Incidents API: role matrix for every endpoint, IDOR, what liaisons get, the
decisions and their refusals (nothing changed), the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from mapping.api.incidents import urlpatterns as incident_api_urls
from mapping.models import Incident, MapItem
from mapping.services import incidents as services
from tests.activations.api_support import WHO, actor_for, assert_error, call, client_as
from tests.factories import ActivationFactory, make_member
from tests.mapping.test_incidents_support import (
    OTHER,
    XSS,
    members,
    proposal,
    put,
    state,
    trio,
)

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Status = Incident.Status


def _api(name, incident):
    return reverse(name, args=[incident.activation.slug, incident.number])


def _confirmed(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    return services.incident_confirm(incident=proposal(activation), by=lead)


# name -> (method, action, ok, make(activation) -> (incident | None, payload))
ENDPOINTS = {
    "api-map-incident-list": ("get", Action.VIEW_MAP, 200, None),
    "api-map-incident-propose": ("post", Action.MANAGE_INCIDENTS, 200, None),
    "api-map-incident-detail": (
        "get",
        Action.VIEW_MAP,
        200,
        lambda a: (_confirmed(a), None),
    ),
    "api-map-incident-confirm": (
        "post",
        Action.MANAGE_INCIDENTS,
        200,
        lambda a: (proposal(a), {"title": "Crue"}),
    ),
    "api-map-incident-dismiss": (
        "post",
        Action.MANAGE_INCIDENTS,
        200,
        lambda a: (proposal(a), {"reason": "Doublon"}),
    ),
    "api-map-incident-merge": (
        "post",
        Action.MANAGE_INCIDENTS,
        200,
        lambda a: (
            proposal(a),
            {"incidents": [proposal(a, start=300).number]},
        ),
    ),
    "api-map-incident-split": (
        "post",
        Action.MANAGE_INCIDENTS,
        201,
        lambda a: _split(a),
    ),
}


def _split(activation):
    incident = proposal(activation)
    return incident, {"items": [min(members(incident))]}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(activation, member_factory, who, endpoint):
    # given
    method, action, ok, make = ENDPOINTS[endpoint]
    trio(activation, start=600)
    if make is None:
        url = reverse(endpoint, args=[activation.slug])
        data = None
    else:
        incident, data = make(activation)
        url = _api(endpoint, incident)
    api = client_as(actor_for(who, activation, member_factory))
    before = state()
    # when
    response = call(api, method, url, data)
    # then
    if who == "anonymous":
        assert_error(response, 401)
    elif who == "non-member":
        assert_error(response, 404)
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content
        if method == "post":
            assert state() != before
        return
    else:
        assert_error(response, 403)
    assert state() == before


@pytest.mark.parametrize(
    "endpoint", [e for e, spec in ENDPOINTS.items() if spec[3] is not None]
)
def test_an_incident_of_another_activation_is_a_404(activation, endpoint):
    method, _action, _ok, make = ENDPOINTS[endpoint]
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    theirs, data = make(ActivationFactory())
    before = state()
    for url in (_api(endpoint, theirs), reverse(endpoint, args=[activation.slug, 1])):
        assert_error(call(api, method, url, data), 404)
    assert state() == before


# --- reading ----------------------------------------------------------------------------
def test_the_list_and_detail_bodies(activation):
    confirmed = _confirmed(activation)
    api = client_as(make_member(activation, Role.VOLUNTEER).user)
    body = api.get(reverse("api-map-incident-list", args=[activation.slug])).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["number"] == confirmed.number
    assert row["status"] == "confirmed"
    assert row["category_label"] == "Infrastructure and utilities damage"
    assert row["item_count"] == 3
    assert row["footprint"]["type"] == "Polygon"
    assert row["centroid"]["type"] == "Point"
    assert row["url"] == reverse(
        "mapping:incident-detail", args=[activation.slug, confirmed.number]
    )
    detail = api.get(_api("api-map-incident-detail", confirmed)).json()
    assert [i["id"] for i in detail["items"]] == sorted(members(confirmed))
    assert detail["items"][0]["location"]["type"] == "Point"
    assert detail["items"][0]["case"] is None


def test_summaries_are_returned_as_plain_text(activation):
    incident = proposal(activation, summary=XSS)
    api = client_as(make_member(activation, Role.TEAM_LEAD).user)
    detail = api.get(_api("api-map-incident-detail", incident)).json()
    assert detail["items"][0]["summary"] == XSS  # clients escape it (documented)


def test_a_liaison_gets_confirmed_incidents_only_without_the_note(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    confirmed = services.incident_confirm(
        incident=proposal(activation), by=lead, note="Note interne"
    )
    proposed = proposal(activation, category=OTHER)
    MapItem.objects.filter(pk=min(members(confirmed))).update(verification="false")
    api = client_as(make_member(activation, Role.LIAISON).user)
    body = api.get(reverse("api-map-incident-list", args=[activation.slug])).json()
    assert [r["number"] for r in body["results"]] == [confirmed.number]
    assert body["results"][0]["note"] == ""
    assert_error(api.get(_api("api-map-incident-detail", proposed)), 404)
    detail = api.get(_api("api-map-incident-detail", confirmed)).json()
    assert len(detail["items"]) == 2


def test_the_list_filters_by_status_and_refuses_a_bad_one(activation):
    _confirmed(activation)
    proposed = proposal(activation, category=OTHER)
    api = client_as(make_member(activation, Role.OBSERVER).user)
    url = reverse("api-map-incident-list", args=[activation.slug])
    body = api.get(url, {"status": "proposed"}).json()
    assert [r["number"] for r in body["results"]] == [proposed.number]
    assert_error(api.get(url, {"status": "nonsense"}), 400)


# --- deciding ---------------------------------------------------------------------------
@pytest.fixture
def lead_api(activation):
    return client_as(make_member(activation, Role.TEAM_LEAD).user)


def test_propose_answers_the_counts(activation, lead_api):
    trio(activation)
    url = reverse("api-map-incident-propose", args=[activation.slug])
    assert lead_api.post(url).json() == {
        "created": 1,
        "updated": 0,
        "deleted": 0,
        "kept": 0,
        "items": 3,
    }
    assert lead_api.post(url).json()["kept"] == 1


def test_a_second_confirm_is_a_409_and_changes_nothing(activation, lead_api):
    incident = proposal(activation)
    url = _api("api-map-incident-confirm", incident)
    first = lead_api.post(url, {"title": "Crue"}, format="json")
    assert first.status_code == 200
    assert first.json()["status"] == "confirmed"
    before = state()
    error = assert_error(
        lead_api.post(url, {}, format="json"), 409, "already_confirmed"
    )
    assert "already confirmed" in error["message"]
    assert state() == before


def test_confirm_with_stale_seen_items_is_a_409(activation, lead_api):
    incident = proposal(activation)
    seen = sorted(members(incident))
    put(activation, east=-100, minutes=5)
    services.incidents_propose(activation=activation)
    before = state()
    assert_error(
        lead_api.post(
            _api("api-map-incident-confirm", incident),
            {"seen_items": seen},
            format="json",
        ),
        409,
        "changed",
    )
    assert state() == before


@pytest.mark.parametrize(
    ("name", "payload", "status"),
    [
        ("api-map-incident-confirm", {"title": "x" * 201}, 400),
        ("api-map-incident-confirm", {"seen_items": ["a"]}, 400),
        ("api-map-incident-dismiss", {}, 400),
        ("api-map-incident-dismiss", {"reason": "   "}, 400),
        ("api-map-incident-merge", {"incidents": []}, 400),
        ("api-map-incident-merge", {"incidents": [99]}, 400),
        ("api-map-incident-merge", {"incidents": [1]}, 400),  # itself
        ("api-map-incident-split", {"items": []}, 400),
        ("api-map-incident-split", {"items": [0]}, 400),
        ("api-map-incident-split", {"items": [999999]}, 409),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    activation, lead_api, name, payload, status
):
    incident = proposal(activation)
    before = state()
    assert_error(lead_api.post(_api(name, incident), payload, format="json"), status)
    assert state() == before


def test_merge_of_another_category_is_refused(activation, lead_api):
    into = proposal(activation)
    other = proposal(activation, category=OTHER)
    before = state()
    error = assert_error(
        lead_api.post(
            _api("api-map-incident-merge", into),
            {"incidents": [other.number]},
            format="json",
        ),
        400,
        "category",
    )
    assert "same category" in error["message"]
    assert state() == before


def test_merge_twice_says_where_it_went(activation, lead_api):
    into = proposal(activation)
    other = proposal(activation, start=300)
    url = _api("api-map-incident-merge", into)
    body = lead_api.post(url, {"incidents": [other.number]}, format="json").json()
    assert body["item_count"] == 6
    assert body["status"] == "confirmed"
    error = assert_error(
        lead_api.post(url, {"incidents": [other.number]}, format="json"), 409
    )
    assert "Merged into #1" in error["message"]


def test_split_answers_the_new_incident(activation, lead_api):
    incident = proposal(activation)
    moved = min(members(incident))
    response = lead_api.post(
        _api("api-map-incident-split", incident), {"items": [moved]}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == 2
    assert [i["id"] for i in body["items"]] == [moved]
    assert body["status"] == "confirmed"


def test_every_incident_api_path_is_in_the_schema(client, user):
    client.force_login(user)
    document = client.get(
        reverse("api-schema"), headers={"Accept": "application/vnd.oai.openapi+json"}
    ).json()
    paths = {
        "/api/v1/"
        + str(p.pattern).replace("<slug:", "{").replace("<int:", "{").replace(">", "}")
        for p in incident_api_urls
    }
    assert len(paths) == 7
    assert paths <= set(document["paths"])
    ids = [
        op["operationId"]
        for path in paths
        for method, op in document["paths"][path].items()
        if method in {"get", "post"}
    ]
    assert len(ids) == len(set(ids)) == 7
    assert all(p.name.startswith("api-map-incident-") for p in incident_api_urls)
