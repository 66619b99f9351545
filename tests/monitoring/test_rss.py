"""RSS/Atom connector: entries to posts, broken encodings, sanitising, GeoRSS, conditional
GET and the size limit, hostile XML, and a poll end to end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from monitoring.connectors.base import SourceConfigError, SourceTemporarilyUnavailable
from monitoring.connectors.rss import (
    MAX_FEED_BYTES,
    SEEN_LIMIT,
    RssConnector,
    parse_feed,
    parse_file,
)
from monitoring.pipeline.text import html_to_text
from tests.monitoring.feeds_support import (
    DATA,
    EndlessBody,
    ReplayAdapter,
    Reply,
    billion_laughs,
    local_server,
    read_case,
    session_with,
    timed,
    use_adapter,
)

FEED_URL = "https://prefecture.example.fr/feed.xml"
FETCHED = dt.datetime(2025, 10, 14, 9, 0, tzinfo=dt.UTC)


def _flood() -> bytes:
    return (DATA / "rss" / "flood.xml").read_bytes()


def _connector(adapter: ReplayAdapter, url: str = FEED_URL) -> RssConnector:
    connector = RssConnector(params={"url": url}, credentials=None)
    connector.session = session_with(adapter)
    return connector


# --- entries -> posts ----------------------------------------------------------------
def test_entries_become_plain_text_posts_with_ids_times_authors_and_media():
    # when
    result = parse_feed(_flood(), fetched_at=FETCHED)
    # then
    posts = {p.raw["title"]: p for p in result.posts}
    assert len(result.posts) == 4
    assert [r.reason for r in result.rejected] == [
        "entry without id, link, title or text"
    ]
    lez = posts["Crue du Lez : évacuation préventive"]
    assert lez.platform == "rss"
    assert lez.external_id == "https://prefecture.example.fr/actualites/crue-du-lez"
    assert lez.raw["id_source"] == "guid"
    assert lez.text == (
        "Crue du Lez : évacuation préventive\n\n"
        "Montée rapide des eaux à Montpellier, quartier des Aubes.\n"
        "Rejoignez le gymnase Bernard Jeu."
    )
    assert lez.posted_at == dt.datetime(2025, 10, 14, 4, 30, tzinfo=dt.UTC)
    assert lez.author_name == "Cabinet du préfet"
    assert lez.lang_hint == "fr"
    assert lez.media == [
        {
            "type": "image",
            "url": "https://prefecture.example.fr/img/lez.jpg",
            "mime": "image/jpeg",
            "origin": "enclosure",
        }
    ]
    assert lez.raw["tags"] == ["Inondation"]


def test_scripts_and_event_handlers_never_survive():
    # when
    result = parse_feed(_flood(), fetched_at=FETCHED)
    # then
    for post in result.posts:
        assert "<" not in post.text
        assert "script" not in post.text.lower()
        assert "cookie" not in post.text
        assert "onerror" not in post.text


def test_missing_guid_falls_back_to_link_then_to_a_hash_of_title_and_link():
    # when
    result = parse_feed(_flood(), fetched_at=FETCHED)
    # then
    posts = {p.raw["title"]: p for p in result.posts}
    road = posts["Route D986 coupée à Saint-Martin-de-Londres"]
    assert road.external_id == "https://prefecture.example.fr/actualites/route-d986"
    assert road.raw["id_source"] == "link"
    volunteers = posts["Appel aux bénévoles de la réserve communale"]
    assert volunteers.external_id.startswith("sha256:")
    assert volunteers.raw["id_source"] == "hash of title and link"
    # the same entry gets the same id on the next read
    again = parse_feed(_flood(), fetched_at=FETCHED + dt.timedelta(hours=1))
    assert volunteers.external_id in {p.external_id for p in again.posts}


def test_entry_without_date_gets_the_fetch_time_noted_in_raw():
    # when
    result = parse_feed(_flood(), fetched_at=FETCHED)
    # then
    volunteers = next(p for p in result.posts if p.raw["id_source"].startswith("hash"))
    assert volunteers.posted_at == FETCHED
    assert volunteers.raw["time_source"] == "fetch time (the entry has no date)"


def test_bare_guid_is_qualified_by_the_feed_and_javascript_link_dropped():
    # when
    result = parse_feed(_flood(), fetched_at=FETCHED)
    # then
    point = next(p for p in result.posts if p.raw["title"] == "Point de situation n°3")
    assert point.external_id == "https://prefecture.example.fr/actualites#42"
    assert point.url == ""
    assert point.raw["link_dropped"] == "not an http(s) URL"
    assert point.text == "Point de situation n°3\n\nAucune victime à déplorer."


def test_georss_point_is_lat_lon_and_becomes_lon_lat():
    # when
    result = parse_feed(_flood(), fetched_at=FETCHED)
    # then
    posts = {p.raw["title"]: p for p in result.posts}
    assert posts["Crue du Lez : évacuation préventive"].geo == (3.8767, 43.6108)
    # W3C geo:lat / geo:long
    assert posts["Route D986 coupée à Saint-Martin-de-Londres"].geo == (3.73, 43.79)
    # an impossible latitude is dropped (with a note), not a reason to lose the post
    point = posts["Point de situation n°3"]
    assert point.geo is None
    assert point.raw["geo_note"].startswith("point ignored: out of range")


def test_feed_declared_utf8_but_encoded_latin1_still_parses_with_the_problem_noted():
    # given a file whose declaration says UTF-8 while its bytes are Latin-1
    data = (DATA / "rss" / "latin1_declared_utf8.xml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    # when
    result = parse_file(data, fmt="rss")
    # then every entry is kept, readable, and the repair is recorded
    assert [p.text.split("\n")[0] for p in result.posts] == [
        "Crue du Vidourle : le pont romain est fermé",
        "Gymnase ouvert à l'hébergement d'urgence",
    ]
    assert "l'école élémentaire" in result.posts[0].text
    assert result.rejected == []
    for post in result.posts:
        assert "declared as utf-8" in post.raw["feed_problem"]


@pytest.mark.parametrize(
    ("_case", "body"),
    [
        ("empty", b""),
        ("blank", b"  \n "),
        ("html page", b"<html><body><p>Maintenance</p></body></html>"),
        ("binary junk", b"\x00\x01\x02garbage\xff"),
        ("json", b'{"items": []}'),
    ],
)
def test_unparsable_body_is_a_whole_file_error_with_a_reason(_case, body):
    # when / then
    with pytest.raises(ValueError, match=r".+"):
        parse_file(body, fmt="rss")


def test_parse_file_refuses_other_formats():
    with pytest.raises(ValueError, match="format 'cap'"):
        parse_file(_flood(), fmt="cap")


# --- feedparser's own test feeds (third-party, read from ../shared/data) -----------------
FEEDPARSER = Path("rss_atom") / "feedparser_tests"
SCRIPT_CASES = [
    "entry_content_script.xml",
    "entry_content_script_base64.xml",
    "entry_content_script_cdata.xml",
    "entry_content_script_inline.xml",
    "entry_summary_script.xml",
    "entry_summary_script_base64.xml",
    "entry_summary_script_cdata.xml",
    "entry_summary_script_inline.xml",
    "entry_summary_script_map_description.xml",
    "entry_title_script.xml",
    "entry_title_script_cdata.xml",
    "entry_title_script_inline.xml",
    "item_body_script.xml",
    "entry_content_crazy.xml",
    "item_description_crazy.xml",
    "item_content_encoded_crazy.xml",
    "item_description_applet.xml",
    "item_description_embed.xml",
    "item_description_object.xml",
    "item_description_iframe.xml",
    "item_description_onclick.xml",
    "item_description_style.xml",
    "entry_content_meta.xml",
]


def _texts_after_sanitising(path: Path) -> tuple[list[str], dict[str, str]]:
    case = read_case(path)
    result = parse_feed(
        path.read_bytes(), fetched_at=FETCHED, content_type=case.content_type
    )
    return [p.text for p in result.posts], case.literals()


@pytest.mark.realdata
@pytest.mark.parametrize("name", SCRIPT_CASES)
def test_feedparser_sanitising_cases_leave_no_script_and_keep_the_expected_text(
    shared_data, name
):
    # given one of feedparser's sanitising feeds, which states its expected parse
    path = shared_data / FEEDPARSER / "wellformed" / "sanitize" / name
    if not path.exists():
        pytest.skip(f"{name} is not in this copy of the reference data")
    # when
    texts, expected = _texts_after_sanitising(path)
    # then the text is what feedparser promises once made plain, and no markup is left
    wanted = {
        key: html_to_text(value)
        for key, value in expected.items()
        if isinstance(value, str)
        and key in ("summary", "description", "title", "content")
    }
    if any(wanted.values()):
        assert texts, "the entry was kept"
    for text in texts:
        assert "<script" not in text.lower()
        assert "location.href" not in text
        assert "alert(" not in text
        assert "<" not in text.replace("<!-", "")  # the crazy case keeps comment debris
    for value in wanted.values():
        if value:
            assert value in texts[0]


GEO_CASES = [
    ("wellformed/geo/georss_point.xml", (31.1732, 36.9382), ""),
    ("wellformed/geo/gml_point.xml", (31.1732, 36.9382), ""),
    ("wellformed/geo/gml_point_3d.xml", (-156.2342, 42.3453), ""),
    ("illformed/geo/gml_point.xml", (31.1732, 36.9382), ""),
    ("wellformed/geo/gml_point_utm.xml", None, "not WGS 84"),
    ("illformed/geo/georss_point_no_coords.xml", None, ""),
    ("wellformed/geo/georss_polygon.xml", None, "Polygon kept in raw"),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "geo", "note"), GEO_CASES)
def test_feedparser_geo_cases_give_lon_lat_points(shared_data, name, geo, note):
    # given feedparser's GeoRSS/GML feeds (their entries have no title: we add one)
    path = shared_data / FEEDPARSER / name
    data = path.read_bytes().replace(b"<entry>", b"<entry><title>quake</title>", 1)
    expected = read_case(path).literals().get("where")
    # when
    result = parse_feed(data, fetched_at=FETCHED)
    # then
    (post,) = result.posts
    assert post.geo == geo
    assert note in post.raw.get("geo_note", "")
    if geo is not None and expected is None:
        # the Expect line compares where.coordinates: same (lon, lat) as ours
        assert "coordinates" in read_case(path).expect


ENCODING_CASES = [
    "encoding/euc-kr-item.xml",
    "encoding/demoronize-1.xml",
    "encoding/utf-16le-bom.xml",
    "encoding/utf-32be-autodetect.xml",
    "encoding/bozo_linenoise.xml",
    "encoding/bozo_encoding_mismatch_crash.xml",
    "encoding/bozo_http_i18n.xml",
    "encoding/bozo_invalid-bytes-with-bom.xml",
    "encoding/http_text_xml_charset.xml",
    "encoding/double-encoded-html.xml",
    "illformed/chardet/big5.xml",
    "illformed/chardet/eucjp.xml",
    "illformed/chardet/koi8r.xml",
]


@pytest.mark.realdata
@pytest.mark.parametrize("name", ENCODING_CASES)
def test_feedparser_encoding_cases_parse_and_keep_the_expected_text(shared_data, name):
    # given a feed with a tricky or wrong encoding, and the HTTP header its test implies
    path = shared_data / FEEDPARSER / name
    case = read_case(path)
    # when
    result = parse_feed(
        path.read_bytes(), fetched_at=FETCHED, content_type=case.content_type
    )
    # then nothing raised, and where the case states an entry text, we have it
    for key, value in case.literals().items():
        if (
            isinstance(value, str)
            and value.strip()
            and key in ("description", "summary", "title")
        ):
            assert html_to_text(value) in result.posts[0].text
    if case.expect.startswith("bozo") and result.posts:
        assert result.posts[0].raw.get("feed_problem")


@pytest.mark.realdata
def test_every_feedparser_test_feed_is_read_or_refused_cleanly(shared_data):
    # given all of feedparser's test feeds, well-formed and ill-formed
    paths = sorted((shared_data / FEEDPARSER).rglob("*.xml"))
    assert len(paths) > 800
    refused = 0
    reasons: list[str] = []
    # when / then: each one is either read (markup-free text) or refused with a reason
    for path in paths:
        try:
            result = parse_feed(path.read_bytes(), fetched_at=FETCHED)
        except ValueError as exc:
            refused += 1
            reasons.append(str(exc))
            continue
        for post in result.posts:
            assert "<script" not in post.text.lower(), path.name
            assert post.posted_at.tzinfo is not None
            assert len(post.external_id) <= 200
    assert refused < len(paths) // 10
    assert all(reasons)


# --- hostile XML ------------------------------------------------------------------------
def test_external_file_entity_is_not_expanded():
    # given
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><item><guid>urn:x:1</guid>'
        b"<title>leak &xxe; here</title></item></channel></rss>"
    )
    # when
    result = parse_file(data, fmt="rss")
    # then
    assert all("root:" not in p.text for p in result.posts)
    assert all(p.raw["doctype"].startswith("ignored") for p in result.posts)


def test_external_http_entities_never_reach_a_local_server():
    with local_server() as (base, hits):
        # given a general and a parameter entity pointing at our own server
        data = (
            f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{base}/general">'
            f'<!ENTITY % remote SYSTEM "{base}/parameter"> %remote;]>'
            '<rss version="2.0"><channel><item><guid>urn:x:2</guid>'
            "<title>ping &xxe;</title></item></channel></rss>"
        ).encode()
        # when
        result, _seconds = timed(lambda: parse_file(data, fmt="rss"))
        # then
        assert hits.paths == []
        assert not isinstance(result, Exception) or isinstance(result, ValueError)


def test_billion_laughs_neither_expands_nor_hangs():
    # given
    data = billion_laughs("rss").replace(
        b"<identifier>&lol9;</identifier>",
        b"<channel><item><guid>urn:x:3</guid><title>&lol9;</title></item></channel>",
    )
    # when
    result, seconds = timed(lambda: parse_file(data, fmt="rss"))
    # then
    assert seconds < 10
    if not isinstance(result, Exception):
        assert all(len(p.text) < 1000 for p in result.posts)
    else:
        assert isinstance(result, ValueError)


# --- the connector: HTTP -------------------------------------------------------------------
def test_fetch_stores_the_validators_and_a_304_brings_nothing():
    # given a server that knows its ETag
    adapter = ReplayAdapter(
        {
            FEED_URL: Reply(
                _flood(),
                etag='"v1"',
                headers={"Last-Modified": "Tue, 14 Oct 2025 08:00:00 GMT"},
            )
        }
    )
    connector = _connector(adapter)
    # when
    first = connector.fetch(cursor={})
    second = connector.fetch(cursor=first.cursor)
    # then
    assert len(first.posts) == 4
    assert first.cursor["etag"] == '"v1"'
    assert first.cursor["last_modified"] == "Tue, 14 Oct 2025 08:00:00 GMT"
    assert len(first.cursor["seen"]) == 5  # 4 posts and 1 rejected entry
    assert adapter.requests[1].headers["If-None-Match"] == '"v1"'
    assert (
        adapter.requests[1].headers["If-Modified-Since"]
        == "Tue, 14 Oct 2025 08:00:00 GMT"
    )
    assert second.posts == []
    assert second.rejected == []
    assert second.cursor == first.cursor


def test_entries_already_seen_are_skipped_when_the_server_ignores_validators():
    # given a server without ETag that serves the same feed twice
    adapter = ReplayAdapter({FEED_URL: Reply(_flood())})
    connector = _connector(adapter)
    # when
    first = connector.fetch(cursor={})
    second = connector.fetch(cursor=first.cursor)
    # then
    assert len(first.posts) == 4
    assert len(first.rejected) == 1
    assert second.posts == []
    assert second.rejected == []  # the bad entry is reported once, not at every poll
    assert second.cursor["seen"] == first.cursor["seen"]


def test_seen_ids_are_bounded_newest_first():
    # given a cursor already full of old ids
    old = [f"urn:old:{n}" for n in range(SEEN_LIMIT)]
    adapter = ReplayAdapter({FEED_URL: Reply(_flood())})
    # when
    result = _connector(adapter).fetch(cursor={"seen": old})
    # then
    seen = result.cursor["seen"]
    assert len(seen) == SEEN_LIMIT
    assert seen[:4] == [p.external_id for p in result.posts]
    assert seen[4].startswith("rejected:")
    assert seen[5] == "urn:old:0"


def test_declared_oversized_body_is_refused_before_reading():
    # given
    adapter = ReplayAdapter(
        {
            FEED_URL: Reply(
                b"<rss/>", headers={"Content-Length": str(MAX_FEED_BYTES + 1)}
            )
        }
    )
    # when / then
    with pytest.raises(SourceTemporarilyUnavailable, match="too large"):
        _connector(adapter).fetch(cursor={})


def test_endless_body_stops_just_past_the_limit():
    # given a body that never ends and says nothing of its length
    body = EndlessBody()
    adapter = ReplayAdapter({FEED_URL: Reply(raw=body)})
    # when / then
    with pytest.raises(SourceTemporarilyUnavailable, match="too large"):
        _connector(adapter).fetch(cursor={})
    assert MAX_FEED_BYTES < body.read_bytes <= MAX_FEED_BYTES + 2 * 65536


def test_unparsable_feed_fails_the_fetch_with_the_reason():
    # given
    adapter = ReplayAdapter({FEED_URL: Reply(b"<html><body>Bad gateway</body></html>")})
    # when / then
    with pytest.raises(
        SourceTemporarilyUnavailable, match="unparsable feed: not an RSS or Atom feed"
    ):
        _connector(adapter).fetch(cursor={})


@pytest.mark.parametrize(
    ("status", "error", "retry_after"),
    [
        (503, SourceTemporarilyUnavailable, 120.0),
        (429, SourceTemporarilyUnavailable, 120.0),
        (404, SourceTemporarilyUnavailable, None),
        (403, SourceConfigError, None),
        (410, SourceConfigError, None),
    ],
)
def test_http_errors_map_to_retry_or_configuration_errors(status, error, retry_after):
    # given
    headers = {"Retry-After": "120"} if retry_after else {}
    adapter = ReplayAdapter({FEED_URL: Reply(b"", status=status, headers=headers)})
    # when / then
    with pytest.raises(error, match=f"HTTP {status}") as caught:
        _connector(adapter).fetch(cursor={})
    if retry_after:
        assert caught.value.retry_after == retry_after


def test_redirect_to_a_private_address_is_not_followed():
    # given
    adapter = ReplayAdapter(
        {
            FEED_URL: Reply(
                b"", status=302, headers={"Location": "http://10.0.0.7/admin"}
            )
        }
    )
    # when / then
    with pytest.raises(SourceConfigError, match="private address"):
        _connector(adapter).fetch(cursor={})
    assert adapter.urls() == [FEED_URL]


def test_redirect_is_followed_and_counted():
    # given
    moved = "https://cdn.example.fr/feed.xml"
    adapter = ReplayAdapter(
        {
            FEED_URL: Reply(b"", status=301, headers={"Location": moved}),
            moved: Reply(_flood()),
        }
    )
    # when
    result = _connector(adapter).fetch(cursor={})
    # then
    assert len(result.posts) == 4
    assert adapter.urls() == [FEED_URL, moved]


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://example.fr/feed",
        "file:///etc/passwd",
        "http://localhost/feed",
        "http://127.0.0.1:8000/feed",
        "http://192.168.1.1/feed",
        "https://user:pass@example.fr/feed",
    ],
)
def test_bad_feed_urls_are_configuration_errors(url):
    with pytest.raises(SourceConfigError):
        RssConnector(params={"url": url}, credentials=None)


# --- end to end through source_poll ----------------------------------------------------
@pytest.mark.django_db
def test_source_poll_stores_posts_and_cursor_then_a_304_adds_nothing(
    monkeypatch, activation
):
    from monitoring import services
    from monitoring.models import Post, Source

    # given an RSS source whose server answers 304 to a matching ETag
    adapter = ReplayAdapter({FEED_URL: Reply(_flood(), etag='"v1"')})
    use_adapter(monkeypatch, adapter)
    source = Source.objects.create(
        activation=activation,
        platform="rss",
        name="Préfecture",
        params={"url": FEED_URL},
    )
    # when
    first = services.source_poll(source=source)
    source.refresh_from_db()
    second = services.source_poll(source=source)
    # then
    assert (first.inserted, first.rejected) == (4, 1)
    assert Post.objects.filter(source=source).count() == 4
    assert source.cursor["etag"] == '"v1"'
    assert len(source.cursor["seen"]) == 5
    assert (second.received, second.inserted) == (0, 0)
    assert Post.objects.filter(source=source).count() == 4
    lez = Post.objects.get(
        external_id="https://prefecture.example.fr/actualites/crue-du-lez"
    )
    assert lez.location_source == Post.LocationSource.PLATFORM
    assert (lez.location.x, lez.location.y) == (3.8767, 43.6108)
    assert lez.in_area is True
    assert "<" not in lez.text
