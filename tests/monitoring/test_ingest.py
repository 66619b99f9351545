"""The batch pipeline: dedupe, rejections, repost links, clusters, locations, storage."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from monitoring import post_store, services, tasks
from monitoring.models import (
    Category,
    Cluster,
    ClusterBand,
    IngestBatch,
    Platform,
    Post,
    Rejection,
    Source,
)
from monitoring.pipeline.serialize import post_to_json
from monitoring.pipeline.text import html_to_text
from monitoring.pipeline.types import MAX_RAW_BYTES, RejectedRecord
from tests.monitoring.ingest_support import (
    INSIDE,
    LONG_REPORT,
    OUTSIDE,
    T0,
    assert_consistent,
    batch,
    raw_post,
)

pytestmark = pytest.mark.django_db


# --- dedupe ----------------------------------------------------------------------
def test_the_same_batch_twice_stores_each_post_once(activation):
    # given a batch already ingested
    posts = batch("a", 5)
    first = services.posts_ingest(activation=activation, posts=posts)
    # when it comes again (a replayed page)
    second = services.posts_ingest(activation=activation, posts=posts)
    # then nothing is added, and everything is counted as a duplicate
    assert (first.inserted, first.duplicates) == (5, 0)
    assert (second.received, second.inserted, second.duplicates) == (5, 0, 5)
    assert Post.objects.filter(activation=activation).count() == 5
    assert Cluster.objects.filter(activation=activation).count() == 5
    assert list(
        IngestBatch.objects.filter(activation=activation)
        .order_by("id")
        .values_list("inserted", "duplicates")
    ) == [(5, 0), (0, 5)]
    assert_consistent(activation.pk)


def test_repeats_inside_a_batch_are_duplicates(activation):
    # given a batch where one post appears three times (once with padded id)
    post = raw_post("dup")
    posts = [post, raw_post("dup"), raw_post(" dup "), raw_post("other", text="autre")]
    # when ingested
    result = services.posts_ingest(activation=activation, posts=posts)
    # then it is stored once
    assert (result.received, result.inserted, result.duplicates) == (4, 2, 2)
    assert sorted(
        Post.objects.filter(activation=activation).values_list("external_id", flat=True)
    ) == ["dup", "other"]


def test_same_id_on_two_platforms_is_two_posts(activation):
    posts = [raw_post("42"), raw_post("42", platform=Platform.MASTODON)]
    result = services.posts_ingest(activation=activation, posts=posts)
    assert result.inserted == 2


def test_a_redelivered_batch_is_recorded_once(activation):
    # given a batch that landed, with its receipt time and a rejected record
    received_at = dt.datetime(2026, 10, 14, 16, 5, 0, 123456, tzinfo=dt.UTC)
    posts = [*batch("r", 3), raw_post("")]
    services.posts_ingest(activation=activation, posts=posts, received_at=received_at)
    # when the same batch is delivered again (the worker died before its ack)
    again = services.posts_ingest(
        activation=activation, posts=posts, received_at=received_at
    )
    # then neither the batch nor its rejections are counted twice
    assert again.inserted == 0
    assert IngestBatch.objects.filter(activation=activation).count() == 1
    assert Rejection.objects.filter(activation=activation).count() == 1
    assert Post.objects.filter(activation=activation).count() == 3
    batch_row = IngestBatch.objects.get(activation=activation)
    assert batch_row.started_at == received_at
    assert set(
        Post.objects.filter(activation=activation).values_list("received_at", flat=True)
    ) == {received_at}


# --- rejections ------------------------------------------------------------------
def test_bad_records_are_rejected_with_a_reason_and_the_rest_lands(activation):
    # given a batch mixing good posts, broken ones and connector rejections
    good = batch("ok", 2)
    bad = [
        raw_post(""),
        raw_post("x" * 201),
        raw_post("naive", posted_at=dt.datetime(2026, 10, 14, 16, 0)),  # noqa: DTZ001
        raw_post("plat", platform="myspace"),
        raw_post("far", geo=(200.0, 10.0)),
        raw_post("nan", geo=(float("nan"), 1.0)),
        raw_post("geo", geo=("east", "north")),  # type: ignore[arg-type]
        raw_post("txt", text=None),  # type: ignore[arg-type]
        raw_post("nul\x00id"),
    ]
    connector = [RejectedRecord("malformed JSON", '{"id": 1,')]
    # when ingested
    result = services.posts_ingest(
        activation=activation, posts=[*good, *bad], rejected=connector
    )
    # then the good posts land, every other record has its reason
    assert (result.received, result.inserted, result.rejected) == (12, 2, 10)
    reasons = sorted(r.reason for r in result.reasons)
    assert reasons == sorted(
        [
            "malformed JSON",
            "missing id",
            "id too long",
            "missing or naive timestamp",
            "unknown platform 'myspace'",
            "coordinates out of range",
            "coordinates out of range",
            "invalid coordinates",
            "text is not a string",
            "invalid characters in id",
        ]
    )
    stored = Rejection.objects.filter(activation=activation)
    assert sorted(stored.values_list("reason", flat=True)) == reasons
    assert all(len(r.excerpt) <= services.EXCERPT_CHARS for r in stored)
    assert stored.get(reason="malformed JSON").excerpt == '{"id": 1,'
    batch_row = IngestBatch.objects.get(activation=activation)
    assert (batch_row.received, batch_row.inserted, batch_row.rejected) == (12, 2, 10)


def test_nul_and_lone_surrogates_do_not_break_the_batch(activation):
    # given values PostgreSQL refuses as they are (JSON escapes produce them)
    post = raw_post(
        "weird",
        text="eau\x00 qui monte \ud800 vite",
        author_name="Jean\x00",
        url="https://example.org/\udcff",
        raw={"text": "a\x00b", "lone": "\ud83d", "nested": [{"k": "\x00"}]},
        author_meta={"bio": "\x00"},
    )
    # when ingested with a normal post
    result = services.posts_ingest(activation=activation, posts=[post, raw_post("n")])
    # then both land, cleaned
    assert result.inserted == 2
    stored = Post.objects.get(external_id="weird")
    assert "\x00" not in stored.text
    assert stored.author_name == "Jean"
    assert stored.raw["text"] == "ab"
    assert stored.raw["nested"] == [{"k": ""}]


# --- reposts ---------------------------------------------------------------------
def test_repost_arriving_after_its_original_is_linked_and_joins_its_cluster(
    activation,
):
    services.posts_ingest(activation=activation, posts=[raw_post("orig")])
    services.posts_ingest(
        activation=activation,
        posts=[
            raw_post(
                "rt", text=f"RT @user_orig: {LONG_REPORT}", repost_of_external_id="orig"
            )
        ],
    )
    original, repost = (
        Post.objects.get(external_id="orig"),
        Post.objects.get(external_id="rt"),
    )
    assert repost.repost_of == original
    assert repost.cluster_id == original.cluster_id
    assert Cluster.objects.get(pk=original.cluster_id).size == 2
    assert_consistent(activation.pk)


def test_repost_arriving_before_its_original_is_linked_when_it_comes(activation):
    services.posts_ingest(
        activation=activation,
        posts=[
            raw_post("rt", text="RT @someone: partagez", repost_of_external_id="orig")
        ],
    )
    assert Post.objects.get(external_id="rt").repost_of is None
    services.posts_ingest(activation=activation, posts=[raw_post("orig")])
    assert Post.objects.get(external_id="rt").repost_of == Post.objects.get(
        external_id="orig"
    )
    assert_consistent(activation.pk)


@pytest.mark.parametrize("repost_first", [False, True])
def test_repost_and_original_in_one_batch(activation, repost_first):
    original = raw_post("orig")
    repost = raw_post(
        "rt", text=f"RT @user_orig: {LONG_REPORT}", repost_of_external_id="orig"
    )
    posts = [repost, original] if repost_first else [original, repost]
    services.posts_ingest(activation=activation, posts=posts)
    stored = Post.objects.get(external_id="rt")
    assert stored.repost_of == Post.objects.get(external_id="orig")
    assert stored.cluster_id == stored.repost_of.cluster_id
    assert_consistent(activation.pk)


def test_reposts_link_within_their_platform_only(activation):
    services.posts_ingest(activation=activation, posts=[raw_post("orig")])
    services.posts_ingest(
        activation=activation,
        posts=[
            raw_post(
                "b1",
                platform=Platform.BLUESKY,
                text="autre",
                repost_of_external_id="orig",
            )
        ],
    )
    assert Post.objects.get(external_id="b1").repost_of is None


# --- clusters --------------------------------------------------------------------
def test_near_copies_join_one_cluster_and_unrelated_texts_do_not(activation):
    # given an original, near-copies (link, hashtag, mention, accents, case) and
    # an unrelated report
    copies = [
        raw_post("o", text=LONG_REPORT),
        raw_post("c1", text=LONG_REPORT + " https://t.co/abc #inondations"),
        raw_post("c2", text="RT @prefet34: " + LONG_REPORT.upper()),
        raw_post("c3", text=LONG_REPORT.replace("très", "tres").replace("à", "a")),
        raw_post(
            "u",
            text="Route D986 coupée entre Juvignac et Grabels, arbres tombés, "
            "déviation par la D65, évitez le secteur ce soir",
        ),
    ]
    # when they arrive in two batches
    services.posts_ingest(activation=activation, posts=copies[:2])
    services.posts_ingest(activation=activation, posts=copies[2:])
    # then the copies share a cluster of 4, the other stands alone
    clusters = dict(
        Post.objects.filter(activation=activation).values_list("external_id", "cluster")
    )
    assert clusters["o"] == clusters["c1"] == clusters["c2"] == clusters["c3"]
    assert clusters["u"] != clusters["o"]
    assert Cluster.objects.get(pk=clusters["o"]).size == 4
    assert Cluster.objects.get(pk=clusters["u"]).size == 1
    assert_consistent(activation.pk)


def test_cluster_keeps_the_most_urgent_priority_and_the_time_span(activation):
    services.posts_ingest(activation=activation, posts=[raw_post("o")])
    late = T0 + dt.timedelta(hours=1)
    services.posts_ingest(
        activation=activation,
        posts=[
            raw_post("c", text=LONG_REPORT + " !!", posted_at=late, is_official=True)
        ],
    )
    cluster = Cluster.objects.get(posts__external_id="o")
    assert cluster.size == 2
    assert cluster.last_seen_at == late
    assert cluster.first_seen_at == Post.objects.get(external_id="o").posted_at
    assert cluster.priority == max(
        Post.objects.filter(cluster=cluster).values_list("priority", flat=True)
    )


def test_texts_without_words_each_get_a_cluster_and_no_bands(activation):
    services.posts_ingest(
        activation=activation,
        posts=[raw_post("e1", text="🌊🌊"), raw_post("e2", text="")],
    )
    clusters = Cluster.objects.filter(activation=activation)
    assert [c.size for c in clusters] == [1, 1]
    assert not ClusterBand.objects.filter(activation=activation).exists()
    assert Post.objects.get(external_id="e1").minhash is None


def test_cluster_pending_clusters_posts_stored_some_other_way(activation):
    # given posts written without a cluster (by hand, or by an older version)
    services.posts_ingest(activation=activation, posts=[raw_post("o")])
    stored = Post.objects.get(external_id="o")
    Post.objects.create(
        activation=activation,
        platform="x",
        external_id="manual",
        text=stored.text,
        posted_at=T0,
        received_at=T0,
        minhash=stored.minhash,
    )
    Post.objects.create(
        activation=activation,
        platform="x",
        external_id="nohash",
        text="",
        posted_at=T0,
        received_at=T0,
    )
    # when the safety net runs (twice)
    assert services.cluster_pending(activation=activation) == 2
    assert services.cluster_pending(activation=activation) == 0
    # then the copy joined the stored cluster
    assert Post.objects.get(external_id="manual").cluster_id == stored.cluster_id
    assert_consistent(activation.pk)


# --- location --------------------------------------------------------------------
def test_in_area_flag_follows_the_platform_geotag(activation):
    services.posts_ingest(
        activation=activation,
        posts=[
            raw_post("in", geo=INSIDE),
            raw_post("out", text="ailleurs", geo=OUTSIDE),
            raw_post("none", text="nulle part"),
        ],
    )
    flags = dict(
        Post.objects.filter(activation=activation).values_list("external_id", "in_area")
    )
    assert flags == {"in": True, "out": False, "none": None}
    post = Post.objects.get(external_id="in")
    assert post.location_source == Post.LocationSource.PLATFORM
    assert (post.location.x, post.location.y) == pytest.approx(INSIDE)
    assert post.location.srid == 4326


def test_official_alert_area_gives_an_official_location(activation):
    # given a CAP-like alert whose polygon overlaps the activation area
    polygon = "POLYGON((3.80 43.55, 3.95 43.55, 3.95 43.70, 3.80 43.70, 3.80 43.55))"
    alert = raw_post(
        "cap-1",
        platform=Platform.CAP,
        text="Vigilance rouge crues : évitez tout déplacement",
        area_wkt=polygon,
        is_official=True,
    )
    broken = raw_post("cap-2", platform=Platform.CAP, text="x", area_wkt="POLYGON((1 2")
    # when ingested
    result = services.posts_ingest(activation=activation, posts=[alert, broken])
    # then it sits inside its area, marked official
    assert result.inserted == 2
    post = Post.objects.get(external_id="cap-1")
    assert post.location_source == Post.LocationSource.OFFICIAL
    assert post.is_official
    assert post.category == Category.OFFICIAL
    assert post.in_area is True
    assert 3.80 <= post.location.x <= 3.95
    assert Post.objects.get(external_id="cap-2").location is None


def test_geotag_wins_over_place_names(activation, monkeypatch):
    # given a geoparser that would find a place, and a post with a geotag
    called = []

    def fake_geoparse(texts, *, area):
        called.append(list(texts))
        return [(None, "")] * len(texts)

    monkeypatch.setattr(services, "geoparse", fake_geoparse)
    services.posts_ingest(
        activation=activation,
        posts=[raw_post("geo", geo=INSIDE), raw_post("text", text="à Lattes")],
    )
    # then only the post without a geotag is geoparsed
    assert called == [["à Lattes"]]


# --- storage ---------------------------------------------------------------------
def test_raw_payload_is_kept_bounded(activation):
    huge = {"id": "big", "text": "x", "blob": "é" * (MAX_RAW_BYTES * 2)}
    services.posts_ingest(activation=activation, posts=[raw_post("big", raw=huge)])
    stored = Post.objects.get(external_id="big").raw
    assert stored["truncated"] is True
    assert len(json.dumps(stored, ensure_ascii=False).encode()) <= MAX_RAW_BYTES
    assert stored["excerpt"].startswith('{"id": "big"')


def test_long_fields_are_cut_to_their_columns(activation):
    services.posts_ingest(
        activation=activation,
        posts=[
            raw_post(
                "long",
                url="https://example.org/" + "a" * 600,
                author_handle="h" * 300,
                text="mot " * 5000,
                media=[{"url": f"https://m/{i}"} for i in range(30)],
            )
        ],
    )
    post = Post.objects.get(external_id="long")
    assert len(post.url) == 500
    assert len(post.author_handle) == 200
    assert len(post.text) <= 10_000
    assert len(post.media) == services.MAX_MEDIA


def test_script_and_html_in_text_stay_plain_text(activation):
    # given a post whose text carries markup (as a connector may receive it)
    hostile = (
        '<script>alert("x")</script><img src=x onerror=alert(1)> <b>Eau</b> \u202e'
    )
    feed_html = "<p>L'eau monte<script>steal()</script></p><p>rue du Lez</p>"
    services.posts_ingest(
        activation=activation,
        posts=[
            raw_post("plain", text=hostile),
            raw_post("html", text=html_to_text(feed_html)),
        ],
    )
    # then it is stored as inert plain text (escaped when shown), control and
    # bidi characters removed; HTML from feeds was reduced to its visible text
    assert (
        Post.objects.get(external_id="plain").text
        == hostile.replace(" \u202e", "").strip()
    )
    assert Post.objects.get(external_id="html").text == "L'eau monte\nrue du Lez"


def test_cursor_moves_with_the_batch(activation):
    source = Source.objects.create(activation=activation, platform="x", name="q")
    services.posts_ingest(
        activation=activation,
        posts=batch("c", 2),
        source=source,
        cursor={"since_id": "99"},
    )
    source.refresh_from_db()
    assert source.cursor == {"since_id": "99"}
    assert set(Post.objects.values_list("source_id", flat=True)) == {source.pk}
    assert IngestBatch.objects.get().source == source


def test_copy_columns_are_the_post_table(activation):
    assert set(post_store.POST_COLUMNS) == {
        f.column for f in Post._meta.concrete_fields
    }


# --- the task --------------------------------------------------------------------
def test_ingest_batch_task_lands_good_records_and_rejects_malformed_ones(activation):
    # given serialised posts, some malformed
    good = [post_to_json(p) for p in batch("t", 3)]
    malformed = [
        "not an object",
        {"platform": "x", "external_id": "nodate", "text": "t"},
        {**good[0], "external_id": "badgeo", "geo": ["a", "b"]},
        {**good[0], "external_id": "badtext", "text": {"html": "<b>"}},
        {**good[0], "external_id": 12345},
    ]
    received_at = dt.datetime(2026, 10, 14, 17, 0, tzinfo=dt.UTC).isoformat()
    # when the task runs twice (a redelivery)
    first = tasks.ingest_batch([*good, *malformed], activation.pk, None, received_at)
    second = tasks.ingest_batch([*good, *malformed], activation.pk, None, received_at)
    # then the good ones (and the numeric id) land once, the rest is rejected once
    assert first == {"received": 8, "inserted": 4, "duplicates": 0, "rejected": 4}
    assert second["inserted"] == 0
    assert Post.objects.filter(activation=activation).count() == 4
    assert Post.objects.filter(external_id="12345").exists()
    assert sorted(Rejection.objects.values_list("reason", flat=True)) == [
        "invalid coordinates",
        "missing or invalid timestamp",
        "record is not an object",
        "text is not a string",
    ]
    assert IngestBatch.objects.count() == 1


def test_ingest_batch_task_skips_a_deleted_activation(activation):
    assert tasks.ingest_batch([], activation.pk + 1000) == {}


def test_posts_enqueue_sends_one_task_after_commit(
    activation, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(tasks.ingest_batch, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        services.posts_enqueue(activation=activation, posts=batch("q", 2))
        assert sent == []
    [(payload, activation_id, source_id, received_at)] = sent
    assert [p["external_id"] for p in payload] == ["q0", "q1"]
    assert (activation_id, source_id) == (activation.pk, None)
    assert dt.datetime.fromisoformat(received_at).tzinfo is not None
