"""Export API: role matrix, 202 + polling + download, rules, IDOR, schema."""

import json

import pytest
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from mapping import tasks
from mapping.models import MapExport
from mapping.services import exports as services
from tests.activations.api_support import assert_error, call, client_as
from tests.factories import ALL_ROLES, ActivationFactory, UserFactory, make_member
from tests.mapping.exports_support import export_state, make_export, make_map_item

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def sent(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.build_export, "delay", sent.append)
    return sent


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def built(activation, **fields):
    make_map_item(activation)
    export = make_export(activation, **fields)
    return services.export_build(export_id=export.pk)


def _url(name, activation, export=None):
    args = [activation.slug] if export is None else [activation.slug, export.pk]
    return reverse(f"api-map-export-{name}", args=args)


ENDPOINTS = {
    # name: (method, make (url, payload), expected if allowed)
    "list GET": ("get", lambda a: (_url("list", a), None), 200),
    "list POST": ("post", lambda a: (_url("list", a), {"format": "kml"}), 202),
    "detail": ("get", lambda a: (_url("detail", a, make_export(a)), None), 200),
    "download": ("get", lambda a: (_url("download", a, built(a)), None), 200),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(activation, who, endpoint):
    # given
    method, make, ok = ENDPOINTS[endpoint]
    url, payload = make(activation)
    api = client_as(_actor(who, activation))
    before = export_state()
    # when
    response = call(api, method, url, payload)
    # then
    if who == "anonymous":
        assert_error(response, 401)
    elif who == "non-member":
        assert_error(response, 404)
    elif Action.EXPORT_MAP in ROLE_ACTIONS[who]:
        assert response.status_code == ok
        return
    else:
        assert_error(response, 403)
    assert export_state() == before


def test_request_poll_and_download(
    activation, sent, django_capture_on_commit_callbacks
):
    # given
    api = client_as(make_member(activation, Role.LIAISON).user)
    make_map_item(activation)
    # when a liaison asks for a GeoJSON export
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            _url("list", activation), {"format": "geojson"}, format="json"
        )
    # then it is accepted and queued
    assert response.status_code == 202
    body = response.json()
    export = MapExport.objects.get()
    assert sent == [export.pk]
    detail = f"http://testserver{_url('detail', activation, export)}"
    assert response["Location"] == body["url"] == detail
    assert body["status"] == "queued"
    assert body["download_url"] is None
    assert (body["include_items"], body["include_incidents"]) == (True, True)
    assert body["pseudonymise"] is True
    assert body["exercise"] is False
    # when the worker has built it
    services.export_build(export_id=export.pk)
    body = api.get(body["url"]).json()
    # then the detail says where to download it
    assert (body["status"], body["progress"], body["total"], body["done"]) == (
        "done",
        100,
        1,
        1,
    )
    assert body["download_url"] == (
        f"http://testserver{_url('download', activation, export)}"
    )
    response = api.get(body["download_url"], HTTP_ACCEPT="application/geo+json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    doc = json.loads(b"".join(response.streaming_content))
    assert len(doc["features"]) == 1


def test_list_shows_the_newest_first(activation):
    first = make_export(activation)
    second = make_export(activation, format="csv")
    api = client_as(make_member(activation, Role.TEAM_LEAD).user)
    body = api.get(_url("list", activation)).json()
    assert [e["id"] for e in body] == [second.pk, first.pk]


def test_a_double_post_gives_one_export(activation, sent):
    api = client_as(make_member(activation, Role.TEAM_LEAD).user)
    first = api.post(_url("list", activation), {"format": "csv"}, format="json")
    second = api.post(_url("list", activation), {"format": "csv"}, format="json")
    assert first.json()["id"] == second.json()["id"]
    assert MapExport.objects.count() == 1


def test_a_team_lead_cannot_name_authors(activation, sent):
    api = client_as(make_member(activation, Role.TEAM_LEAD).user)
    response = api.post(
        _url("list", activation),
        {"format": "csv", "pseudonymise": False},
        format="json",
    )
    error = assert_error(response, 400, "pseudonymise_required")
    assert "Only coordinators" in error["message"]
    assert export_state() == []
    assert sent == []


def test_a_coordinator_can_name_authors(activation):
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    response = api.post(
        _url("list", activation),
        {"format": "csv", "pseudonymise": False},
        format="json",
    )
    assert response.status_code == 202
    assert response.json()["pseudonymise"] is False


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"format": "shp"},
        {"format": "csv", "include_items": False, "include_incidents": False},
        {"format": "csv", "include_items": "maybe"},
    ],
)
def test_bad_input_is_a_400(activation, payload, sent):
    api = client_as(make_member(activation, Role.TEAM_LEAD).user)
    assert_error(api.post(_url("list", activation), payload, format="json"), 400)
    assert export_state() == []


def test_another_activations_export_is_not_found(activation):
    # given a person in both activations
    other = ActivationFactory()
    export = built(other)
    lead = make_member(activation, Role.TEAM_LEAD).user
    api = client_as(lead)
    # then this activation's URLs do not reach it
    assert_error(api.get(_url("detail", activation, export)), 404)
    assert_error(api.get(_url("download", activation, export)), 404)


def test_an_export_naming_authors_is_hidden_from_others(activation):
    export = built(activation, pseudonymise=False)
    api = client_as(make_member(activation, Role.LIAISON).user)
    assert api.get(_url("list", activation)).json() == []
    assert_error(api.get(_url("detail", activation, export)), 404)
    assert_error(api.get(_url("download", activation, export)), 404)


def test_no_download_before_it_is_done(activation):
    export = make_export(activation, status="running")
    api = client_as(make_member(activation, Role.TEAM_LEAD).user)
    assert api.get(_url("detail", activation, export)).json()["download_url"] is None
    assert_error(api.get(_url("download", activation, export)), 404)


def test_a_failed_export_says_why(activation):
    make_export(activation, status="failed", error="GeoPackage exports need ogr2ogr")
    api = client_as(make_member(activation, Role.TEAM_LEAD).user)
    body = api.get(_url("list", activation)).json()[0]
    assert (body["status"], body["error"]) == (
        "failed",
        "GeoPackage exports need ogr2ogr",
    )


def test_the_schema_documents_the_export_endpoints(client, activation):
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    base = "/api/v1/activations/{slug}/map/exports/"
    assert set(schema["paths"][base]) == {"get", "post"}
    assert "202" in schema["paths"][base]["post"]["responses"]
    assert "get" in schema["paths"][base + "{export_id}/download/"]
    assert schema["components"]["schemas"]["MapExportFormat"]["enum"] == [
        "geojson",
        "kml",
        "csv",
        "gpkg",
    ]
