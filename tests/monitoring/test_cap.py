"""CAP connector: alerts to official posts, every <info> kept, polygons and circles as
geometry, validation (built-in and the OASIS XSD), index feeds and EDXL-DE, hostile XML,
limits, and a poll end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import ImproperlyConfigured

from monitoring.connectors.base import SourceConfigError, SourceTemporarilyUnavailable
from monitoring.connectors.cap import (
    LINK_TRIES,
    NOT_FETCHED_IN_FILE,
    CapConnector,
    parse_file,
)
from monitoring.connectors.cap_alert import MAX_ALERT_BYTES
from monitoring.connectors.cap_geometry import area_geometry
from monitoring.connectors.cap_validation import SCHEMA_ENV
from monitoring.pipeline.types import MAX_RAW_BYTES
from tests.monitoring.feeds_support import (
    DATA,
    EndlessBody,
    ReplayAdapter,
    Reply,
    billion_laughs,
    local_server,
    session_with,
    timed,
    use_adapter,
)

CAP = DATA / "cap"
CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"
INDEX_URL = "https://alerts.example.fr/cap/34.atom"
ALERT_1 = "https://alerts.example.fr/cap/LEZ-001.xml"
ALERT_2 = "https://alerts.example.fr/cap/LEZ-002.xml"


@pytest.fixture(autouse=True)
def _no_schema(monkeypatch):
    """Tests run with the built-in check unless they set the XSD themselves."""
    monkeypatch.delenv(SCHEMA_ENV, raising=False)


def _one(data: bytes, **kwargs):
    result = parse_file(data, fmt="cap", **kwargs)
    assert result.rejected == [], result.rejected
    (post,) = result.posts
    return post


def _reason(data: bytes) -> str:
    result = parse_file(data, fmt="cap")
    assert result.posts == []
    (rejected,) = result.rejected
    return rejected.reason


def _connector(adapter: ReplayAdapter, url: str = INDEX_URL, **params) -> CapConnector:
    connector = CapConnector(params={"url": url, **params}, credentials=None)
    connector.session = session_with(adapter)
    return connector


def _index_adapter(**extra) -> ReplayAdapter:
    return ReplayAdapter(
        {
            INDEX_URL: Reply((CAP / "index.atom").read_bytes(), etag='"idx-1"'),
            ALERT_1: Reply((CAP / "lez_flood.cap").read_bytes()),
            ALERT_2: Reply((CAP / "lez_flood_update.cap").read_bytes()),
            **extra,
        }
    )


# --- one alert -> one official post ----------------------------------------------------
def test_alert_becomes_one_official_post_with_every_info_kept():
    # when
    post = _one((CAP / "lez_flood.cap").read_bytes(), languages=["fr"])
    # then
    assert post.platform == "cap"
    assert (
        post.external_id == "vigilance@prefecture.example.fr,FR-34-2025-10-14-LEZ-001"
    )
    assert post.is_official is True
    assert post.posted_at == dt.datetime(2025, 10, 14, 4, 0, tzinfo=dt.UTC)
    assert post.text == (
        "Crue soudaine du Lez à Montpellier\n\n"
        "Le Lez monte rapidement dans le quartier des Aubes.\n\n"
        "Quittez les rez-de-chaussée et rejoignez le gymnase Bernard Jeu."
    )
    assert post.lang_hint == "fr-FR"
    assert post.author_handle == "vigilance@prefecture.example.fr"
    assert post.author_name == "Préfecture de l'Hérault"
    assert post.place_hint == "Montpellier, quartier des Aubes"
    assert [i["language"] for i in post.raw["infos"]] == ["en-GB", "fr-FR"]
    assert post.raw["infos"][0]["headline"] == "Flash flood of the Lez in Montpellier"
    assert post.raw["infos"][1]["areas"][0]["geocode"] == [
        {"valueName": "INSEE", "value": "34172"}
    ]
    assert post.raw["chosen_info"] == 1


def test_text_comes_from_the_first_info_in_the_preferred_languages():
    data = (CAP / "lez_flood.cap").read_bytes()
    # when
    english = _one(data, languages=["en"])
    german_then_english = _one(data, languages=["de", "en"])
    unknown = _one(data, languages=["de"])
    # then
    assert english.text.startswith("Flash flood of the Lez in Montpellier")
    assert english.lang_hint == "en-GB"
    assert english.url == "https://prefecture.example.fr/crue-lez"
    assert german_then_english.lang_hint == "en-GB"
    assert unknown.lang_hint == "en-GB"  # none matches: the first info


def test_markup_in_cap_text_is_reduced_to_plain_text():
    post = _one((CAP / "lez_flood.cap").read_bytes(), languages=["fr"])
    assert "<" not in post.text
    assert "alert(1)" not in post.text


def test_polygon_lat_lon_and_circle_become_one_multipolygon_lon_lat():
    # when
    post = _one((CAP / "lez_flood.cap").read_bytes())
    # then
    area = GEOSGeometry(post.area_wkt, srid=4326)
    assert area.geom_type == "MultiPolygon"
    assert area.valid
    # polygon "43.58,3.84 … 43.66,3.92" is lat,lon: Montpellier, not the Gulf of Aden
    xmin, ymin, xmax, ymax = area.extent
    assert 3.80 < xmin < 3.85
    assert 3.91 < xmax < 3.95
    assert 43.56 < ymin < 43.59
    assert 43.65 < ymax <= 43.66
    assert area.contains(Point(3.8767, 43.6108, srid=4326))
    assert post.raw["area_wkt"].startswith("MULTIPOLYGON")


def test_circle_is_a_geodesic_polygon_of_the_given_radius():
    # when
    area, notes = area_geometry([], ["43.61,3.88 5"])
    # then
    assert notes == []
    assert area is not None
    ring = area[0].exterior_ring
    assert len(ring) == 37
    centre = Point(3.88, 43.61, srid=4326)
    for lon, lat in ring:
        # 1 degree of latitude ≈ 111.2 km; of longitude ≈ 111.2 km * cos(lat)
        import math

        dx = (lon - 3.88) * 111.2 * math.cos(math.radians(43.61))
        dy = (lat - 43.61) * 111.2
        assert 4.95 < math.hypot(dx, dy) < 5.05
    assert area.contains(centre)


@pytest.mark.parametrize(
    ("polygons", "circles", "parts", "note"),
    [
        (["43.6,3.8 43.7,3.8 43.7,3.9"], [], 1, ""),  # not closed: closed for it
        (["43.6,3.8 43.7,3.8 43.6,3.8"], [], 0, "fewer than 3 distinct points"),
        (["95.0,3.8 43.7,3.8 43.7,3.9 95.0,3.8"], [], 0, "out of range"),
        ([""], [], 0, "empty"),
        (
            ["43.6,3.8 43.7,3.9 43.7,3.8 43.6,3.9 43.6,3.8"],
            [],
            2,
            "",
        ),  # bow-tie repaired
        ([], ["43.6,3.8"], 0, "is not 'lat,lon radius'"),
        ([], ["43.6,3.8 -2"], 0, "out of range"),
        ([], ["43.6,3.8 0"], 1, ""),  # a point: given a small radius
    ],
)
def test_bad_geometry_parts_are_noted_not_fatal(polygons, circles, parts, note):
    area, notes = area_geometry(polygons, circles)
    assert (len(area) if area is not None else 0) == parts
    assert note in " ".join(notes)


def test_update_keeps_its_references_to_earlier_alerts():
    # when
    post = _one((CAP / "lez_flood_update.cap").read_bytes())
    # then
    assert post.raw["msgType"] == "Update"
    assert post.raw["references"] == [
        {
            "sender": "vigilance@prefecture.example.fr",
            "identifier": "FR-34-2025-10-14-LEZ-001",
            "sent": "2025-10-14T06:00:00+02:00",
            "external_id": "vigilance@prefecture.example.fr,FR-34-2025-10-14-LEZ-001",
        }
    ]


def test_latin1_alert_declared_utf8_is_read_with_a_note():
    # given
    data = (CAP / "lez_flood_update.cap").read_text(encoding="utf-8").encode("latin-1")
    # when
    post = _one(data)
    # then
    assert post.text.startswith("Décrue amorcée sur le Lez")
    assert post.raw["document_notes"] == [
        "declared UTF-8 but not UTF-8: read as Windows-1252"
    ]


def test_huge_raw_payload_stays_structured_under_the_bound():
    # given an alert with 12 long infos and many parameters
    info = (
        "<info><language>fr-FR</language><category>Met</category><event>Crue</event>"
        "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>"
        f"<headline>Crue</headline><description>{'Le Lez déborde. ' * 200}</description>"
        + "<parameter><valueName>p</valueName><value>v</value></parameter>" * 40
        + "</info>"
    )
    data = (
        f'<alert xmlns="{CAP12}"><identifier>big-1</identifier><sender>s@example.fr</sender>'
        "<sent>2025-10-14T06:00:00+02:00</sent><status>Actual</status><msgType>Alert</msgType>"
        f"<scope>Public</scope>{info * 12}</alert>"
    ).encode()
    # when
    post = _one(data)
    # then
    assert len(json.dumps(post.raw, ensure_ascii=False)) <= MAX_RAW_BYTES
    assert len(post.raw["infos"]) >= 8
    assert post.raw["identifier"] == "big-1"


# --- the reference data: oasis examples, agency feeds, Google's validator tests ----------
@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "external_id"),
    [
        ("A1_homeland_security_43b080713727.cap", "hsas@dhs.gov,43b080713727"),
        ("A2_thunderstorm_KSTO1055887203.cap", "KSTO@NWS.NOAA.GOV,KSTO1055887203"),
        ("A4_amber_KAR0-0306112239-SW.cap", "KARO@CLETS.DOJ.CA.GOV,KAR0-0306112239-SW"),
        ("cap_amber_alert_example.xml", "KARO@CLETS.DOJ.CA.GOV,KAR0-0306112239-SW"),
    ],
)
def test_oasis_examples_parse(shared_data, name, external_id):
    post = _one((shared_data / "cap" / "oasis_examples" / name).read_bytes())
    assert post.external_id == external_id
    assert post.is_official
    assert post.posted_at.tzinfo == dt.UTC
    assert post.text


@pytest.mark.realdata
def test_thunderstorm_polygon_is_in_california(shared_data):
    path = shared_data / "cap" / "oasis_examples" / "A2_thunderstorm_KSTO1055887203.cap"
    area = GEOSGeometry(_one(path.read_bytes()).area_wkt)
    assert area.contains(Point(-120.0, 38.5)) or -121 < area.centroid.x < -119


@pytest.mark.realdata
def test_bilingual_canadian_alert_keeps_both_languages(shared_data):
    data = (shared_data / "cap" / "agency_feeds" / "canada.cap").read_bytes()
    # when
    english = _one(data, languages=["en"])
    french = _one(data, languages=["fr"])
    # then
    assert [i["language"] for i in english.raw["infos"]] == ["en-CA", "fr-CA"]
    assert english.lang_hint == "en-CA"
    assert french.lang_hint == "fr-CA"
    assert english.text != french.text
    area = GEOSGeometry(english.area_wkt)
    assert -84 < area.centroid.x < -82
    assert 41 < area.centroid.y < 43


@pytest.mark.realdata
def test_iso_8859_1_alert_parses_with_its_declared_encoding(shared_data):
    data = (
        shared_data / "cap" / "agency_feeds" / "earthquake-iso8859-1.cap"
    ).read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    post = _one(data)
    assert "Usulután" in post.text
    assert "document_notes" not in post.raw


@pytest.mark.realdata
def test_noaa_alert_with_two_polygons_gives_two_parts(shared_data):
    data = (
        shared_data / "cap" / "agency_feeds" / "NOAA_MultiplePolygons.txt"
    ).read_bytes()
    post = _one(data)
    area = GEOSGeometry(post.area_wkt)
    assert area.geom_type == "MultiPolygon"
    assert len(area) == 2
    assert -95 < area.centroid.x < -85
    assert 28 < area.centroid.y < 33


@pytest.mark.realdata
def test_australian_circle_becomes_a_polygon_around_its_centre(shared_data):
    post = _one((shared_data / "cap" / "agency_feeds" / "australia.cap").read_bytes())
    area = GEOSGeometry(post.area_wkt)
    assert area.contains(Point(147.0598, -35.3888))


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name", ["canada_signed.cap", "earthquake_signed.cap", "no_info_tag.cap"]
)
def test_signed_alerts_parse_and_the_signature_is_noted_unverified(shared_data, name):
    post = _one((shared_data / "cap" / "agency_feeds" / name).read_bytes())
    assert post.raw["signature"] == "present, not verified"


@pytest.mark.realdata
def test_cancel_without_info_references_the_alert_it_cancels(shared_data):
    post = _one((shared_data / "cap" / "agency_feeds" / "no_info_tag.cap").read_bytes())
    assert post.raw["msgType"] == "Cancel"
    assert post.raw["infos"] == []
    assert post.text == "Cancel: 1017033100951096-517189320160225203219800_Cancel"
    assert post.raw["references"][0]["external_id"] == (
        "AtHoc,1017033100951096-517189320160225203219800"
    )


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("canada_errors.cap", "invalid CAP alert: empty <references>"),
        ("invalid.cap", "invalid CAP alert: missing <scope>"),
        (
            "noaa_errors.cap",
            "invalid CAP alert: empty <references>; info 1: <urgency> is empty; "
            "info 1: <severity> is empty (and 1 more)",
        ),
    ],
)
def test_invalid_alerts_are_rejected_with_the_first_problems(shared_data, name, reason):
    data = (shared_data / "cap" / "google_testdata" / name).read_bytes()
    assert _reason(data) == reason


GOOGLE_VALID = [
    "australia.cap",
    "canada.cap",
    "canada_signed.cap",
    "earthquake.cap",
    "earthquake-iso8859-1.cap",
    "earthquake_signed.cap",
    "no_optional_fields.cap",
    "wcatwc-warning.cap",
    "weather.cap",
    "validator_examples/43b080713727.cap",
    "validator_examples/KAR0-0306112239-SW.cap",
    "validator_examples/thunderstorm.cap",
    "amber.atom",
    "canada_signed.atom",
    "weather.atom",
    "validator_examples/earthquake.atom",
    "bushfire_valid.edxlde",
    "validator_examples/bushfire.edxlde",
]


@pytest.mark.realdata
@pytest.mark.parametrize("name", GOOGLE_VALID)
def test_google_validator_valid_cases_give_posts_and_no_rejection(shared_data, name):
    result = parse_file(
        (shared_data / "cap" / "google_testdata" / name).read_bytes(), fmt="cap"
    )
    assert result.posts
    assert result.rejected == []
    for post in result.posts:
        assert post.is_official
        assert post.posted_at.tzinfo is not None


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "posts", "reason"),
    [
        ("invalid.cap", 0, "missing <scope>"),
        ("canada_errors.cap", 0, "empty <references>"),
        ("noaa_errors.cap", 0, "<urgency> is empty"),
        ("bushfire_invalid.edxlde", 5, "'Foobar' is not one of"),
        ("weather_invalid.atom", 0, "<identifier> contains spaces, commas"),
        ("no_link.atom", 0, "index entry without an alert or a link to one"),
        ("invalid.rss", 0, "index entry without an alert or a link to one"),
    ],
)
def test_google_validator_invalid_cases_are_rejected_with_a_reason(
    shared_data, name, posts, reason
):
    result = parse_file(
        (shared_data / "cap" / "google_testdata" / name).read_bytes(), fmt="cap"
    )
    assert len(result.posts) == posts
    assert any(reason in r.reason for r in result.rejected), result.rejected


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name",
    [
        "validator_examples/amber.rss",
        "ny_index.rss",
        "earthquake_index.atom",
        "weather_index.atom",
    ],
)
def test_index_with_linked_alerts_rejects_them_in_file_import(shared_data, name):
    result = parse_file(
        (shared_data / "cap" / "google_testdata" / name).read_bytes(), fmt="cap"
    )
    assert result.posts == []
    assert result.rejected
    assert {r.reason for r in result.rejected} == {NOT_FETCHED_IN_FILE}
    assert all(r.excerpt.startswith("http") for r in result.rejected)


@pytest.mark.realdata
def test_edxl_distribution_gives_one_post_per_contained_alert(shared_data):
    data = (shared_data / "cap" / "agency_feeds" / "bushfire_valid.edxlde").read_bytes()
    result = parse_file(data, fmt="cap")
    assert len(result.posts) == 59
    assert len({p.external_id for p in result.posts}) == 59
    assert all(p.area_wkt.startswith("MULTIPOLYGON") for p in result.posts)


@pytest.mark.realdata
def test_every_reference_document_is_read_or_refused_cleanly(shared_data):
    # given every CAP document of the reference data
    paths = [
        p
        for p in sorted((shared_data / "cap").rglob("*"))
        if p.is_file() and p.suffix not in (".xsd", ".rng", ".pem", ".url")
    ]
    posts = 0
    # when / then: no exception but ValueError for a whole document
    refused: list[str] = []
    for path in paths:
        try:
            result = parse_file(path.read_bytes(), fmt="cap")
        except ValueError as exc:
            refused.append(f"{path.name}: {exc}")
            continue
        posts += len(result.posts)
        for post in result.posts:
            assert len(post.external_id) <= 200
            assert post.posted_at.tzinfo is not None
            assert len(json.dumps(post.raw, ensure_ascii=False)) <= MAX_RAW_BYTES
            if post.area_wkt:
                assert GEOSGeometry(post.area_wkt).valid
    assert posts > 100
    assert refused == []  # every reference document is at least readable XML


# --- the official XSD (third-party: read from ../shared/data, never copied) ---------------
@pytest.fixture
def cap_xsd(shared_data, monkeypatch) -> Path:
    path = shared_data / "cap" / "schema" / "CAP-v1.2.xsd"
    if not path.exists():
        pytest.skip(f"CAP 1.2 schema not found at {path}")
    monkeypatch.setenv(SCHEMA_ENV, str(path))
    return path


@pytest.mark.realdata
def test_with_the_xsd_valid_alerts_pass_and_say_so(cap_xsd, shared_data):
    post = _one(
        (
            shared_data
            / "cap"
            / "oasis_examples"
            / "A1_homeland_security_43b080713727.cap"
        ).read_bytes()
    )
    assert post.raw["schema"] == "valid (CAP 1.2 schema)"


@pytest.mark.realdata
def test_with_the_xsd_a_signed_alert_still_passes(cap_xsd, shared_data):
    # the signature's Id is no xs:ID: its (unverified) markup is not schema-checked
    post = _one(
        (shared_data / "cap" / "agency_feeds" / "canada_signed.cap").read_bytes()
    )
    assert post.raw["schema"] == "valid (CAP 1.2 schema)"
    assert post.raw["signature"] == "present, not verified"


@pytest.mark.realdata
def test_with_the_xsd_an_alert_the_built_in_check_lets_through_is_rejected(
    cap_xsd, shared_data
):
    data = (shared_data / "cap" / "agency_feeds" / "sweden.cap").read_bytes()
    # without the schema the structure is fine
    # with it, the unknown <Type> element is refused
    reason = _reason(data)
    assert reason.startswith(
        "does not match the CAP 1.2 schema: area[1]: Unexpected child"
    )


@pytest.mark.realdata
def test_without_the_xsd_the_same_alert_passes_the_built_in_check(shared_data):
    post = _one((shared_data / "cap" / "agency_feeds" / "sweden.cap").read_bytes())
    assert post.raw["schema"] == f"structural check only ({SCHEMA_ENV} not set)"


@pytest.mark.realdata
def test_with_the_xsd_cap_1_1_alerts_get_the_built_in_check_only(cap_xsd, shared_data):
    post = _one(
        (shared_data / "cap" / "google_testdata" / "earthquake.cap").read_bytes()
    )
    assert (
        post.raw["schema"] == "structural check only (CAP 1.1; the schema is CAP 1.2)"
    )


def test_a_schema_path_that_is_not_the_xsd_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv(SCHEMA_ENV, str(tmp_path / "missing.xsd"))
    with pytest.raises(ImproperlyConfigured, match=SCHEMA_ENV):
        CapConnector(params={"url": INDEX_URL}, credentials=None)


# --- hostile XML -------------------------------------------------------------------------
def _alert_with(doctype: str, body: str = "&xxe;") -> bytes:
    return (
        f'<?xml version="1.0"?>\n{doctype}\n<alert xmlns="{CAP12}">'
        f"<identifier>{body}</identifier><sender>s@example.fr</sender>"
        "<sent>2025-10-14T06:00:00+02:00</sent><status>Actual</status>"
        "<msgType>Alert</msgType><scope>Public</scope></alert>"
    ).encode()


def test_xxe_with_a_file_entity_is_refused():
    data = _alert_with('<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    with pytest.raises(ValueError, match="DTD not allowed"):
        parse_file(data, fmt="cap")


def test_xxe_never_reaches_a_local_server():
    with local_server() as (base, hits):
        cases = [
            # a general entity, a parameter entity, an external DTD
            _alert_with(f'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "{base}/general">]>'),
            _alert_with(
                f'<!DOCTYPE alert [<!ENTITY % p SYSTEM "{base}/parameter"> %p;]>', "x"
            ),
            _alert_with(f'<!DOCTYPE alert SYSTEM "{base}/external.dtd">', "x"),
            # hidden behind a comment that looks like a start tag: the pre-check misses
            # it, so lxml itself must neither load nor resolve anything
            _alert_with(
                f'<!-- <a> --><!DOCTYPE alert [<!ENTITY xxe SYSTEM "{base}/hidden">]>'
            ),
            # UTF-16
            _alert_with(f'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "{base}/u16">]>')
            .decode()
            .replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
            .encode("utf-16"),
        ]
        for data in cases:
            with pytest.raises(ValueError, match=r"DTD not allowed|not well-formed"):
                parse_file(data, fmt="cap")
        assert hits.paths == []


def test_billion_laughs_is_refused_at_once():
    data = billion_laughs("alert", namespace=CAP12)
    result, seconds = timed(lambda: parse_file(data, fmt="cap"))
    assert isinstance(result, ValueError)
    assert "DTD not allowed" in str(result)
    assert seconds < 1


def test_entity_bomb_in_an_attribute_is_refused_too():
    levels = "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 8))
    data = (
        f'<!DOCTYPE alert [<!ENTITY a0 "aaaaaaaaaa">{levels}]>'
        f'<alert xmlns="{CAP12}" note="&a7;"/>'
    ).encode()
    result, seconds = timed(lambda: parse_file(data, fmt="cap"))
    assert isinstance(result, ValueError)
    assert seconds < 1


def test_a_two_megabyte_alert_is_rejected_not_parsed_into_a_post():
    # given
    padding = "Le Lez déborde. " * (2 * 1024 * 1024 // 16)
    data = (
        f'<alert xmlns="{CAP12}"><identifier>big</identifier><sender>s@example.fr</sender>'
        "<sent>2025-10-14T06:00:00+02:00</sent><status>Actual</status><msgType>Alert</msgType>"
        f"<scope>Public</scope><note>{padding}</note></alert>"
    ).encode()
    assert len(data) > 2 * 1024 * 1024
    # when
    reason = _reason(data)
    # then
    assert reason.startswith("alert too large:")


@pytest.mark.parametrize(
    ("_case", "data", "message"),
    [
        ("empty", b"", "empty document"),
        ("not xml", b"hello", "not well-formed XML"),
        (
            "truncated",
            f'<alert xmlns="{CAP12}"><identifier>'.encode(),
            "not well-formed XML",
        ),
        ("html", b"<html><body>503</body></html>", "not a CAP alert"),
        (
            "undeclared entity",
            f'<alert xmlns="{CAP12}">&xxe;</alert>'.encode(),
            "not well-formed",
        ),
    ],
)
def test_unreadable_documents_are_whole_file_errors(_case, data, message):
    with pytest.raises(ValueError, match=message):
        parse_file(data, fmt="cap")


def test_parse_file_refuses_other_formats():
    with pytest.raises(ValueError, match="format 'rss'"):
        parse_file(b"<alert/>", fmt="rss")


# --- the connector ----------------------------------------------------------------------
def test_index_fetches_linked_alerts_and_remembers_what_it_saw():
    # given
    adapter = _index_adapter()
    connector = _connector(adapter, languages=["fr"])
    # when
    first = connector.fetch(cursor={})
    second = connector.fetch(cursor=first.cursor)
    # then
    assert [p.external_id for p in first.posts] == [
        "vigilance@prefecture.example.fr,FR-34-2025-10-14-LEZ-001",
        "vigilance@prefecture.example.fr,FR-34-2025-10-14-LEZ-002",
    ]
    assert first.posts[0].url == ALERT_1  # the CAP link, not the text/html one
    assert first.cursor["etag"] == '"idx-1"'
    assert len(first.cursor["seen"]) == 2
    assert first.cursor["pending"] == []
    assert first.more is False
    assert second.posts == []
    assert adapter.urls() == [INDEX_URL, ALERT_1, ALERT_2, INDEX_URL]
    assert adapter.requests[-1].headers["If-None-Match"] == '"idx-1"'


def test_only_new_index_entries_are_fetched():
    # given an index read once, then served again without its ETag
    adapter = _index_adapter()
    adapter.routes[INDEX_URL] = Reply((CAP / "index.atom").read_bytes())
    connector = _connector(adapter)
    first = connector.fetch(cursor={})
    # when
    second = connector.fetch(cursor=first.cursor)
    # then
    assert second.posts == []
    assert adapter.urls() == [INDEX_URL, ALERT_1, ALERT_2, INDEX_URL]


def test_linked_alerts_beyond_the_batch_wait_in_the_cursor(monkeypatch):
    # given one linked alert per call
    monkeypatch.setattr("monitoring.connectors.cap.LINKED_PER_FETCH", 1)
    adapter = _index_adapter()
    connector = _connector(adapter)
    # when
    first = connector.fetch(cursor={})
    second = connector.fetch(cursor=first.cursor)
    # then
    assert len(first.posts) == 1
    assert first.more is True
    assert [p["url"] for p in first.cursor["pending"]] == [ALERT_2]
    assert len(second.posts) == 1
    assert second.more is False
    assert adapter.urls() == [INDEX_URL, ALERT_1, ALERT_2]  # no index fetch in between


def test_a_failing_linked_alert_is_retried_then_given_up_with_a_reason():
    # given the second alert's server keeps failing
    adapter = _index_adapter(**{ALERT_2: Reply(b"", status=503)})
    connector = _connector(adapter)
    cursor: dict = {}
    rejected = []
    # when
    for _ in range(LINK_TRIES):
        result = connector.fetch(cursor=cursor)
        cursor = result.cursor
        rejected += result.rejected
    # then
    assert [r.reason for r in rejected] == [
        f"linked alert: gave up after {LINK_TRIES} failed fetches"
    ]
    assert cursor["pending"] == []
    assert adapter.urls().count(ALERT_2) == LINK_TRIES


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            Reply(
                _alert_with(
                    '<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                )
            ),
            "linked alert refused: DTD not allowed",
        ),
        (
            Reply(b"x", headers={"Content-Length": str(MAX_ALERT_BYTES + 1)}),
            "alert too large",
        ),
        (Reply(raw=EndlessBody()), "alert too large"),
        (
            Reply((CAP / "index.atom").read_bytes()),
            "the link does not lead to a CAP alert",
        ),
        (Reply(b"", status=410), "linked alert: HTTP 410"),
    ],
)
def test_bad_linked_alerts_are_rejected_and_the_rest_lands(reply, reason):
    # given
    adapter = _index_adapter(**{ALERT_2: reply})
    # when
    result = _connector(adapter).fetch(cursor={})
    # then
    assert len(result.posts) == 1
    assert [r.reason.split(" (")[0][: len(reason)] for r in result.rejected] == [reason]
    assert result.cursor["pending"] == []


def test_links_to_local_addresses_are_never_followed():
    with local_server() as (base, hits):
        # given an index whose entry links to our local server
        index = (
            '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:x:1</id>'
            f'<link type="application/cap+xml" href="{base}/alert.xml"/></entry></feed>'
        ).encode()
        adapter = ReplayAdapter({INDEX_URL: Reply(index)})
        # when
        result = _connector(adapter).fetch(cursor={})
        # then
        assert result.posts == []
        assert [r.reason for r in result.rejected] == [
            "alert link points to a private address"
        ]
        assert hits.paths == []


def test_single_alert_url_and_a_dtd_in_the_source_fails_the_fetch():
    # given
    url = "https://alerts.example.fr/cap/latest.xml"
    adapter = ReplayAdapter({url: Reply(billion_laughs("alert", namespace=CAP12))})
    # when / then
    with pytest.raises(SourceTemporarilyUnavailable, match="DTD not allowed"):
        _connector(adapter, url=url).fetch(cursor={})


def test_single_alert_url_gives_its_post():
    url = "https://alerts.example.fr/cap/latest.xml"
    adapter = ReplayAdapter(
        {url: Reply((CAP / "lez_flood.cap").read_bytes(), etag='"a"')}
    )
    connector = _connector(adapter, url=url)
    first = connector.fetch(cursor={})
    second = connector.fetch(cursor=first.cursor)
    assert [p.url for p in first.posts] == [url]
    assert second.posts == []


def test_oversized_index_fails_the_fetch():
    adapter = ReplayAdapter({INDEX_URL: Reply(raw=EndlessBody())})
    with pytest.raises(SourceTemporarilyUnavailable, match="too large"):
        _connector(adapter).fetch(cursor={})


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"url": "ftp://x.fr/a"},
        {"url": INDEX_URL, "languages": "fr"},
        {"url": INDEX_URL, "languages": [""]},
    ],
)
def test_bad_parameters_are_configuration_errors(params):
    with pytest.raises(SourceConfigError):
        CapConnector(params=params, credentials=None)


# --- end to end through source_poll ---------------------------------------------------------
@pytest.mark.django_db
def test_source_poll_stores_official_posts_with_their_area_and_a_304_adds_nothing(
    monkeypatch, activation
):
    from monitoring import services
    from monitoring.models import Post, Source

    # given a CAP index source
    adapter = _index_adapter()
    use_adapter(monkeypatch, adapter)
    source = Source.objects.create(
        activation=activation,
        platform="cap",
        name="Préfecture CAP",
        params={"url": INDEX_URL, "languages": ["fr"]},
    )
    # when
    first = services.source_poll(source=source)
    source.refresh_from_db()
    second = services.source_poll(source=source)
    source.refresh_from_db()
    # then
    assert (first.inserted, first.rejected) == (2, 0)
    assert source.cursor["etag"] == '"idx-1"'
    assert len(source.cursor["seen"]) == 2
    assert (second.received, second.inserted) == (0, 0)
    posts = Post.objects.filter(source=source).order_by("posted_at")
    assert posts.count() == 2
    for post in posts:
        assert post.is_official is True
        assert post.location_source == Post.LocationSource.OFFICIAL
        assert post.category == "official"
        assert post.in_area is True
        assert post.raw["format"] == "cap"
    assert posts[0].text.startswith("Crue soudaine du Lez à Montpellier")
    assert posts[1].raw["references"][0]["external_id"] == posts[0].external_id
    assert adapter.urls().count(INDEX_URL) == 2
    assert adapter.urls().count(ALERT_1) == 1
