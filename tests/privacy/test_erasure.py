"""privacy.services.erase_post: a post removed everywhere, the rest kept intact."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Notification
from activations.models import LogEntry
from mapping.models import MapExport, MapItem
from monitoring.models import Cluster, ClusterBand, Post
from privacy.models import ErasureReason, PostErasure
from privacy.services import erase_post
from publichelp.models import AidEntry
from tests.factories import make_item
from tests.privacy.support import (
    built_export,
    map_item_of,
    search_matches,
    verified_item,
)
from verification.models import Case, CaseEvent, Evidence

TEXT = "Effondrement du pont de Lattes, la route est coupée vers Pérols"
HANDLE = "@marqueur_unique_7f3a@mastodon.example"

pytestmark = pytest.mark.django_db


def case_opener(cluster):
    return Case.objects.get(cluster=cluster).opened_by


def test_erasing_a_promoted_post_removes_it_everywhere(
    activation, django_capture_on_commit_callbacks
):
    # given a verified item (case, evidence, map row), an export built after it,
    # an aid entry recorded from it, and another item untouched
    cluster = verified_item(activation, handle=HANDLE, text=TEXT)
    post = cluster.representative
    other = verified_item(
        activation, handle="@autre@mastodon.example", text="Autre texte de signalement"
    )
    export = built_export(activation, content=f'{{"summary": "{TEXT}"}}')
    export_path = Path(settings.PRIVATE_ROOT) / export.file_name
    old_export = built_export(activation, content="older", minutes_ago=600)
    MapExport.objects.filter(pk=old_export.pk).update(
        created_at=post.received_at - dt.timedelta(hours=10)
    )
    aid = AidEntry.objects.create(
        activation=activation,
        kind=AidEntry.Kind.NEED,
        category=AidEntry.Category.SHELTER,
        description=TEXT[:100],
        location=post.location,
        source_post=post,
        source_url=post.url,
        expires_at=timezone.now() + dt.timedelta(hours=48),
    )
    alert = Notification.objects.create(
        user=case_opener(cluster),
        activation=activation,
        kind="saved_search_match",
        title="2 new posts match “pont”",
        body=f"- {TEXT[:139]}…\n- Autre message sans rapport",
    )
    assert search_matches(post.pk, "pont Lattes")
    assert map_item_of(cluster).author_handle == HANDLE
    # when (on commit hooks run: the export file is deleted then)
    with django_capture_on_commit_callbacks(execute=True):
        erasure = erase_post(post, ErasureReason.PLATFORM_DELETED)
    # then the post is a tombstone
    post.refresh_from_db()
    assert (post.text, post.url, post.author_handle, post.author_name) == (
        "",
        "",
        "",
        "",
    )
    assert post.raw == {}
    assert post.media == []
    assert post.author_meta == {}
    assert post.location is None
    assert post.place_name == ""
    assert post.external_id
    assert post.cluster_id == cluster.pk
    assert not search_matches(post.pk, "pont Lattes")  # the search vector followed
    # its cluster shows nothing of it
    cluster.refresh_from_db()
    assert cluster.representative_id is None
    assert cluster.size == 0
    assert not ClusterBand.objects.filter(cluster=cluster).exists()
    # the case's copies are gone, the case and its verdict stay
    case = Case.objects.get(cluster=cluster)
    assert TEXT not in case.claim
    assert case.status == Case.Status.VERIFIED
    assert case.location is None
    assert not Evidence.objects.filter(
        case=case, url__contains="mastodon.example"
    ).exists()
    assert all(TEXT[:40] not in e.text for e in CaseEvent.objects.filter(case=case))
    assert all(
        TEXT[:40] not in str(e.data) for e in CaseEvent.objects.filter(case=case)
    )
    # the map row is gone (no location left) and no map row names the author
    assert not MapItem.objects.filter(author_handle=HANDLE).exists()
    assert not MapItem.objects.filter(summary__contains=TEXT[:40]).exists()
    # the export built after it is withdrawn and its file deleted; the older one stays
    export.refresh_from_db()
    assert export.status == MapExport.Status.FAILED
    assert "Withdrawn" in export.error
    assert export.file_name == ""
    assert not export_path.exists()
    old_export.refresh_from_db()
    assert old_export.status == MapExport.Status.DONE
    # the aid entry lost the copy and the link
    aid.refresh_from_db()
    assert aid.source_url == ""
    assert TEXT[:40] not in aid.description
    # the saved-search alert no longer quotes it; the other line stays
    alert.refresh_from_db()
    assert alert.body == "- [removed]\n- Autre message sans rapport"
    # recorded
    assert erasure.counts["exports_withdrawn"] == [export.pk]
    assert LogEntry.objects.filter(
        activation=activation, text__contains=f"Post {post.pk} erased"
    ).exists()
    # the other item is untouched
    other.refresh_from_db()
    assert other.representative.text == "Autre texte de signalement"
    assert map_item_of(other).author_handle == "@autre@mastodon.example"


def test_erasure_is_idempotent(activation):
    cluster = verified_item(activation, handle=HANDLE, text=TEXT)
    post = cluster.representative
    first = erase_post(post, ErasureReason.PLATFORM_DELETED)
    second = erase_post(post, ErasureReason.COMPLIANCE_CHECK)
    assert first.pk == second.pk
    assert second.reason == ErasureReason.PLATFORM_DELETED
    assert PostErasure.objects.filter(post=post).count() == 1
    assert LogEntry.objects.filter(text__contains=f"Post {post.pk} erased").count() == 1


def test_a_copy_becomes_the_representative_and_reposts_go_too(activation):
    # given an item of three near-copies and a repost of the first
    cluster = make_item(activation, text=TEXT, copies=3, author_handle=HANDLE)
    first = cluster.representative
    repost = Post.objects.create(
        activation=activation,
        platform=first.platform,
        external_id="repost-1",
        author_handle="@reposter@mastodon.example",
        text=TEXT,
        posted_at=timezone.now(),
        received_at=timezone.now(),
        repost_of=first,
        repost_of_external_id=first.external_id,
    )
    # when
    erasure = erase_post(first, ErasureReason.PLATFORM_DELETED)
    # then
    cluster.refresh_from_db()
    assert cluster.representative_id not in (None, first.pk)
    assert cluster.size == 2
    repost.refresh_from_db()
    assert repost.text == ""
    assert PostErasure.objects.filter(post=repost).exists()
    assert erasure.counts["reposts"] == 1
    assert Cluster.objects.filter(pk=cluster.pk).exists()


def test_an_unknown_reason_is_refused(activation):
    cluster = make_item(activation)
    with pytest.raises(ValueError, match="unknown erasure reason"):
        erase_post(cluster.representative, "because")
    assert not PostErasure.objects.exists()


def test_an_erased_post_fetched_again_does_not_come_back(activation):
    """A stale page or a replay brings the post again: the tombstone keeps its
    platform and id, so ingestion sees a duplicate and stores nothing."""
    from monitoring.services import posts_ingest
    from tests.monitoring.ingest_support import raw_post

    posts_ingest(activation=activation, posts=[raw_post("1700000000000000001")])
    post = Post.objects.get(activation=activation, external_id="1700000000000000001")
    erase_post(post, ErasureReason.PLATFORM_DELETED)
    # when
    result = posts_ingest(
        activation=activation, posts=[raw_post("1700000000000000001")]
    )
    # then
    assert (result.inserted, result.duplicates) == (0, 1)
    post.refresh_from_db()
    assert (post.text, post.author_handle, post.raw) == ("", "", {})
    assert Post.objects.filter(activation=activation).count() == 1
