"""Mastodon connector: statuses → posts, safe text, min_id/Link paging, errors, files."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings

from monitoring.connectors import mastodon
from monitoring.connectors.base import SourceConfigError, SourceTemporarilyUnavailable
from monitoring.connectors.mastodon import MastodonConnector, parse_file
from monitoring.connectors.mastodon_status import status_posts
from monitoring.connectors.social_http import MAX_RESPONSE_BYTES
from monitoring.models import Post, Rejection, Source
from monitoring.services import posts_ingest, source_poll
from tests.monitoring.social_support import (
    MASTODON,
    Answer,
    FakeMastodon,
    FakeServer,
    fixture,
    fixture_bytes,
    json_values,
    make_status,
    mounted_session,
    mutated,
    recorded,
    snowflake,
)

TOKEN = "s3cr3t-Token_123"


def connector(server: FakeMastodon | FakeServer, **params) -> MastodonConnector:
    adapter = server.adapter if isinstance(server, FakeMastodon) else server
    credentials = params.pop("credentials", None)
    conn = MastodonConnector(
        params={"instance": MASTODON, "hashtag": "inondation", **params},
        credentials=credentials,
    )
    conn.session = mounted_session(adapter)
    return conn


def timeline(*minutes: int) -> list[dict]:
    """Statuses at 06:MM on 14 October 2026, ten minutes or more apart (beyond the overlap)."""
    return [
        make_status(f"2026-10-14T{6 + m // 60:02d}:{m % 60:02d}:00.000Z", f"crue {m}")
        for m in minutes
    ]


# --- statuses → posts -----------------------------------------------------------------
def test_parse_file_maps_statuses_to_posts():
    # given our fixture: a reply-free timeline with a mention, a hashtag, a long link, media
    # when
    result = parse_file(fixture_bytes("mastodon", "statuses.json"), fmt="mastodon")
    # then
    posts = {p.raw["id"]: p for p in result.posts}
    first = posts[snowflake("2026-10-14T06:12:03.120Z", 1)]
    assert first.platform == "mastodon"
    assert first.external_id == (
        f"https://social.example.fr/users/marie_gard/statuses/{first.raw['id']}"
    )
    assert first.url == f"https://social.example.fr/@marie_gard/{first.raw['id']}"
    assert first.text == (
        "Le Vistre déborde route de Générac, @sdis30 #inondation\n"
        "Photos : https://photos.example.fr/vistre/crue-2026-10-14"
    )
    assert first.posted_at == dt.datetime(2026, 10, 14, 6, 12, 3, 120000, tzinfo=dt.UTC)
    assert first.author_handle == "marie_gard@social.example.fr"
    assert first.author_name == "Marie (Nîmes)"
    assert first.author_id == "1001"
    assert first.author_meta == {
        "followers_count": 312,
        "following_count": 3,
        "statuses_count": 42,
        "bot": False,
        "locked": False,
        "group": False,
        "created_at": "2022-11-02T00:00:00.000Z",
        "url": "https://social.example.fr/@marie_gard",
    }
    assert first.lang_hint == "fr"
    assert first.geo is None
    assert first.media == [
        {
            "type": "image",
            "url": "https://files.example.fr/media/9001/original.jpg",
            "preview_url": "https://files.example.fr/media/9001/small.jpg",
            "description": "Route inondée, voiture à l'arrêt",
        },
        {
            "type": "link",
            "url": "https://photos.example.fr/vistre/crue-2026-10-14",
            "title": "Crue du Vistre",
            "preview_url": "",
        },
    ]
    assert first.raw["tags"] == ["inondation"]
    assert first.raw["mentions"] == ["sdis30"]


def test_parse_file_puts_the_content_warning_first_and_notes_edits():
    # when
    result = parse_file(fixture_bytes("mastodon", "statuses.json"), fmt="mastodon")
    # then
    advice = next(
        p
        for p in result.posts
        if p.raw["id"] == snowflake("2026-10-14T06:20:00.000Z", 2)
    )
    assert advice.text == (
        "Inondations Gard : consignes\n\n"
        "Ne vous engagez pas sur les routes submergées.\n"
        "Appelez le 18 ou le 112 en cas de danger."
    )
    assert advice.raw["edited_at"] == "2026-10-14T06:25:10.000Z"
    assert advice.raw["spoiler_text"] == "Inondations Gard : consignes"
    assert advice.author_meta["followers_count"] == 15400


def test_parse_file_links_a_reblog_to_its_original():
    # when
    result = parse_file(fixture_bytes("mastodon", "statuses.json"), fmt="mastodon")
    # then: the reblog carries the original's text and points at it; the original lands too
    reblog_id = snowflake("2026-10-14T06:31:45.500Z", 3)
    original_uri = "https://social.example.fr/users/sdis30/statuses/" + snowflake(
        "2026-10-14T06:20:00.000Z", 2
    )
    reblog = next(p for p in result.posts if p.raw["id"] == reblog_id)
    assert reblog.repost_of_external_id == original_uri
    assert reblog.external_id == (
        f"https://mastodon.example.org/users/jean/statuses/{reblog_id}/activity"
    )
    assert reblog.author_handle == "jean@mastodon.example.org"
    assert reblog.text.startswith("Inondations Gard : consignes\n\nNe vous engagez")
    assert reblog.url == original_uri.replace("/users/sdis30/statuses/", "/@sdis30/")
    assert reblog.lang_hint == "fr"
    assert reblog.posted_at == dt.datetime(
        2026, 10, 14, 6, 31, 45, 500000, tzinfo=dt.UTC
    )
    assert [p.external_id for p in result.posts].count(
        original_uri
    ) == 2  # reblog + itself


def test_parse_file_notes_the_quoted_status():
    # when
    result = parse_file(fixture_bytes("mastodon", "statuses.json"), fmt="mastodon")
    # then
    quote = next(p for p in result.posts if p.text == "Confirmé par les pompiers")
    assert quote.raw["quote_of"] == (
        "https://social.example.fr/users/sdis30/statuses/"
        + snowflake("2026-10-14T06:20:00.000Z", 2)
    )


def test_hostile_html_becomes_safe_plain_text():
    # given a status full of script, event handlers and javascript: links
    # when
    result = parse_file(fixture_bytes("mastodon", "statuses.json"), fmt="mastodon")
    # then: only the visible words remain, and no dangerous URL is kept
    hostile = next(p for p in result.posts if p.author_handle.startswith("alertes_bot"))
    assert hostile.text == "Alerte crue voir la carte vigicrues"
    assert hostile.media == []  # javascript: media and card URLs dropped
    assert hostile.author_meta["bot"] is True
    for needle in (
        "<",
        "script",
        "alert",
        "onerror",
        "onclick",
        "javascript",
        "cookie",
    ):
        assert needle not in hostile.text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("<p>a<script>alert(1)</script>b</p>", "ab"),
        ('<p><img src="x" onerror="alert(1)">vu</p>', "vu"),
        ('<p><a href="javascript:alert(1)">carte</a></p>', "carte"),
        ("<p>x<style>p{}</style><noscript>n</noscript>y</p>", "xy"),
        ("<p>un</p><p>deux<br>trois</p>", "un\ndeux\ntrois"),
        (
            "<p>&lt;b&gt;pas du HTML&lt;/b&gt; &amp; 5 &gt; 3</p>",
            "<b>pas du HTML</b> & 5 > 3",
        ),
        ("<p>\u202eevil\u200b bidi</p>", "evil bidi"),
        ("<p>unclosed <b>bold", "unclosed bold"),
    ],
)
def test_content_html_to_text_cases(content, expected):
    # given a status with this content
    status = make_status("2026-10-14T06:00:00.000Z", "")
    status["content"] = content
    # when
    [post] = status_posts(status)
    # then: escaped text stays text (the page escapes it again when rendering)
    assert post.text == expected


def test_malformed_records_are_rejected_with_reasons_and_the_rest_lands(activation):
    # given our fixture: 6 good statuses (one reblog makes two posts) and 6 bad records
    result = parse_file(fixture_bytes("mastodon", "statuses.json"), fmt="mastodon")
    # then
    assert sorted(r.reason for r in result.rejected) == [
        "bad created_at: date without a time zone",
        "bad created_at: missing or malformed date",
        "missing account",
        "missing id",
        "not a JSON object",
        "not a JSON object",
    ]
    assert len(result.posts) == 6
    # when the batch is ingested
    ingested = posts_ingest(
        activation=activation, posts=result.posts, rejected=result.rejected
    )
    # then: 5 distinct posts, the repeated original counted once as a duplicate
    assert (ingested.inserted, ingested.duplicates, ingested.rejected) == (5, 1, 6)
    assert Post.objects.filter(activation=activation, platform="mastodon").count() == 5
    assert Rejection.objects.filter(activation=activation).count() == 6
    reblog = Post.objects.get(activation=activation, repost_of_external_id__gt="")
    assert reblog.repost_of is not None
    assert reblog.repost_of.author_handle == "sdis30@social.example.fr"


def test_parse_file_reads_a_search_response():
    # when
    result = parse_file(fixture_bytes("mastodon", "search.json"), fmt="mastodon")
    # then: statuses only (accounts and hashtags are not posts)
    assert len(result.posts) == 2
    assert result.rejected == []


def test_parse_file_reads_json_lines_and_rejects_a_truncated_line():
    # given two lines of statuses and a line cut in the middle
    lines = [
        json.dumps([make_status("2026-10-14T06:00:00.000Z", "un")]),
        json.dumps(make_status("2026-10-14T06:01:00.000Z", "deux")),
        json.dumps([make_status("2026-10-14T06:02:00.000Z", "trois")])[:40],
    ]
    # when
    result = parse_file("\n".join(lines).encode(), fmt="mastodon")
    # then
    assert [p.text for p in result.posts] == ["un", "deux"]
    assert len(result.rejected) == 1
    assert result.rejected[0].reason.startswith("line 3: invalid JSON")


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"", "mastodon"),
        (b"\x00\x01 not json", "mastodon"),
        (b'{"accounts": []}', "mastodon"),
        (b"[]", "bluesky"),
        (b'[{"id": "1", "content": "<p>x</p>", "account": {}', "mastodon"),
    ],
)
def test_parse_file_refuses_unreadable_or_unsupported_files(data, fmt):
    with pytest.raises(ValueError):  # noqa: PT011 (the message varies by case)
        parse_file(data, fmt=fmt)


def test_parse_file_repairs_a_latin1_file_declared_utf8():
    # given a status written in Latin-1
    status = make_status("2026-10-14T06:00:00.000Z", "Crue à Nîmes")
    data = json.dumps([status], ensure_ascii=False).encode("latin-1")
    # when
    result = parse_file(data, fmt="mastodon")
    # then
    assert [p.text for p in result.posts] == ["Crue à Nîmes"]


_GOOD = fixture("mastodon", "statuses.json")[:5]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=json_values() | mutated(_GOOD))
def test_any_json_is_parsed_or_rejected_never_crashes(payload):
    # given any JSON (random, or a good status with fields replaced by junk)
    data = json.dumps(payload).encode()
    # when
    try:
        result = parse_file(data, fmt="mastodon")
    except ValueError:
        return  # an unsupported file, refused as a whole
    # then every post is usable by the pipeline
    for post in result.posts:
        assert isinstance(post.text, str)
        assert post.posted_at.tzinfo is not None
        assert post.external_id
        json.dumps(post.raw)
        json.dumps(post.author_meta)
        json.dumps(post.media)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=json_values())
def test_any_answer_is_handled_or_mapped_to_a_connector_error(payload):
    # given an instance answering with any JSON
    server = FakeServer(lambda seen: Answer(200, payload))
    conn = connector(server)
    # when / then: a page or a temporary failure, nothing else
    try:
        page = conn.fetch(cursor={"key": conn.key, "min_id": "117020593741189701"})
    except SourceTemporarilyUnavailable:
        return
    json.dumps(page.cursor)


# --- real recorded payloads ----------------------------------------------------------
@pytest.mark.realdata
def test_parse_file_reads_every_recorded_exchange(shared_data):
    # given every recording of the Mastodon.py test suite
    files = sorted((shared_data / "mastodon" / "mastodonpy").glob("*.json"))
    assert files
    total = 0
    for path in files:
        # when
        result = parse_file(path.read_bytes(), fmt="mastodon")
        # then: statuses are found where there are some, nothing is rejected, text is plain
        assert result.rejected == [], path.name
        for post in result.posts:
            assert post.posted_at.tzinfo is not None
            assert "<p>" not in post.text
            assert "<span" not in post.text
            assert post.external_id.startswith("http://localhost:3000/")
        total += len(result.posts)
    assert total >= 150


@pytest.mark.realdata
def test_recorded_hashtag_timeline(shared_data):
    # when
    result = parse_file(
        (shared_data / "mastodon/mastodonpy/test_hashtag_tl.json").read_bytes(),
        fmt="mastodon",
    )
    # then: the POST creating the status and the timeline both carry it
    timeline_post = result.posts[-1]
    assert timeline_post.text == "#hoot (hashtag toot)"
    assert timeline_post.lang_hint == "ja"
    assert timeline_post.author_handle == "mastodonpy_test_2@localhost:3000"
    assert timeline_post.external_id == (
        "http://localhost:3000/ap/users/117020566092212359/statuses/117020593741189701"
    )
    assert timeline_post.raw["tags"] == ["hoot"]


@pytest.mark.realdata
def test_recorded_reblog_and_media(shared_data):
    # given the recorded reblog exchange
    reblogs = parse_file(
        (
            shared_data / "mastodon/mastodonpy/test_status_reblog_unreblog.json"
        ).read_bytes(),
        fmt="mastodon",
    )
    media = parse_file(
        (
            shared_data / "mastodon/mastodonpy/test_status_delete_media.json"
        ).read_bytes(),
        fmt="mastodon",
    )
    # then
    [reblog] = [p for p in reblogs.posts if p.repost_of_external_id]
    assert reblog.repost_of_external_id == (
        "http://localhost:3000/ap/users/117020565966271181/statuses/117020586019094258"
    )
    assert reblog.text == "Toot!"
    image = next(p for p in media.posts if p.media)
    assert image.media[0]["type"] == "image"
    assert image.media[0]["url"].endswith("/original/5acd59c19f4b7d96.jpg")
    assert image.text == "Status with media"


@pytest.mark.realdata
def test_documented_status_keeps_the_full_link_text(shared_data):
    # given the status of the official API documentation (a link shown shortened)
    examples = recorded(
        shared_data, "mastodon/docs_examples/entities_Status.examples.json"
    )
    data = json.dumps([e["json"] for e in examples]).encode()
    # when
    [post] = parse_file(data, fmt="mastodon").posts
    # then: the invisible parts of the link are kept, so the URL is whole
    assert post.text == (
        '"I lost my inheritance with one wrong digit on my sort code"\n'
        "https://www.theguardian.com/money/2019/dec/07/"
        "i-lost-my-193000-inheritance-with-one-wrong-digit-on-my-sort-code"
    )
    assert post.author_meta["followers_count"] == 322930


@pytest.mark.realdata
def test_fetch_replays_a_recorded_timeline(shared_data):
    # given the instance answers with the recorded #hoot timeline
    exchanges = recorded(shared_data, "mastodon/mastodonpy/test_hashtag_tl.json")
    page = next(e for e in exchanges if "/timelines/tag/" in e["uri"])
    server = FakeServer(lambda seen: Answer(200, page["json"]))
    conn = connector(server, hashtag="#hoot")
    # when
    result = conn.fetch(cursor={})
    # then
    assert server.seen[0].path == "/api/v1/timelines/tag/hoot"
    assert [p.text for p in result.posts] == ["#hoot (hashtag toot)"]
    assert result.cursor["min_id"] == "117020593741189701"


# --- parameters ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {"hashtag": "inondation"},
        {"instance": "http://mastodon.social", "hashtag": "x"},
        {"instance": "https://localhost", "hashtag": "x"},
        {"instance": "https://127.0.0.1", "hashtag": "x"},
        {"instance": "https://10.0.0.8:3000", "hashtag": "x"},
        {"instance": "https://[::1]", "hashtag": "x"},
        {"instance": "https://2130706433", "hashtag": "x"},
        {"instance": "https://0x7f.1", "hashtag": "x"},
        {"instance": "https://redis:6379", "hashtag": "x"},
        {"instance": "https://printer.local", "hashtag": "x"},
        {"instance": "https://mastodon.social/api/v1", "hashtag": "x"},
        {"instance": "https://user:pw@mastodon.social", "hashtag": "x"},
        {"instance": "https://mastodon.social"},
        {"instance": "https://mastodon.social", "hashtag": "x", "query": "y"},
        {"instance": "https://mastodon.social", "hashtag": "deux mots"},
        {"instance": "https://mastodon.social", "hashtag": "a/../../admin"},
        {"instance": "https://mastodon.social", "query": "   "},
        {"instance": "https://mastodon.social", "hashtag": "x", "limit": 41},
        {"instance": "https://mastodon.social", "hashtag": "x", "limit": "20"},
    ],
)
def test_bad_parameters_are_a_configuration_error(params):
    with pytest.raises(SourceConfigError):
        MastodonConnector(params=params, credentials=None)


def test_a_malformed_token_is_refused_without_echoing_it():
    with pytest.raises(SourceConfigError) as caught:
        MastodonConnector(
            params={"instance": MASTODON, "hashtag": "x"}, credentials="abc def\nxyz"
        )
    assert "abc" not in str(caught.value)


def test_a_public_ipv6_instance_keeps_its_brackets():
    conn = MastodonConnector(
        params={"instance": "https://[2001:4860:4860::8888]:8443", "hashtag": "x"},
        credentials=None,
    )
    assert conn.instance == "https://[2001:4860:4860::8888]:8443"


def test_hashtag_accepts_a_leading_hash_and_accents():
    conn = MastodonConnector(
        params={"instance": "https://Mastodon.Social/", "hashtag": "#Crue_Nîmes"},
        credentials=None,
    )
    assert (conn.instance, conn.hashtag) == ("https://mastodon.social", "Crue_Nîmes")


# --- fetching: min_id, Link, cursor ---------------------------------------------------------
def test_first_poll_reads_the_newest_page_with_timeouts_and_user_agent():
    # given
    server = FakeMastodon(timeline(0, 10, 20))
    conn = connector(server, limit=2)
    # when
    result = conn.fetch(cursor={})
    # then: no min_id on the first poll; the cursor starts at the newest status
    [request] = server.adapter.seen
    assert request.path == "/api/v1/timelines/tag/inondation"
    assert request.params == {"limit": "2"}
    assert request.timeout == (5, 20)
    assert request.headers["User-Agent"] == "VOSTHub/1.0"
    assert "Authorization" not in request.headers
    assert [p.text for p in result.posts] == ["crue 20", "crue 10"]
    assert result.more is False
    assert result.cursor["min_id"] == server.statuses[2]["id"]


def test_polls_follow_min_id_and_link_prev_and_the_cursor_moves_forward_only():
    # given a first poll has read 06:10 and 06:20
    server = FakeMastodon(timeline(0, 10, 20))
    conn = connector(server, limit=2)
    cursor = conn.fetch(cursor={}).cursor
    watermark = cursor["min_id"]
    # and three statuses arrive
    server.statuses += timeline(30, 40, 50)
    # when the connector pages until it is up to date
    pages = []
    while True:
        page = conn.fetch(cursor=cursor)
        pages.append(page)
        assert int(page.cursor["min_id"]) >= int(cursor["min_id"])  # never backwards
        cursor = page.cursor
        if not page.more:
            break
    # then: the round starts at the overlap before the watermark, then follows Link rel=prev
    requested = [s.params.get("min_id") for s in server.adapter.seen[1:]]
    assert requested[0] == str(int(watermark) - (120_000 << 16))
    assert requested[1:] == [server.statuses[3]["id"], server.statuses[5]["id"]]
    assert [[p.text for p in page.posts] for page in pages] == [
        ["crue 30"],  # 06:20 is in the overlap, already seen
        ["crue 50", "crue 40"],
        [],
    ]
    assert cursor["min_id"] == server.statuses[5]["id"]
    assert "next_min_id" not in cursor
    # when polled again with nothing new
    again = conn.fetch(cursor=cursor)
    # then
    assert again.posts == []
    assert again.cursor["min_id"] == cursor["min_id"]


def test_a_late_federated_status_inside_the_overlap_is_picked_up():
    # given a poll has read up to 06:20
    server = FakeMastodon(timeline(0, 20))
    conn = connector(server)
    cursor = conn.fetch(cursor={}).cursor
    # when a remote status published at 06:19 arrives late (its id is below min_id),
    # and one published at 06:05 too (beyond the two-minute overlap)
    server.statuses.append(
        make_status(
            "2026-10-14T06:19:00.000Z", "en retard", acct="jean@ailleurs.example"
        )
    )
    server.statuses.append(make_status("2026-10-14T06:05:00.000Z", "trop tard"))
    result = conn.fetch(cursor=cursor)
    # then
    assert [p.text for p in result.posts] == ["en retard"]
    assert result.cursor["min_id"] == cursor["min_id"]


def test_the_cursor_ignores_a_link_to_another_host_and_older_ids():
    # given a cursor, and an answer whose Link points elsewhere with a huge min_id
    conn = connector(FakeServer(lambda seen: Answer(200, [])))
    server = FakeServer(
        lambda seen: Answer(
            200,
            [make_status("2026-10-14T05:00:00.000Z", "ancien")],
            headers={
                "Link": '<https://evil.example/api/v1/timelines/tag/x?min_id=999999999999999999999>; rel="prev"'
            },
        )
    )
    conn.session = mounted_session(server)
    watermark = snowflake("2026-10-14T06:00:00.000Z")
    # when
    result = conn.fetch(cursor={"key": conn.key, "min_id": watermark})
    # then: the page's old id does not move the cursor back, the foreign link is ignored
    assert result.cursor["min_id"] == watermark


def test_a_cursor_of_another_query_is_not_reused():
    # given a cursor left by another hashtag
    server = FakeMastodon(timeline(0))
    conn = connector(server)
    # when
    conn.fetch(cursor={"key": "other|tag:x", "min_id": "1"})
    # then: a first poll (no min_id)
    assert "min_id" not in server.adapter.seen[0].params


def test_search_pages_with_offset_when_signed_in():
    # given five matching statuses and a token
    server = FakeMastodon(timeline(0, 10, 20, 30, 40))
    conn = connector(server, hashtag=None, query="crue", limit=2, credentials=TOKEN)
    cursor = conn.fetch(cursor={}).cursor
    server.statuses += timeline(50, 60, 70)
    # when
    pages = []
    while True:
        page = conn.fetch(cursor=cursor)
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            break
    # then
    first, *rest = server.adapter.seen
    assert first.path == "/api/v2/search"
    assert first.params == {
        "q": "crue",
        "type": "statuses",
        "limit": "2",
        "resolve": "false",
    }
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    # 70 and 60, then 50 and 40 (40 is in the overlap, already read), then nothing
    assert [s.params.get("offset") for s in rest] == [None, "2", "4"]
    assert sorted(t for page in pages for t in (p.text for p in page.posts)) == [
        "crue 50",
        "crue 60",
        "crue 70",
    ]
    assert cursor["min_id"] == server.statuses[-1]["id"]


def test_search_without_a_token_reads_one_page_per_poll():
    server = FakeMastodon(timeline(0, 10, 20))
    conn = connector(server, hashtag=None, query="crue", limit=2)
    cursor = conn.fetch(cursor={}).cursor
    server.statuses += timeline(30, 40, 50)
    # when
    page = conn.fetch(cursor=cursor)
    # then
    assert page.more is False
    assert [p.text for p in page.posts] == ["crue 50", "crue 40"]
    assert "offset" not in server.adapter.seen[-1].params


# --- errors ------------------------------------------------------------------------------
def _fail(answer: Answer | Exception, **params):
    server = FakeMastodon(timeline(0))
    server.adapter.queue.append(answer)
    return connector(server, **params).fetch(cursor={})


def test_rate_limit_waits_until_the_reset_time():
    reset = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)).isoformat()
    with pytest.raises(SourceTemporarilyUnavailable) as caught:
        _fail(
            Answer(
                429,
                {"error": "Too many requests"},
                headers={"X-RateLimit-Reset": reset},
            )
        )
    assert 80 <= caught.value.retry_after <= 91
    assert "HTTP 429" in str(caught.value)


def test_rate_limit_honours_retry_after_seconds():
    with pytest.raises(SourceTemporarilyUnavailable) as caught:
        _fail(Answer(429, {}, headers={"Retry-After": "30"}))
    assert caught.value.retry_after == 30


@pytest.mark.parametrize(
    "answer",
    [
        Answer(500, {"error": "boom"}),
        Answer(503, body=b"<html>maintenance</html>"),
        Answer(200, body=b"<html>captive portal</html>"),
        Answer(200, {"error": "not a list"}),
        requests.ConnectTimeout("connect timed out"),
        requests.ReadTimeout("read timed out"),
        requests.ConnectionError("refused"),
    ],
)
def test_server_failures_and_timeouts_are_temporary(answer):
    with pytest.raises(SourceTemporarilyUnavailable):
        _fail(answer)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_client_errors_are_configuration_errors_without_the_token(status):
    with pytest.raises(SourceConfigError) as caught:
        _fail(
            Answer(status, {"error": "This method requires an authenticated user"}),
            credentials=TOKEN,
        )
    assert f"HTTP {status}" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_a_redirect_is_not_followed():
    # given an instance answering with a redirect to an internal address
    server = FakeMastodon(timeline(0))
    server.adapter.queue.append(
        Answer(302, {}, headers={"Location": "http://169.254.169.254/latest/meta-data"})
    )
    # when / then: a configuration error naming the target, and no second request
    with pytest.raises(SourceConfigError, match=r"redirects to 169\.254\.169\.254"):
        connector(server).fetch(cursor={})
    assert len(server.adapter.seen) == 1


def test_a_body_over_five_megabytes_is_refused():
    big = b"[" + b" " * MAX_RESPONSE_BYTES + b"]"
    with pytest.raises(SourceTemporarilyUnavailable, match="larger than"):
        _fail(Answer(200, body=big))
    with pytest.raises(SourceTemporarilyUnavailable, match="too large"):
        _fail(Answer(200, body=b"[]", headers={"Content-Length": str(6 * 1024 * 1024)}))


# --- end to end through the service ---------------------------------------------------------
@pytest.fixture
def instance(monkeypatch):
    server = FakeMastodon(timeline(0, 10, 20))
    monkeypatch.setattr(
        mastodon, "new_session", lambda: mounted_session(server.adapter)
    )
    return server


@pytest.fixture
def source(activation):
    return Source.objects.create(
        activation=activation,
        platform="mastodon",
        name="#inondation",
        params={"instance": MASTODON, "hashtag": "inondation"},
    )


def test_source_poll_stores_posts_and_saves_the_cursor(instance, source):
    # when
    result = source_poll(source=source)
    # then
    source.refresh_from_db()
    assert (result.inserted, result.duplicates, result.rejected) == (3, 0, 0)
    assert sorted(
        Post.objects.filter(source=source).values_list("text", flat=True)
    ) == [
        "crue 0",
        "crue 10",
        "crue 20",
    ]
    assert source.cursor["min_id"] == instance.statuses[2]["id"]
    assert source.last_success_at is not None
    # when polled again with nothing new
    again = source_poll(source=source)
    # then: nothing added, the cursor unchanged
    source.refresh_from_db()
    assert (again.inserted, again.duplicates) == (0, 0)
    assert Post.objects.filter(source=source).count() == 3
    assert source.cursor["min_id"] == instance.statuses[2]["id"]
    # when one status arrives
    instance.statuses += timeline(30)
    third = source_poll(source=source)
    # then
    source.refresh_from_db()
    assert third.inserted == 1
    assert source.cursor["min_id"] == instance.statuses[3]["id"]


def test_source_poll_pauses_a_source_the_instance_refuses(instance, source):
    # given the instance closes its timelines to anonymous readers
    instance.adapter.queue.append(
        Answer(401, {"error": "This API requires an authenticated user"})
    )
    # when
    result = source_poll(source=source)
    # then: no posts, the source is paused with the reason, the cursor untouched
    source.refresh_from_db()
    assert result.inserted == 0
    assert source.is_enabled is False
    assert "HTTP 401" in source.last_error
    assert source.cursor == {}
    assert Post.objects.filter(source=source).count() == 0


def test_source_poll_keeps_the_cursor_when_the_instance_is_down(instance, source):
    # given a first poll landed
    source_poll(source=source)
    source.refresh_from_db()
    cursor = dict(source.cursor)
    # when the instance fails
    instance.adapter.queue.append(Answer(502, body=b"Bad gateway"))
    with pytest.raises(SourceTemporarilyUnavailable):
        source_poll(source=source)
    # then
    source.refresh_from_db()
    assert source.cursor == cursor
    assert source.consecutive_failures == 1
    assert source.is_enabled is True
