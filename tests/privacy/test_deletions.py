"""Platform deletions honoured: deletion events (Mastodon stream, Bluesky
Jetstream, X compliance) and the compliance check, against a local fake
platform replaying recorded payloads, and through a real Celery worker."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from monitoring.models import Platform, Post, Source
from privacy import compliance, deletions, tasks
from privacy.models import ComplianceCursor, ErasureReason, PostErasure
from privacy.services import Deletion, deletions_honour
from privacy.stream import mastodon_listen
from tests.factories import make_item
from tests.privacy.fake_platform import fake_platform

pytestmark = pytest.mark.realdata

JETSTREAM_DELETE = {
    "did": "did:plc:eygmaihciaxprqvxpfvl6flk",
    "time_us": 1725911162329308,
    "kind": "commit",
    "commit": {
        "rev": "3l3qo2vutsw2b",
        "operation": "delete",
        "collection": "app.bsky.feed.post",
        "rkey": "3l3qo2vuowo2b",
    },
}


@pytest.fixture
def fake(shared_data: Path):
    with fake_platform(shared_data) as server:
        yield server


def _source(activation, platform, **params):
    return Source.objects.create(
        activation=activation,
        platform=platform,
        name=f"{platform} {len(params)} {Source.objects.count()}",
        params=params,
    )


def _post(activation, source, *, external_id, local_id="", text="Crue à Lattes"):
    cluster = make_item(
        activation,
        text=text,
        platform=source.platform,
        external_id=external_id,
        source=source,
        raw={"id": local_id} if local_id else {"uri": external_id},
    )
    return cluster.representative


def _erased(post):
    return PostErasure.objects.filter(post=post).exists()


# --- the notices as the platforms send them ----------------------------------------
def test_recorded_mastodon_delete_event_is_read(shared_data):
    stream = json.loads(
        (
            shared_data / "mastodon/docs_examples/methods_streaming.examples.json"
        ).read_text()
    )
    events = [e["json"] for e in stream if isinstance(e.get("json"), dict)]
    found = [
        d for e in events if (d := deletions.mastodon_message(e, host="Social.Example"))
    ]
    assert found == [
        Deletion(
            platform="mastodon", local_id="106692867363994015", host="social.example"
        )
    ]


def test_server_sent_events_yield_only_deletes():
    lines = [
        ":thump",
        "",
        "event: update",
        'data: {"id": "5"}',
        "",
        "event: delete",
        "data: 1234",
        "",
        "event: delete",
        "data: not an id!",
        "",
    ]
    assert list(deletions.mastodon_sse(lines, host="social.example")) == [
        Deletion(platform="mastodon", local_id="1234", host="social.example")
    ]


def test_recorded_x_compliance_results_are_read(shared_data):
    lines = (shared_data / "x/twarc/tweets_compliance.jsonl").read_text().splitlines()
    found = list(deletions.x_compliance([*lines, "not json", '{"id": "x1"}']))
    assert [d.external_id for d in found] == [
        "1170025343920402432",
        "1170147183095664640",
    ]
    assert {d.platform for d in found} == {"x"}


def test_jetstream_post_deletes_become_at_uris():
    assert deletions.bluesky_jetstream(json.dumps(JETSTREAM_DELETE)) == Deletion(
        platform="bluesky",
        external_id="at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3l3qo2vuowo2b",
    )
    like = dict(
        JETSTREAM_DELETE,
        commit={**JETSTREAM_DELETE["commit"], "collection": "app.bsky.feed.like"},
    )
    create = dict(
        JETSTREAM_DELETE, commit={**JETSTREAM_DELETE["commit"], "operation": "create"}
    )
    bad = dict(JETSTREAM_DELETE, did="not a did")
    assert [deletions.bluesky_jetstream(m) for m in (like, create, bad, "{")] == [
        None
    ] * 4


@pytest.mark.django_db
def test_a_mastodon_notice_erases_only_the_post_of_that_instance(activation):
    here = _source(
        activation, Platform.MASTODON, instance="https://social.example", hashtag="crue"
    )
    there = _source(
        activation, Platform.MASTODON, instance="https://other.example", hashtag="crue"
    )
    mine = _post(
        activation, here, external_id="https://social.example/s/1", local_id="777"
    )
    namesake = _post(
        activation, there, external_id="https://other.example/s/1", local_id="777"
    )
    erased = deletions_honour(
        [Deletion(platform="mastodon", local_id="777", host="social.example")]
    )
    assert erased == 1
    assert _erased(mine)
    assert not _erased(namesake)
    # the same notice again (a replayed stream) erases nothing more
    assert (
        deletions_honour(
            [Deletion(platform="mastodon", local_id="777", host="social.example")]
        )
        == 0
    )


# --- the compliance check ----------------------------------------------------------
@pytest.mark.django_db
def test_compliance_check_erases_what_each_platform_no_longer_has(
    activation, fake, settings, monkeypatch
):
    settings.VOST_X_API_URL = f"{fake.url}/2"
    mastodon = _source(activation, Platform.MASTODON, instance=fake.url, hashtag="crue")
    bluesky = _source(
        activation, Platform.BLUESKY, query="crue", appview=f"{fake.url}/xrpc"
    )
    x = _source(activation, Platform.X, query="crue")
    x.credentials_env = "PRIVACY_TEST_X_TOKEN"
    x.save(update_fields=["credentials_env"])
    monkeypatch.setenv("PRIVACY_TEST_X_TOKEN", "test-token")
    m_gone = _post(activation, mastodon, external_id=f"{fake.url}/s/1", local_id="1001")
    m_live = _post(activation, mastodon, external_id=f"{fake.url}/s/2", local_id="1002")
    b_gone = _post(
        activation, bluesky, external_id="at://did:plc:abc/app.bsky.feed.post/3kgone"
    )
    b_live = _post(
        activation, bluesky, external_id="at://did:plc:abc/app.bsky.feed.post/3klive"
    )
    x_gone = _post(activation, x, external_id="1500000000000000001")
    x_live = _post(activation, x, external_id="1500000000000000002")
    fake.deleted |= {"1001", b_gone.external_id, x_gone.external_id}
    # when
    result = compliance.compliance_check(now=timezone.now())
    # then
    assert result.erased == 3
    assert all(_erased(p) for p in (m_gone, b_gone, x_gone))
    assert not any(_erased(p) for p in (m_live, b_live, x_live))
    assert PostErasure.objects.get(post=x_gone).reason == ErasureReason.COMPLIANCE_CHECK
    # one request per platform: batched lookups
    assert len(fake.paths("/api/v1/statuses")) == 1
    assert len(fake.paths("/xrpc/app.bsky.feed.getPosts")) == 1
    assert len(fake.paths("/2/tweets")) == 1
    assert fake.requests[-1][1]["ids"] == [f"{x_gone.external_id},{x_live.external_id}"]


@pytest.mark.django_db
def test_an_older_mastodon_instance_is_asked_status_by_status(activation, fake):
    fake.mastodon_batch = False
    source = _source(activation, Platform.MASTODON, instance=fake.url, hashtag="crue")
    gone = _post(activation, source, external_id=f"{fake.url}/s/1", local_id="2001")
    live = _post(activation, source, external_id=f"{fake.url}/s/2", local_id="2002")
    fake.deleted.add("2001")
    compliance.compliance_check()
    assert _erased(gone)
    assert not _erased(live)
    assert fake.paths("/api/v1/statuses/") == [
        "/api/v1/statuses/2001",
        "/api/v1/statuses/2002",
    ]


@pytest.mark.django_db
def test_a_rate_limited_host_is_left_alone_until_it_says(activation, fake):
    source = _source(activation, Platform.MASTODON, instance=fake.url, hashtag="crue")
    gone = _post(activation, source, external_id=f"{fake.url}/s/1", local_id="3001")
    fake.deleted.add("3001")
    fake.rate_limited.add("/api/v1/statuses")
    now = timezone.now()
    # when the instance answers 429 with Retry-After: 120
    result = compliance.compliance_check(now=now)
    # then nothing is erased and the host waits 120 s
    assert result.erased == 0
    assert "rate limited" in next(iter(result.skipped.values()))
    cursor = ComplianceCursor.objects.get(key__startswith="mastodon:")
    assert cursor.paused_until == now + dt.timedelta(seconds=120)
    asked = len(fake.requests)
    compliance.compliance_check(now=now + dt.timedelta(seconds=60))
    assert len(fake.requests) == asked  # not asked again meanwhile
    # once the wait is over (and the limit lifted) the post is erased
    fake.rate_limited.clear()
    compliance.compliance_check(now=now + dt.timedelta(seconds=121))
    assert _erased(gone)


@pytest.mark.django_db
def test_every_recent_post_is_checked_within_four_runs(activation, fake, settings):
    """The beat runs the check every 15 minutes: with a batch of a quarter of the
    recent posts, a deletion anywhere among them is honoured within the hour."""
    settings.VOST_COMPLIANCE_BATCH = 2
    source = _source(activation, Platform.MASTODON, instance=fake.url, hashtag="crue")
    posts = [
        _post(activation, source, external_id=f"{fake.url}/s/{i}", local_id=f"40{i}")
        for i in range(7)
    ]
    fake.deleted.add("406")  # the last one
    runs = 0
    while not _erased(posts[-1]) and runs < 4:
        compliance.compliance_check()
        runs += 1
    assert _erased(posts[-1])
    assert runs == 4
    assert not any(_erased(p) for p in posts[:-1])


@pytest.mark.django_db
def test_old_and_already_purged_posts_are_not_asked_about(activation, fake):
    source = _source(activation, Platform.MASTODON, instance=fake.url, hashtag="crue")
    old = _post(activation, source, external_id=f"{fake.url}/s/1", local_id="5001")
    Post.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - dt.timedelta(days=30)
    )
    purged = _post(activation, source, external_id=f"{fake.url}/s/2", local_id="5002")
    Post.objects.filter(pk=purged.pk).update(text="", raw={})
    compliance.compliance_check()
    assert fake.requests == []


def test_the_beat_checks_compliance_at_least_every_15_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE.get("privacy.compliance_check")
    assert entry is not None, "add privacy.compliance_check to CELERY_BEAT_SCHEDULE"
    assert entry["task"] == "privacy.compliance_check"
    assert float(entry["schedule"]) <= 15 * 60


# --- a real worker --------------------------------------------------------------------
def _wait_until(check, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_stream_delete_event_is_erased_by_the_worker(fake, celery_worker):
    from tests.factories import ActivationFactory

    # given a post read from the fake instance and one from elsewhere
    activation = ActivationFactory()
    source = _source(activation, Platform.MASTODON, instance=fake.url, hashtag="crue")
    post = _post(activation, source, external_id=f"{fake.url}/s/1", local_id="6001")
    other = _post(activation, source, external_id=f"{fake.url}/s/2", local_id="6002")
    fake.deleted.add("6001")
    # when the instance's stream sends the delete event
    handed = mastodon_listen(instance=fake.url)
    # then the worker erases it
    assert handed == 1
    assert _wait_until(lambda: _erased(post))
    post.refresh_from_db()
    assert post.text == ""
    assert not _erased(other)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_malformed_notices_do_not_block_the_others(celery_worker):
    from tests.factories import ActivationFactory

    activation = ActivationFactory()
    source = _source(activation, Platform.X, query="crue")
    post = _post(activation, source, external_id="1600000000000000001")
    tasks.honour_deletions.delay(
        [
            {"platform": "x", "bogus": 1},
            {"platform": "x", "external_id": post.external_id},
        ]
    )
    assert _wait_until(lambda: _erased(post))
