"""Retention per agreement, by time travel (`now=`): nothing before the due time,
everything due after; promoted items keep only what reports need."""

from __future__ import annotations

import datetime as dt

import pytest

from activations.models import Activation
from closure import services
from closure.models import RetentionPurge
from mapping.models import MapItem
from monitoring.models import Post
from tests.factories import make_item
from tests.privacy.support import map_item_of, search_matches, verified_item
from vost.pseudonyms import pseudonym

pytestmark = pytest.mark.django_db

CLOSED = dt.datetime(2026, 5, 1, 18, 0, tzinfo=dt.UTC)
TEXT = "Effondrement du pont de Lattes, la route est coupée vers Pérols"


def _closed(activation, *, retention_days):
    activation.agreement.retention_days = retention_days
    activation.agreement.save(update_fields=["retention_days"])
    Activation.objects.filter(pk=activation.pk).update(
        status=Activation.Status.CLOSED, closed_at=CLOSED
    )
    activation.refresh_from_db()
    return services.purge_schedule(activation=activation)


def _content(post_id):
    return Post.objects.values(
        "text", "raw", "media", "url", "author_handle", "author_name", "author_id"
    ).get(pk=post_id)


def test_the_period_is_the_agreements(activation):
    purge = _closed(activation, retention_days=30)
    assert purge.due_at == CLOSED + dt.timedelta(days=30)
    # the agreement's period changes before the purge runs: re-scheduled with it
    activation.agreement.retention_days = 7
    activation.agreement.save(update_fields=["retention_days"])
    assert services.purge_schedule(
        activation=activation
    ).due_at == CLOSED + dt.timedelta(days=7)


def test_nothing_is_purged_one_second_before_and_everything_due_after(activation):
    # given a promoted (verified) item and a plain one, and a 30-day retention
    promoted = verified_item(activation, handle="@temoin@mastodon.example", text=TEXT)
    plain = make_item(activation, text="Simple message jamais promu sur Lattes")
    plain_post = plain.representative
    MapItem.objects.filter(cluster=promoted).update(post_url="https://x.example/1")
    purge = _closed(activation, retention_days=30)
    due = CLOSED + dt.timedelta(days=30)
    before = {p.pk: _content(p.pk) for p in Post.objects.filter(activation=activation)}
    # when one second before the due time
    early = services.purges_due(now=due - dt.timedelta(seconds=1))
    services.purge_run(purge_id=purge.pk, now=due - dt.timedelta(seconds=1))
    # then nothing happened
    assert early == []
    assert {p: _content(p) for p in before} == before
    assert (
        RetentionPurge.objects.get(pk=purge.pk).status
        == RetentionPurge.Status.SCHEDULED
    )
    # when at the due time
    assert services.purges_due(now=due) == [purge.pk]
    done = services.purge_run(purge_id=purge.pk, now=due)
    # then the plain post is emptied, its search vector too
    assert done.status == RetentionPurge.Status.DONE
    assert done.done_at == due
    assert _content(plain_post.pk) == {
        "text": "",
        "raw": {},
        "media": [],
        "url": "",
        "author_handle": "",
        "author_name": "",
        "author_id": "",
    }
    assert not search_matches(plain_post.pk, "Lattes")
    # the promoted post keeps its text (the reports need it) and nothing else;
    # the author is a pseudonym
    kept = _content(promoted.representative_id)
    assert kept["text"] == TEXT
    assert (kept["raw"], kept["media"], kept["url"]) == ({}, [], "")
    assert (kept["author_name"], kept["author_id"]) == ("", "")
    assert kept["author_handle"] == pseudonym(
        "@temoin@mastodon.example", activation_id=activation.pk, platform="mastodon"
    )
    assert search_matches(promoted.representative_id, "pont Lattes")
    # its map row keeps the summary for reports, not the author nor the link
    row = map_item_of(promoted)
    assert row.summary.startswith("Effondrement du pont")
    assert (row.author_handle, row.post_url) == ("", "")
    assert done.counts["posts_purged"] == 1
    assert done.counts["posts_reduced"] == 1


def test_running_the_purge_again_changes_nothing(activation):
    promoted = verified_item(activation, handle="@temoin@mastodon.example", text=TEXT)
    make_item(activation, text="Simple message jamais promu")
    purge = _closed(activation, retention_days=1)
    due = CLOSED + dt.timedelta(days=1)
    first = services.purge_run(purge_id=purge.pk, now=due)
    snapshot = {
        p.pk: _content(p.pk) for p in Post.objects.filter(activation=activation)
    }
    second = services.purge_run(purge_id=purge.pk, now=due + dt.timedelta(days=3))
    assert second.counts == first.counts
    assert second.done_at == due
    assert {p: _content(p) for p in snapshot} == snapshot
    assert _content(promoted.representative_id)["text"] == TEXT


def test_an_open_activation_is_never_purged(activation):
    make_item(activation, text="Message d'une activation rouverte")
    purge = _closed(activation, retention_days=1)
    Activation.objects.filter(pk=activation.pk).update(status=Activation.Status.ACTIVE)
    services.purge_run(purge_id=purge.pk, now=CLOSED + dt.timedelta(days=5))
    assert Post.objects.filter(activation=activation, text="").count() == 0
