"""signals_detect over stored posts (aggregate SQL), deduplication, review, blind spots."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from accounts.models import Notification
from activations.models import ActivationMember, LogEntry
from monitoring.models import Place
from signals import detector, selectors, services
from signals.detector import Event
from signals.models import EmergingSignal
from tests.factories import make_member
from tests.signals.support import add_posts
from tests.signals.test_detector import steady_stream, surge
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
NOW = dt.datetime(2026, 3, 10, 14, 15, tzinfo=dt.UTC)


def test_sql_counts_agree_with_the_pure_detector(activation):
    texts = [
        ("L'ÉVACUATION de Pérols: #Crue #crue http://ex.fr/crue @Préfet34", "Pérols"),
        (
            "Castelnau-le-Lez: cœur inondé, 2026 voitures, the water!",
            "Castelnau-le-Lez",
        ),
        ("#Évacuation en cours à Lattes", ""),
        ("", "Lattes"),
    ]
    events = [
        Event(at=NOW - dt.timedelta(minutes=7 * i + 1), text=t, place=p)
        for i, (t, p) in enumerate(texts * 3)
    ]
    add_posts(activation, events)
    sql = selectors.key_counts(activation=activation, now=NOW)
    python = detector.count_events(events, now=NOW)
    assert {k: dict(v) for k, v in sql.items()} == {
        k: dict(v) for k, v in python.items()
    }


def _scenario(activation):
    start = NOW - dt.timedelta(hours=7)
    add_posts(activation, steady_stream(start, hours=7, per_minute=3))
    add_posts(activation, surge(NOW - dt.timedelta(minutes=8), minutes=8, per_minute=3))


def test_a_surge_becomes_one_signal_updated_while_it_rises(activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    _scenario(activation)
    touched = services.signals_detect(activation=activation, now=NOW)
    signal = EmergingSignal.objects.get(
        activation=activation, kind="hashtag", key="crue"
    )
    assert signal in touched
    assert signal.current_count == 24
    assert signal.status == "new"
    assert len(signal.sample_post_ids) == 3
    assert signal.explanation().startswith(
        "#crue: 24 posts in the last 15 min, up from almost none; since "
    )
    assert Notification.objects.filter(user=coordinator, kind="signal").count() == 1
    # a minute later, still rising: same signal, new figures, no new notification
    add_posts(activation, surge(NOW, minutes=1, per_minute=6))
    services.signals_detect(activation=activation, now=NOW + dt.timedelta(minutes=1))
    services.signals_detect(activation=activation, now=NOW + dt.timedelta(minutes=1))
    signal.refresh_from_db()
    assert signal.current_count == 30
    assert signal.peak_count == 30
    assert EmergingSignal.objects.filter(key="crue", kind="hashtag").count() == 1
    notes = Notification.objects.filter(user=coordinator, kind="signal")
    assert sum("#crue:" in note.body for note in notes) == 1  # other keys may join


def test_a_quiet_signal_closes_and_a_dismissed_one_stays_quiet(activation):
    _scenario(activation)
    services.signals_detect(activation=activation, now=NOW)
    signal = EmergingSignal.objects.get(kind="hashtag", key="crue")
    services.signals_detect(activation=activation, now=NOW + dt.timedelta(minutes=45))
    signal.refresh_from_db()
    assert signal.closed_at is not None
    # dismissed: the same burst does not come back
    other = EmergingSignal.objects.get(kind="term", key="lez")
    assert other.closed_at is not None
    services.signals_detect(activation=activation, now=NOW)  # reopens
    reopened = EmergingSignal.objects.get(kind="hashtag", key="crue", closed_at=None)
    user = make_member(activation, Role.VOLUNTEER).user
    services.signal_review(
        activation=activation, signal_id=reopened.pk, user=user, decision="dismissed"
    )
    services.signals_detect(activation=activation, now=NOW + dt.timedelta(minutes=1))
    assert not EmergingSignal.objects.filter(key="crue", closed_at=None).exists()


def test_no_signal_on_a_steady_stream(activation):
    add_posts(
        activation, steady_stream(NOW - dt.timedelta(hours=7), hours=7, per_minute=5)
    )
    for minutes in range(0, 30, 5):
        services.signals_detect(
            activation=activation, now=NOW - dt.timedelta(minutes=minutes)
        )
    assert not EmergingSignal.objects.exists()


def test_review_is_idempotent_and_logged(activation):
    _scenario(activation)
    services.signals_detect(activation=activation, now=NOW)
    signal = EmergingSignal.objects.get(kind="hashtag", key="crue")
    user = make_member(activation, Role.VOLUNTEER).user
    for _ in range(2):
        services.signal_review(
            activation=activation, signal_id=signal.pk, user=user, decision="confirmed"
        )
    signal.refresh_from_db()
    assert signal.status == "confirmed"
    assert signal.reviewed_by == user
    assert (
        LogEntry.objects.filter(activation=activation, text__contains="#crue").count()
        == 1
    )
    services.signal_review(
        activation=activation, signal_id=signal.pk, user=user, decision="dismissed"
    )
    with pytest.raises(ConflictError):
        services.signal_review(
            activation=activation, signal_id=signal.pk, user=user, decision="confirmed"
        )
    with pytest.raises(DomainError):
        services.signal_review(
            activation=activation, signal_id=signal.pk, user=user, decision="maybe"
        )


def test_blind_spots_from_population_and_earlier_activity(activation):
    Place.objects.create(
        source="insee",
        code="34172",
        name="Montpellier",
        normalized="montpellier",
        population=300000,
        location=Point(3.876, 43.611),
    )
    Place.objects.create(
        source="insee",
        code="34129",
        name="Lattes",
        normalized="lattes",
        population=17000,
        location=Point(3.90, 43.57),
    )
    Place.objects.create(
        source="insee",
        code="99999",
        name="Hameau",
        normalized="hameau",
        population=40,
        location=Point(3.80, 43.66),
    )
    now = dt.datetime.now(dt.UTC)
    # Montpellier has recent located posts; Lattes had some yesterday, none since
    add_posts(
        activation,
        [Event(at=now - dt.timedelta(hours=1), text="ok")],
        location=Point(3.876, 43.611),
    )
    add_posts(
        activation,
        [
            Event(at=now - dt.timedelta(days=1, minutes=i), text="hier")
            for i in range(4)
        ],
        location=Point(3.90, 43.57),
    )
    spots = selectors.blind_spots(activation=activation, now=now)
    assert spots["type"] == "FeatureCollection"
    reasons = [f["properties"]["reason"] for f in spots["features"]]
    assert len(reasons) == 1, reasons
    assert "17000 inhabitants (Lattes)" in reasons[0]
    assert "4 located posts earlier this week" in reasons[0]
    assert spots["features"][0]["geometry"]["type"] == "Polygon"


def test_the_beat_task_fans_out_to_active_activations(activation, celery_worker):
    from signals import tasks

    assert tasks.detect_activation(activation.pk) == 0
    assert tasks.detect() >= 1
