"""The activation log page: read, filter, append, correct; CSV export; append-only."""

import csv
import datetime as dt
import io

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from activations.models import Activation, ActivationMember, LogEntry
from activations.permissions import ROLE_ACTIONS, Action
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    LogEntryFactory,
    make_member,
)

Role = ActivationMember.Role


def _member(activation, role, **fields):
    """A member whose pages are in English (the assertions read the source strings)."""
    return make_member(activation, role, language="en", **fields).user


def _texts(activation):
    return list(
        LogEntry.objects.filter(activation=activation)
        .order_by("pk")
        .values_list("kind", "text", "corrects_id")
    )


def _log_url(activation):
    return reverse("activations:log", args=[activation.slug])


def _export_url(activation):
    return reverse("activations:log-export", args=[activation.slug])


# --- role matrix --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["activations:log", "activations:log-export"])
def test_anonymous_is_sent_to_login(client, activation, name):
    response = client.get(reverse(name, args=[activation.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_cannot_write(client, activation):
    response = client.post(_log_url(activation), {"text": "x", "kind": "note"})
    assert response.status_code == 302
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("name", ["activations:log", "activations:log-export"])
def test_non_member_and_missing_activation_get_404(client, activation, user, name):
    client.force_login(user)
    assert client.get(reverse(name, args=[activation.slug])).status_code == 404
    assert client.get(reverse(name, args=["no-such-thing"])).status_code == 404
    response = client.post(_log_url(activation), {"text": "x", "kind": "note"})
    assert response.status_code == 404
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_log_page_follows_the_role_table(client, activation, role):
    # given
    client.force_login(_member(activation, role))
    # when
    response = client.get(_log_url(activation))
    # then
    assert response.status_code == (
        200 if Action.VIEW_LOG in ROLE_ACTIONS[role] else 403
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COORDINATOR, 200),
        (Role.TEAM_LEAD, 200),
        (Role.VOLUNTEER, 200),
        (Role.LIAISON, 403),
        (Role.OBSERVER, 200),
    ],
)
def test_a_liaison_never_reads_the_log(client, activation, role, status):
    client.force_login(_member(activation, role))
    assert client.get(_log_url(activation)).status_code == status


@pytest.mark.parametrize("role", ALL_ROLES)
def test_writing_follows_the_role_table_and_forbidden_writes_change_nothing(
    client, activation, role
):
    # given
    client.force_login(_member(activation, role))
    # when
    response = client.post(
        _log_url(activation), {"text": "Appel du CODIS", "kind": "note"}
    )
    # then
    if Action.WRITE_LOG in ROLE_ACTIONS[role]:
        assert response.status_code == 302
        assert _texts(activation) == [("note", "Appel du CODIS", None)]
    else:
        assert response.status_code == 403
        assert _texts(activation) == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COORDINATOR, 200),
        (Role.TEAM_LEAD, 200),
        (Role.VOLUNTEER, 403),
        (Role.LIAISON, 403),
        (Role.OBSERVER, 403),
    ],
)
def test_export_is_for_coordinators_and_team_leads(client, activation, role, status):
    client.force_login(_member(activation, role))
    assert client.get(_export_url(activation)).status_code == status
    assert (Action.EXPORT_LOG in ROLE_ACTIONS[role]) == (
        status == 200
    )  # the table and the page agree


def test_observers_see_no_write_form_and_no_correct_button(client, activation):
    LogEntryFactory(activation=activation)
    client.force_login(_member(activation, Role.OBSERVER))
    response = client.get(_log_url(activation))
    assert response.context["entry_form"] is None
    assert "?correct=" not in response.text
    assert "Export as CSV" not in response.text


# --- reading ------------------------------------------------------------------------
def test_entries_are_newest_first_and_escaped(client, activation):
    # given
    now = timezone.now()
    old = LogEntryFactory(activation=activation, at=now - dt.timedelta(hours=2))
    new = LogEntryFactory(
        activation=activation, at=now, text="<script>alert(1)</script>"
    )
    LogEntryFactory(text="another activation")
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when
    response = client.get(_log_url(activation))
    # then
    assert [e.pk for e in response.context["page"]] == [new.pk, old.pk]
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "another activation" not in response.text


def test_entries_are_paginated_by_50(client, activation):
    # given
    now = timezone.now()
    LogEntry.objects.bulk_create(
        LogEntry(activation=activation, at=now - dt.timedelta(minutes=i), text=f"e{i}")
        for i in range(120)
    )
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when
    first = client.get(_log_url(activation))
    last = client.get(_log_url(activation), {"page": 3})
    # then
    assert [e.text for e in first.context["page"]][:2] == ["e0", "e1"]
    assert len(first.context["page"]) == 50
    assert len(last.context["page"]) == 20
    assert "Page 3 of 3" in last.text


