"""Situation reports: composition on known data, workflow, immutability, corrections,
acknowledgements, reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import Notification
from activations.models import LogEntry, ShiftAssignment
from monitoring.models import Escalation, Platform, Source
from reports import compose, services
from reports.models import ReportAcknowledgement, SituationReport
from tests.factories import ShiftFactory, UserFactory, make_item, make_map_item
from tests.reports.support import draft, in_review, people, published
from verification.models import Rumour, RumourEvent
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Status = SituationReport.Status


@pytest.fixture
def team(activation):
    activation.activated_at = timezone.now() - dt.timedelta(hours=6)
    activation.save(update_fields=["activated_at"])
    return people(activation)


def _state():
    return list(
        SituationReport.objects.order_by("pk").values_list(
            "pk", "status", "revision", "summary", "version"
        )
    )


# --- composition ---------------------------------------------------------------------
def test_counts_by_category_with_trend_on_known_data(activation):
    # given a 6 h period and the 6 h before it
    end = timezone.now()
    start = end - dt.timedelta(hours=6)
    for _ in range(3):
        make_map_item(
            activation,
            category="infrastructure",
            observed_at=end - dt.timedelta(hours=1),
        )
    make_map_item(
        activation, category="infrastructure", observed_at=start - dt.timedelta(hours=1)
    )
    make_map_item(
        activation, category="request", observed_at=start - dt.timedelta(hours=2)
    )
    make_map_item(
        activation, category="request", observed_at=start - dt.timedelta(hours=3)
    )
    make_map_item(
        activation, category="request", observed_at=end - dt.timedelta(hours=2)
    )
    make_map_item(
        activation, category="caution", observed_at=end - dt.timedelta(hours=3)
    )
    make_map_item(
        activation,
        category="caution",
        observed_at=start + dt.timedelta(minutes=1) - dt.timedelta(hours=6),
    )
    # not counted: unverified, too old, other activation
    make_map_item(
        activation,
        category="caution",
        verification="in_progress",
        observed_at=end - dt.timedelta(hours=1),
    )
    make_map_item(
        activation, category="caution", observed_at=start - dt.timedelta(hours=13)
    )
    # when
    counts = compose.counts_by_category(activation=activation, start=start, end=end)
    # then
    rows = {r["category"]: r for r in counts["rows"]}
    assert rows["infrastructure"] == {
        "category": "infrastructure",
        "current": 3,
        "previous": 1,
        "delta": 2,
        "trend": "up",
    }
    assert rows["request"] == {
        "category": "request",
        "current": 1,
        "previous": 2,
        "delta": -1,
        "trend": "down",
    }
    assert rows["caution"] == {
        "category": "caution",
        "current": 1,
        "previous": 1,
        "delta": 0,
        "trend": "same",
    }
    assert (counts["total"], counts["total_previous"], counts["trend"]) == (5, 4, "up")
    assert [r["category"] for r in counts["rows"]] == [
        "infrastructure",
        "request",
        "caution",
    ]


def test_compose_covers_the_time_since_the_last_report(activation, team):
    # given
    first = draft(activation, team["lead"])
    services.report_submit(report=first, by=team["lead"])
    services.report_publish(report=first, by=team["coordinator"])
    # when
    second = draft(activation, team["lead"])
    # then
    assert first.number == 1
    assert second.number == 2
    assert first.period_start == activation.activated_at
    assert second.period_start == first.period_end
    assert second.status == Status.DRAFT
    assert second.version == 1


def test_composition_lists_escalations_rumours_coverage_and_limitations(
    activation, team
):
    # given
    now = timezone.now()
    lead = team["lead"]
    item = make_item(activation)
    esc = Escalation.objects.create(
        activation=activation,
        cluster=item,
        raised_by=lead,
        summary="Personnes sur un toit",
    )
    Escalation.objects.filter(pk=esc.pk).update(
        created_at=now - dt.timedelta(hours=2),
        status="acknowledged",
        acknowledged_at=now - dt.timedelta(hours=2) + dt.timedelta(minutes=7),
        acknowledged_by=team["liaison"],
    )
    rumour = Rumour.objects.create(
        activation=activation,
        number=1,
        claim="Le barrage a cédé",
        first_seen_at=now - dt.timedelta(hours=3),
        status="debunked",
        created_by=lead,
    )
    RumourEvent.objects.create(
        rumour=rumour, kind="status", at=now - dt.timedelta(hours=1), text="x"
    )
    shift = ShiftFactory(
        activation=activation,
        starts_at=now - dt.timedelta(hours=5),
        ends_at=now - dt.timedelta(hours=1),
    )
    ShiftAssignment.objects.create(
        shift=shift,
        user=lead,
        source="signed_up",
        period=(shift.starts_at, shift.ends_at),
        checked_in_at=now - dt.timedelta(hours=5),
        checked_out_at=now - dt.timedelta(hours=2),
    )
    Source.objects.create(
        activation=activation,
        platform=Platform.X,
        name="X",
        is_enabled=False,
        paused_reason="Quota",
    )
    Source.objects.create(
        activation=activation,
        platform=Platform.MASTODON,
        name="Masto",
        consecutive_failures=3,
    )
    make_map_item(
        activation, verification="unchecked", observed_at=now - dt.timedelta(hours=1)
    )
    make_map_item(
        activation,
        urgent=True,
        observed_at=now - dt.timedelta(hours=1),
        summary="Toit <b>",
    )
    # when
    data = compose.report_data(
        activation=activation, start=now - dt.timedelta(hours=6), end=now
    )
    # then
    urgent = data["urgent"]
    assert (
        urgent["count"],
        urgent["acknowledged"],
        urgent["median_delay_minutes"],
    ) == (1, 1, 7.0)
    assert urgent["escalations"][0]["delay_minutes"] == 7.0
    assert data["rumours"]["rows"][0] | {} == {
        "number": 1,
        "claim": "Le barrage a cédé",
        "status": "debunked",
        "new": True,
        "status_changes": 1,
        "counter_status": "",
        "relays": 0,
    }
    assert data["rumours"]["debunked"] == 1
    cov = data["coverage"]
    assert (
        cov["period_hours"],
        cov["covered_hours"],
        cov["covered_percent"],
        cov["volunteers"],
    ) == (6.0, 3.0, 50, 1)
    assert [g["hours"] for g in cov["gaps"]] == [1.0, 2.0]
    lim = data["limitations"]
    assert lim["paused_sources"] == [{"name": "X", "platform": "x", "reason": "Quota"}]
    assert [s["name"] for s in lim["failing_sources"]] == ["Masto"]
    assert lim["platforms_not_covered"] == ["x", "bluesky", "rss"]
    assert (lim["items_total"], lim["items_verified"], lim["items_pending"]) == (
        2,
        1,
        1,
    )
    assert data["key_events"]["urgent_total"] == 1
    assert data["key_events"]["urgent_items"][0]["summary"] == "Toit <b>"


def test_the_map_is_an_svg_with_one_dot_per_verified_item(activation, team):
    for i in range(5):
        make_map_item(
            activation,
            lon=3.85 + i / 100,
            observed_at=timezone.now() - dt.timedelta(hours=1),
        )
    make_map_item(
        activation,
        verification="false",
        observed_at=timezone.now() - dt.timedelta(hours=1),
    )
    report = draft(activation, team["lead"])
    assert report.map_svg.startswith("<svg")
    assert report.map_svg.count('r="4.5"') == 5
    assert "<script" not in report.map_svg


def test_compose_handles_600_items_in_few_queries(
    activation, team, django_assert_max_num_queries
):
    from tests.factories import make_map_item as one

    base = one(activation, observed_at=timezone.now() - dt.timedelta(hours=1))
    from mapping.models import MapItem

    MapItem.objects.bulk_create(
        [
            MapItem(
                activation=activation,
                cluster=make_item(activation),
                location=base.location,
                mx=base.mx + i,
                my=base.my,
                category="caution",
                verification="verified",
                observed_at=timezone.now() - dt.timedelta(minutes=i % 300),
            )
            for i in range(599)
        ]
    )
    with django_assert_max_num_queries(30):
        report = draft(activation, team["lead"])
    assert report.data["counts"]["total"] == 600


# --- workflow ------------------------------------------------------------------------
def test_publishing_without_review_is_refused_and_changes_nothing(activation, team):
    report = draft(activation, team["lead"])
    before = _state()
    with pytest.raises(DomainError, match="Publishing without review is refused"):
        services.report_publish(report=report, by=team["coordinator"])
    assert _state() == before


def test_publish_notifies_the_liaisons_in_their_language_and_logs(
    activation, team, django_capture_on_commit_callbacks, monkeypatch
):
    from accounts import tasks

    monkeypatch.setattr(
        tasks.send_notification_emails, "delay", tasks.send_notification_emails
    )
    french = UserFactory(language="fr")
    from tests.factories import ActivationMemberFactory

    ActivationMemberFactory(activation=activation, user=french, role="liaison")
    report = in_review(activation, team["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_publish(report=report, by=team["coordinator"])
    assert report.status == Status.PUBLISHED
    assert report.content_hash == services.content_hash(report)
    notes = Notification.objects.filter(kind="situation_report").order_by("user_id")
    assert {n.user_id for n in notes} == {team["liaison"].pk, french.pk}
    titles = {n.user_id: n.title for n in notes}
    assert titles[team["liaison"].pk].startswith("Situation report 1")
    assert len(mail.outbox) == 2
    assert LogEntry.objects.filter(
        activation=activation, text__contains="published"
    ).exists()


def test_double_publish_and_double_submit_are_refused(activation, team):
    report = in_review(activation, team["lead"])
    with pytest.raises(ConflictError):
        services.report_submit(report=report, by=team["lead"])
    services.report_publish(report=report, by=team["coordinator"])
    before = _state()
    with pytest.raises(ConflictError, match="already published"):
        services.report_publish(report=report, by=team["coordinator"])
    assert _state() == before


def test_a_second_draft_is_refused_while_one_is_pending(activation, team):
    draft(activation, team["lead"])
    before = _state()
    with pytest.raises(ConflictError, match="not published yet"):
        draft(activation, team["lead"])
    assert _state() == before


def test_stale_edit_is_refused(activation, team):
    report = draft(activation, team["lead"])
    services.report_edit(
        report=report, by=team["lead"], revision=report.revision, summary="A", texts={}
    )
    before = _state()
    with pytest.raises(ConflictError):
        services.report_edit(
            report=report,
            by=team["lead"],
            revision=report.revision,
            summary="B",
            texts={},
        )
    assert _state() == before


def test_a_published_report_is_immutable(activation, team):
    report = published(activation, team["lead"], team["coordinator"])
    before = _state()
    for call in (
        lambda: services.report_edit(
            report=report,
            by=team["lead"],
            revision=report.revision,
            summary="X",
            texts={},
        ),
        lambda: services.report_submit(report=report, by=team["lead"]),
        lambda: services.report_refresh(report=report, by=team["lead"]),
        lambda: services.report_return(report=report, by=team["coordinator"]),
    ):
        with pytest.raises(DomainError):
            call()
    assert _state() == before
    report.refresh_from_db()
    assert report.content_hash == services.content_hash(report)


def test_database_refuses_a_published_report_without_hash(activation, team):
    report = in_review(activation, team["lead"])
    with pytest.raises(IntegrityError):
        SituationReport.objects.filter(pk=report.pk).update(status="published")


# --- corrections -----------------------------------------------------------------------
def test_a_correction_is_a_new_version_through_the_same_workflow(activation, team):
    v1 = published(activation, team["lead"], team["coordinator"])
    v2 = services.report_correct(
        report=v1, by=team["lead"], change_note="Wrong count of shelters"
    )
    assert (v2.number, v2.version, v2.supersedes_id, v2.status) == (
        1,
        2,
        v1.pk,
        Status.DRAFT,
    )
    assert v2.data == v1.data
    assert v2.summary == v1.summary
    with pytest.raises(DomainError, match="without review"):
        services.report_publish(report=v2, by=team["coordinator"])
    with pytest.raises(ConflictError):  # one correction at a time
        services.report_correct(report=v1, by=team["lead"], change_note="Again")
    services.report_submit(report=v2, by=team["lead"])
    v2 = services.report_publish(report=v2, by=team["coordinator"])
    v1.refresh_from_db()
    assert v1.status == Status.PUBLISHED
    assert v2.label == "1.2"
    with pytest.raises(ConflictError, match="latest version"):
        services.report_correct(report=v1, by=team["lead"], change_note="Old one")


def test_a_correction_needs_a_note_and_a_published_report(activation, team):
    report = draft(activation, team["lead"])
    with pytest.raises(DomainError, match="Only a published"):
        services.report_correct(report=report, by=team["lead"], change_note="x")
    report = services.report_submit(report=report, by=team["lead"])
    report = services.report_publish(report=report, by=team["coordinator"])
    with pytest.raises(DomainError, match="what the correction changes"):
        services.report_correct(report=report, by=team["lead"], change_note="  ")
    assert SituationReport.objects.count() == 1


# --- acknowledgements --------------------------------------------------------------------
def test_acknowledge_is_idempotent(activation, team):
    report = published(activation, team["lead"], team["coordinator"])
    first, created = services.report_acknowledge(report=report, by=team["liaison"])
    second, again = services.report_acknowledge(report=report, by=team["liaison"])
    assert created
    assert not again
    assert first.pk == second.pk
    assert first.at == second.at
    assert ReportAcknowledgement.objects.count() == 1


def test_a_draft_cannot_be_acknowledged(activation, team):
    report = draft(activation, team["lead"])
    with pytest.raises(DomainError):
        services.report_acknowledge(report=report, by=team["liaison"])
    assert not ReportAcknowledgement.objects.exists()


# --- reminders ---------------------------------------------------------------------------
def test_team_leads_are_reminded_once_per_due_time(activation, team):
    # given a 6 h cadence from an activation started 5 h 40 ago
    now = timezone.now()
    activation.activated_at = now - dt.timedelta(hours=5, minutes=40)
    activation.save(update_fields=["activated_at"])
    # when / then: twice, one reminder
    assert services.reports_remind_due(now=now) == 1
    assert services.reports_remind_due(now=now + dt.timedelta(minutes=5)) == 0
    notes = Notification.objects.filter(kind="report_due")
    assert [n.user_id for n in notes] == [team["lead"].pk]
    # a new report moves the due time: reminded again when that one comes near
    report = draft(activation, team["lead"], period_end=now)
    assert services.reports_remind_due(now=now + dt.timedelta(hours=1)) == 0
    assert (
        services.reports_remind_due(
            now=report.period_end + dt.timedelta(hours=5, minutes=45)
        )
        == 1
    )
    assert Notification.objects.filter(kind="report_due").count() == 2


def test_no_reminder_long_before_due(activation, team):
    now = timezone.now()
    activation.activated_at = now - dt.timedelta(hours=1)
    activation.save(update_fields=["activated_at"])
    assert services.reports_remind_due(now=now) == 0
    assert not Notification.objects.filter(kind="report_due").exists()


def test_the_beat_task_calls_the_service(activation, team):
    from reports.tasks import remind_due_reports

    activation.activated_at = timezone.now() - dt.timedelta(hours=7)
    activation.save(update_fields=["activated_at"])
    assert remind_due_reports() == 1
    assert remind_due_reports() == 0
