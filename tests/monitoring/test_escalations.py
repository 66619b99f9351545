"""Escalation services: raise, recipients, reminders, acknowledge, withdraw, emails."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import tasks as account_tasks
from accounts.models import Notification
from activations.models import Activation, ActivationMember, LogEntry
from monitoring import escalations
from monitoring.escalations import (
    escalation_acknowledge,
    escalation_cancel,
    escalation_raise,
    escalation_recipients,
    escalations_renotify_due,
)
from monitoring.models import Escalation
from tests.factories import (
    ActivationFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    make_item,
    make_member,
)

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role


@pytest.fixture
def team(activation):
    """A volunteer who raises, a liaison and a coordinator who are alerted."""
    return {
        "volunteer": make_member(
            activation, Role.VOLUNTEER, first_name="Léa", last_name="Garnier"
        ).user,
        "liaison": make_member(
            activation, Role.LIAISON, first_name="Nadia", last_name="Bernard"
        ).user,
        "coordinator": make_member(
            activation, Role.COORDINATOR, first_name="Camille", last_name="Moreau"
        ).user,
    }


def _state():
    """Escalations, notifications and log lines: to prove a refusal changed nothing."""
    return {
        "escalations": list(Escalation.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
        "log": list(LogEntry.objects.order_by("pk").values()),
    }


def _raise(activation, team, **kwargs):
    item = make_item(
        activation,
        text="Famille bloquée sur le toit, rue des Lilas, l'eau monte",
        **kwargs,
    )
    return escalation_raise(cluster=item, by=team["volunteer"], note="Enfants avec eux")


# --- raise ---------------------------------------------------------------------------
def test_raise_alerts_the_recipients_urgently_and_writes_the_log(activation, team):
    # given
    activation.escalation_renotify_minutes = 7
    activation.save()
    before = timezone.now()
    # when
    escalation = _raise(activation, team)
    # then
    assert escalation.status == Escalation.Status.OPEN
    assert (
        escalation.summary == "Famille bloquée sur le toit, rue des Lilas, l'eau monte"
    )
    assert escalation.note == "Enfants avec eux"
    assert escalation.raised_by == team["volunteer"]
    assert escalation.notifications_sent == 1
    assert before + dt.timedelta(minutes=7) <= escalation.next_notify_at
    assert escalation.next_notify_at - escalation.last_notified_at == dt.timedelta(
        minutes=7
    )
    notes = Notification.objects.order_by("user_id")
    assert {n.user for n in notes} == {team["liaison"], team["coordinator"]}
    url = reverse("monitoring:escalation-detail", args=[activation.slug, escalation.pk])
    for note in notes:
        assert note.level == Notification.Level.URGENT
        assert note.kind == "escalation"
        assert note.url == url
        assert note.activation == activation
        assert "Famille bloquée" in note.title
        assert "Enfants avec eux" in note.body
    entry = LogEntry.objects.get(activation=activation)
    assert entry.kind == LogEntry.Kind.DECISION
    assert entry.author == team["volunteer"]
    assert entry.text.startswith(
        f"Urgent item escalated by {team['volunteer']}: Famille bloquée"
    )


def test_raise_is_idempotent_per_item(activation, team):
    # given
    item = make_item(activation, text="Personne coincée dans sa voiture")
    first = escalation_raise(cluster=item, by=team["volunteer"])
    before = _state()
    # when
    again = escalation_raise(cluster=item, by=team["coordinator"], note="doublon")
    # then
    assert again.pk == first.pk
    assert _state() == before


def test_raise_again_after_a_withdrawal_makes_a_new_escalation(activation, team):
    item = make_item(activation)
    first = escalation_raise(cluster=item, by=team["volunteer"])
    escalation_cancel(escalation=first, by=team["volunteer"], reason="undo")
    second = escalation_raise(cluster=item, by=team["volunteer"])
    assert second.pk != first.pk
    assert second.status == Escalation.Status.OPEN


def test_the_summary_is_plain_and_short_or_falls_back_to_the_note(activation, team):
    long_item = make_item(activation, text="Au secours\n\n   " + "x" * 400)
    empty_item = make_item(activation, text=" ")
    empty_item.representative.text = ""
    empty_item.representative.save()
    long = escalation_raise(cluster=long_item, by=team["volunteer"])
    from_note = escalation_raise(
        cluster=empty_item, by=team["volunteer"], note="  Voir   la photo "
    )
    assert long.summary.startswith("Au secours xxx")
    assert len(long.summary) == 200
    assert long.summary.endswith("…")
    assert from_note.summary == "Voir la photo"


def test_an_exercise_is_marked_in_the_alert(team):
    activation = ActivationFactory(kind=Activation.Kind.EXERCISE)
    raiser = make_member(activation, Role.VOLUNTEER).user
    make_member(activation, Role.LIAISON)
    escalation_raise(cluster=make_item(activation), by=raiser)
    assert Notification.objects.get().title.startswith("[EXERCISE] Urgent")


# --- recipients --------------------------------------------------------------------
def test_recipients_are_all_liaisons_and_coordinators_when_nobody_is_on_duty(
    activation, team
):
    # given: other roles, a second liaison, a lead-team coordinator without membership,
    # an inactive liaison
    make_member(activation, Role.TEAM_LEAD)
    make_member(activation, Role.OBSERVER)
    liaison_2 = make_member(activation, Role.LIAISON).user
    gone = make_member(activation, Role.LIAISON, is_active=False).user
    team_coordinator = make_member(
        ActivationFactory(agreement=activation.agreement), Role.COORDINATOR
    ).user
    # when
    recipients = escalation_recipients(activation=activation)
    # then
    assert gone not in recipients
    assert recipients == [
        team["liaison"],
        liaison_2,
        team["coordinator"],
        team_coordinator,
    ]


def test_a_lead_team_coordinator_with_another_role_here_is_not_a_recipient(
    activation, team
):
    observer = make_member(activation, Role.OBSERVER).user
    from activations.models import OrganisationMember

    OrganisationMember.objects.filter(user=observer).update(
        role=OrganisationMember.Role.COORDINATOR
    )
    assert observer not in escalation_recipients(activation=activation)


def test_only_the_liaisons_on_duty_when_some_are_checked_in(activation, team):
    # given: liaison 2 is checked in on the current shift; liaison 1 is not
    now = timezone.now()
    liaison_2 = make_member(activation, Role.LIAISON).user
    current = ShiftFactory(
        activation=activation,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
    )
    ShiftAssignmentFactory(
        shift=current, user=liaison_2, checked_in_at=now - dt.timedelta(minutes=50)
    )
    # liaison 1 checked in then out
    ShiftAssignmentFactory(
        shift=ShiftFactory(
            activation=activation,
            starts_at=now - dt.timedelta(hours=6),
            ends_at=now - dt.timedelta(hours=2),
        ),
        user=team["liaison"],
        checked_in_at=now - dt.timedelta(hours=6),
        checked_out_at=now - dt.timedelta(hours=2),
    )
    # when
    recipients = escalation_recipients(activation=activation)
    # then
    assert recipients == [liaison_2, team["coordinator"]]


def test_a_liaison_on_duty_in_another_activation_does_not_count(activation, team):
    now = timezone.now()
    other = ActivationFactory()
    ShiftAssignmentFactory(
        shift=ShiftFactory(
            activation=other,
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=1),
        ),
        user=team["liaison"],
        checked_in_at=now - dt.timedelta(minutes=30),
    )
    liaison_2 = make_member(activation, Role.LIAISON).user
    assert escalation_recipients(activation=activation) == [
        team["liaison"],
        liaison_2,
        team["coordinator"],
    ]


# --- reminders ---------------------------------------------------------------------
def test_nothing_is_reminded_before_it_is_due(activation, team):
    escalation = _raise(activation, team)
    before = _state()
    assert (
        escalations_renotify_due(
            now=escalation.next_notify_at - dt.timedelta(seconds=1)
        )
        == 0
    )
    assert _state() == before


def test_a_due_escalation_is_reminded_once_per_due_time(activation, team):
    # given
    escalation = _raise(activation, team)
    due = escalation.next_notify_at
    Notification.objects.all().delete()
    # when: the beat runs twice for the same due time
    first = escalations_renotify_due(now=due + dt.timedelta(seconds=5))
    second = escalations_renotify_due(now=due + dt.timedelta(seconds=35))
    # then
    assert (first, second) == (1, 0)
    escalation.refresh_from_db()
    assert escalation.notifications_sent == 2
    assert escalation.last_notified_at == due + dt.timedelta(seconds=5)
    assert escalation.next_notify_at == due + dt.timedelta(seconds=5, minutes=10)
    notes = Notification.objects.all()
    assert {n.user for n in notes} == {team["liaison"], team["coordinator"]}
    assert all(
        n.title.startswith("Reminder 1: not acknowledged for 10 min") for n in notes
    )
    assert all(n.level == Notification.Level.URGENT for n in notes)
    reminder = LogEntry.objects.filter(kind=LogEntry.Kind.SYSTEM).get()
    assert reminder.text.startswith("Reminder 1 sent")
    # and the next due time gives the second reminder
    assert escalations_renotify_due(now=escalation.next_notify_at) == 1
    escalation.refresh_from_db()
    assert escalation.notifications_sent == 3
    assert (
        Notification.objects.filter(
            title__startswith="Reminder 2: not acknowledged for 20 min"
        ).count()
        == 2
    )


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_send_one_reminder(activation, team):
    # given
    escalation = _raise(activation, team)
    now = escalation.next_notify_at + dt.timedelta(seconds=1)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(escalations_renotify_due(now=now))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(results) == [0, 1]
    escalation.refresh_from_db()
    assert escalation.notifications_sent == 2
    assert Notification.objects.filter(kind="escalation_reminder").count() == 2


def test_acknowledged_withdrawn_and_closed_activation_escalations_are_not_reminded(
    activation, team
):
    acked = _raise(activation, team)
    escalation_acknowledge(escalation=acked, by=team["liaison"])
    withdrawn = _raise(activation, team)
    escalation_cancel(escalation=withdrawn, by=team["volunteer"], reason="undo")
    closed = ActivationFactory(
        status=Activation.Status.CLOSED, closed_at=timezone.now()
    )
    raiser = make_member(closed, Role.VOLUNTEER).user
    escalation_raise(cluster=make_item(closed), by=raiser)
    before = _state()
    assert escalations_renotify_due(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert _state() == before


def test_the_task_calls_the_service(activation, team):
    from monitoring.tasks import renotify_escalations

    escalation = _raise(activation, team)
    Escalation.objects.filter(pk=escalation.pk).update(
        next_notify_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert renotify_escalations() == 1
    assert renotify_escalations() == 0


# --- acknowledge -------------------------------------------------------------------
def test_acknowledging_records_who_when_and_tells_the_raiser(activation, team):
    # given
    escalation = _raise(activation, team)
    Notification.objects.all().delete()
    # when
    done = escalation_acknowledge(
        escalation=escalation, by=team["liaison"], note=" Transmis au CODIS "
    )
    # then
    done.refresh_from_db()
    assert done.status == Escalation.Status.ACKNOWLEDGED
    assert done.acknowledged_by == team["liaison"]
    assert done.acknowledged_at is not None
    assert done.ack_note == "Transmis au CODIS"
    assert done.next_notify_at is None
    note = Notification.objects.get()
    assert note.user == team["volunteer"]
    assert note.level == Notification.Level.INFO
    assert note.title.startswith(f"Acknowledged by {team['liaison']}")
    assert "Transmis au CODIS" in note.body
    entry = LogEntry.objects.filter(author=team["liaison"]).get()
    assert entry.text.startswith(
        f"Urgent item acknowledged by {team['liaison']} after 0 min"
    )


def test_acknowledging_marks_only_the_acknowledgers_alerts_read(activation, team):
    escalation = _raise(activation, team)
    other = _raise(activation, team)
    escalation_acknowledge(escalation=escalation, by=team["liaison"])
    unread = Notification.objects.filter(read_at__isnull=True)
    assert set(unread.filter(user=team["liaison"]).values_list("url", flat=True)) == {
        reverse("monitoring:escalation-detail", args=[activation.slug, other.pk])
    }
    assert unread.filter(user=team["coordinator"]).count() == 2


def test_a_second_acknowledgement_is_refused_with_who_and_when(activation, team):
    # given
    escalation = _raise(activation, team)
    escalation_acknowledge(escalation=escalation, by=team["liaison"])
    escalation.refresh_from_db()
    at = timezone.localtime(escalation.acknowledged_at, activation.tz).strftime("%H:%M")
    before = _state()
    # when / then: the coordinator, on a stale page, and the liaison double-clicking
    for who in ("coordinator", "liaison"):
        with pytest.raises(escalations.ConflictError) as refused:
            escalation_acknowledge(
                escalation=escalation, by=team[who], note="moi aussi"
            )
        assert (
            refused.value.message
            == f"Already acknowledged by {team['liaison']} at {at}."
        )
    assert _state() == before


def test_a_withdrawn_escalation_cannot_be_acknowledged(activation, team):
    escalation = _raise(activation, team)
    escalation_cancel(escalation=escalation, by=team["volunteer"], reason="erreur")
    before = _state()
    with pytest.raises(escalations.ConflictError, match="withdrawn"):
        escalation_acknowledge(escalation=escalation, by=team["liaison"])
    assert _state() == before


# --- withdraw (undo) -----------------------------------------------------------------
def test_withdrawing_tells_the_recipients(activation, team):
    # given
    escalation = _raise(activation, team)
    Notification.objects.all().delete()
    # when
    done = escalation_cancel(
        escalation=escalation, by=team["volunteer"], reason="Mauvais bouton"
    )
    # then
    done.refresh_from_db()
    assert done.status == Escalation.Status.CANCELLED
    assert done.cancelled_at is not None
    assert done.next_notify_at is None
    notes = Notification.objects.all()
    assert {n.user for n in notes} == {team["liaison"], team["coordinator"]}
    assert all(n.title.startswith("Withdrawn: Famille bloquée") for n in notes)
    assert all(n.level == Notification.Level.INFO for n in notes)
    assert all("Mauvais bouton" in n.body for n in notes)
    assert (
        LogEntry.objects.filter(text__startswith="Escalation withdrawn by").count() == 1
    )


def test_an_acknowledged_escalation_cannot_be_withdrawn(activation, team):
    escalation = _raise(activation, team)
    escalation_acknowledge(escalation=escalation, by=team["coordinator"])
    before = _state()
    with pytest.raises(escalations.ConflictError, match="already acknowledged"):
        escalation_cancel(escalation=escalation, by=team["volunteer"], reason="undo")
    assert _state() == before


def test_withdrawing_twice_changes_nothing_the_second_time(activation, team):
    escalation = _raise(activation, team)
    escalation_cancel(escalation=escalation, by=team["volunteer"], reason="undo")
    before = _state()
    again = escalation_cancel(
        escalation=escalation, by=team["volunteer"], reason="undo"
    )
    assert again.status == Escalation.Status.CANCELLED
    assert _state() == before


# --- emails --------------------------------------------------------------------------
def test_recipients_get_an_email_with_the_link_in_their_language(
    activation, team, monkeypatch, django_capture_on_commit_callbacks
):
    # given: the liaison reads French
    team["liaison"].language = "fr"
    team["liaison"].save()
    monkeypatch.setattr(
        account_tasks.send_notification_emails,
        "delay",
        lambda ids: account_tasks.send_notification_emails(ids),
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        escalation = _raise(activation, team)
    # then
    url = reverse("monitoring:escalation-detail", args=[activation.slug, escalation.pk])
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {team["liaison"].email, team["coordinator"].email}
    for message in by_address.values():
        assert url in message.body
        assert "Famille bloquée" in message.body
        assert f"[{activation.slug}]" in message.subject
    assert "[URGENT]" in by_address[team["coordinator"].email].subject


def test_reminders_are_emailed_too(
    activation, team, monkeypatch, django_capture_on_commit_callbacks
):
    escalation = _raise(activation, team)
    monkeypatch.setattr(
        account_tasks.send_notification_emails,
        "delay",
        lambda ids: account_tasks.send_notification_emails(ids),
    )
    with django_capture_on_commit_callbacks(execute=True):
        escalations_renotify_due(now=escalation.next_notify_at)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [team["liaison"].email, team["coordinator"].email]
    )
    assert all("Reminder 1" in m.subject for m in mail.outbox)


def test_duration_label():
    label = escalations.duration_label
    assert [label(s) for s in (-3, 0, 59, 60, 245, 3599, 3600, 3845, 86399, 90000)] == [
        "0 s",
        "0 s",
        "59 s",
        "1 min 00 s",
        "4 min 05 s",
        "59 min 59 s",
        "1 h 00 min",
        "1 h 04 min",
        "23 h 59 min",
        "1 d 01 h",
    ]