def test_filters_narrow_the_entries(client, activation):
    # given
    now = timezone.now()
    author = _member(activation, Role.VOLUNTEER)
    LogEntryFactory(
        activation=activation, at=now - dt.timedelta(days=2), text="Vieille note"
    )
    decision = LogEntryFactory(
        activation=activation,
        author=author,
        kind=LogEntry.Kind.DECISION,
        text="On passe en veille renforcée",
        at=now - dt.timedelta(hours=1),
    )
    LogEntryFactory(activation=activation, text="Rumeur de barrage rompu", at=now)
    client.force_login(_member(activation, Role.COORDINATOR))

    def shown(**query):
        return [e.text for e in client.get(_log_url(activation), query).context["page"]]

    # then
    assert shown(kind="decision") == [decision.text]
    assert shown(author=author.pk) == [decision.text]
    assert shown(q="barrage") == ["Rumeur de barrage rompu"]
    since = timezone.localtime(now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert len(shown(since=since)) == 2
    assert shown(until=since) == ["Vieille note"]


def test_invalid_filters_show_an_error_and_everything(client, activation):
    LogEntryFactory(activation=activation)
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.get(
        _log_url(activation),
        {"since": "2026-03-02T10:00", "until": "2026-03-01T10:00"},
    )
    assert response.context["filters"].errors["until"]
    assert len(response.context["page"]) == 1


def test_log_page_query_count_is_pinned(client, activation, django_assert_num_queries):
    # given 60 entries, some corrected, by several authors
    authors = [_member(activation, Role.VOLUNTEER) for _ in range(3)]
    entries = [
        LogEntryFactory(activation=activation, author=authors[i % 3]) for i in range(60)
    ]
    for entry in entries[:5]:
        LogEntryFactory(
            activation=activation,
            kind=LogEntry.Kind.CORRECTION,
            corrects=entry,
            author=authors[0],
        )
    client.force_login(authors[0])
    # then (the session comes from the cache): user, unread notifications, activation, membership, authors, count, page,
    # corrections (prefetch)
    with django_assert_num_queries(8):
        response = client.get(_log_url(activation))
    assert len(response.context["page"]) == 50


def test_htmx_poll_gets_only_the_entries_fragment(client, activation):
    LogEntryFactory(activation=activation, text="Fragment entry")
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.get(_log_url(activation), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Fragment entry" in response.text
    assert "<html" not in response.text
    assert 'hx-trigger="every 15s"' in response.text
    assert "HX-Request" in response["Vary"]
    full = client.get(_log_url(activation))
    assert "<html" in full.text
    assert 'hx-trigger="every 15s"' in full.text


# --- writing and correcting --------------------------------------------------------------
def test_add_a_decision(client, activation):
    user = _member(activation, Role.TEAM_LEAD)
    client.force_login(user)
    response = client.post(
        _log_url(activation),
        {"text": "  Ouverture d'une cellule carto  ", "kind": "decision"},
        follow=True,
    )
    entry = LogEntry.objects.get()
    assert (entry.kind, entry.text, entry.author) == (
        LogEntry.Kind.DECISION,
        "Ouverture d'une cellule carto",
        user,
    )
    assert f"Entry #{entry.pk} added to the log." in response.text


@pytest.mark.parametrize(
    ("case", "data"),
    [
        ("empty text", {"text": "   ", "kind": "note"}),
        ("system kind", {"text": "Fake status", "kind": "status"}),
        ("too long", {"text": "x" * 5001, "kind": "note"}),
    ],
)
def test_refused_entries_change_nothing(client, activation, case, data):
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.post(_log_url(activation), data)
    assert response.status_code == 200
    assert response.context["entry_form"].errors
    assert _texts(activation) == []


def test_correct_prefills_a_correction_form(client, activation):
    entry = LogEntryFactory(activation=activation, text="Crue de 2 m au pont")
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.get(_log_url(activation), {"correct": entry.pk})
    form = response.context["entry_form"]
    assert form.initial == {"corrects": entry.pk, "text": "Crue de 2 m au pont"}
    assert response.context["original"] == entry
    assert f"Correct entry #{entry.pk}" in response.text


def test_correct_with_an_unknown_id_is_a_plain_form(client, activation):
    client.force_login(_member(activation, Role.VOLUNTEER))
    for value in ["999999", "abc", ""]:
        response = client.get(_log_url(activation), {"correct": value})
        assert response.context["original"] is None
        assert response.context["entry_form"].initial == {}


def test_a_correction_is_a_new_entry_pointing_to_the_old_one(client, activation):
    # given
    entry = LogEntryFactory(activation=activation, text="Crue de 2 m au pont")
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when
    client.post(
        _log_url(activation),
        {"text": "Crue de 1,2 m au pont", "kind": "note", "corrects": entry.pk},
    )
    # then the original is untouched and the correction points to it
    assert _texts(activation) == [
        ("note", "Crue de 2 m au pont", None),
        ("correction", "Crue de 1,2 m au pont", entry.pk),
    ]
    correction = LogEntry.objects.get(corrects=entry)
    response = client.get(_log_url(activation))
    assert f'Corrects <a href="#entry-{entry.pk}">#{entry.pk}</a>' in response.text
    assert f'<a href="#entry-{correction.pk}">#{correction.pk}</a>' in response.text
    assert "Corrected by" in response.text


def test_an_entry_of_another_activation_cannot_be_corrected_here(client, activation):
    foreign = LogEntryFactory(activation=ActivationFactory())
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.post(
        _log_url(activation),
        {"text": "Hijack", "kind": "note", "corrects": foreign.pk},
    )
    assert response.status_code == 200
    assert "corrects" in response.context["entry_form"].errors
    assert _texts(activation) == []
    assert foreign.corrections.count() == 0


def test_the_page_offers_no_edit_or_delete(client, activation):
    LogEntryFactory(activation=activation)
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.get(_log_url(activation))
    assert "Delete" not in response.text
    assert "Edit" not in response.text
    assert "never edited nor deleted" in response.text


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, activation, method):
    entry = LogEntryFactory(activation=activation, text="stays")
    client.force_login(_member(activation, Role.COORDINATOR))
    response = getattr(client, method)(_log_url(activation))
    assert response.status_code == 405
    entry.refresh_from_db()
    assert entry.text == "stays"


def test_the_database_refuses_to_edit_or_delete_an_entry(activation):
    # given
    entry = LogEntryFactory(activation=activation, text="Original")
    # when / then: the trigger refuses UPDATE and DELETE
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(text="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.text == "Original"


# --- CSV export ---------------------------------------------------------------------
def _rows(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_export_streams_a_csv_with_header_and_rows(client, activation):
    # given
    author = _member(activation, Role.TEAM_LEAD, username="chef")
    first = LogEntryFactory(
        activation=activation,
        author=author,
        text="Ligne, avec virgule",
        at=timezone.now() - dt.timedelta(hours=1),
    )
    second = LogEntryFactory(
        activation=activation, author=author, text='=HYPERLINK("http://evil")'
    )
    client.force_login(author)
    # when
    response = client.get(_export_url(activation))
    # then
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{activation.slug}-log.csv"'
    )
    rows = _rows(response)
    assert rows[0] == ["id", "time", "kind", "author", "text", "corrects"]
    assert [r[0] for r in rows[1:]] == [str(second.pk), str(first.pk)]
    assert rows[1][4] == '\'=HYPERLINK("http://evil")'
    assert rows[2][3:5] == ["chef", "Ligne, avec virgule"]


def test_export_marks_exercises(client, db):
    exercise = ActivationFactory(kind=Activation.Kind.EXERCISE)
    LogEntryFactory(activation=exercise)
    client.force_login(_member(exercise, Role.COORDINATOR))
    rows = _rows(client.get(_export_url(exercise)))
    assert rows[0][-1] == "EXERCISE"
    assert rows[1][-1] == "EXERCICE / EXERCISE"


def test_export_applies_the_page_filters(client, activation):
    LogEntryFactory(activation=activation, kind=LogEntry.Kind.DECISION, text="D")
    LogEntryFactory(activation=activation, text="N")
    client.force_login(_member(activation, Role.COORDINATOR))
    rows = _rows(client.get(_export_url(activation), {"kind": "decision"}))
    assert [r[4] for r in rows[1:]] == ["D"]
    page = client.get(_log_url(activation), {"kind": "decision"})
    assert f"{_export_url(activation)}?kind=decision" in page.text


def test_export_refuses_invalid_filters(client, activation):
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.get(_export_url(activation), {"author": "not-a-number"})
    assert response.status_code == 400


def test_export_of_another_users_log_is_404(client, activation):
    # given a coordinator of another activation
    other = ActivationFactory()
    client.force_login(_member(other, Role.COORDINATOR))
    assert client.get(_export_url(activation)).status_code == 404
