"""Reading reference layer files: valid GeoJSON/KML/KMZ of every geometry type, and
a hostile corpus (malformed, huge, out of range, wrong CRS, entities, zip bombs)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapping.geoio import (
    DEFAULT_LIMITS,
    LayerFileError,
    Limits,
    features_from_upload,
    file_suffix,
    html_to_text,
)
from vost.geo import AreaFileError, area_from_upload

DATA = Path(__file__).parent / "data" / "layers"


def read(name: str) -> list:
    return features_from_upload(file_name=name, data=(DATA / name).read_bytes())


def refused(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(LayerFileError) as caught:
        features_from_upload(file_name=name, data=data, limits=limits)
    return str(caught.value)


def kmz(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def point_collection(count: int) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Point", "coordinates": [3.8, 43.6]},
        }
    ] * count
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


# --- valid samples -----------------------------------------------------------------------
def test_points_keep_names_scalars_and_drop_altitude_and_null_geometries():
    # when
    features = read("shelters_points.geojson")
    # then: the unlocated feature is skipped
    assert [f.name for f in features] == [
        "Gymnase Jean Bouin",
        "Salle des fêtes de Lattes",
        "Points de distribution d'eau",
    ]
    assert [f.geometry.geom_type for f in features] == ["Point", "Point", "MultiPoint"]
    first = features[0]
    assert first.geometry.srid == 4326
    assert first.geometry.coords == (3.8812, 43.6047)  # 2D: the altitude is dropped
    assert first.properties == {
        "nom": "Gymnase Jean Bouin",
        "capacite": 200,
        "ouvert": True,
        "contact": None,
        "horaires": '{"ouverture": "08:00", "fermeture": "20:00"}',
    }


def test_lines_and_multilines():
    features = read("closed_roads_lines.geojson")
    assert [(f.name, f.geometry.geom_type) for f in features] == [
        ("D986 coupée", "LineString"),
        ("Berges du Lez", "MultiLineString"),
    ]
    assert features[0].geometry.num_coords == 3


def test_polygons_keep_holes_and_a_bow_tie_is_repaired_with_both_lobes():
    # given a file declaring CRS84 (accepted), a hole, a multipolygon and a bow tie
    features = read("sectors_polygons.geojson")
    north, south, bow_tie = features
    # then
    assert north.name == "Secteur Nord"
    assert north.geometry.geom_type == "Polygon"
    assert len(north.geometry) == 2  # shell and hole
    assert south.geometry.geom_type == "MultiPolygon"
    assert len(south.geometry) == 2
    assert bow_tie.geometry.valid
    assert bow_tie.geometry.geom_type == "MultiPolygon"
    assert len(bow_tie.geometry) == 2
    assert bow_tie.geometry.area == pytest.approx(0.05 * 0.05 / 2)
    assert all(f.geometry.srid == 4326 for f in features)


def test_a_single_feature_with_a_geometry_collection():
    (feature,) = read("mixed_collection.geojson")
    assert feature.name == "Poste de commandement et accès"
    assert feature.geometry.geom_type == "GeometryCollection"
    assert [g.geom_type for g in feature.geometry] == ["Point", "LineString"]


def test_a_bare_geometry_in_a_json_file():
    (feature,) = read("hazard_bare_geometry.json")
    assert feature.geometry.geom_type == "Polygon"
    assert feature.name == ""
    assert feature.properties == {}


def test_kml_placemarks_of_every_kind():
    # when
    features = read("sectors.kml")
    # then: the placemark with a 3D model only is skipped
    assert [(f.name, f.geometry.geom_type) for f in features] == [
        ("Secteur Ouest", "Polygon"),
        ("Centre de regroupement", "Point"),
        ("Route barrée (D65)", "LineString"),
        ("Zones inondables", "MultiPolygon"),  # an unclosed ring closed for the author
        ("Accès et PC", "GeometryCollection"),
    ]
    west = features[0]
    assert len(west.geometry) == 2  # shell and hole
    assert west.properties["priorite"] == "haute"
    assert west.properties["code"] == "O"
    assert features[2].geometry.coords == ((3.84, 43.63), (3.85, 43.64), (3.86, 43.645))


def test_kml_description_is_kept_as_plain_text_never_html():
    (west, *_rest) = read("sectors.kml")
    description = west.properties["description"]
    assert "Cdt Martin" in description
    assert "Relève à 20\xa0h" in description
    assert "<" not in description
    assert "alert" not in description  # script bodies and event handlers are gone


def test_kml_with_the_old_google_namespace():
    (feature,) = read("old_namespace.kml")
    assert feature.name == "Abri"
    assert feature.geometry.coords == (3.87, 43.61)


def test_kmz_reads_doc_kml_like_the_kml_itself():
    # given a KMZ with doc.kml, an icon and another KML
    kml = (DATA / "sectors.kml").read_bytes()
    data = kmz(
        {
            "files/icon.png": b"\x89PNG\r\n\x1a\n",
            "other.kml": (DATA / "old_namespace.kml").read_bytes(),
            "doc.kml": kml,
        }
    )
    # when
    from_kmz = features_from_upload(file_name="Secteurs.KMZ", data=data)
    from_kml = features_from_upload(file_name="secteurs.kml", data=kml)
    # then
    assert [f.name for f in from_kmz] == [f.name for f in from_kml]
    assert all(
        a.geometry.equals(b.geometry) for a, b in zip(from_kmz, from_kml, strict=True)
    )


def test_kmz_without_doc_kml_reads_the_first_kml():
    data = kmz({"layer/abri.kml": (DATA / "old_namespace.kml").read_bytes()})
    (feature,) = features_from_upload(file_name="abri.kmz", data=data)
    assert feature.name == "Abri"


# --- hostile corpus ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed.geojson", ["This is not valid GeoJSON"]),
        ("nan_coordinates.geojson", ["not valid GeoJSON", "NaN is not a number"]),
        (
            "out_of_range_lambert93.geojson",
            [
                'Feature 2 ("Caserne Montpellier")',
                "coordinates out of range (longitude 770500)",
                "EPSG:4326",
            ],
        ),
        (
            "latitude_out_of_range.geojson",
            ['Feature 1 ("Pôle")', "latitude 95"],
        ),
        (
            "wrong_crs_lambert93.geojson",
            ["urn:ogc:def:crs:EPSG::2154", "only WGS 84 longitude/latitude"],
        ),
        (
            "unclosed_polygon.geojson",
            ['Feature 1 ("Ouvert")', "not valid GeoJSON", "must end where it starts"],
        ),
        ("billion_laughs.kml", ["DOCTYPE", "entities"]),
        ("xxe_etc_passwd.kml", ["DOCTYPE"]),
        ("xxe_parameter_entity.kml", ["DOCTYPE"]),
        ("malformed.kml", ["This is not valid KML"]),
        (
            "bad_coordinates.kml",
            ['Feature 1 ("Abri")', "KML coordinates are malformed"],
        ),
    ],
)
def test_hostile_files_are_refused_with_a_clear_reason(name, expected):
    message = refused(name, (DATA / name).read_bytes())
    for part in expected:
        assert part in message
    assert "root:" not in message  # nothing of /etc/passwd ever shows


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("sectors.shp", b"\x00\x00\x27\x0a", "Unsupported file type"),
        ("noextension", b"{}", "Unsupported file type"),
        ("x.geojson", b"\xff\xfe\x00\x00", "not UTF-8"),
        ("x.geojson", b"[1, 2]", "not an object"),
        ("x.geojson", b'{"type": "Topology"}', "unknown type"),
        ("x.geojson", b'{"type": "FeatureCollection", "features": {}}', "bad features"),
        (
            "x.geojson",
            b'{"type": "FeatureCollection", "features": [1]}',
            "Feature 1: This is not valid GeoJSON: not a Feature",
        ),
        ("x.geojson", b'{"type": "Point", "coordinates": [1e999, 2]}', "out of range"),
        (
            "x.geojson",
            b'{"type": "Point", "coordinates": [true, false]}',
            "bad position",
        ),
        (
            "x.geojson",
            b'{"type": "Hexagon", "coordinates": []}',
            "unknown type Hexagon",
        ),
        ("x.geojson", b'{"type": "FeatureCollection", "features": []}', "no feature"),
        ("x.kml", b"<kml><Document/></kml>", "no feature"),
        ("x.kml", b"", "not valid KML"),
        (
            "x.kml",
            b"<kml><Placemark><Point><coordinates>1,2 3,4</coordinates></Point>"
            b"</Placemark></kml>",
            "exactly one position",
        ),
        (
            "x.kml",
            b"<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>"
            b"1,2 3,4</coordinates></LinearRing></outerBoundaryIs></Polygon>"
            b"</Placemark></kml>",
            "at least four points",
        ),
        (
            "x.geojson",
            b'{"type": "LineString", "coordinates": [[1, 2], [1, 2]]}',
            "cannot be repaired",
        ),
        (
            "x.geojson",
            b'{"type": "LineString", "coordinates": [[1, 2]]}',
            "a line needs at least two positions",
        ),
        (
            "x.geojson",
            b'{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}',
            "a polygon ring needs at least four positions",
        ),
        (
            "x.geojson",
            b'{"type": "MultiLineString", "coordinates": [[[1, 2], [3, "4"]]]}',
            "bad position",
        ),
        (
            "x.geojson",
            b'{"type": "Point", "coordinates": [1' + b"0" * 400 + b", 2]}",
            "bad position",
        ),
        (
            "x.geojson",
            b'{"type": "LineString", "coordinates": [[1'
            + b"0" * 400
            + b", 2], [1, 2]]}",
            "bad position",
        ),
        (
            "x.kml",
            b"<kml><Placemark><LineString><coordinates>1,2</coordinates></LineString>"
            b"</Placemark></kml>",
            "a line needs at least two positions",
        ),
        (
            "x.kml",
            b"<kml><Placemark><Polygon><innerBoundaryIs/></Polygon></Placemark></kml>",
            "a polygon without an outer boundary",
        ),
        (
            "x.geojson",
            b'{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}',
            "cannot be repaired",
        ),
    ],
)
def test_malformed_input_is_refused_not_crashed(name, data, expected):
    assert expected in refused(name, data)


def test_a_declared_wgs84_crs_is_accepted_in_its_usual_spellings():
    for crs in (
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:EPSG::4326",
        "EPSG:4326",
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    ):
        document = {
            "type": "Feature",
            "crs": {"type": "name", "properties": {"name": crs}},
            "geometry": {"type": "Point", "coordinates": [3.8, 43.6]},
            "properties": {},
        }
        assert features_from_upload(
            file_name="x.geojson", data=json.dumps(document).encode()
        )


def test_a_crs_on_a_geometry_or_a_link_is_refused_too():
    geometry_crs = {
        "type": "Point",
        "coordinates": [3.8, 43.6],
        "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
    }
    assert "EPSG:3857" in refused("x.geojson", json.dumps(geometry_crs).encode())
    linked = {
        "type": "FeatureCollection",
        "crs": {"type": "link", "properties": {"href": "http://example.org/crs"}},
        "features": [],
    }
    assert "http://example.org/crs" in refused("x.geojson", json.dumps(linked).encode())


def test_a_file_over_10_mb_is_refused_before_parsing():
    data = b" " * (10 * 1024 * 1024 + 1)
    assert "too large (at most 10 MB)" in refused("big.geojson", data)


def test_too_many_features_are_refused():
    data = point_collection(DEFAULT_LIMITS.max_features + 1)
    assert "too many features (at most 20,000)" in refused("x.geojson", data)
    kml = (
        b"<kml>"
        + b"<Placemark><Point><coordinates>1,2</coordinates></Point></Placemark>" * 11
        + b"</kml>"
    )
    assert "too many features (at most 10)" in refused(
        "x.kml", kml, Limits(max_features=10)
    )


def test_exactly_the_limit_of_features_is_accepted():
    assert (
        len(
            features_from_upload(
                file_name="x.geojson",
                data=point_collection(50),
                limits=Limits(max_features=50),
            )
        )
        == 50
    )


def test_too_many_points_in_all_are_refused():
    # given one line of 500,001 points (about 6 MB of JSON, under the size limit)
    line = [[3.8, 43.6 + i * 1e-7] for i in range(DEFAULT_LIMITS.max_vertices + 1)]
    data = json.dumps({"type": "LineString", "coordinates": line}).encode()
    assert len(data) < DEFAULT_LIMITS.max_bytes
    # then
    assert "too many points (at most 500,000 in all)" in refused("x.geojson", data)


def test_points_are_counted_across_features_and_in_kml():
    small = Limits(max_vertices=5)
    assert "too many points" in refused("x.geojson", point_collection(6), small)
    kml = b"<kml><Placemark><LineString><coordinates>1,2 1,3 1,4 1,5 1,6 1,7</coordinates></LineString></Placemark></kml>"
    assert "too many points" in refused("x.kml", kml, small)


def test_absurd_nesting_is_refused():
    deep = b"[" * 100_000 + b"]" * 100_000
    assert "nested too deeply" in refused("x.geojson", deep)
    collection: dict = {"type": "Point", "coordinates": [1, 2]}
    for _ in range(DEFAULT_LIMITS.max_depth + 1):
        collection = {"type": "GeometryCollection", "geometries": [collection]}
    assert "nested too deeply" in refused("x.geojson", json.dumps(collection).encode())
    multi = b"<Point><coordinates>1,2</coordinates></Point>"
    for _ in range(DEFAULT_LIMITS.max_depth + 1):
        multi = b"<MultiGeometry>" + multi + b"</MultiGeometry>"
    kml = b"<kml><Placemark>" + multi + b"</Placemark></kml>"
    assert "nested too deeply" in refused("x.kml", kml)


def test_the_xml_parser_limits_give_a_clear_reason():
    deep = b"<kml>" + b"<Folder>" * 300 + b"</Folder>" * 300 + b"</kml>"
    assert "nested more than 256 deep" in refused("x.kml", deep)
    huge = (
        b"<kml><Placemark><LineString><coordinates>"
        + b"1,2 " * 2_600_000
        + b"</coordinates></LineString></Placemark></kml>"
    )
    assert "more than 10 MB of text" in refused(
        "x.kml", huge, Limits(max_bytes=20 * 1024 * 1024)
    )


def test_entities_are_refused_in_any_encoding():
    # given a UTF-16 document: the byte scan cannot see its DOCTYPE, the parser does
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE kml [<!ENTITY a "Abri">]>'
        "<kml><Placemark><name>&a;</name><Point><coordinates>1,2</coordinates>"
        "</Point></Placemark></kml>"
    )
    assert "DOCTYPE" in refused("x.kml", text.encode("utf-16"))


def test_an_external_entity_never_reads_the_file(tmp_path):
    # given a KML that would put a local secret in the placemark's name (XXE)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN")
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<kml><Placemark><name>&x;</name><Point><coordinates>1,2</coordinates>"
        "</Point></Placemark></kml>"
    ).encode()
    # then
    message = refused("x.kml", hostile)
    assert "TOP-SECRET-TOKEN" not in message
    assert "DOCTYPE" in message


def test_a_doctype_inside_a_description_is_not_a_doctype():
    # CDATA may hold a whole HTML page (Google Earth balloons): that is text
    kml = (
        b"<kml><Placemark><name>Abri</name><description><![CDATA[<!DOCTYPE html>"
        b"<p>ok</p>]]></description><Point><coordinates>1,2</coordinates></Point>"
        b"</Placemark></kml>"
    )
    (feature,) = features_from_upload(file_name="x.kml", data=kml)
    assert feature.properties["description"] == "ok"


# --- KMZ: zip bombs, paths, structure -------------------------------------------------
KML_HEAD = b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>'
KML_TAIL = b"</name><Point><coordinates>1,2</coordinates></Point></Placemark></kml>"


def test_a_kmz_zip_bomb_with_a_high_ratio_is_refused():
    # given 15 MB of spaces (under the 20 MB cap) compressed about 1000 times
    data = kmz({"doc.kml": KML_HEAD + b" " * (15 * 1024 * 1024) + KML_TAIL})
    assert len(data) < 100_000
    # then
    assert "zip bomb" in refused("bomb.kmz", data)


def test_a_kmz_entry_declaring_too_many_bytes_is_refused():
    data = kmz({"doc.kml": KML_HEAD + b" " * (21 * 1024 * 1024) + KML_TAIL})
    assert "too large once uncompressed" in refused("big.kmz", data)
    # an entry we would not even read counts too
    data = kmz(
        {"doc.kml": KML_HEAD + KML_TAIL, "overlay.tif": b"\0" * (21 * 1024 * 1024)}
    )
    assert "too large once uncompressed" in refused("big.kmz", data)


def _forge_size(data: bytes, real: int, declared: int) -> bytes:
    """Rewrite the uncompressed size of the (only) entry in both zip headers."""
    forged = bytearray(data)
    struct.pack_into("<I", forged, 22, declared)  # local file header
    central = forged.rindex(b"PK\x01\x02")
    assert struct.unpack_from("<I", forged, central + 24)[0] == real
    struct.pack_into("<I", forged, central + 24, declared)
    return bytes(forged)


def test_a_kmz_lying_about_its_size_is_cut_at_the_cap():
    # given an entry of 3 MB that declares 100 bytes, and a cap of 1 MB
    content = KML_HEAD + b" " * (3 * 1024 * 1024) + KML_TAIL
    data = _forge_size(kmz({"doc.kml": content}), real=len(content), declared=100)
    # then: refused (the stream stops at the declared size, whose CRC fails)
    message = refused("liar.kmz", data, Limits(max_uncompressed=1024 * 1024))
    assert "not a valid KMZ" in message or "too large once uncompressed" in message


@pytest.mark.parametrize(
    "name",
    [
        "../doc.kml",
        "../../etc/cron.d/evil.kml",
        "/etc/doc.kml",
        "\\windows\\doc.kml",
        "C:/Users/doc.kml",
        "files/../../doc.kml",
        "files\\..\\..\\doc.kml",
    ],
)
def test_a_kmz_with_an_unsafe_path_is_refused(name):
    data = kmz({"doc.kml": KML_HEAD + b"Abri" + KML_TAIL, name: b"x"})
    assert "unsafe path" in refused("x.kmz", data)


def test_a_kmz_without_kml_is_refused():
    data = kmz({"images/photo.jpg": b"\xff\xd8\xff", "readme.txt": b"hello"})
    assert "no KML document" in refused("x.kmz", data)


def test_a_kmz_with_too_many_entries_is_refused():
    data = kmz({f"files/{i}.png": b"x" for i in range(101)} | {"doc.kml": b"<kml/>"})
    assert "too many entries (at most 100)" in refused("x.kmz", data)


def test_an_encrypted_kmz_is_refused():
    # given an entry whose "encrypted" flag is set (zipfile cannot write one)
    forged = bytearray(kmz({"doc.kml": KML_HEAD + b"Abri" + KML_TAIL}))
    struct.pack_into("<H", forged, 6, 1)
    central = forged.rindex(b"PK\x01\x02")
    struct.pack_into("<H", forged, central + 8, 1)
    assert "encrypted" in refused("x.kmz", bytes(forged))


@pytest.mark.parametrize("data", [b"PK not a zip", b"", b"PK\x03\x04" + b"\0" * 40])
def test_a_broken_kmz_is_refused(data):
    assert "not a valid KMZ" in refused("x.kmz", data)


def test_a_kmz_with_a_dtd_inside_is_refused():
    data = kmz({"doc.kml": (DATA / "billion_laughs.kml").read_bytes()})
    assert "DOCTYPE" in refused("x.kmz", data)


# --- text ----------------------------------------------------------------------------------
def test_properties_are_plain_bounded_scalars():
    # given hostile properties: NUL characters, huge strings, numbers, many keys
    properties = {f"k{i}": i for i in range(80)}
    properties |= {
        "name": "Abri\x00 n\x07°1" + "x" * 500,
        "big": 10**30,
        "text": "a" * 5000,
        "nested": [{"deep": ["x"] * 3}],
    }
    document = {
        "type": "Feature",
        "properties": dict(reversed(list(properties.items()))),
        "geometry": {"type": "Point", "coordinates": [3.8, 43.6]},
    }
    # when
    (feature,) = features_from_upload(
        file_name="x.geojson", data=json.dumps(document).encode()
    )
    # then
    props = feature.properties
    assert len(props) == DEFAULT_LIMITS.max_properties
    assert feature.name.startswith("Abri n°1xx")
    assert len(feature.name) == DEFAULT_LIMITS.max_name
    assert feature.name.endswith("\u2026")
    assert "\x00" not in json.dumps(props)
    assert props["big"] == str(10**30)
    assert len(props["text"]) == DEFAULT_LIMITS.max_text
    assert props["nested"] == '[{"deep": ["x", "x", "x"]}]'


def test_html_to_text():
    assert html_to_text("<p>a&amp;b</p><p>c</p>", 100) == "a&b\nc"
    assert html_to_text("<style>p{}</style><script>x()</script>ok", 100) == "ok"
    assert html_to_text("<b>unclosed <script>alert(1)", 100) == "unclosed"
    assert len(html_to_text("<i>x</i>" * 10_000, 50)) == 50


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("a.GeoJSON", ".geojson"),
        ("dir/a.kml", ".kml"),
        ("C:\\x\\a.KMZ", ".kmz"),
        ("a", ""),
        ("a.tar.json", ".json"),
    ],
)
def test_file_suffix(name, suffix):
    assert file_suffix(name) == suffix


# --- fuzzing -------------------------------------------------------------------------------
@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_crash_the_reader(data):
    for name in ("x.geojson", "x.kml", "x.kmz"):
        with contextlib.suppress(LayerFileError):
            features_from_upload(file_name=name, data=data)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
GEOMETRIES = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "Point",
                "MultiPoint",
                "LineString",
                "MultiLineString",
                "Polygon",
                "MultiPolygon",
                "GeometryCollection",
            ]
        ),
        "coordinates": JSON_VALUES,
        "geometries": JSON_VALUES,
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GEOMETRIES, JSON_VALUES)
def test_arbitrary_geojson_structures_never_crash_the_reader(geometry, properties):
    document = {"type": "Feature", "geometry": geometry, "properties": properties}
    with contextlib.suppress(LayerFileError):
        for feature in features_from_upload(
            file_name="x.geojson", data=json.dumps(document).encode()
        ):
            assert feature.geometry.valid
            json.dumps(feature.properties, allow_nan=False)


# --- the area reader shares the hardened readers ----------------------------------------------
def test_area_uploads_refuse_entities_and_zip_bombs_too():
    with pytest.raises(AreaFileError, match="DOCTYPE"):
        area_from_upload(name="a.kml", data=(DATA / "xxe_etc_passwd.kml").read_bytes())
    bomb = kmz({"doc.kml": b"<kml>" + b" " * (4 * 1024 * 1024) + b"</kml>"})
    with pytest.raises(AreaFileError, match="zip bomb"):
        area_from_upload(name="a.kmz", data=bomb)
    with pytest.raises(AreaFileError, match="nested too deeply"):
        area_from_upload(name="a.geojson", data=b"[" * 100_000)


# --- real data (../shared/data) ---------------------------------------------------------
def _communes(shared_data: Path, department: str | None = None) -> list[dict]:
    path = shared_data / "gazetteer_fr" / "communes_insee_2024" / "communes.csv"
    if not path.exists():
        pytest.skip(f"INSEE communes not found at {path}")
    with path.open(encoding="utf-8") as handle:
        return [
            row
            for row in csv.DictReader(handle)
            if department is None or row["insee_dep"] == department
        ]


def _as_geojson(rows: list[dict]) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {
                        "nom": row["commune"],
                        "insee": row["insee_com"],
                        "population": int(row["population_2021"] or 0),
                    },
                    "geometry": {
                        "type": "Point",
                        "coordinates": [float(row["lng"]), float(row["lat"])],
                    },
                }
                for row in rows
                if row["lat"] and row["lng"]
            ],
        },
        ensure_ascii=False,
    ).encode()


@pytest.mark.realdata
def test_real_communes_of_herault_as_a_shelter_layer(shared_data):
    # given every commune of Hérault (34) as a point, as GeoJSON and as KML
    rows = [r for r in _communes(shared_data, "34") if r["lat"] and r["lng"]]
    assert len(rows) > 300
    geojson = _as_geojson(rows)
    placemarks = "".join(
        f"<Placemark><name>{r['commune'].replace('&', '&amp;').replace('<', '&lt;')}</name>"
        f"<Point><coordinates>{r['lng']},{r['lat']}</coordinates></Point></Placemark>"
        for r in rows
    )
    kml = f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{placemarks}</Document></kml>'
    # when
    from_geojson = features_from_upload(file_name="communes34.geojson", data=geojson)
    from_kmz = features_from_upload(
        file_name="communes34.kmz", data=kmz({"doc.kml": kml.encode()})
    )
    # then
    assert len(from_geojson) == len(from_kmz) == len(rows)
    assert [f.name for f in from_geojson] == [f.name for f in from_kmz]
    assert "Montpellier" in {f.name for f in from_geojson}


@pytest.mark.realdata
def test_every_french_commune_is_over_the_feature_limit(shared_data):
    # ~35,000 communes (overseas included: longitudes up to 55.7 E)
    data = _as_geojson(_communes(shared_data))
    assert "too many features (at most 20,000)" in refused("communes.geojson", data)


@pytest.mark.realdata
def test_real_geodata_files_in_shared_data_are_read_or_refused_clearly(shared_data):
    files = sorted(
        p
        for p in shared_data.rglob("*")
        if p.suffix.lower() in {".geojson", ".kml", ".kmz"} and p.is_file()
    )
    if not files:
        pytest.skip(
            f"no GeoJSON, KML or KMZ file under {shared_data} (README lists none)"
        )
    for path in files:
        message = ""
        try:
            features = features_from_upload(file_name=path.name, data=path.read_bytes())
        except LayerFileError as exc:
            message = str(exc)
            features = []
        # then: either usable features or a reason, never a crash
        assert message or features, path
        assert all(f.geometry.srid == 4326 and f.geometry.valid for f in features)
