"""Area files from people: GeoJSON, KML, KMZ — and hostile ones."""

import contextlib
import io
import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vost.geo import AreaFileError, area_from_geojson, area_from_upload

SQUARE = [[[3.8, 43.5], [4.0, 43.5], [4.0, 43.7], [3.8, 43.7], [3.8, 43.5]]]
KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Secteur</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>
3.8,43.5,0 4.0,43.5,0 4.0,43.7,0 3.8,43.7,0 3.8,43.5,0
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"""


def test_geojson_feature_collection_becomes_a_multipolygon():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": SQUARE},
            },
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [3, 43]},
            },
        ],
    }
    area = area_from_geojson(json.dumps(document))
    assert area.geom_type == "MultiPolygon"
    assert area.srid == 4326
    assert len(area) == 1


def test_kml_and_kmz_give_the_same_area():
    from_kml = area_from_upload(name="secteur.kml", data=KML.encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("doc.kml", KML)
    from_kmz = area_from_upload(name="secteur.KMZ", data=buffer.getvalue())
    assert from_kml.equals(from_kmz)
    assert from_kml.extent == pytest.approx((3.8, 43.5, 4.0, 43.7))


def test_a_self_intersecting_drawing_is_repaired():
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
    }
    area = area_from_geojson(json.dumps(bowtie))
    assert area.valid
    assert area.area > 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.geojson", b"{not json", "not valid GeoJSON"),
        ("a.geojson", b"[1, 2]", "not valid GeoJSON"),
        (
            "a.geojson",
            json.dumps({"type": "Point", "coordinates": [3, 43]}).encode(),
            "no polygon",
        ),
        (
            "a.geojson",
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[300, 43], [301, 43], [301, 44], [300, 43]]],
                }
            ).encode(),
            "WGS 84",
        ),
        ("a.kml", b"<kml><Document>", "not valid KML"),
        (
            "a.kml",
            b"<kml><Polygon><outerBoundaryIs><coordinates>1,2 x,y</coordinates></outerBoundaryIs></Polygon></kml>",
            "malformed",
        ),
        ("a.kmz", b"PK not a zip", "not a valid KMZ"),
        ("a.shp", b"\x00\x01", "Unsupported file type"),
        ("a.geojson", b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_bad_files_are_refused_with_a_reason(name, data, message):
    with pytest.raises(AreaFileError, match=message):
        area_from_upload(name=name, data=data)


def test_oversized_files_are_refused_before_parsing():
    with pytest.raises(AreaFileError, match="too large"):
        area_from_upload(name="big.geojson", data=b" " * (5 * 1024 * 1024 + 1))


def test_external_entities_are_never_resolved(tmp_path):
    # given a KML that tries to read a local file into its coordinates (XXE)
    secret = tmp_path / "secret.txt"
    secret.write_text("3.8,43.5 4.0,43.5 4.0,43.7 3.8,43.7 3.8,43.5")
    hostile = f"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Polygon><outerBoundaryIs><LinearRing>
<coordinates>&xxe;</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"""
    # when / then: the entity stays unexpanded, so there is no polygon to take
    with pytest.raises(AreaFileError):
        area_from_upload(name="x.kml", data=hostile.encode())


def test_billion_laughs_does_not_blow_up():
    bomb = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<kml><Polygon><outerBoundaryIs><coordinates>&lol4;</coordinates></outerBoundaryIs></Polygon></kml>"""
    with pytest.raises(AreaFileError):
        area_from_upload(name="x.kml", data=bomb.encode())


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_parsers(data):
    for name in ("x.geojson", "x.kml", "x.kmz"):
        with contextlib.suppress(AreaFileError):
            area_from_upload(name=name, data=data)


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Polygon", "coordinates": "nope"},
        {"type": "Polygon", "coordinates": [[["a", "b"], [1, 2], [3, 4], [1, 2]]]},
        {"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]},
        {"type": "MultiPolygon", "coordinates": {"x": 1}},
        {"type": "GeometryCollection", "geometries": "x"},
        {
            "type": "Polygon",
            "coordinates": [[[True, False], [1, 2], [3, 4], [True, False]]],
        },
    ],
)
def test_malformed_geojson_geometries_are_refused_not_crashed(geometry):
    with pytest.raises(AreaFileError, match="not valid GeoJSON"):
        area_from_geojson(json.dumps(geometry))
