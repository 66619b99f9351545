"""Bluesky connector: post views → posts, facets on UTF-8 bytes, embeds, searchPosts
paging with since/cursor, errors, files."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import requests
from hypothesis import HealthCheck, given, settings

from monitoring.connectors import bluesky
from monitoring.connectors.base import SourceConfigError, SourceTemporarilyUnavailable
from monitoring.connectors.bluesky import BlueskyConnector, parse_file
from monitoring.connectors.bluesky_post import post_from_view, resolve_facets
from monitoring.connectors.social_http import MAX_RESPONSE_BYTES
from monitoring.models import Post, Rejection, Source
from monitoring.services import posts_ingest, source_poll
from tests.monitoring.social_support import (
    APPVIEW,
    Answer,
    FakeAppView,
    FakeServer,
    fixture,
    fixture_bytes,
    json_values,
    make_post,
    mounted_session,
    mutated,
    recorded,
)

A = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
B = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"


def at(minute: int, second: int = 0) -> str:
    return f"2026-10-14T{6 + minute // 60:02d}:{minute % 60:02d}:{second:02d}.000Z"


def posts_at(*minutes: int) -> list[dict]:
    return [make_post(f"3m2crue{m:04d}", f"crue {m}", at(m)) for m in minutes]


def connector(server: FakeAppView | FakeServer, **params) -> BlueskyConnector:
    adapter = server.adapter if isinstance(server, FakeAppView) else server
    credentials = params.pop("credentials", None)
    conn = BlueskyConnector(params={"query": "crue", **params}, credentials=credentials)
    conn.session = mounted_session(adapter)
    return conn


def by_rkey(posts, rkey):
    return next(p for p in posts if p.external_id.endswith(f"/{rkey}"))


# --- facets: UTF-8 byte offsets ------------------------------------------------------------
def test_facets_are_resolved_on_utf8_bytes_after_emoji_and_accents():
    # given our fixture: accents and two emoji (4 bytes each) before a link, a mention, tags
    view = fixture("bluesky", "search.json")["posts"][5]
    text = view["record"]["text"]
    link = view["record"]["facets"][0]["index"]
    # then the offsets are bytes: slicing the str with them would give other characters
    assert (
        text[link["byteStart"] : link["byteEnd"]] != "vigicrues.example.fr/alerte?id=30"
    )
    # when
    post, _sort_at = post_from_view(view)
    # then
    assert post.text == text  # the text stays the record's text
    assert post.raw["links"] == [
        {
            "uri": "https://vigicrues.example.fr/alerte?id=30",
            "text": "vigicrues.example.fr/alerte?id=30",
        }
    ]
    assert post.raw["mentions"] == [{"did": B, "text": "@vigicrues.example.fr"}]
    assert post.raw["tags"] == [
        {"tag": "Inondation", "text": "#Inondation"},
        {"tag": "Gard", "text": "#Gard"},
    ]
    assert "facet_errors" not in post.raw


def test_facets_cutting_a_character_out_of_range_or_unsafe_are_ignored():
    # given our fixture: a facet inside the 🚒 emoji, one past the end, a javascript: link
    view = fixture("bluesky", "search.json")["posts"][4]
    # when
    post, _sort_at = post_from_view(view)
    # then only the good link is kept
    assert post.raw["links"] == [
        {"uri": "https://gard.example.gouv.fr", "text": "https://gard.example.gouv.fr"}
    ]
    assert post.raw["tags"] == []
    assert post.raw["facet_errors"] == 3


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("é https://a.fr", 3, 15, "https://a.fr"),  # é = 2 bytes
        ("🌊 https://a.fr", 5, 17, "https://a.fr"),  # 🌊 = 4 bytes
        ("👩‍🚒 https://a.fr", 12, 24, "https://a.fr"),  # ZWJ sequence = 11 bytes
        ("日本 https://a.fr", 7, 19, "https://a.fr"),  # 3 bytes each
        ("🌊 https://a.fr", 2, 17, None),  # starts inside the emoji
        ("https://a.fr", 0, 13, None),  # one byte past the end
        ("https://a.fr", 5, 5, None),  # empty
        ("https://a.fr", -1, 5, None),
    ],
)
def test_byte_slice_semantics(text, start, end, expected):
    # given one link facet over [start, end) bytes
    facets = [
        {
            "index": {"byteStart": start, "byteEnd": end},
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://a.fr"}
            ],
        }
    ]
    # when
    links, _mentions, _tags, bad = resolve_facets(text, facets)
    # then
    if expected is None:
        assert (links, bad) == ([], 1)
    else:
        assert (links, bad) == ([{"uri": "https://a.fr", "text": expected}], 0)


@pytest.mark.realdata
def test_fixture_facets_follow_the_lexicon_and_resolve_as_it_says(shared_data):
    # given the official facet lexicon: byteSlice counts bytes of the UTF-8 text
    lexicon = recorded(shared_data, "bluesky/lexicons/app.bsky.richtext.facet.json")
    defs = lexicon["defs"]
    assert (
        "counting bytes of the UTF-8 encoded text" in defs["byteSlice"]["description"]
    )
    feature_types = {
        f"{lexicon['id']}{ref}"
        for ref in defs["main"]["properties"]["features"]["items"]["refs"]
    }
    view = fixture("bluesky", "search.json")["posts"][5]
    encoded = view["record"]["text"].encode("utf-8")
    for facet in view["record"]["facets"]:
        # then our fixture is shaped as the lexicon requires
        assert set(defs["main"]["required"]) <= facet.keys()
        assert set(defs["byteSlice"]["required"]) <= facet["index"].keys()
        for feature in facet["features"]:
            assert feature["$type"] in feature_types
            kind = feature["$type"].split("#")[1]
            assert set(defs[kind]["required"]) <= feature.keys()
    # when resolved, each facet covers exactly its UTF-8 byte range
    links, mentions, tags, bad = resolve_facets(
        view["record"]["text"], view["record"]["facets"]
    )
    spans = [
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode("utf-8")
        for f in view["record"]["facets"]
    ]
    assert [x["text"] for x in (*links, *mentions, *tags)] == spans
    assert bad == 0


# --- post views → posts ------------------------------------------------------------------
def test_post_view_maps_to_a_post():
    # when
    result = parse_file(fixture_bytes("bluesky", "search.json"), fmt="bluesky")
    # then
    post = by_rkey(result.posts, "3m2aaaaaaaa01")
    assert post.platform == "bluesky"
    assert post.external_id == f"at://{A}/app.bsky.feed.post/3m2aaaaaaaa01"
    assert post.url == "https://bsky.app/profile/marie.bsky.social/post/3m2aaaaaaaa01"
    assert post.author_handle == "marie.bsky.social"
    assert post.author_name == "Marie 🌧️ Nîmes"
    assert post.author_id == A
    assert post.author_meta == {
        "followers_count": 230,
        "created_at": "2023-05-01T10:00:00.000Z",
    }
    assert post.posted_at == dt.datetime(2026, 10, 14, 6, 10, tzinfo=dt.UTC)
    assert post.lang_hint == "fr"
    assert post.geo is None
    assert post.media == [
        {
            "type": "image",
            "url": f"https://cdn.bsky.app/img/feed_fullsize/plain/{A}/bafkreiaaaaaaaaaaaaaaaaaaaa@jpeg",
            "preview_url": f"https://cdn.bsky.app/img/feed_thumbnail/plain/{A}/bafkreiaaaaaaaaaaaaaaaaaaaa@jpeg",
            "description": "Rue inondée",
        }
    ]


def test_embeds_external_quote_and_record_with_media():
    # when
    posts = parse_file(fixture_bytes("bluesky", "search.json"), fmt="bluesky").posts
    # then
    external = by_rkey(posts, "3m2aaaaaaaa02")
    assert external.media == [
        {
            "type": "link",
            "url": "https://gard.example.gouv.fr",
            "title": "Préfecture du Gard",
            "preview_url": "https://cdn.bsky.app/img/feed_thumbnail/plain/x/y@jpeg",
        }
    ]
    quote = by_rkey(posts, "3m2aaaaaaaa03")
    assert quote.raw["quote_of"] == f"at://{B}/app.bsky.feed.post/3m2aaaaaaaa02"
    assert quote.repost_of_external_id == ""  # a quote is a post of its own
    with_media = by_rkey(posts, "3m2aaaaaaaa04")
    assert with_media.raw["quote_of"] == f"at://{B}/app.bsky.feed.post/3m2aaaaaaaa02"
    assert with_media.media == [
        {
            "type": "video",
            "url": "https://video.bsky.app/watch/did%3Aplc%3Acccc/bafkreivideo/playlist.m3u8",
            "preview_url": "https://video.bsky.app/watch/did%3Aplc%3Acccc/bafkreivideo/thumbnail.jpg",
            "description": "Pont submergé",
        }
    ]
    # an unverified handle: the link goes through the DID
    assert with_media.author_handle == ""
    assert with_media.url == (
        "https://bsky.app/profile/did:plc:cccccccccccccccccccccccc/post/3m2aaaaaaaa04"
    )


def test_unusable_created_at_is_repaired_from_indexed_at_with_a_reason():
    # when
    posts = parse_file(fixture_bytes("bluesky", "search.json"), fmt="bluesky").posts
    # then
    unreadable = by_rkey(posts, "3m2aaaaaaaa05")
    assert unreadable.posted_at == dt.datetime(2026, 10, 14, 6, 25, tzinfo=dt.UTC)
    assert unreadable.raw["repaired"] == (
        "createdAt unusable (missing or malformed date): posted_at taken from indexedAt"
    )
    future = by_rkey(posts, "3m2aaaaaaaa06")  # a client clock a day ahead
    assert future.posted_at == dt.datetime(2026, 10, 14, 6, 26, tzinfo=dt.UTC)
    assert future.raw["repaired"].startswith("createdAt after indexedAt")


def test_malformed_records_are_rejected_with_reasons_and_the_rest_lands(activation):
    # given our fixture: 6 usable posts and 6 bad records
    result = parse_file(fixture_bytes("bluesky", "search.json"), fmt="bluesky")
    assert sorted(r.reason for r in result.rejected) == [
        "bad date: createdAt unusable (missing or malformed date)",
        "missing or invalid post uri",
        "missing or invalid post uri",
        "missing text",
        "not a JSON object",
        "not a JSON object",
    ]
    # when
    ingested = posts_ingest(
        activation=activation, posts=result.posts, rejected=result.rejected
    )
    # then
    assert (ingested.inserted, ingested.duplicates, ingested.rejected) == (6, 0, 6)
    assert Post.objects.filter(activation=activation, platform="bluesky").count() == 6
    assert Rejection.objects.filter(activation=activation).count() == 6


def test_feed_reposts_point_at_their_original(activation):
    # when
    result = parse_file(fixture_bytes("bluesky", "feed.json"), fmt="bluesky")
    # then: two reposts of the prefecture's post (one with its record uri, one without)
    original = f"at://{B}/app.bsky.feed.post/3m2aaaaaaaa02"
    reposts = [p for p in result.posts if p.repost_of_external_id]
    assert [(p.external_id, p.author_id, p.posted_at.minute) for p in reposts] == [
        (f"at://{A}/app.bsky.feed.repost/3m2aaaaaarp01", A, 40),
        (
            f"{original}#repost-by-did:plc:cccccccccccccccccccccccc",
            "did:plc:cccccccccccccccccccccccc",
            41,
        ),
    ]
    assert all(p.repost_of_external_id == original for p in reposts)
    assert reposts[0].text.startswith("Évacuation du camping")
    # a feed item without a post is rejected; a repost with a bad date keeps its original
    assert sorted(r.reason for r in result.rejected) == [
        "feed item without a post",
        "repost with a bad date: missing or malformed date",
    ]
    # when ingested, the reposts are linked to the stored original
    posts_ingest(activation=activation, posts=result.posts)
    stored = Post.objects.filter(activation=activation, repost_of__isnull=False)
    assert stored.count() == 2
    assert {p.repost_of.external_id for p in stored} == {original}


def test_parse_file_reads_arrays_and_json_lines():
    views = fixture("bluesky", "search.json")["posts"][:2]
    # a JSON array of post views
    assert len(parse_file(json.dumps(views).encode(), fmt="bluesky").posts) == 2
    # JSON lines: a response, a feed, and a truncated line
    lines = [
        json.dumps({"posts": views[:1]}),
        json.dumps({"feed": [{"post": views[1]}]}),
        json.dumps({"posts": views})[:50],
    ]
    result = parse_file("\n".join(lines).encode(), fmt="bluesky")
    assert len(result.posts) == 2
    assert [r.reason[:20] for r in result.rejected] == ["line 3: invalid JSON"]


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"", "bluesky"),
        (b"garbage", "bluesky"),
        (b'{"did": "did:plc:x"}', "bluesky"),
        (b'{"posts": []}', "mastodon"),
        (b'{"posts": [', "bluesky"),
    ],
)
def test_parse_file_refuses_unreadable_or_unsupported_files(data, fmt):
    with pytest.raises(ValueError):  # noqa: PT011 (the message varies by case)
        parse_file(data, fmt=fmt)


_GOOD = fixture("bluesky", "search.json")["posts"][:6]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    payload=json_values()
    | mutated(_GOOD).map(lambda view: {"posts": [view]})
    | mutated(_GOOD).map(lambda view: {"feed": [{"post": view, "reason": view}]})
)
def test_any_json_is_parsed_or_rejected_never_crashes(payload):
    # given any JSON (random, or good post views with fields replaced by junk)
    data = json.dumps(payload).encode()
    # when
    try:
        result = parse_file(data, fmt="bluesky")
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
    server = FakeServer(lambda seen: Answer(200, payload))
    conn = connector(server)
    try:
        page = conn.fetch(cursor={"key": conn.key, "newest": "2026-10-14T06:00:00Z"})
    except SourceTemporarilyUnavailable:
        return
    json.dumps(page.cursor)


# --- real recorded payloads ----------------------------------------------------------
@pytest.mark.realdata
def test_recorded_get_posts_facets_after_emoji(shared_data):
    # given a real post with 📈 and ✨ (4 and 3 bytes) and a curly quote before its links
    data = (shared_data / "bluesky/bskyr/f_getposts.json").read_bytes()
    # when
    [post] = parse_file(data, fmt="bluesky").posts
    # then
    assert post.raw["links"] == [
        {"uri": "http://localview.net", "text": "localview.net"},
        {"uri": "https://rstats.ai/gov.html", "text": "rstats.ai/gov.html"},
    ]
    assert (
        post.url
        == "https://bsky.app/profile/soubhikbarari.bsky.social/post/3k7qmjev5lr2s"
    )
    assert post.posted_at == dt.datetime(2023, 9, 19, 11, 32, 54, 574000, tzinfo=dt.UTC)
    assert post.lang_hint == "en"
    assert post.media[0]["type"] == "image"


@pytest.mark.realdata
def test_every_recorded_facet_resolves_to_its_text(shared_data):
    # given every recorded bskyr exchange (feeds, timeline, posts, thread, records)
    files = sorted((shared_data / "bluesky" / "bskyr").glob("*.json"))
    counts = {"posts": 0, "links": 0, "tags": 0, "mentions": 0}
    for path in files:
        # when
        result = parse_file(path.read_bytes(), fmt="bluesky")
        # then
        assert result.rejected == [], path.name
        for post in result.posts:
            assert "facet_errors" not in post.raw, path.name
            for link in post.raw.get("links", []):
                shown = link["text"].rstrip(".…").split("://")[-1]
                assert link["uri"].split("://")[-1].startswith(shown), link
            for tag in post.raw.get("tags", []):
                assert tag["text"].lower() == f"#{tag['tag']}".lower(), tag
            for mention in post.raw.get("mentions", []):
                assert mention["text"].startswith("@"), mention
            counts["links"] += len(post.raw.get("links", []))
            counts["tags"] += len(post.raw.get("tags", []))
            counts["mentions"] += len(post.raw.get("mentions", []))
        counts["posts"] += len(result.posts)
    assert counts == {"posts": 123, "links": 58, "tags": 32, "mentions": 11}


@pytest.mark.realdata
def test_recorded_author_feed_reposts_and_embeds(shared_data):
    # when
    posts = parse_file(
        (shared_data / "bluesky/bskyr/f_autfeed.json").read_bytes(), fmt="bluesky"
    ).posts
    # then
    reposts = [p for p in posts if p.repost_of_external_id]
    assert len(reposts) == 7
    assert all(p.author_handle == "chriskenny.bsky.social" for p in reposts)
    quotes = [p for p in posts if p.raw.get("quote_of")]
    assert len(quotes) == 7  # 5 with media, 2 plain
    assert sum(1 for p in quotes if p.media) >= 5
    links = [m for p in posts for m in p.media if m["type"] == "link"]
    assert "https://github.com/christopherkenny/harvard-diss" in {
        m["url"] for m in links
    }


@pytest.mark.realdata
def test_fetch_replays_recorded_posts_as_a_search(shared_data):
    # given an AppView answering with the recorded timeline's posts
    feed = recorded(shared_data, "bluesky/bskyr/f_timeline.json")[0]["json"]["feed"]
    server = FakeServer(lambda seen: Answer(200, {"posts": [i["post"] for i in feed]}))
    conn = connector(server)
    # when
    result = conn.fetch(cursor={})
    # then: every post is read, the cursor holds the newest sortAt
    assert len(result.posts) == len({i["post"]["uri"] for i in feed})
    assert result.rejected == []
    newest = max(
        min(i["post"]["record"]["createdAt"], i["post"]["indexedAt"]) for i in feed
    )
    assert result.cursor["newest"][:19] == newest[:19]


# --- parameters ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"query": ""},
        {"query": "x" * 501},
        {"query": "crue", "lang": "français"},
        {"query": "crue", "appview": "http://public.api.bsky.app/xrpc"},
        {"query": "crue", "appview": "https://192.168.1.4/xrpc"},
        {"query": "crue", "appview": "https://bsky.internal/xrpc"},
        {"query": "crue", "limit": 0},
        {"query": "crue", "limit": 101},
    ],
)
def test_bad_parameters_are_a_configuration_error(params):
    with pytest.raises(SourceConfigError):
        BlueskyConnector(params=params, credentials=None)


def test_default_appview_is_the_public_one():
    conn = BlueskyConnector(params={"query": "crue", "lang": "fr"}, credentials=None)
    assert conn.appview == APPVIEW


# --- fetching: since, cursor, newest ---------------------------------------------------------
def test_first_poll_reads_the_newest_page_only():
    # given
    server = FakeAppView(posts_at(0, 10, 20))
    conn = connector(server, limit=2, lang="fr")
    # when
    result = conn.fetch(cursor={})
    # then
    [request] = server.adapter.seen
    assert request.path == "/xrpc/app.bsky.feed.searchPosts"
    assert request.params == {"q": "crue", "sort": "latest", "limit": "2", "lang": "fr"}
    assert request.timeout == (5, 20)
    assert request.headers["User-Agent"] == "VOSTHub/1.0"
    assert [p.text for p in result.posts] == ["crue 20", "crue 10"]
    assert result.more is False  # no backfill into the past
    assert result.cursor["newest"] == "2026-10-14T06:20:00.000000Z"


def test_a_round_pages_with_the_api_cursor_then_moves_newest_forward():
    # given a first poll has read up to 06:20
    server = FakeAppView(posts_at(0, 10, 20))
    conn = connector(server, limit=2)
    cursor = conn.fetch(cursor={}).cursor
    # and five posts arrive
    server.posts += posts_at(30, 40, 50, 60, 70)
    # when
    pages = []
    while True:
        page = conn.fetch(cursor=cursor)
        pages.append(page)
        assert page.cursor["newest"] >= cursor["newest"]  # never backwards
        cursor = page.cursor
        if not page.more:
            break
    # then: since is a minute before newest, the API cursor walks back to it
    requests_ = server.adapter.seen[1:]
    assert {r.params["since"] for r in requests_} == {"2026-10-14T06:19:00.000000Z"}
    assert [r.params.get("cursor") for r in requests_] == [None, "2", "4"]
    assert [[p.text for p in page.posts] for page in pages] == [
        ["crue 70", "crue 60"],
        ["crue 50", "crue 40"],
        ["crue 30"],  # 06:20 was read by the first poll
    ]
    assert cursor["newest"] == "2026-10-14T07:10:00.000000Z"
    assert "page" not in cursor
    # when polled again with nothing new
    again = conn.fetch(cursor=cursor)
    # then
    assert again.posts == []
    assert again.cursor["newest"] == cursor["newest"]


def test_a_late_indexed_post_inside_the_overlap_is_picked_up():
    # given a poll has read up to 06:20
    server = FakeAppView(posts_at(0, 20))
    conn = connector(server)
    cursor = conn.fetch(cursor={}).cursor
    # when a post created at 06:19:30 is indexed at 06:21, and one from 06:05 too
    server.posts.append(
        make_post("3m2late0001", "crue en retard", at(19, 30), indexed=at(21))
    )
    server.posts.append(
        make_post("3m2late0002", "crue trop tard", at(5), indexed=at(21))
    )
    result = conn.fetch(cursor=cursor)
    # then
    assert [p.text for p in result.posts] == ["crue en retard"]
    assert result.cursor["newest"] == cursor["newest"]


def test_a_cursor_of_another_query_is_not_reused():
    server = FakeAppView(posts_at(0))
    conn = connector(server)
    conn.fetch(cursor={"key": "other", "newest": "2026-10-14T05:00:00.000000Z"})
    assert "since" not in server.adapter.seen[0].params


def test_an_answer_with_only_old_posts_does_not_move_newest_back():
    # given a server that ignores `since` and answers with old posts
    server = FakeServer(lambda seen: Answer(200, {"posts": posts_at(0, 1)}))
    conn = connector(server)
    cursor = {"key": conn.key, "newest": "2026-10-14T07:00:00.000000Z"}
    # when
    result = conn.fetch(cursor=cursor)
    # then
    assert result.posts == []
    assert result.cursor["newest"] == "2026-10-14T07:00:00.000000Z"


def test_a_token_is_sent_as_bearer_and_never_in_errors():
    server = FakeAppView(posts_at(0))
    server.adapter.queue.append(
        Answer(401, {"error": "AuthMissing", "message": "Authentication Required"})
    )
    conn = connector(server, credentials="jwt.token.value")
    with pytest.raises(SourceConfigError) as caught:
        conn.fetch(cursor={})
    assert server.adapter.seen[0].headers["Authorization"] == "Bearer jwt.token.value"
    assert "jwt.token.value" not in str(caught.value)
    assert "AuthMissing" in str(caught.value)


# --- errors ------------------------------------------------------------------------------
def _fail(answer):
    server = FakeAppView(posts_at(0))
    server.adapter.queue.append(answer)
    return connector(server).fetch(cursor={})


def test_rate_limit_waits_until_the_reset_epoch():
    reset = str(int(time.time()) + 120)
    with pytest.raises(SourceTemporarilyUnavailable) as caught:
        _fail(
            Answer(
                429, {"error": "RateLimitExceeded"}, headers={"RateLimit-Reset": reset}
            )
        )
    assert 110 <= caught.value.retry_after <= 121


def test_a_bad_query_is_a_configuration_error_with_the_server_message():
    with pytest.raises(SourceConfigError) as caught:
        _fail(Answer(400, {"error": "BadQueryString", "message": "unbalanced quotes"}))
    assert "BadQueryString: unbalanced quotes" in str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(502, body=b"upstream"),
        Answer(200, body=b"{"),
        Answer(200, {"feed": []}),
        Answer(200, body=b"[" + b" " * MAX_RESPONSE_BYTES + b"]"),
        requests.ReadTimeout("read timed out"),
        requests.ConnectionError("reset"),
    ],
)
def test_server_failures_and_timeouts_are_temporary(answer):
    with pytest.raises(SourceTemporarilyUnavailable):
        _fail(answer)


# --- end to end through the service ---------------------------------------------------------
@pytest.fixture
def appview(monkeypatch):
    server = FakeAppView(posts_at(0, 10, 20))
    monkeypatch.setattr(bluesky, "new_session", lambda: mounted_session(server.adapter))
    return server


@pytest.fixture
def source(activation):
    return Source.objects.create(
        activation=activation,
        platform="bluesky",
        name="Bluesky crue",
        params={"query": "crue", "lang": "fr"},
    )


def test_source_poll_stores_posts_and_saves_the_cursor(appview, source):
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
    assert source.cursor["newest"] == "2026-10-14T06:20:00.000000Z"
    # when polled again with nothing new
    again = source_poll(source=source)
    # then
    source.refresh_from_db()
    assert (again.inserted, again.duplicates) == (0, 0)
    assert Post.objects.filter(source=source).count() == 3
    assert source.cursor["newest"] == "2026-10-14T06:20:00.000000Z"
    # when a post arrives
    appview.posts += posts_at(30)
    third = source_poll(source=source)
    # then
    source.refresh_from_db()
    assert third.inserted == 1
    assert source.cursor["newest"] == "2026-10-14T06:30:00.000000Z"


def test_source_poll_keeps_the_cursor_when_the_appview_is_down(appview, source):
    source_poll(source=source)
    source.refresh_from_db()
    cursor = dict(source.cursor)
    appview.adapter.queue.append(requests.ConnectTimeout("connect timed out"))
    with pytest.raises(SourceTemporarilyUnavailable):
        source_poll(source=source)
    source.refresh_from_db()
    assert source.cursor == cursor
    assert source.consecutive_failures == 1
