"""Closing an activation: the published-final-report rule, what closing sets off, the
retention purge (with time travel through `now=`) and the lessons learned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from activations import services as activation_services
from activations.models import Activation, ActivationMember, LogEntry
from closure import services
from closure.models import AfterActionReview, RetentionPurge
from mapping.models import MapItem
from monitoring.models import Cluster, Platform, Post, Source
from tests.closure.helpers import publish_final_report
from tests.factories import make_item, make_map_item, make_member
from verification.models import Case
from vost.exceptions import ConflictError, DomainError

Role = ActivationMember.Role


@pytest.fixture
def coordinator(activation):
    return make_member(activation, Role.COORDINATOR).user


def _close(activation, by, reason="Décrue"):
    activation.refresh_from_db()
    return activation_services.activation_transition(
        by=by,
        activation=activation,
        to=Activation.Status.CLOSED,
        version=activation.version,
        reason=reason,
    )


def _source(activation, name="Mastodon #inondations", enabled=True):
    return Source.objects.create(
        activation=activation,
        platform=Platform.MASTODON,
        name=name,
        params={"instance": "https://mastodon.example", "hashtag": "inondations"},
        is_enabled=enabled,
    )


# --- the rule ----------------------------------------------------------------------
def test_closing_is_refused_without_a_published_final_report(activation, coordinator):
    # given an active activation with an enabled source and no report
    source = _source(activation)
    log_count = activation.log_entries.count()
    version = activation.version
    # when
    with pytest.raises(DomainError, match="No published final report yet") as info:
        _close(activation, coordinator)
    # then nothing changed
    assert info.value.code == "cannot_close"
    activation.refresh_from_db()
    source.refresh_from_db()
    assert activation.status == Activation.Status.ACTIVE
    assert activation.closed_at is None
    assert activation.version == version
    assert source.is_enabled is True
    assert activation.log_entries.count() == log_count
    assert not RetentionPurge.objects.exists()
    assert not AfterActionReview.objects.exists()


def test_a_draft_or_non_final_report_does_not_count(activation, coordinator):
    from reports import services as reports

    # a published report that is not the final one
    report = reports.report_compose(activation=activation, by=coordinator)
    report = reports.report_submit(report=report, by=coordinator)
    reports.report_publish(report=report, by=coordinator)
    # a final one still in draft
    reports.report_compose(activation=activation, by=coordinator, is_final=True)
    assert services.closing_blockers(activation) == [
        "No published final report yet: publish the final situation report before "
        "closing."
    ]


def test_no_blocker_with_a_published_final_report(activation, coordinator):
    publish_final_report(activation, by=coordinator)
    assert services.closing_blockers(activation) == []


# --- what closing sets off ------------------------------------------------------------
def test_closing_stops_sources_releases_claims_and_schedules_the_purge(
    activation, coordinator
):
    # given an enabled and a paused source, an item held by a volunteer
    enabled = _source(activation)
    paused = _source(activation, name="RSS préfecture", enabled=False)
    volunteer = make_member(activation, Role.VOLUNTEER).user
    held = make_item(activation)
    Cluster.objects.filter(pk=held.pk).update(
        status=Cluster.Status.IN_TRIAGE,
        claimed_by=volunteer,
        lease_expires_at=timezone.now() + dt.timedelta(minutes=5),
    )
    activation.agreement.retention_days = 30
    activation.agreement.save(update_fields=["retention_days"])
    publish_final_report(activation, by=coordinator)
    # when
    activation = _close(activation, coordinator)
    # then
    assert activation.status == Activation.Status.CLOSED
    enabled.refresh_from_db()
    paused.refresh_from_db()
    held.refresh_from_db()
    assert enabled.is_enabled is False
    assert enabled.paused_reason == "Activation closed."
    assert paused.is_enabled is False
    assert held.status == Cluster.Status.NEW
    assert held.claimed_by is None
    purge = RetentionPurge.objects.get(activation=activation)
    assert purge.status == RetentionPurge.Status.SCHEDULED
    assert purge.due_at == activation.closed_at + dt.timedelta(days=30)
    review = AfterActionReview.objects.get(activation=activation)
    assert review.figures["volumes"]["ingested"] == 1
    assert review.figures["timeline"][-1]["kind"] == "closed"
    assert activation.log_entries.filter(
        kind=LogEntry.Kind.SYSTEM, text__startswith="Closing: sources stopped, 1 held"
    ).exists()


def test_schedule_is_idempotent(activation, coordinator):
    publish_final_report(activation, by=coordinator)
    activation = _close(activation, coordinator)
    first = RetentionPurge.objects.get()
    again = services.purge_schedule(activation=activation)
    assert again.pk == first.pk
    assert again.due_at == first.due_at
    assert RetentionPurge.objects.count() == 1


def test_cancel_a_scheduled_purge(activation, coordinator):
    publish_final_report(activation, by=coordinator)
    activation = _close(activation, coordinator)
    purge = services.purge_cancel(activation=activation)
    assert purge is not None
    assert purge.status == RetentionPurge.Status.CANCELLED
    assert services.purges_due(now=purge.due_at + dt.timedelta(days=1)) == []


# --- the purge ------------------------------------------------------------------------
@pytest.fixture
def closed_with_posts(activation, coordinator):
    """A closed activation with a plain item (2 posts), an item promoted to a case
    (2 posts) and a located plain item on the map."""
    plain = make_item(activation, copies=2)
    promoted = make_item(activation, copies=2)
    Case.objects.create(
        activation=activation,
        number=1,
        cluster=promoted,
        post=promoted.representative,
        claim="Pont effondré",
        opened_by=coordinator,
    )
    on_map = make_map_item(activation, verification="unchecked")
    publish_final_report(activation, by=coordinator)
    activation = _close(activation, coordinator)
    return activation, plain, promoted, on_map


def test_purge_runs_only_when_due(closed_with_posts):
    activation, plain, _promoted, _on_map = closed_with_posts
    purge = RetentionPurge.objects.get(activation=activation)
    # a minute before it is due: nothing listed, nothing done
    early = purge.due_at - dt.timedelta(minutes=1)
    assert services.purges_due(now=early) == []
    services.purge_run(purge_id=purge.pk, now=early)
    purge.refresh_from_db()
    assert purge.status == RetentionPurge.Status.SCHEDULED
    assert Post.objects.filter(cluster=plain).exclude(text="").count() == 2
    # once due
    assert services.purges_due(now=purge.due_at) == [purge.pk]
    services.purge_run(purge_id=purge.pk, now=purge.due_at)
    purge.refresh_from_db()
    assert purge.status == RetentionPurge.Status.DONE
    assert purge.done_at == purge.due_at


def test_purge_erases_only_posts_never_promoted_to_a_case(closed_with_posts):
    activation, plain, promoted, on_map = closed_with_posts
    purge = RetentionPurge.objects.get(activation=activation)
    promoted_before = list(
        Post.objects.filter(cluster=promoted).values_list(
            "text", "author_handle", "url", "raw"
        )
    )
    # when
    services.purge_run(purge_id=purge.pk, now=purge.due_at + dt.timedelta(hours=1))
    # then plain posts are emptied but still counted
    for post in Post.objects.filter(cluster__in=[plain, on_map.cluster]):
        assert post.text == ""
        assert post.raw == {}
        assert post.media == []
        assert post.url == ""
        assert (post.author_handle, post.author_name, post.author_id) == ("", "", "")
        assert post.author_meta == {}
    # the promoted item's posts keep their text (reports need it), the author
    # becomes a pseudonym, link and raw payload go (issue 9)
    from vost.pseudonyms import pseudonym

    assert list(
        Post.objects.filter(cluster=promoted).values_list(
            "text", "author_handle", "url", "raw"
        )
    ) == [
        (
            text,
            pseudonym(handle, activation_id=activation.pk, platform="mastodon"),
            "",
            {},
        )
        for text, handle, _url, _raw in promoted_before
    ]
    on_map.refresh_from_db()
    assert (on_map.author_handle, on_map.post_url, on_map.summary) == ("", "", "")
    purge.refresh_from_db()
    assert purge.counts == {
        "posts_total": 5,
        "posts_purged": 3,
        "posts_kept": 2,
        "posts_reduced": 2,
        "map_items_cleared": 1,
        "map_items_reduced": 0,
    }
    assert Post.objects.filter(activation=activation).count() == 5
    assert activation.log_entries.filter(
        text__startswith="Retention purge: 3 post(s) erased"
    ).exists()


def test_purge_is_idempotent(closed_with_posts):
    activation, *_rest = closed_with_posts
    purge = RetentionPurge.objects.get(activation=activation)
    later = purge.due_at + dt.timedelta(days=1)
    services.purge_run(purge_id=purge.pk, now=later)
    purge.refresh_from_db()
    counts, done_at = purge.counts, purge.done_at
    logs = activation.log_entries.count()
    # when run again (a retried task, a second beat)
    services.purge_run(purge_id=purge.pk, now=later + dt.timedelta(hours=1))
    # then nothing more happens
    purge.refresh_from_db()
    assert (purge.counts, purge.done_at) == (counts, done_at)
    assert activation.log_entries.count() == logs
    assert services.purges_due(now=later) == []


def test_beat_task_fans_out_due_purges(closed_with_posts, monkeypatch):
    from closure import tasks

    activation, *_rest = closed_with_posts
    purge = RetentionPurge.objects.get(activation=activation)
    # not due yet: nothing enqueued
    sent: list[int] = []
    monkeypatch.setattr(tasks.run_purge, "delay", sent.append)
    assert tasks.run_due_purges() == 0
    # time travel: make it due
    RetentionPurge.objects.filter(pk=purge.pk).update(
        due_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert tasks.run_due_purges() == 1
    assert sent == [purge.pk]
    # the worker's side, twice
    assert tasks.run_purge(purge.pk) == "done"
    assert tasks.run_purge(purge.pk) == "done"
    assert tasks.run_purge(999_999) == "gone"


def test_a_reopened_activation_is_not_purged(closed_with_posts):
    activation, plain, *_rest = closed_with_posts
    purge = RetentionPurge.objects.get(activation=activation)
    Activation.objects.filter(pk=activation.pk).update(status=Activation.Status.ACTIVE)
    services.purge_run(purge_id=purge.pk, now=purge.due_at)
    purge.refresh_from_db()
    assert purge.status == RetentionPurge.Status.SCHEDULED
    assert Post.objects.filter(cluster=plain).exclude(text="").count() == 2


# --- lessons learned ------------------------------------------------------------------
def test_lessons_update_with_a_stale_version_is_refused(activation, coordinator):
    review = services.aar_lessons_update(
        activation=activation,
        by=coordinator,
        lessons_learned="  Plus de veilleurs  ",
        version=1,
    )
    assert review.lessons_learned == "Plus de veilleurs"
    assert review.version == 2
    with pytest.raises(ConflictError):
        services.aar_lessons_update(
            activation=activation, by=coordinator, lessons_learned="Autre", version=1
        )
    review.refresh_from_db()
    assert review.lessons_learned == "Plus de veilleurs"
    # the same text again changes nothing (double submission)
    same = services.aar_lessons_update(
        activation=activation,
        by=coordinator,
        lessons_learned="Plus de veilleurs",
        version=2,
    )
    assert same.version == 2


def test_lessons_too_long_are_refused(activation, coordinator):
    with pytest.raises(DomainError, match="limited"):
        services.aar_lessons_update(
            activation=activation,
            by=coordinator,
            lessons_learned="x" * (services.MAX_LESSONS + 1),
        )
    assert not AfterActionReview.objects.exists()
    assert MapItem.objects.count() == 0
