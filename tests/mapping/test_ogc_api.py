"""OGC API - Features Part 1 (Core, GeoJSON, OAS 3.0) requirements, checked on
/ogc/<slug>/: landing page links, conformance classes, collections metadata,
items (GeoJSON, limit/next paging, bbox, datetime, invalid parameters), single
features, HEAD and read-only methods."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.contrib.gis.geos import GeometryCollection, LineString, Point, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escapejs

from accounts.services import api_token_create
from activations.models import Activation, ActivationMember
from mapping.models import (
    Incident,
    MapItem,
    ReferenceFeature,
    ReferenceLayer,
    Verification,
)
from mapping.ogc.selectors import ALL_ITEMS, ogc_collection_get, ogc_features
from mapping.sync import mercator
from monitoring.models import Cluster
from tests.accounts.support import ALL_SCOPES
from tests.factories import ActivationFactory, make_member
from verification.models import Case

Role = ActivationMember.Role
CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
GEOJSON = "application/geo+json"
T0 = dt.datetime(2026, 3, 1, 8, 0, 0, 250_000, tzinfo=dt.UTC)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


# --- data ------------------------------------------------------------------------------
def make_map_item(
    activation: Activation,
    *,
    lon: float = 3.88,
    lat: float = 43.61,
    verification: str = Verification.VERIFIED,
    observed_at: dt.datetime | None = None,
    **fields: Any,
) -> MapItem:
    """A map item written straight to the read model (with its queue cluster)."""
    now = timezone.now()
    cluster = Cluster.objects.create(
        activation=activation,
        size=1,
        first_seen_at=now,
        last_seen_at=now,
        category=fields.get("category", "infrastructure"),
        status=Cluster.Status.DONE,
    )
    mx, my = mercator(lon, lat)
    values: dict[str, Any] = {
        "category": "infrastructure",
        "platform": "mastodon",
        "summary": "Route coupée par l'eau",
        "place_name": "Lattes",
        "author_handle": f"@witness{cluster.pk}@mastodon.example",
        "post_url": f"https://mastodon.example/@witness{cluster.pk}/1",
        **fields,
    }
    return MapItem.objects.create(
        activation=activation,
        cluster=cluster,
        location=Point(lon, lat, srid=4326),
        mx=mx,
        my=my,
        verification=verification,
        observed_at=observed_at or T0,
        **values,
    )


def make_items(activation: Activation, count: int, **fields: Any) -> list[MapItem]:
    """`count` verified items in a row, in two bulk queries."""
    now = timezone.now()
    clusters = Cluster.objects.bulk_create(
        Cluster(
            activation=activation,
            size=1,
            first_seen_at=now,
            last_seen_at=now,
            status=Cluster.Status.DONE,
        )
        for _ in range(count)
    )
    items = []
    for n, cluster in enumerate(clusters):
        lon, lat = 3.8 + n * 0.001, 43.6
        mx, my = mercator(lon, lat)
        items.append(
            MapItem(
                activation=activation,
                cluster=cluster,
                location=Point(lon, lat, srid=4326),
                mx=mx,
                my=my,
                verification=Verification.VERIFIED,
                observed_at=T0 + dt.timedelta(minutes=n),
                category="infrastructure",
                **fields,
            )
        )
    return MapItem.objects.bulk_create(items)


def make_incident(activation: Activation, number: int, **fields: Any) -> Incident:
    values: dict[str, Any] = {
        "status": Incident.Status.CONFIRMED,
        "category": "infrastructure",
        "title": f"Incident {number}",
        "started_at": T0,
        "item_count": 2,
        **fields,
    }
    return Incident.objects.create(activation=activation, number=number, **values)


def square(lon: float, lat: float, half: float) -> Polygon:
    return Polygon.from_bbox((lon - half, lat - half, lon + half, lat + half))


@pytest.fixture
def coordinator(activation):
    return make_member(activation, Role.COORDINATOR).user


@pytest.fixture
def api(client, coordinator):
    """A client signed in as a coordinator of `activation`."""
    client.force_login(coordinator)
    return client


@pytest.fixture
def layer(activation):
    layer = ReferenceLayer.objects.create(
        activation=activation, name="Secteurs", kind=ReferenceLayer.Kind.SECTORS
    )
    ReferenceFeature.objects.create(
        layer=layer,
        geometry=square(3.9, 43.6, 0.05),
        name="Secteur Est",
        properties={"code": "E", "population": 1200},
    )
    ReferenceFeature.objects.create(
        layer=layer,
        geometry=LineString((4.5, 44.0), (4.6, 44.1), srid=4326),
        name="",
        properties={"road": "D986"},
    )
    return layer


def url(name: str, activation: Activation, *args: Any, **query: Any) -> str:
    path = reverse(f"ogc:{name}", args=[activation.slug, *args])
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def get_json(client, path: str, status: int = 200, **headers: str) -> Any:
    response = client.get(path, headers=headers)
    assert response.status_code == status, response.content[:1000]
    return response.json()


def links_by_rel(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {entry["rel"]: entry for entry in doc["links"]}


def ids(doc: dict[str, Any]) -> list[Any]:
    return [feature["id"] for feature in doc["features"]]


def assert_exception(response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"]
    assert body["description"]
    assert body["detail"] == body["description"]
    return body


# --- landing page, conformance, API definition ------------------------------------------
def test_landing_page_links_to_definition_conformance_and_collections(api, activation):
    # when
    response = api.get(url("landing", activation))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    doc = response.json()
    assert doc["title"] == activation.title
    assert doc["description"]
    rels = links_by_rel(doc)
    base = f"http://testserver/ogc/{activation.slug}/"
    assert rels["self"] == {
        "href": base,
        "rel": "self",
        "type": "application/json",
        "title": "This document",
    }
    assert rels["service-desc"]["href"] == base + "api"
    assert rels["service-desc"]["type"] == OPENAPI
    assert rels["service-doc"]["href"] == base + "api.html"
    assert rels["service-doc"]["type"] == "text/html"
    assert rels["conformance"]["href"] == base + "conformance"
    assert rels["data"]["href"] == base + "collections"
    assert all(entry["type"] for entry in doc["links"])


def test_every_landing_link_answers_with_its_advertised_type(api, activation):
    doc = get_json(api, url("landing", activation))
    for entry in doc["links"]:
        response = api.get(entry["href"])
        assert response.status_code == 200, entry
        assert response["Content-Type"].startswith(entry["type"]), entry


def test_conformance_declares_core_geojson_and_oas30(api, activation):
    doc = get_json(api, url("conformance", activation))
    assert doc == {"conformsTo": [f"{CONF}core", f"{CONF}geojson", f"{CONF}oas30"]}


def test_the_api_definition_is_openapi_30_and_lists_every_resource(
    api, activation, layer
):
    response = api.get(url("api", activation))
    assert response.status_code == 200
    assert response["Content-Type"] == OPENAPI
    doc = response.json()
    assert doc["openapi"].startswith("3.0")
    assert doc["servers"] == [{"url": f"http://testserver/ogc/{activation.slug}"}]
    assert set(doc["paths"]) == {
        "/",
        "/conformance",
        "/api",
        "/api.html",
        "/collections",
        "/collections/{collectionId}",
        "/collections/{collectionId}/items",
        "/collections/{collectionId}/items/{featureId}",
    }
    items_op = doc["paths"]["/collections/{collectionId}/items"]["get"]
    assert {"200", "400", "401", "404", "405"} <= set(items_op["responses"])
    params = doc["components"]["parameters"]
    assert params["collectionId"]["schema"]["enum"] == [
        "verified-items",
        "items",
        "incidents",
        f"layer-{layer.pk}",
    ]
    assert params["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 10000,
        "default": 100,
    }
    assert set(doc["components"]["securitySchemes"]) == {
        "basicToken",
        "tokenHeader",
        "bearerToken",
        "session",
    }


def test_the_api_definition_page_loads_swagger_from_static_files_only(api, activation):
    response = api.get(url("api-docs", activation))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    script_url = reverse("ogc:api-docs-script", args=[activation.slug])
    assert f'<script src="{script_url}"></script>' in page
    assert "<script>" not in page  # CSP: no inline script
    script = api.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    schema_url = escapejs(reverse("ogc:api", args=[activation.slug]))
    assert f'url: "{schema_url}"' in script.content.decode()


# --- collections ---------------------------------------------------------------------
def test_collections_have_ids_links_and_extents_from_the_data(api, activation, layer):
    # given
    make_map_item(activation, lon=3.80, lat=43.50, observed_at=T0)
    make_map_item(
        activation,
        lon=3.95,
        lat=43.70,
        observed_at=T0 + dt.timedelta(hours=2),
        verification=Verification.UNCHECKED,
    )
    make_incident(activation, 1, footprint=square(3.9, 43.6, 0.01), ended_at=None)
    # when
    doc = get_json(api, url("collections", activation))
    # then
    assert links_by_rel(doc)["self"]["type"] == "application/json"
    collections = {c["id"]: c for c in doc["collections"]}
    assert list(collections) == [
        "verified-items",
        "items",
        "incidents",
        f"layer-{layer.pk}",
    ]
    base = f"http://testserver/ogc/{activation.slug}/collections/"
    for cid, collection in collections.items():
        assert collection["title"]
        assert collection["itemType"] == "feature"
        assert collection["crs"] == [CRS84]
        rels = links_by_rel(collection)
        assert rels["self"] == {
            "href": base + cid,
            "rel": "self",
            "type": "application/json",
            "title": collection["title"],
        }
        assert rels["items"]["href"] == base + cid + "/items"
        assert rels["items"]["type"] == GEOJSON
        assert collection["extent"]["spatial"]["crs"] == CRS84
    verified = collections["verified-items"]["extent"]
    assert verified["spatial"]["bbox"] == [[3.8, 43.5, 3.8, 43.5]]
    assert verified["temporal"] == {
        "interval": [["2026-03-01T08:00:00.250000Z", "2026-03-01T08:00:00.250000Z"]],
        "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
    }
    everything = collections["items"]["extent"]
    assert everything["spatial"]["bbox"] == [[3.8, 43.5, 3.95, 43.7]]
    assert everything["temporal"]["interval"] == [
        ["2026-03-01T08:00:00.250000Z", "2026-03-01T10:00:00.250000Z"]
    ]
    incidents = collections["incidents"]["extent"]
    assert incidents["spatial"]["bbox"] == [[3.89, 43.59, 3.91, 43.61]]
    # still going: the interval is open at the end
    assert incidents["temporal"]["interval"] == [["2026-03-01T08:00:00.250000Z", None]]
    reference = collections[f"layer-{layer.pk}"]
    assert reference["title"] == "Secteurs"
    assert reference["extent"] == {
        "spatial": {"bbox": [[3.85, 43.55, 4.6, 44.1]], "crs": CRS84}
    }


def test_an_empty_collection_has_the_activation_area_as_extent(api, activation):
    doc = get_json(api, url("collection", activation, "verified-items"))
    assert doc["extent"] == {
        "spatial": {"bbox": [[3.78, 43.51, 3.98, 43.71]], "crs": CRS84}
    }


def test_one_collection_is_described_as_in_the_list(api, activation, layer):
    make_map_item(activation)
    listed = {
        c["id"]: c for c in get_json(api, url("collections", activation))["collections"]
    }
    for cid, described in listed.items():
        assert get_json(api, url("collection", activation, cid)) == described


@pytest.mark.parametrize(
    "cid", ["nope", "layer-999999", "layer-x", "layer-", "Items", "layer-１"]
)
def test_an_unknown_collection_is_a_404_exception(api, activation, cid):
    assert_exception(api.get(url("collection", activation, cid)), 404)
    assert_exception(api.get(url("items", activation, cid)), 404)


def test_a_layer_of_another_activation_is_not_found(api, activation):
    other = ActivationFactory()
    foreign = ReferenceLayer.objects.create(activation=other, name="Ailleurs")
    response = api.get(url("collection", activation, f"layer-{foreign.pk}"))
    assert_exception(response, 404)


def test_an_exercise_is_marked_in_titles_descriptions_and_features(client, db):
    # given
    exercise = ActivationFactory(kind=Activation.Kind.EXERCISE)
    client.force_login(make_member(exercise, Role.VOLUNTEER).user)
    make_map_item(exercise)
    # when
    landing = get_json(client, url("landing", exercise))
    collections = get_json(client, url("collections", exercise))["collections"]
    features = get_json(client, url("items", exercise, "verified-items"))["features"]
    # then
    assert landing["title"].startswith("EXERCISE")
    assert all(c["description"].startswith("EXERCISE") for c in collections)
    assert [f["properties"]["exercise"] for f in features] == [True]


# --- items: GeoJSON --------------------------------------------------------------------
def test_items_are_a_geojson_feature_collection(api, activation):
    # given
    case = Case.objects.create(
        activation=activation,
        number=7,
        claim="Pont effondré",
        opened_by=make_member(activation, Role.VOLUNTEER).user,
        status=Case.Status.VERIFIED,
    )
    incident = make_incident(activation, 3)
    item = make_map_item(
        activation,
        lon=3.8812345678,
        lat=43.6,
        urgent=True,
        radius_m=250,
        case=case,
        incident=incident,
    )
    # when
    response = api.get(url("items", activation, "verified-items"))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    doc = response.json()
    assert doc["type"] == "FeatureCollection"
    assert doc["numberMatched"] == 1
    assert doc["numberReturned"] == len(doc["features"]) == 1
    assert RFC3339.match(doc["timeStamp"])
    rels = links_by_rel(doc)
    assert rels["self"]["href"] == "http://testserver" + url(
        "items", activation, "verified-items"
    )
    assert rels["self"]["type"] == GEOJSON
    assert rels["collection"]["type"] == "application/json"
    assert "next" not in rels
    assert "prev" not in rels
    assert doc["features"] == [
        {
            "type": "Feature",
            "id": item.cluster_id,
            "geometry": {"type": "Point", "coordinates": [3.8812346, 43.6]},
            "properties": {
                "category": "infrastructure",
                "category_label": "Infrastructure and utilities damage",
                "verification": "verified",
                "verification_label": "Verified",
                "urgent": True,
                "platform": "mastodon",
                "observed_at": "2026-03-01T08:00:00.250000Z",
                "summary": "Route coupée par l'eau",
                "place_name": "Lattes",
                "radius_m": 250,
                "author": doc["features"][0]["properties"]["author"],
                "case": 7,
                "incident": 3,
                "exercise": False,
            },
        }
    ]


def test_authors_are_pseudonyms_and_post_urls_are_never_served(api, activation):
    # given
    item = make_map_item(activation, author_handle="@marie_dupont@mastodon.example")
    # when
    response = api.get(url("items", activation, "items"))
    single = api.get(url("item", activation, "items", item.cluster_id))
    # then
    for body in (response.content.decode(), single.content.decode()):
        assert "marie_dupont" not in body
        assert "mastodon.example/@" not in body
        assert "post_url" not in body
    author = response.json()["features"][0]["properties"]["author"]
    assert re.fullmatch(r"account-[0-9a-f]{10}", author)
    assert single.json()["properties"]["author"] == author


def test_verified_items_hold_only_verified_ones_and_items_hold_all(api, activation):
    verified = make_map_item(activation)
    unchecked = make_map_item(activation, verification=Verification.UNCHECKED)
    false = make_map_item(activation, verification=Verification.FALSE)
    assert ids(get_json(api, url("items", activation, "verified-items"))) == [
        verified.cluster_id
    ]
    assert ids(get_json(api, url("items", activation, "items"))) == [
        verified.cluster_id,
        unchecked.cluster_id,
        false.cluster_id,
    ]


# --- items: limit and paging -------------------------------------------------------------
def test_following_next_links_returns_every_item_once(api, activation):
    # given
    created = make_items(activation, 23)
    href: str | None = url("items", activation, "verified-items", limit=5)
    seen: list[int] = []
    pages = 0
    # when
    while href is not None:
        doc = get_json(api, href)
        pages += 1
        assert doc["numberMatched"] == 23
        assert doc["numberReturned"] == len(doc["features"]) <= 5
        seen += ids(doc)
        rels = links_by_rel(doc)
        assert ("prev" in rels) == (pages > 1)
        href = rels["next"]["href"] if "next" in rels else None
        if href is not None:
            assert rels["next"]["type"] == GEOJSON
    # then
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == {item.cluster_id for item in created}


def test_next_links_keep_the_filters(api, activation):
    make_items(activation, 4)
    doc = get_json(
        api,
        url(
            "items",
            activation,
            "verified-items",
            limit=2,
            bbox="3.7,43.5,3.9,43.7",
            datetime="2026-03-01T00:00:00Z/..",
            f="json",
        ),
    )
    nxt = links_by_rel(doc)["next"]["href"]
    assert "bbox=3.7%2C43.5%2C3.9%2C43.7" in nxt
    assert "datetime=2026-03-01T00%3A00%3A00Z%2F.." in nxt
    assert "f=json" in nxt
    assert "limit=2" in nxt
    assert "offset=2" in nxt
    second = get_json(api, nxt)
    assert second["numberReturned"] == 2
    assert "next" not in links_by_rel(second)


def test_limit_defaults_to_100(api, activation):
    make_items(activation, 101)
    doc = get_json(api, url("items", activation, "verified-items"))
    assert doc["numberReturned"] == 100
    assert doc["numberMatched"] == 101
    assert "limit=100&offset=100" in links_by_rel(doc)["next"]["href"]


def test_a_limit_above_the_maximum_is_lowered_not_refused(api, activation):
    make_items(activation, 3)
    doc = get_json(api, url("items", activation, "verified-items", limit=50000))
    assert doc["numberReturned"] == 3
    doc = get_json(api, url("items", activation, "verified-items", limit=2, offset=1))
    assert "limit=2&offset=3" not in json.dumps(doc)  # 1 + 2 = 3: no next page
    assert "limit=2&offset=0" in links_by_rel(doc)["prev"]["href"]


def test_an_offset_beyond_the_end_gives_an_empty_page(api, activation):
    make_items(activation, 3)
    doc = get_json(api, url("items", activation, "verified-items", offset=10))
    assert doc["features"] == []
    assert doc["numberReturned"] == 0
    assert doc["numberMatched"] == 3
    assert "next" not in links_by_rel(doc)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", "0"),
        ("limit", "-1"),
        ("limit", "ten"),
        ("limit", "1.5"),
        ("limit", "+5"),
        ("limit", "1_0"),
        ("offset", "-1"),
        ("offset", "x"),
        ("f", "html"),
        ("f", "xml"),
        ("unknown", "1"),
        ("bbox-crs", CRS84),
        ("crs", CRS84),
        ("filter", "category='x'"),
    ],
)
def test_an_invalid_or_unknown_parameter_is_a_400_exception(
    api, activation, name, value
):
    make_items(activation, 1)
    response = api.get(url("items", activation, "verified-items"), {name: value})
    body = assert_exception(response)
    assert body["code"] == "InvalidParameterValue"


def test_a_repeated_parameter_is_a_400(api, activation):
    response = api.get(url("items", activation, "verified-items") + "?limit=1&limit=2")
    assert "more than once" in assert_exception(response)["description"]


def test_a_token_in_the_url_is_refused_with_the_way_to_send_it(api, activation):
    response = api.get(url("items", activation, "verified-items"), {"token": "abc"})
    assert "Authorization header" in assert_exception(response)["description"]


@pytest.mark.parametrize("name", ["landing", "conformance", "collections", "api"])
def test_other_resources_refuse_unknown_parameters_too(api, activation, name):
    assert_exception(api.get(url(name, activation), {"limit": "5"}))
    assert api.get(url(name, activation), {"f": "json"}).status_code == 200
    assert_exception(api.get(url(name, activation), {"f": "geojson"}))


def test_f_geojson_is_accepted_for_features(api, activation):
    make_items(activation, 1)
    response = api.get(url("items", activation, "verified-items"), {"f": "geojson"})
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON


# --- items: bbox ---------------------------------------------------------------------------
def test_bbox_keeps_items_inside_and_on_its_edges(api, activation):
    # given
    inside = make_map_item(activation, lon=3.85, lat=43.55)
    on_west_edge = make_map_item(activation, lon=3.8, lat=43.55)
    on_north_east_corner = make_map_item(activation, lon=3.9, lat=43.6)
    make_map_item(activation, lon=3.9000001, lat=43.55)  # just east
    make_map_item(activation, lon=3.85, lat=43.4999999)  # just south
    make_map_item(activation, lon=-1.55, lat=47.22)  # Nantes
    # when
    doc = get_json(api, url("items", activation, "items", bbox="3.8,43.5,3.9,43.6"))
    # then
    assert ids(doc) == [
        inside.cluster_id,
        on_west_edge.cluster_id,
        on_north_east_corner.cluster_id,
    ]
    assert doc["numberMatched"] == 3


def test_a_bbox_with_heights_ignores_them(api, activation):
    inside = make_map_item(activation, lon=3.85, lat=43.55)
    make_map_item(activation, lon=5.0, lat=45.0)
    doc = get_json(
        api, url("items", activation, "items", bbox="3.8,43.5,-100,3.9,43.6,4000")
    )
    assert ids(doc) == [inside.cluster_id]


def test_a_bbox_crossing_the_antimeridian_has_minx_above_maxx(api, activation):
    east = make_map_item(activation, lon=179.5, lat=-17.0)
    west = make_map_item(activation, lon=-179.5, lat=-17.0)
    make_map_item(activation, lon=0.0, lat=-17.0)
    doc = get_json(api, url("items", activation, "items", bbox="179,-20,-179,-10"))
    assert ids(doc) == [east.cluster_id, west.cluster_id]


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ("-200,-95,200,95", [0, 1, 2]),  # a zoomed-out client: the whole world
        ("-540,-90,180,90", [0, 1, 2]),
        ("170,-20,190,-10", [0, 1]),  # 190 is -170: across the antimeridian
        ("-190,-20,-170,-10", [0, 1]),
        ("-10,-100,10,-10", [2]),
    ],
)
def test_a_bbox_beyond_the_poles_or_the_antimeridian_is_wrapped(
    api, activation, bbox, expected
):
    items = [
        make_map_item(activation, lon=179.5, lat=-17.0),
        make_map_item(activation, lon=-179.5, lat=-17.0),
        make_map_item(activation, lon=0.0, lat=-89.5),
    ]
    doc = get_json(api, url("items", activation, "items", bbox=bbox))
    assert ids(doc) == [items[n].cluster_id for n in expected]


def test_a_flat_bbox_finds_the_items_exactly_on_it(api, activation):
    there = make_map_item(activation, lon=3.85, lat=43.55)
    on_the_line = make_map_item(activation, lon=3.85, lat=43.56)
    make_map_item(activation, lon=3.86, lat=43.55)
    point = get_json(
        api, url("items", activation, "items", bbox="3.85,43.55,3.85,43.55")
    )
    line = get_json(api, url("items", activation, "items", bbox="3.85,43.5,3.85,43.6"))
    assert ids(point) == [there.cluster_id]
    assert ids(line) == [there.cluster_id, on_the_line.cluster_id]


@pytest.mark.parametrize(
    "bbox",
    [
        "",
        "1,2,3",
        "1,2,3,4,5",
        "a,b,c,d",
        "3.8;43.5;3.9;43.6",
        "nan,1,2,3",
        "inf,1,2,3",
        "0,10,1,5",  # miny > maxy
        "1e999,0,1,1",
    ],
)
def test_a_malformed_bbox_is_a_400_exception(api, activation, bbox):
    response = api.get(url("items", activation, "items"), {"bbox": bbox})
    assert "bbox" in assert_exception(response)["description"]


def test_bbox_and_datetime_filter_incidents(api, activation):
    # given
    near = make_incident(activation, 1, footprint=square(3.9, 43.6, 0.01))
    centre_only = make_incident(activation, 2, centroid=Point(3.91, 43.61, srid=4326))
    no_geometry = make_incident(activation, 3)
    make_incident(activation, 4, footprint=square(5.0, 45.0, 0.01))
    make_incident(activation, 5, status=Incident.Status.PROPOSED)
    make_incident(activation, 6, status=Incident.Status.DISMISSED)
    ended = make_incident(
        activation,
        7,
        centroid=Point(3.9, 43.6, srid=4326),
        ended_at=T0 + dt.timedelta(hours=1),
    )
    # when
    everything = get_json(api, url("items", activation, "incidents"))
    boxed = get_json(
        api, url("items", activation, "incidents", bbox="3.85,43.55,3.95,43.65")
    )
    later = get_json(
        api, url("items", activation, "incidents", datetime="2026-03-01T12:00:00Z/..")
    )
    # then: confirmed ones only; without a geometry or a time, they match any filter
    assert ids(everything) == [1, 2, 3, 4, 7]
    assert ids(boxed) == [
        near.number,
        centre_only.number,
        no_geometry.number,
        ended.number,
    ]
    assert ids(later) == [1, 2, 3, 4]
    feature = everything["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["title"] == "Incident 1"
    assert feature["properties"]["note"] == ""
    assert everything["features"][1]["geometry"] == {
        "type": "Point",
        "coordinates": [3.91, 43.61],
    }
    assert everything["features"][2]["geometry"] is None


def test_reference_layer_features_with_bbox_and_timeless_datetime(
    api, activation, layer
):
    collection = f"layer-{layer.pk}"
    doc = get_json(api, url("items", activation, collection))
    assert [f["properties"] for f in doc["features"]] == [
        {"code": "E", "population": 1200, "name": "Secteur Est", "exercise": False},
        {"road": "D986", "exercise": False},
    ]
    assert doc["features"][1]["geometry"] == {
        "type": "LineString",
        "coordinates": [[4.5, 44.0], [4.6, 44.1]],
    }
    boxed = get_json(api, url("items", activation, collection, bbox="4.55,44,5,45"))
    assert [f["properties"].get("road") for f in boxed["features"]] == ["D986"]
    timed = get_json(
        api, url("items", activation, collection, datetime="2020-01-01T00:00:00Z")
    )
    assert timed["numberMatched"] == 2


def test_a_reference_feature_with_a_geometry_collection_is_served(api, activation):
    layer = ReferenceLayer.objects.create(activation=activation, name="Mixte")
    ReferenceFeature.objects.create(
        layer=layer,
        geometry=GeometryCollection(
            Point(3.9, 43.6), LineString((3.9, 43.6), (3.91, 43.61)), srid=4326
        ),
    )
    doc = get_json(api, url("items", activation, f"layer-{layer.pk}"))
    assert doc["features"][0]["geometry"]["type"] == "GeometryCollection"


def test_the_bbox_query_can_use_the_gist_index(activation):
    """The items' bbox filter is ST_Intersects on the location, which PostGIS
    answers from the GiST index (``location && box``).

    Which index the planner picks for a whole page depends on the table's
    statistics (on a small test table the activation index may win), so the plan
    is checked for the bbox predicate alone, with sequential scans off.
    """
    make_items(activation, 5)
    activation.viewer_role = Role.COORDINATOR
    collection = ogc_collection_get(activation=activation, collection_id=ALL_ITEMS)
    with CaptureQueriesContext(connection) as queries:
        ogc_features(
            activation=activation,
            collection=collection,
            bbox=((3.7, 43.5, 3.9, 43.7),),
            time=None,
            limit=10,
            offset=0,
        )
    page_sql = queries.captured_queries[-1]["sql"]
    assert re.search(r'ST_Intersects\("mapping_mapitem"\."location"', page_sql)
    assert re.search(r"ORDER BY (1|\S+\.\"id\") ASC LIMIT 10$", page_sql.strip())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM mapping_mapitem WHERE ST_Intersects(location, "
            "ST_MakeEnvelope(3.7, 43.5, 3.9, 43.7, 4326))"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(r"Index Scan (on|using) mapping_mapitem_location_\w+", plan), plan
    assert "Index Cond: (location && " in plan


# --- items: datetime -------------------------------------------------------------------------
@pytest.fixture
def timeline(activation):
    """Items at T0, T0 + 1 h, T0 + 1 day (all with sub-second times)."""
    return [
        make_map_item(activation, observed_at=T0),
        make_map_item(activation, observed_at=T0 + dt.timedelta(hours=1)),
        make_map_item(activation, observed_at=T0 + dt.timedelta(days=1)),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01T08:00:00Z", [0]),  # the whole second
        ("2026-03-01T08:00:00.25Z", [0]),  # exactly
        ("2026-03-01T08:00:00.26Z", []),
        ("2026-03-01T10:00:00+01:00", [1]),  # 09:00 UTC
        ("2026-03-01T10:00:00 01:00", [1]),  # a '+' sent unencoded
        ("2026-03-01t09:00:00z", [1]),
        ("2026-03-01", [0, 1]),  # that day
        ("2026-03-01T08:00:00Z/2026-03-01T09:00:00Z", [0, 1]),
        ("2026-03-01T08:00:01Z/2026-03-01T09:00:00Z", [1]),
        ("../2026-03-01T08:30:00Z", [0]),
        ("/2026-03-01T08:30:00Z", [0]),
        ("2026-03-01T08:30:00Z/..", [1, 2]),
        ("2026-03-01T08:30:00Z/", [1, 2]),
        ("2026-03-02/..", [2]),
        ("2026-02-01/2026-02-28", []),
    ],
)
def test_datetime_instants_and_intervals(api, activation, timeline, value, expected):
    response = api.get(url("items", activation, "items"), {"datetime": value})
    assert response.status_code == 200, response.content
    assert ids(response.json()) == [timeline[n].cluster_id for n in expected]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "2026-03-01T08:00:00",  # no offset
        "2026-03-01T08:00Z",
        "2026-02-30T00:00:00Z",
        "2026-03-01T25:00:00Z",
        "../..",
        "/",
        "..",
        "2026-03-02T00:00:00Z/2026-03-01T00:00:00Z",  # ends before it starts
        "2026-03-01T00:00:00Z/2026-03-02T00:00:00Z/2026-03-03T00:00:00Z",
        "P1D",
    ],
)
def test_a_malformed_datetime_is_a_400_exception(api, activation, value):
    response = api.get(url("items", activation, "items"), {"datetime": value})
    assert "datetime" in assert_exception(response)["description"]


# --- one feature ----------------------------------------------------------------------------
def test_a_feature_by_id_links_to_itself_and_its_collection(api, activation):
    item = make_map_item(activation)
    response = api.get(url("item", activation, "verified-items", item.cluster_id))
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["id"] == item.cluster_id
    rels = links_by_rel(feature)
    assert rels["self"]["href"] == "http://testserver" + url(
        "item", activation, "verified-items", item.cluster_id
    )
    assert rels["self"]["type"] == GEOJSON
    assert rels["collection"]["href"] == "http://testserver" + url(
        "collection", activation, "verified-items"
    )
    assert rels["collection"]["type"] == "application/json"


def test_features_of_every_collection_are_found_by_their_id(api, activation, layer):
    incident = make_incident(activation, 12, centroid=Point(3.9, 43.6, srid=4326))
    feature = layer.features.first()
    got = get_json(api, url("item", activation, "incidents", incident.number))
    assert got["properties"]["number"] == 12
    got = get_json(api, url("item", activation, f"layer-{layer.pk}", feature.pk))
    assert got["properties"]["name"] == "Secteur Est"


@pytest.mark.parametrize("fid", ["999999", "abc", "-1", "1.0", "٣", "1" * 30])
def test_an_unknown_feature_is_a_404_exception(api, activation, fid):
    make_map_item(activation)
    assert_exception(api.get(url("item", activation, "items", fid)), 404)


def test_an_unverified_item_is_not_a_verified_feature(api, activation):
    item = make_map_item(activation, verification=Verification.IN_PROGRESS)
    assert_exception(
        api.get(url("item", activation, "verified-items", item.cluster_id)), 404
    )
    assert api.get(url("item", activation, "items", item.cluster_id)).status_code == 200


def test_an_item_of_another_activation_is_not_found(api, activation):
    other = make_map_item(ActivationFactory())
    assert_exception(api.get(url("item", activation, "items", other.cluster_id)), 404)


def test_a_proposed_incident_is_not_a_feature(api, activation):
    make_incident(activation, 4, status=Incident.Status.PROPOSED)
    assert_exception(api.get(url("item", activation, "incidents", 4)), 404)


# --- HTTP -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("landing", []),
        ("conformance", []),
        ("api", []),
        ("collections", []),
        ("collection", ["items"]),
        ("items", ["items"]),
    ],
)
def test_head_answers_like_get_without_a_body(api, activation, name, args):
    make_map_item(activation)
    got = api.get(url(name, activation, *args))
    head = api.head(url(name, activation, *args))
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == got["Content-Type"]
    assert head["Content-Length"] == str(len(got.content))


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(api, activation, method):
    item = make_map_item(activation)
    response = getattr(api, method)(url("items", activation, "items"))
    assert_exception(response, 405)
    assert response["Allow"] == "GET, HEAD"
    assert MapItem.objects.filter(pk=item.pk).exists()


def test_post_is_405_even_with_csrf_checks_on(activation, coordinator):
    """CSRF-exempt on purpose: nothing but GET and HEAD reaches the views."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    assert client.post(url("items", activation, "items")).status_code == 405


def test_responses_are_private_and_vary_on_credentials(api, activation):
    response = api.get(url("landing", activation))
    assert response["Cache-Control"] == "private, no-cache"
    assert "Authorization" in response["Vary"]
    assert "Cookie" in response["Vary"]


def test_an_items_page_takes_four_queries_with_a_token(
    client, activation, coordinator, django_assert_num_queries
):
    # given: token, activation, count, page (no session)
    make_items(activation, 30)
    token = api_token_create(user=coordinator, name="test", scopes=ALL_SCOPES)
    # the token's first use this minute also notes last_used_at (one UPDATE)
    client.get(
        url("landing", activation), headers={"Authorization": f"Token {token.key}"}
    )
    # when / then
    with django_assert_num_queries(4):
        response = client.get(
            url("items", activation, "items", limit=20, bbox="3.7,43.5,4,43.7"),
            headers={"Authorization": f"Token {token.key}"},
        )
    assert response.json()["numberReturned"] == 20
