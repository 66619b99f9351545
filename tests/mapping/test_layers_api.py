"""REST API of reference layers: role matrix, multipart upload, refusals, GeoJSON,
schema."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activations.models import ActivationMember, LogEntry
from activations.permissions import ROLE_ACTIONS, Action
from mapping.api.layers import urlpatterns as layer_api_urls
from mapping.models import ReferenceFeature, ReferenceLayer
from mapping.services import layers as services
from tests.activations.api_support import WHO, actor_for, assert_error, client_as
from tests.factories import ActivationFactory, make_member

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
DATA = Path(__file__).parent / "data" / "layers"


def make_layer(activation, name="Secteurs", file_name="sectors.kml"):
    return services.layer_create(
        activation=activation,
        by=make_member(activation, Role.TEAM_LEAD).user,
        name=name,
        kind="sectors",
        description="SDIS",
        colour="#e31a1c",
        shown_by_default=True,
        file_name=file_name,
        data=(DATA / file_name).read_bytes(),
    )


def upload_payload(file_name="shelters_points.geojson", content=None, **fields):
    data = content if content is not None else (DATA / file_name).read_bytes()
    return {
        "file": SimpleUploadedFile(file_name, data),
        "name": "Abris",
        "kind": "shelters",
        "colour": "#33a02c",
    } | fields


def state():
    return (
        list(ReferenceLayer.objects.order_by("pk").values()),
        ReferenceFeature.objects.count(),
        LogEntry.objects.count(),
    )


def list_url(activation):
    return reverse("api-map-layer-list", args=[activation.slug])


def detail_url(layer, activation=None):
    return reverse(
        "api-map-layer-detail", args=[(activation or layer.activation).slug, layer.pk]
    )


def geojson_url(layer, activation=None):
    return reverse(
        "api-map-layer-geojson", args=[(activation or layer.activation).slug, layer.pk]
    )


# --- role matrix ------------------------------------------------------------------------
ENDPOINTS = {
    # name: (method, action, url(activation), payload, format, expected when allowed)
    "list GET": ("get", Action.VIEW_MAP, list_url, None, None, 200),
    "list POST": (
        "post",
        Action.MANAGE_LAYERS,
        list_url,
        upload_payload,
        "multipart",
        201,
    ),
    "detail GET": (
        "get",
        Action.VIEW_MAP,
        lambda a: detail_url(make_layer(a)),
        None,
        None,
        200,
    ),
    "detail PATCH": (
        "patch",
        Action.MANAGE_LAYERS,
        lambda a: detail_url(make_layer(a)),
        lambda: {"name": "Renommée"},
        "json",
        200,
    ),
    "detail DELETE": (
        "delete",
        Action.MANAGE_LAYERS,
        lambda a: detail_url(make_layer(a)),
        None,
        None,
        204,
    ),
    "geojson GET": (
        "get",
        Action.VIEW_MAP,
        lambda a: geojson_url(make_layer(a)),
        None,
        None,
        200,
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_role_matrix(activation, member_factory, name, who):
    # given
    method, action, url_for, payload, fmt, ok = ENDPOINTS[name]
    url = url_for(activation)
    api = client_as(actor_for(who, activation, member_factory))
    before = state()
    # when
    if payload is None:
        response = getattr(api, method)(url)
    else:
        response = getattr(api, method)(url, payload(), format=fmt)
    # then
    if who == "anonymous":
        expected = 401
    elif who == "non-member":
        expected = 404
    else:
        expected = ok if action in ROLE_ACTIONS[who] else 403
    if expected == ok:
        assert response.status_code == ok, response.content[:2000]
    else:
        assert_error(response, expected)
        assert state() == before


# --- upload --------------------------------------------------------------------------------
def test_upload_answers_the_new_layer(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    response = client_as(lead).post(
        list_url(activation),
        upload_payload(shown_by_default="false", description="Préfecture"),
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    layer = ReferenceLayer.objects.get(activation=activation)
    assert body == {
        "id": layer.pk,
        "name": "Abris",
        "kind": "shelters",
        "description": "Préfecture",
        "colour": "#33a02c",
        "shown_by_default": False,
        "source_name": "shelters_points.geojson",
        "feature_count": 3,
        "uploaded_by": {
            "id": lead.pk,
            "username": lead.username,
            "name": lead.get_full_name(),
        },
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
        "geojson_url": geojson_url(layer),
    }


def test_upload_defaults(activation):
    lead = make_member(activation, Role.COORDINATOR).user
    payload = {
        "file": SimpleUploadedFile(
            "abri.kml", (DATA / "old_namespace.kml").read_bytes()
        ),
        "name": "Abri",
    }
    response = client_as(lead).post(list_url(activation), payload, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["colour"], body["shown_by_default"]) == (
        "other",
        "#6a3d9a",
        True,
    )


def test_upload_of_a_kmz(activation):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", (DATA / "sectors.kml").read_bytes())
    lead = make_member(activation, Role.TEAM_LEAD).user
    response = client_as(lead).post(
        list_url(activation),
        upload_payload("secteurs.kmz", buffer.getvalue()),
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["feature_count"] == 5


@pytest.mark.parametrize(
    ("file_name", "reason"),
    [
        ("wrong_crs_lambert93.geojson", "only WGS 84 longitude/latitude"),
        ("out_of_range_lambert93.geojson", 'Feature 2 ("Caserne Montpellier")'),
        ("xxe_etc_passwd.kml", "DOCTYPE"),
        ("billion_laughs.kml", "DOCTYPE"),
        ("malformed.geojson", "not valid GeoJSON"),
    ],
)
def test_a_refused_file_is_a_400_with_the_reason(activation, caplog, file_name, reason):
    lead = make_member(activation, Role.TEAM_LEAD).user
    before = state()
    with caplog.at_level(logging.WARNING):
        response = client_as(lead).post(
            list_url(activation), upload_payload(file_name), format="multipart"
        )
    error = assert_error(response, 400, "invalid_file")
    assert reason in error["message"]
    assert "root:" not in response.content.decode()
    assert state() == before
    assert any(
        r.name == "mapping.services.layers" and r.levelno == logging.WARNING
        for r in caplog.records
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (upload_payload("x.shp", b"\x00"), "file"),
        (upload_payload("big.geojson", b" " * (10 * 1024 * 1024 + 1)), "file"),
        (upload_payload(colour="red"), "colour"),
        (upload_payload(kind="bunker"), "kind"),
        (upload_payload(name=""), "name"),
        ({"name": "Sans fichier"}, "file"),
    ],
)
def test_invalid_input_is_a_400_per_field(activation, caplog, payload, field):
    lead = make_member(activation, Role.TEAM_LEAD).user
    before = state()
    with caplog.at_level(logging.WARNING, logger="mapping.api.layers"):
        response = client_as(lead).post(
            list_url(activation), payload, format="multipart"
        )
    error = assert_error(response, 400, "invalid")
    assert field in error["details"]
    assert state() == before
    assert "reference layer input refused" in caplog.text


def test_a_taken_name_is_a_400(activation):
    make_layer(activation, name="Abris")
    lead = make_member(activation, Role.TEAM_LEAD).user
    before = state()
    response = client_as(lead).post(
        list_url(activation), upload_payload(name="ABRIS"), format="multipart"
    )
    assert_error(response, 400, "duplicate_name")
    assert state() == before


def test_upload_needs_multipart(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    response = client_as(lead).post(
        list_url(activation), {"name": "x", "file": "e30="}, format="json"
    )
    assert_error(response, 415)


# --- one layer -----------------------------------------------------------------------------
def test_patch_changes_only_what_is_sent(activation):
    layer = make_layer(activation)
    lead = make_member(activation, Role.TEAM_LEAD).user
    response = client_as(lead).patch(
        detail_url(layer),
        {"colour": "#1F78B4", "shown_by_default": False},
        format="json",
    )
    assert response.status_code == 200, response.content
    layer.refresh_from_db()
    assert (layer.name, layer.kind, layer.colour, layer.shown_by_default) == (
        "Secteurs",
        "sectors",
        "#1f78b4",
        False,
    )


def test_a_refused_patch_changes_nothing(activation):
    make_layer(activation, name="Abris")
    layer = make_layer(activation, name="Routes", file_name="old_namespace.kml")
    lead = make_member(activation, Role.TEAM_LEAD).user
    before = state()
    api = client_as(lead)
    assert_error(
        api.patch(detail_url(layer), {"name": "abris"}, format="json"),
        400,
        "duplicate_name",
    )
    assert_error(
        api.patch(detail_url(layer), {"colour": "blue"}, format="json"), 400, "invalid"
    )
    assert state() == before


def test_delete(activation):
    layer = make_layer(activation)
    coordinator = make_member(activation, Role.COORDINATOR).user
    response = client_as(coordinator).delete(detail_url(layer))
    assert response.status_code == 204
    assert not ReferenceLayer.objects.filter(pk=layer.pk).exists()
    assert ReferenceFeature.objects.count() == 0


def test_a_layer_of_another_activation_is_404(activation):
    foreign = make_layer(ActivationFactory())
    coordinator = make_member(activation, Role.COORDINATOR).user
    api = client_as(coordinator)
    before = state()
    assert_error(api.get(detail_url(foreign, activation)), 404)
    assert_error(api.get(geojson_url(foreign, activation)), 404)
    assert_error(api.delete(detail_url(foreign, activation)), 404)
    assert_error(
        api.patch(detail_url(foreign, activation), {"name": "x"}, format="json"), 404
    )
    assert state() == before


def test_list_is_paginated_and_scoped(activation):
    mine = make_layer(activation)
    make_layer(ActivationFactory())
    liaison = make_member(activation, Role.LIAISON).user
    body = client_as(liaison).get(list_url(activation)).json()
    assert body["count"] == 1
    assert [layer["id"] for layer in body["results"]] == [mine.pk]


# --- GeoJSON ------------------------------------------------------------------------------
@pytest.mark.parametrize("accept", [None, "application/geo+json", "application/json"])
def test_geojson(activation, accept):
    layer = make_layer(activation, file_name="closed_roads_lines.geojson")
    liaison = make_member(activation, Role.LIAISON).user
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client_as(liaison).get(geojson_url(layer), **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept or "application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["geometry"]["type"] for f in body["features"]] == [
        "LineString",
        "MultiLineString",
    ]
    assert body["features"][0]["properties"]["name"] == "D986 coupée"


# --- schema -------------------------------------------------------------------------------
def test_every_layer_endpoint_is_documented(client, user):
    client.force_login(user)
    document = client.get(
        reverse("api-schema"), headers={"Accept": "application/vnd.oai.openapi+json"}
    ).json()
    paths = {
        "/api/v1/"
        + str(p.pattern).replace("<slug:", "{").replace("<int:", "{").replace(">", "}")
        for p in layer_api_urls
    }
    assert paths <= set(document["paths"])
    operations = {
        op["operationId"]
        for path in paths
        for method, op in document["paths"][path].items()
        if method in {"get", "post", "patch", "delete"}
    }
    assert operations == {
        "map_layer_list",
        "map_layer_create",
        "map_layer_retrieve",
        "map_layer_update",
        "map_layer_destroy",
        "map_layer_geojson",
    }
    create = document["paths"]["/api/v1/activations/{slug}/map/layers/"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]
    assert "ReferenceLayerFeatureCollection" in document["components"]["schemas"]
