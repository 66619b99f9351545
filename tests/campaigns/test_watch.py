"""Watch mode: the daily digest to the coordinators, turning a watch into a crisis."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from activations.models import Activation, ActivationMember, LogEntry
from campaigns import tasks, watch
from campaigns.models import WatchDigest
from monitoring.models import Platform, Source, TriageDecision
from tests.factories import ActivationFactory, make_item, make_member
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role


@pytest.fixture
def watch_activation():
    return ActivationFactory(kind=Activation.Kind.WATCH)


def test_the_digest_sums_up_the_last_24_hours(watch_activation):
    coordinator = make_member(watch_activation, Role.COORDINATOR).user
    make_item(watch_activation, category="infrastructure", copies=3)
    cluster = make_item(watch_activation, category="request")
    old = make_item(watch_activation, category="caution")
    old.posts.update(received_at=timezone.now() - dt.timedelta(hours=30))
    TriageDecision.objects.create(
        activation=watch_activation,
        cluster=cluster,
        user=coordinator,
        kind=TriageDecision.Kind.URGENT,
    )
    digest = watch.watch_digest_build(activation=watch_activation)
    assert digest.posts == 4
    assert digest.top_categories == [("infrastructure", 3), ("request", 1)]
    assert digest.urgent == 1
    body = digest.body()
    assert "Posts ingested in the last 24 hours: 4" in body
    assert "Infrastructure and utilities damage (3)" in body
    assert "Urgent decisions: 1" in body


def test_the_daily_digest_goes_to_coordinators_once_a_day(watch_activation):
    coordinator = make_member(watch_activation, Role.COORDINATOR).user
    volunteer = make_member(watch_activation, Role.VOLUNTEER).user
    crisis = ActivationFactory()
    crisis_coordinator = make_member(crisis, Role.COORDINATOR).user
    make_item(watch_activation)
    assert tasks.watch_digest() == 1
    assert tasks.watch_digest() == 0  # the same day: not again
    notes = Notification.objects.filter(kind="watch_digest")
    assert [n.user for n in notes] == [coordinator]
    assert "Posts ingested in the last 24 hours: 1" in notes[0].body
    assert volunteer not in [n.user for n in notes]
    assert crisis_coordinator not in [n.user for n in notes]
    assert WatchDigest.objects.get().summary["posts"] == 1


def test_a_watch_becomes_a_crisis_keeping_sources_and_history(watch_activation):
    coordinator = make_member(watch_activation, Role.COORDINATOR).user
    slow = Source.objects.create(
        activation=watch_activation,
        platform=Platform.MASTODON,
        name="Veille lente",
        interval_seconds=900,
    )
    fast = Source.objects.create(
        activation=watch_activation,
        platform=Platform.BLUESKY,
        name="Rapide",
        interval_seconds=60,
    )
    cluster = make_item(watch_activation)
    converted = watch.watch_convert_to_crisis(
        activation=watch_activation, by=coordinator
    )
    assert converted.kind == Activation.Kind.CRISIS
    assert converted.pk == watch_activation.pk
    slow.refresh_from_db()
    fast.refresh_from_db()
    assert slow.interval_seconds == watch.NORMAL_INTERVAL_SECONDS
    assert fast.interval_seconds == 60
    assert cluster.posts.count() == 1
    assert LogEntry.objects.filter(
        activation=watch_activation, text__contains="crisis activation"
    ).exists()
    with pytest.raises(ConflictError):
        watch.watch_convert_to_crisis(activation=watch_activation, by=coordinator)


def test_only_an_open_watch_can_be_converted(activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    exercise = ActivationFactory(kind=Activation.Kind.EXERCISE)
    with pytest.raises(DomainError):
        watch.watch_convert_to_crisis(activation=exercise, by=coordinator)
    closed = ActivationFactory(
        kind=Activation.Kind.WATCH,
        status=Activation.Status.CLOSED,
        closed_at=timezone.now(),
    )
    with pytest.raises(DomainError):
        watch.watch_convert_to_crisis(activation=closed, by=coordinator)
    closed.refresh_from_db()
    assert closed.kind == Activation.Kind.WATCH


def test_the_digest_lists_the_emerging_signals_not_dismissed(watch_activation):
    from signals.models import EmergingSignal
    from tests.signals.support import make_signal

    make_signal(watch_activation, key="crue")
    dismissed = make_signal(watch_activation, key="fete")
    dismissed.status = EmergingSignal.Status.DISMISSED
    dismissed.closed_at = timezone.now()
    dismissed.save()
    stale = make_signal(watch_activation, key="vieux")
    stale.last_flagged_at = timezone.now() - dt.timedelta(hours=30)
    stale.save()
    digest = watch.watch_digest_build(activation=watch_activation)
    assert len(digest.signals) == 1
    assert digest.signals[0].startswith("#crue")
    assert "#crue" in digest.body()
    assert "fete" not in digest.body()


def test_watch_sources_are_polled_less_often_and_last(watch_activation, settings):
    from monitoring import services as monitoring_services
    from monitoring.tasks import WATCH_PRIORITY
    from tests.monitoring.pages_support import make_source

    settings.VOST_WATCH_MIN_INTERVAL_SECONDS = 900
    crisis = ActivationFactory()
    watch_source = make_source(watch_activation, interval_seconds=60)
    crisis_source = make_source(crisis, interval_seconds=60)
    assert monitoring_services.source_interval(watch_source) == 900
    assert monitoring_services.source_interval(crisis_source) == 60
    slow = make_source(watch_activation, interval_seconds=3600)
    assert monitoring_services.source_interval(slow) == 3600

    before = timezone.now()
    monitoring_services.source_record_success(source=watch_source)
    monitoring_services.source_record_success(source=crisis_source)
    watch_source.refresh_from_db()
    crisis_source.refresh_from_db()
    assert watch_source.next_attempt_at >= before + dt.timedelta(seconds=899)
    assert crisis_source.next_attempt_at < before + dt.timedelta(seconds=120)

    ids = [watch_source.pk, crisis_source.pk, slow.pk]
    assert monitoring_services.sources_watch(ids) == {watch_source.pk, slow.pk}
    assert monitoring_services.sources_watch([]) == set()
    assert WATCH_PRIORITY == 9  # Redis serves 0 first: watch polls wait behind crises
