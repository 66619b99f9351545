"""The X connector: recorded pages, the search cursor, errors, file import, the stream."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring import services
from monitoring.connectors import x, x_stream
from monitoring.connectors.base import SourceConfigError, SourceTemporarilyUnavailable
from monitoring.models import Post, Rejection, Source
from monitoring.pipeline.types import IngestResult
from tests.factories import ActivationFactory
from tests.monitoring.x_support import (
    DATA,
    exchange,
    fixture,
    replay_session,
    twarc_pages,
)

TOKEN = "test-bearer-AAAAAAAAAAAAAAAAAAAAA"
T1 = "1932438852203446272"  # newest post of our fixture page 1
ORIGINAL = "1932430044165046272"  # the prefect's post, retweeted in page 1


def _connector(
    monkeypatch: pytest.MonkeyPatch,
    exchanges: list[dict[str, Any]],
    params: dict[str, Any] | None = None,
) -> tuple[x.XConnector, Any]:
    session, adapter = replay_session(exchanges)
    monkeypatch.setattr(x, "new_session", lambda: session)
    connector = x.XConnector(
        params=params or {"query": "inondation"}, credentials=TOKEN
    )
    return connector, adapter


def _by_id(posts: list[Any]) -> dict[str, Any]:
    return {p.external_id: p for p in posts}


# --- real recorded pages ------------------------------------------------------------
@pytest.mark.realdata
def test_twarc_search_pages_join_authors_places_and_media(shared_data):
    # given two real recent-search pages with includes and an `errors` item
    data = (shared_data / "x/twarc/2sets.jsonl").read_bytes()
    # when
    result = x.parse_file(data, fmt="x")
    # then every post is kept, joined with its author; the error is a rejection
    assert len(result.posts) == 200
    assert result.usage == 200
    assert all(p.author_handle and p.author_id for p in result.posts)
    assert [r.reason for r in result.rejected] == [
        "X API error: Forbidden: User has been suspended: [leeseunggi]."
    ]
    # the one geotagged post sits in a small place: the centre of its box
    (located,) = [p for p in result.posts if p.geo]
    assert located.external_id == "1440716277845139456"
    assert located.place_hint == "Soledad, Colombia"
    assert located.geo == pytest.approx((-74.78218, 10.88951), abs=1e-4)
    assert located.url == "https://x.com/TaehyungKarelly/status/1440716277845139456"
    assert sum(bool(p.media) for p in result.posts) == 25
    assert all(m["type"] and m["url"] for p in result.posts for m in p.media)
    assert {"followers_count", "verified", "created_at"} <= set(
        result.posts[0].author_meta
    )
    assert all(p.posted_at.tzinfo == dt.UTC for p in result.posts)


@pytest.mark.realdata
def test_retweets_link_to_the_original_and_carry_its_whole_text(shared_data):
    # given real pages where most posts are retweets (X cuts their text with "…")
    result = x.parse_file((shared_data / "x/twarc/2sets.jsonl").read_bytes(), fmt="x")
    retweets = [p for p in result.posts if p.repost_of_external_id]
    # then
    assert len(retweets) == 145
    assert not any(p.text.endswith("…") for p in retweets)
    # and a retweet whose original came in `includes`
    (page,) = twarc_pages(shared_data, "two_tweets.jsonl")
    (post,) = x.parse_page(page).posts
    assert post.repost_of_external_id == "1391677057810288641"
    assert post.text == "#POIUYTREWQ"  # the original's, not "RT @bibaigna96: …"
    assert post.author_handle == "LachiVeronica"  # the person who reposted


@pytest.mark.realdata
def test_coordinates_win_and_big_places_give_only_their_name(shared_data):
    # given real lookups with exact coordinates and city-sized places
    result = x.parse_file(
        (shared_data / "x/twarc/withheld.jsonl").read_bytes(), fmt="x"
    )
    posts = _by_id(result.posts)
    # then a Point is used as is (GeoJSON order: lon, lat)
    assert posts["1256638945653391361"].geo == (-75.1651, 39.9527)
    assert posts["1253745657246109696"].geo == (-75.063437, 40.022756)
    # a place ~30 km across is too vague for a point, but its name is kept
    assert posts["1257322563249639427"].geo is None
    assert posts["1257322563249639427"].place_hint == "Philadelphia, PA"
    assert sum(p.geo is not None for p in result.posts) == 3
    # withheld posts are kept, with X's notice in the raw payload
    assert posts["1388424788171841537"].raw["withheld"]["country_codes"] == ["IN"]
    assert len(result.posts) == 215
    assert len(result.rejected) == 5
    assert all(r.reason.startswith("X API error: ") for r in result.rejected)


@pytest.mark.realdata
def test_edits_and_quotes(shared_data):
    # given a post and its edited version, and a quote of the first version
    (before,) = x.parse_page(twarc_pages(shared_data, "edited_before.jsonl")[0]).posts
    (after,) = x.parse_page(twarc_pages(shared_data, "edited.jsonl")[0]).posts
    (quote,) = x.parse_page(twarc_pages(shared_data, "quoted_edit.jsonl")[0]).posts
    # then the edit is a post of its own pointing at the first version
    assert before.external_id == "1576994746135764992"
    assert "edit_of" not in before.raw
    assert before.media == [
        {
            "type": "photo",
            "url": "https://pbs.twimg.com/media/FeKcHsVaUAEYpU_.jpg",
            "alt_text": "selfie of me with memoji",
        }
    ]
    assert after.external_id == "1576994789110992896"
    assert after.raw["edit_of"] == "1576994746135764992"
    assert after.text == "hey :) https://twitter.com/i/web/status/1576994789110992896"
    assert after.lang_hint == ""  # "qst": no language
    # a quote stays a post; the reference is kept in raw
    assert quote.repost_of_external_id == ""
    assert {"type": "quoted", "id": "1576994746135764992"} in quote.raw[
        "referenced_tweets"
    ]


@pytest.mark.realdata
def test_twarc_flattened_lines_and_tweepy_recordings(shared_data):
    # given twarc's one-post-per-line form (author embedded) ...
    flat = x.parse_file((shared_data / "x/twarc/flat.jsonl").read_bytes(), fmt="x")
    # ... and tweepy's recorded exchanges (id and text only)
    recorded = x.parse_file(
        (
            shared_data / "x/tweepy_v2/test_client_search_recent_tweets.json"
        ).read_bytes(),
        fmt="x",
    )
    # then
    assert len(flat.posts) == 100
    assert flat.rejected == []
    assert flat.posts[0].author_handle == "Alexandravm12"
    assert "__twarc" not in flat.posts[0].raw
    assert sum(bool(p.repost_of_external_id) for p in flat.posts) == 47
    assert len(recorded.posts) == 10
    first = recorded.posts[0]
    # no created_at: the time comes from the id itself (X ids embed it)
    assert first.posted_at == dt.datetime(
        2022, 10, 7, 22, 42, 12, 752000, tzinfo=dt.UTC
    )
    assert first.text == "2022-10-07 22:42:12.637103 tweepy"
    assert first.url == "https://x.com/i/web/status/1578516068309794817"


@pytest.mark.realdata
def test_pages_that_hold_no_posts_are_rejected_record_by_record(shared_data):
    counts = x.parse_file((shared_data / "x/twarc/counts.jsonl").read_bytes(), fmt="x")
    compliance = x.parse_file(
        (shared_data / "x/twarc/tweets_compliance.jsonl").read_bytes(), fmt="x"
    )
    empty = x.parse_file((shared_data / "x/twarc/empty.json").read_bytes(), fmt="x")
    assert (len(counts.posts), len(counts.rejected)) == (0, 169)
    assert [r.reason for r in compliance.rejected] == ["not an X page or post"] * 2
    assert (empty.posts, empty.rejected) == ([], [])


# --- our fixture page ----------------------------------------------------------------
def test_fixture_page_is_joined_repaired_and_rejected_record_by_record():
    # given a page with a geotag, places, media, a retweet, a quote and bad records
    result = x.parse_page(fixture("search_fr_page1.json"))
    posts = _by_id(result.posts)
    # then the bad records are rejected with their reasons, the rest is kept
    assert [r.reason for r in result.rejected] == [
        "X post without a valid id",
        "X post 123 has no valid created_at",
        "X API error: Not Found Error: Could not find tweet with referenced_tweets.id: [1].",
    ]
    assert "Ce message n'a pas d'identifiant" in result.rejected[0].excerpt
    assert len(result.posts) == 6
    assert result.usage == 8
    # a geotag
    t1 = posts[T1]
    assert t1.geo == (3.9036, 43.5676)
    assert t1.place_hint == "Lattes, France"
    assert t1.text == (
        "Route de Lattes coupée par l'eau, au moins 50 cm & ça monte encore "
        f"#inondation https://x.com/marie_lattes/status/{T1}/photo/1"
    )
    assert t1.media == [
        {
            "type": "photo",
            "url": "https://pbs.twimg.com/media/route_lattes.jpg",
            "alt_text": "Route inondée",
        }
    ]
    assert (t1.author_handle, t1.author_name, t1.author_id) == (
        "marie_lattes",
        "Marie L.",
        "1500000000000000001",
    )
    assert t1.author_meta == {
        "followers_count": 312,
        "verified": False,
        "created_at": "2015-03-01T10:00:00.000Z",
    }
    assert t1.url == f"https://x.com/marie_lattes/status/{T1}"
    assert t1.lang_hint == "fr"
    assert t1.posted_at == dt.datetime(2025, 6, 10, 14, 5, tzinfo=dt.UTC)
    # a department-sized place: its name only
    department = posts["1932438600545206272"]
    assert (department.geo, department.place_hint) == (None, "Hérault, France")
    # a retweet: linked, with the original's whole text (links expanded) and media
    retweet = posts["1932438348886966272"]
    assert retweet.repost_of_external_id == ORIGINAL
    assert retweet.text.endswith(
        "Point de situation à 17h. https://www.herault.gouv.fr/crues"
    )
    assert retweet.media[0]["alt_text"] == "Carte de vigilance crues : Hérault en rouge"
    # a quote: a post of its own
    quote = posts["1932438097228726272"]
    assert quote.repost_of_external_id == ""
    assert quote.lang_hint == "en"
    # no author in includes, no created_at, markup and control characters in the text
    anonymous = posts["1932437593912246272"]
    assert anonymous.url == "https://x.com/i/web/status/1932437593912246272"
    assert anonymous.author_handle == ""
    assert anonymous.author_id == "1500000000000000099"
    assert anonymous.posted_at == dt.datetime(2025, 6, 10, 14, 0, tzinfo=dt.UTC)
    assert (
        anonymous.text
        == "Pompiers en route vers Pérols <urgent> <script>alert(1)</script>"
    )
    assert anonymous.lang_hint == ""
    # impossible coordinates are dropped; the small place's centre stands in
    repaired = posts["1932437342254006272"]
    assert repaired.geo == pytest.approx((3.905, 43.57))


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=30)
    | st.sampled_from(["1932438852203446272", "9" * 25, "Point", "retweeted", "fr"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "text",
                    "type",
                    "coordinates",
                    "place_id",
                    "media_keys",
                    "bbox",
                    "url",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
_TWEET_KEYS = [
    "id",
    "text",
    "created_at",
    "author_id",
    "author",
    "geo",
    "attachments",
    "referenced_tweets",
    "entities",
    "edit_history_tweet_ids",
    "lang",
]


@settings(max_examples=150, deadline=None)
@given(
    tweets=st.lists(
        st.dictionaries(st.sampled_from(_TWEET_KEYS), _json_values), max_size=4
    ),
    includes=st.dictionaries(
        st.sampled_from(["users", "places", "media", "tweets"]), _json_values
    ),
    errors=_json_values,
)
def test_any_junk_in_a_page_is_rejected_or_repaired_never_raised(
    tweets, includes, errors
):
    result = x.parse_page({"data": tweets, "includes": includes, "errors": errors})
    assert len(result.posts) + len(result.rejected) >= len(tweets)
    for post in result.posts:
        assert post.external_id.isdigit()
        assert post.posted_at.tzinfo is not None
        assert post.geo is None or (
            -180 <= post.geo[0] <= 180 and -90 <= post.geo[1] <= 90
        )


def test_ids_from_the_future_and_impossible_dates_are_rejected():
    page = {
        "data": [
            {"id": "9" * 25, "text": "an id no clock has reached"},
            {
                "id": "1932438852203446272",
                "text": "x",
                "created_at": "0001-01-01T00:00:00+14:00",
            },
        ]
    }
    result = x.parse_page(page)
    assert [r.reason for r in result.rejected] == [
        f"X post {'9' * 25} has no valid created_at"
    ]
    # a broken created_at falls back on the time inside the id
    assert result.posts[0].posted_at == dt.datetime(2025, 6, 10, 14, 5, tzinfo=dt.UTC)


# --- the search connector -------------------------------------------------------------
def test_first_poll_sends_query_fields_and_token_and_stores_newest_id(monkeypatch):
    # given a source that has never been polled
    connector, adapter = _connector(
        monkeypatch,
        [exchange(fixture("search_fr_page2.json"))],
        {"query": "inondation OR crue", "max_results": 50, "lang": "fr"},
    )
    # when
    result = connector.fetch(cursor={})
    # then
    (request,) = adapter.requests
    assert request["path"] == "/2/tweets/search/recent"
    assert request["params"]["query"] == "(inondation OR crue) lang:fr"
    assert request["params"]["max_results"] == "50"
    assert "since_id" not in request["params"]
    assert set(request["params"]["expansions"].split(",")) == {
        "author_id",
        "geo.place_id",
        "attachments.media_keys",
        "referenced_tweets.id",
        "referenced_tweets.id.author_id",
    }
    assert "public_metrics" in request["params"]["user.fields"]
    assert "alt_text" in request["params"]["media.fields"]
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert result.cursor == {"since_id": "1932435077329846272"}
    assert (result.more, result.usage, len(result.posts)) == (False, 2, 2)


def test_since_id_only_moves_forward(monkeypatch):
    # given a cursor ahead of everything a page returns, then an empty page, then newer
    ahead = "1999999999999999999"
    connector, adapter = _connector(
        monkeypatch,
        [
            exchange(fixture("search_fr_page2.json")),
            exchange(fixture("search_empty.json")),
            exchange(fixture("search_fr_newer.json")),
        ],
    )
    # when / then: older posts never pull the cursor back
    assert connector.fetch(cursor={"since_id": ahead}).cursor == {"since_id": ahead}
    # nothing new keeps it where it was
    behind = "1932400000000000000"
    empty = connector.fetch(cursor={"since_id": behind})
    assert (empty.posts, empty.cursor, empty.usage) == ([], {"since_id": behind}, 0)
    # a newer post moves it
    newer = connector.fetch(cursor={"since_id": behind})
    assert newer.cursor == {"since_id": "1932452693406646272"}
    assert [r["params"]["since_id"] for r in adapter.requests] == [
        ahead,
        behind,
        behind,
    ]


def test_pagination_follows_next_token_then_moves_since_id(monkeypatch):
    # given more new posts than one page holds
    since = "1932400000000000000"
    connector, adapter = _connector(
        monkeypatch,
        [
            exchange(fixture("search_fr_page1.json")),
            exchange(fixture("search_fr_page2.json")),
        ],
    )
    # when the first page comes
    first = connector.fetch(cursor={"since_id": since})
    # then another is waiting, and since_id stays until the walk ends
    assert first.more is True
    assert first.cursor == {
        "since_id": since,
        "next_token": "fixturepage2token",
        "pending_newest_id": T1,
    }
    # when the poller asks for the next page
    second = connector.fetch(cursor=first.cursor)
    # then it sent the token with the same since_id, and the walk is over
    assert adapter.requests[1]["params"]["next_token"] == "fixturepage2token"
    assert adapter.requests[1]["params"]["since_id"] == since
    assert second.more is False
    assert second.cursor == {"since_id": T1}  # the newest of the whole walk


def test_a_refused_page_token_restarts_the_walk(monkeypatch):
    bad_token = {
        "errors": [{"message": "Invalid 'next_token'"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
    }
    connector, adapter = _connector(
        monkeypatch,
        [exchange(bad_token, status=400), exchange(fixture("search_fr_page2.json"))],
    )
    result = connector.fetch(
        cursor={"since_id": "1932400000000000000", "next_token": "expired"}
    )
    assert "next_token" not in adapter.requests[1]["params"]
    assert adapter.requests[1]["params"]["since_id"] == "1932400000000000000"
    assert result.cursor == {"since_id": "1932435077329846272"}


def test_a_since_id_older_than_the_search_window_is_dropped(monkeypatch):
    connector, adapter = _connector(
        monkeypatch,
        [*fixture("since_id_too_old.json"), exchange(fixture("search_fr_page2.json"))],
    )
    result = connector.fetch(cursor={"since_id": "1400000000000000000"})
    assert "since_id" not in adapter.requests[1]["params"]
    assert result.cursor == {"since_id": "1932435077329846272"}


def test_rate_limit_waits_until_the_reset_time(monkeypatch):
    # given X answers 429 with the time its window resets
    reset = int(time.time()) + 120
    (limited,) = fixture("rate_limited.json")
    limited["headers"]["x-rate-limit-reset"] = str(reset)
    connector, _adapter = _connector(monkeypatch, [limited])
    # when / then
    with pytest.raises(SourceTemporarilyUnavailable) as caught:
        connector.fetch(cursor={"since_id": "1"})
    assert caught.value.retry_after == pytest.approx(120, abs=3)
    assert "429" in str(caught.value)


@pytest.mark.parametrize(
    ("_case", "exchanges", "error"),
    [
        ("server error", fixture("server_error.json"), SourceTemporarilyUnavailable),
        ("connection refused", [{"error": "connection"}], SourceTemporarilyUnavailable),
        ("bad token", fixture("unauthorized.json"), SourceConfigError),
        (
            "forbidden",
            [
                exchange(
                    {"title": "Forbidden", "detail": "Client Forbidden"}, status=403
                )
            ],
            SourceConfigError,
        ),
        (
            "bad query",
            [exchange({"title": "Invalid Request", "detail": "bad query"}, status=400)],
            SourceConfigError,
        ),
        (
            "not JSON",
            [{**exchange({}), "body": "<html>oops</html>"}],
            SourceTemporarilyUnavailable,
        ),
    ],
)
def test_failures_map_to_retry_later_or_fix_the_source(
    monkeypatch, _case, exchanges, error
):
    connector, _adapter = _connector(monkeypatch, exchanges)
    with pytest.raises(error) as caught:
        connector.fetch(cursor={})
    assert TOKEN not in str(caught.value)


def test_the_token_never_reaches_the_logs(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    connector, _adapter = _connector(monkeypatch, fixture("unauthorized.json"))
    with pytest.raises(SourceConfigError):
        connector.fetch(cursor={})
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("params", "credentials"),
    [
        ({}, TOKEN),
        ({"query": "  "}, TOKEN),
        ({"query": "crue", "max_results": 5}, TOKEN),
        ({"query": "crue", "max_results": "100"}, TOKEN),
        ({"query": "crue", "lang": "français"}, TOKEN),
        ({"query": "crue", "stream": "yes"}, TOKEN),
        ({"query": "x" * 2000}, TOKEN),
        ({"query": "crue"}, None),
    ],
)
def test_bad_parameters_are_config_errors(params, credentials):
    with pytest.raises(SourceConfigError):
        x.XConnector(params=params, credentials=credentials)


def test_stream_sources_are_not_polled(monkeypatch):
    connector, adapter = _connector(monkeypatch, [], {"query": "crue", "stream": True})
    result = connector.fetch(cursor={"since_id": "5"})
    assert (result.posts, result.cursor, result.usage) == ([], {"since_id": "5"}, 0)
    assert adapter.requests == []


# --- through the service, into the database --------------------------------------------
@pytest.fixture
def x_source(db, monkeypatch):
    monkeypatch.setenv("X_TEST_BEARER", TOKEN)
    return Source.objects.create(
        activation=ActivationFactory(),
        platform="x",
        name="X inondation",
        params={"query": "inondation"},
        credentials_env="X_TEST_BEARER",
        monthly_cap=10_000,
    )


def _replay(monkeypatch, exchanges):
    session, adapter = replay_session(exchanges)
    monkeypatch.setattr(x, "new_session", lambda: session)
    return adapter


def test_source_poll_stores_posts_cursor_rejections_and_usage(x_source, monkeypatch):
    # given two pages waiting for a new source
    _replay(
        monkeypatch,
        [
            exchange(fixture("search_fr_page1.json")),
            exchange(fixture("search_fr_page2.json")),
        ],
    )
    # when
    result = services.source_poll(source=x_source)
    # then
    x_source.refresh_from_db()
    assert (result.inserted, result.rejected, result.duplicates) == (8, 3, 0)
    assert Post.objects.filter(source=x_source).count() == 8
    assert Rejection.objects.filter(source=x_source).count() == 3
    assert x_source.cursor == {"since_id": T1}
    assert x_source.usage_count == 10
    assert x_source.consecutive_failures == 0
    stored = Post.objects.get(external_id=T1)
    assert (stored.location.x, stored.location.y) == (3.9036, 43.5676)
    assert stored.location_source == Post.LocationSource.PLATFORM
    assert stored.in_area is True
    assert stored.place_name == "Lattes, France"
    assert stored.url == f"https://x.com/marie_lattes/status/{T1}"
    retweet = Post.objects.get(external_id="1932438348886966272")
    assert retweet.repost_of_external_id == ORIGINAL

    # when the same pages are polled again
    adapter = _replay(
        monkeypatch,
        [
            exchange(fixture("search_fr_page1.json")),
            exchange(fixture("search_fr_page2.json")),
        ],
    )
    again = services.source_poll(source=x_source)
    # then nothing is added, and the request started from the stored cursor
    assert again.inserted == 0
    assert Post.objects.filter(source=x_source).count() == 8
    assert adapter.requests[0]["params"]["since_id"] == T1


@pytest.mark.realdata
def test_source_poll_of_a_real_page(x_source, monkeypatch, shared_data):
    # given a real page that says more is waiting, then our last page
    (kpop,) = twarc_pages(shared_data, "kpop.jsonl")
    adapter = _replay(
        monkeypatch, [exchange(kpop), exchange(fixture("search_fr_page2.json"))]
    )
    # when
    result = services.source_poll(source=x_source)
    # then
    x_source.refresh_from_db()
    assert adapter.requests[1]["params"]["next_token"] == kpop["meta"]["next_token"]
    assert result.inserted == 102
    assert Rejection.objects.filter(source=x_source).count() == 1
    assert x_source.cursor == {"since_id": "1932435077329846272"}
    assert Post.objects.filter(source=x_source).exclude(author_handle="").count() == 102


def test_source_poll_backs_off_until_the_rate_limit_resets(x_source, monkeypatch):
    reset = int(time.time()) + 300
    (limited,) = fixture("rate_limited.json")
    limited["headers"]["x-rate-limit-reset"] = str(reset)
    _replay(monkeypatch, [limited])
    with pytest.raises(SourceTemporarilyUnavailable):
        services.source_poll(source=x_source)
    x_source.refresh_from_db()
    wait = (x_source.next_attempt_at - x_source.last_error_at).total_seconds()
    assert wait == pytest.approx(300, abs=3)
    assert (x_source.consecutive_failures, x_source.is_enabled) == (1, True)
    assert x_source.cursor == {}
    assert Post.objects.count() == 0


def test_source_poll_pauses_a_source_whose_token_is_refused(x_source, monkeypatch):
    _replay(monkeypatch, fixture("unauthorized.json"))
    services.source_poll(source=x_source)
    x_source.refresh_from_db()
    assert x_source.is_enabled is False
    assert "401" in x_source.paused_reason
    assert TOKEN not in x_source.last_error
    assert Post.objects.count() == 0


# --- files -------------------------------------------------------------------------
def test_stream_file_skips_keep_alives_and_rejects_a_truncated_line():
    data = (DATA / "stream_lines.jsonl").read_bytes()
    result = x.parse_file(data, fmt="x-stream")
    assert [p.external_id for p in result.posts] == [
        "1932467792901046272",
        "1932468296217526272",
        "1932468547875766272",
    ]
    assert [r.reason for r in result.rejected] == ["malformed JSON line 3"]
    lattes = result.posts[0]
    assert lattes.place_hint == "Lattes, France"
    assert lattes.geo == pytest.approx((3.905, 43.57))  # a small place: its centre


def test_jsonl_and_array_files_and_unreadable_ones():
    page1 = json.dumps(fixture("search_fr_page1.json"))
    page2 = json.dumps(fixture("search_fr_page2.json"))
    # JSONL with a broken line in the middle
    jsonl = x.parse_file(f"{page1}\n{{broken\n\n{page2}\n".encode(), fmt="x")
    assert len(jsonl.posts) == 8
    assert "malformed JSON line 2" in [r.reason for r in jsonl.rejected]
    # a JSON array of pages
    array = x.parse_file(f"[{page1}, {page2}]".encode(), fmt="x")
    assert len(array.posts) == 8
    # a whole page as one object, with a byte-order mark
    single = x.parse_file(b"\xef\xbb\xbf" + page2.encode(), fmt="x")
    assert len(single.posts) == 2
    # nothing readable, or not our format: ValueError
    with pytest.raises(ValueError, match="malformed JSON on all 2 lines"):
        x.parse_file(b"\x00\xff garbage\nmore garbage", fmt="x")
    with pytest.raises(ValueError, match=r"^malformed JSON$"):
        x.parse_file(page1[:300].encode(), fmt="x")  # a truncated page
    # a stream line alone, truncated: one rejection (the importer numbers it)
    stream = x.parse_file(b'{"data": {"id": "1", "te', fmt="x-stream")
    assert [r.reason for r in stream.rejected] == ["malformed JSON line 1"]
    with pytest.raises(ValueError, match="format"):
        x.parse_file(page1.encode(), fmt="mastodon")


# --- the filtered stream ------------------------------------------------------------
def _stream_sources(activation, *queries):
    return [
        Source.objects.create(
            activation=activation,
            platform="x",
            name=f"stream {i}",
            params={"query": query, "stream": True},
            credentials_env="X_TEST_BEARER",
        )
        for i, query in enumerate(queries)
    ]


def _tagged_lines(a: Source, b: Source) -> list[bytes]:
    text = (DATA / "stream_lines.jsonl").read_text()
    text = text.replace('"TAG_A"', f'"{a.pk}"').replace('"TAG_B"', f'"{b.pk}"')
    return [line.encode() for line in text.split("\n")[:-1]]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _recorder() -> tuple[list[dict[str, Any]], Callable[..., IngestResult]]:
    calls: list[dict[str, Any]] = []

    def ingest(**kwargs: Any) -> IngestResult:
        calls.append(kwargs)
        return IngestResult(inserted=len(kwargs["posts"]))

    return calls, ingest


def test_router_batches_by_source_every_two_seconds(db):
    # given two stream sources of one activation
    a, b = _stream_sources(ActivationFactory(), "crue", "inondation")
    clock = FakeClock()
    calls, ingest = _recorder()
    router = x_stream.StreamRouter(sources=[a, b], clock=clock, ingest=ingest)
    # when the lines arrive within two seconds
    for line in _tagged_lines(a, b):
        router.on_data(line)
    # then nothing is ingested yet
    assert calls == []
    assert router.flush_if_due() == 0
    # when two seconds have passed
    clock.now += 2.0
    assert router.flush_if_due() == 4
    # then each source got its posts (one post matched both rules)
    got = {c["source"].pk: [p.external_id for p in c["posts"]] for c in calls}
    assert got == {
        a.pk: ["1932467792901046272", "1932468547875766272"],
        b.pk: ["1932468296217526272", "1932468547875766272"],
    }
    # the truncated line names no rule: both sources record it
    assert [[r.reason for r in c["rejected"]] for c in calls] == [
        ["malformed JSON line 3"],
        ["malformed JSON line 3"],
    ]
    assert all(c["activation"] == a.activation for c in calls)
    assert router.stats["keep_alive"] == 3
    assert router.waiting == 0


def test_router_flushes_at_the_batch_size(db):
    (a,) = _stream_sources(ActivationFactory(), "crue")
    calls, ingest = _recorder()
    router = x_stream.StreamRouter(
        sources=[a], batch_size=3, clock=FakeClock(), ingest=ingest
    )
    line = (DATA / "stream_lines.jsonl").read_text().split("\n")[0]
    for n in range(7):
        router.on_data(
            line.replace('"TAG_A"', f'"{a.pk}"').replace(
                "1932467792901046272", str(n + 10**18)
            )
        )
    assert [len(c["posts"]) for c in calls] == [3, 3]
    assert router.waiting == 1


def test_router_keeps_a_batch_that_did_not_land_and_ignores_unknown_rules(db):
    (a,) = _stream_sources(ActivationFactory(), "crue")
    line = (DATA / "stream_lines.jsonl").read_text().split("\n")[0]
    failures = [RuntimeError("database away")]
    landed: list[int] = []

    def flaky(**kwargs: Any) -> IngestResult:
        if failures:
            raise failures.pop()
        landed.append(len(kwargs["posts"]))
        return IngestResult(inserted=len(kwargs["posts"]))

    router = x_stream.StreamRouter(sources=[a], clock=FakeClock(), ingest=flaky)
    router.on_data(line.replace('"TAG_A"', f'"{a.pk}"'))
    router.on_data(line.replace('"TAG_A"', '"999999"'))  # a stale rule
    router.on_data(  # a message about the stream itself, not a record
        b'{"errors": [{"title": "operational-disconnect", "detail": "upstream"}]}'
    )
    assert router.flush() == 0  # the database is away
    assert router.waiting == 1
    assert router.flush() == 1
    assert landed == [1]
    assert router.stats["unrouted"] == 1
    assert router.stats["stream_errors"] == 1
    assert router.stats["failed_batches"] == 1


def test_router_lands_stream_posts_in_the_database(db):
    # given the real ingestion service
    a, b = _stream_sources(ActivationFactory(), "crue", "inondation")
    router = x_stream.StreamRouter(sources=[a, b], clock=FakeClock())
    for line in _tagged_lines(a, b):
        router.on_data(line)
    # when
    inserted = router.flush()
    # then the post both rules matched is stored once in the activation
    assert inserted == 3
    assert Post.objects.filter(activation=a.activation).count() == 3
    assert Rejection.objects.filter(reason="malformed JSON line 3").count() == 2
    a.refresh_from_db()
    assert a.usage_count == 2
    assert a.last_success_at is not None


class FakeRulesClient:
    """The stream-rules endpoints, as X answers them (a bad rule sinks its batch)."""

    def __init__(
        self, rules: list[dict[str, str]], invalid: set[str] = frozenset()
    ) -> None:
        self.rules = list(rules)
        self.invalid = set(invalid)
        self.calls: list[tuple[str, Any]] = []
        self._next = 100

    def get_rules(self) -> dict[str, Any]:
        self.calls.append(("get", None))
        return (
            {"data": list(self.rules)} if self.rules else {"meta": {"result_count": 0}}
        )

    def delete_rules(self, ids: list[str]) -> dict[str, Any]:
        self.calls.append(("delete", list(ids)))
        self.rules = [r for r in self.rules if r["id"] not in ids]
        return {"meta": {"summary": {"deleted": len(ids)}}}

    def add_rules(self, add: list[Any]) -> dict[str, Any]:
        self.calls.append(("add", [(r.value, r.tag) for r in add]))
        bad = [r for r in add if r.value in self.invalid]
        if bad:
            return {
                "errors": [
                    {
                        "value": r.value,
                        "title": "Invalid Rule",
                        "details": ["Unknown operator"],
                    }
                    for r in bad
                ],
                "meta": {"summary": {"created": 0, "not_created": len(add)}},
            }
        for rule in add:
            self._next += 1
            self.rules.append(
                {"id": str(self._next), "value": rule.value, "tag": rule.tag}
            )
        return {"data": [], "meta": {"summary": {"created": len(add)}}}


def test_rules_sync_adds_missing_deletes_stale_and_is_idempotent(db):
    # given three stream sources, and rules left from before
    a, b, c = _stream_sources(
        ActivationFactory(), "crue", "inondation lang:fr", "orage"
    )
    client = FakeRulesClient(
        [
            {"id": "1", "value": "crue", "tag": str(a.pk)},  # right
            {"id": "2", "value": "old query", "tag": str(b.pk)},  # query changed
            {"id": "3", "value": "tempête", "tag": "424242"},  # source gone
            {"id": "4", "value": "crue", "tag": str(a.pk)},  # a repeat
        ]
    )
    # when
    result = x_stream.sync_rules(client, [a, b, c])
    # then
    assert sorted(result.deleted) == ["2", "3", "4"]
    assert result.added == [str(b.pk), str(c.pk)]
    assert sorted((r["tag"], r["value"]) for r in client.rules) == sorted(
        [(str(a.pk), "crue"), (str(b.pk), "inondation lang:fr"), (str(c.pk), "orage")]
    )
    # when synced again nothing changes
    client.calls.clear()
    again = x_stream.sync_rules(client, [a, b, c])
    assert (again.added, again.deleted, client.calls) == ([], [], [("get", None)])


def test_rules_sync_reports_a_refused_rule_and_adds_the_others(db):
    a, b = _stream_sources(ActivationFactory(), "crue", "bad:operator")
    client = FakeRulesClient([], invalid={"bad:operator"})
    result = x_stream.sync_rules(client, [a, b])
    assert result.added == [str(a.pk)]
    assert result.invalid == {str(b.pk): "X refused the stream rule: Unknown operator"}
    assert [r["tag"] for r in client.rules] == [str(a.pk)]


def test_stream_sources_are_the_enabled_stream_ones_of_this_token(db, monkeypatch):
    activation = ActivationFactory()
    (wanted,) = _stream_sources(activation, "crue")
    Source.objects.create(
        activation=activation,
        platform="x",
        name="polled",
        params={"query": "crue"},
        credentials_env="X_TEST_BEARER",
    )
    Source.objects.create(
        activation=activation,
        platform="x",
        name="other token",
        params={"query": "crue", "stream": True},
        credentials_env="OTHER",
    )
    Source.objects.create(
        activation=activation,
        platform="x",
        name="paused",
        params={"query": "crue", "stream": True},
        credentials_env="X_TEST_BEARER",
        is_enabled=False,
    )
    capped = Source.objects.create(
        activation=activation,
        platform="x",
        name="capped",
        params={"query": "crue", "stream": True},
        credentials_env="X_TEST_BEARER",
        monthly_cap=10,
        usage_count=10,
        usage_month=dt.datetime.now(tz=dt.UTC).date().replace(day=1),
    )
    assert x_stream.stream_sources(credentials_env="X_TEST_BEARER") == [wanted]
    capped.refresh_from_db()
    assert capped.is_enabled is False


class FakeStream:
    def __init__(
        self, lifetimes: list[int], router: x_stream.StreamRouter, lines: list[bytes]
    ) -> None:
        self.lifetimes = lifetimes
        self.router = router
        self.lines = lines
        self.checks = 0
        self.disconnected = False

    def start(self) -> None:
        for line in self.lines:
            self.router.on_data(line)

    @property
    def alive(self) -> bool:
        self.checks += 1
        return not self.disconnected and self.checks <= self.lifetimes[0]

    def disconnect(self) -> None:
        self.disconnected = True


def test_supervisor_reconnects_with_backoff_and_flushes_on_stop(db):
    # given one stream source and a stream that drops right after connecting
    a, b = _stream_sources(ActivationFactory(), "crue", "inondation")
    clock = FakeClock()
    calls, ingest = _recorder()
    router = x_stream.StreamRouter(clock=clock, ingest=ingest, max_delay=1e9)
    streams: list[FakeStream] = []
    lines = _tagged_lines(a, b)

    def factory() -> FakeStream:
        streams.append(FakeStream([1], router, lines if not streams else []))
        return streams[-1]

    stop = threading.Event()
    waits: list[float] = []

    class Stop:
        def is_set(self) -> bool:
            return stop.is_set()

        def wait(self, seconds: float) -> bool:
            waits.append(seconds)
            clock.now += seconds
            if len(streams) >= 4 or len(waits) > 1000:  # never loop forever
                stop.set()
            return stop.is_set()

    client = FakeRulesClient([])
    supervisor = x_stream.StreamSupervisor(
        credentials_env="X_TEST_BEARER",
        rules_client=client,
        stream_factory=factory,
        router=router,
        clock=clock,
    )
    # when
    supervisor.run(Stop())  # type: ignore[arg-type]
    # then rules were set, the stream reconnected with growing waits, and the
    # posts waiting at the stop were flushed
    assert sorted(r["tag"] for r in client.rules) == sorted([str(a.pk), str(b.pk)])
    assert supervisor.connections == 4
    assert [w for w in waits if w >= 1] == [1.0, 2.0, 4.0]
    assert sum(len(c["posts"]) for c in calls) == 4


def test_supervisor_survives_a_stream_that_cannot_start(db):
    _stream_sources(ActivationFactory(), "crue")
    clock = FakeClock()
    router = x_stream.StreamRouter(clock=clock, ingest=_recorder()[1])
    attempts: list[float] = []
    stop = threading.Event()

    def factory() -> FakeStream:
        attempts.append(clock.now)
        if len(attempts) < 3:
            raise OSError("network unreachable")
        stop.set()
        return FakeStream([10], router, [])

    class Waiting:
        def is_set(self) -> bool:
            return stop.is_set()

        def wait(self, seconds: float) -> bool:
            clock.now += seconds
            return stop.is_set()

    supervisor = x_stream.StreamSupervisor(
        credentials_env="X_TEST_BEARER",
        rules_client=FakeRulesClient([]),
        stream_factory=factory,
        router=router,
        clock=clock,
    )
    supervisor.run(Waiting())  # type: ignore[arg-type]
    assert supervisor.connections == 1
    assert [round(b - a, 1) for a, b in itertools.pairwise(attempts)] == [
        1.0,
        2.0,
    ]


def test_run_x_stream_command_stops_cleanly_on_sigterm(db, monkeypatch):
    # given a stream source and a stream that delivers lines, then SIGTERM
    monkeypatch.setenv("X_TEST_BEARER", TOKEN)
    a, b = _stream_sources(ActivationFactory(), "crue", "inondation")
    from monitoring.management.commands import run_x_stream

    client = FakeRulesClient([])
    monkeypatch.setattr(run_x_stream, "make_rules_client", lambda token: client)

    class Delivering:
        alive = True

        def __init__(self, router: x_stream.StreamRouter) -> None:
            self.router = router

        def start(self) -> None:
            for line in _tagged_lines(a, b):
                self.router.on_data(line)
            os.kill(os.getpid(), signal.SIGTERM)

        def disconnect(self) -> None:
            self.alive = False

    monkeypatch.setattr(
        run_x_stream, "make_stream", lambda token, router, stop: Delivering(router)
    )
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        call_command("run_x_stream", "--credentials-env", "X_TEST_BEARER")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    # then the posts read before the signal landed
    assert Post.objects.filter(activation=a.activation).count() == 3
    assert len(client.rules) == 2


def test_run_x_stream_needs_a_token(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.delenv("X_NO_SUCH_TOKEN", raising=False)
    with pytest.raises(CommandError, match="X_NO_SUCH_TOKEN"):
        call_command("run_x_stream", "--credentials-env", "X_NO_SUCH_TOKEN")


def test_x_stream_client_hands_lines_to_the_router():
    # given tweepy's stream class, not connected
    seen: list[bytes] = []
    stream = x.XStream(TOKEN, on_line=seen.append, stop=threading.Event())
    # when tweepy calls its hooks
    stream.on_data(b'{"data": {}}')
    stream.on_keep_alive()
    # then
    assert seen == [b'{"data": {}}', b""]
    assert stream.alive is False
