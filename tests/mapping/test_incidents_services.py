"""Incident proposals (grouping in space and time, reconciliation) and a team
lead's decisions (confirm, dismiss, merge, split, remove, add), with concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone, translation

from activations.models import Activation, ActivationMember, LogEntry
from mapping.models import Incident, MapItem, Verification
from mapping.services import incidents as services
from mapping.tasks import propose_incidents
from tests.factories import ActivationFactory, make_member
from tests.mapping.test_incidents_support import (
    FLOOD,
    OTHER,
    members,
    numbers,
    proposal,
    put,
    state,
    trio,
)
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Status = Incident.Status


@pytest.fixture
def lead(activation):
    return make_member(activation, Role.TEAM_LEAD).user


def _propose(activation):
    return services.incidents_propose(activation=activation)


def _incident_of(item):
    item.refresh_from_db()
    return item.incident


# --- grouping -------------------------------------------------------------------------
def test_three_close_items_are_proposed_as_one_incident(activation):
    # given three verified items within 1 km and 60 minutes
    items = trio(activation, place="Lattes")
    # when
    result = _propose(activation)
    # then
    incident = Incident.objects.get(activation=activation)
    assert result.created == 1
    assert result.items == 3
    assert incident.status == Status.PROPOSED
    assert incident.number == 1
    assert incident.category == FLOOD
    assert members(incident) == {i.pk for i in items}
    assert incident.item_count == 3
    assert incident.started_at == items[0].observed_at
    assert incident.ended_at == items[2].observed_at
    assert incident.title == "Infrastructure and utilities damage near Lattes"
    assert incident.footprint.geom_type == "Polygon"
    assert incident.footprint.contains(incident.centroid)
    assert LogEntry.objects.filter(activation=activation, text__contains="#1").exists()


def test_an_item_1_5_km_away_is_not_in_the_incident(activation):
    items = trio(activation)
    far = put(activation, east=-1500, minutes=5)
    _propose(activation)
    assert members(_incident_of(items[0])) == {i.pk for i in items}
    assert _incident_of(far) is None


def test_the_distance_is_configurable(activation):
    items = trio(activation)
    far = put(activation, east=-1500, minutes=5)
    services.incidents_propose(activation=activation, distance_m=2000)
    assert members(_incident_of(items[0])) == {i.pk for i in [*items, far]}


def test_the_same_place_two_hours_later_is_a_separate_incident(activation):
    first = trio(activation)
    later = trio(activation, start=120)  # same places, two hours later
    _propose(activation)
    one, two = _incident_of(first[0]), _incident_of(later[0])
    assert one != two
    assert members(one) == {i.pk for i in first}
    assert members(two) == {i.pk for i in later}
    assert numbers(activation) == [1, 2]


def test_the_time_window_is_configurable(activation):
    a = put(activation)
    b = put(activation, east=100, minutes=90)
    _propose(activation)
    assert _incident_of(a) is None
    services.incidents_propose(activation=activation, window_minutes=120)
    assert _incident_of(a) == _incident_of(b) is not None


def test_another_category_is_a_separate_group(activation):
    floods = trio(activation)
    cautions = trio(activation, category=OTHER)
    lone = put(activation, category="request", east=50)
    _propose(activation)
    assert members(_incident_of(floods[0])) == {i.pk for i in floods}
    assert members(_incident_of(cautions[0])) == {i.pk for i in cautions}
    assert _incident_of(cautions[0]).category == OTHER
    assert _incident_of(lone) is None


def test_items_are_linked_transitively(activation):
    # A-B 800 m and 50 min apart, B-C too; A-C 1.6 km and 100 min apart
    a = put(activation)
    b = put(activation, east=800, minutes=50)
    c = put(activation, east=1600, minutes=100)
    _propose(activation)
    assert members(_incident_of(a)) == {a.pk, b.pk, c.pk}


@pytest.mark.parametrize(
    "verification",
    [v for v in Verification.values if v != Verification.VERIFIED],
)
def test_items_not_verified_are_ignored(activation, verification):
    a = put(activation)
    b = put(activation, east=100, verification=verification)
    _propose(activation)
    assert _incident_of(a) is None
    assert _incident_of(b) is None
    assert not Incident.objects.exists()


def test_items_without_category_are_never_grouped(activation):
    items = [put(activation, category=""), put(activation, category="", east=10)]
    _propose(activation)
    assert all(_incident_of(i) is None for i in items)


def test_other_activations_items_are_not_grouped_with_these(activation):
    other = ActivationFactory()
    mine = put(activation)
    put(other, east=10)
    _propose(activation)
    assert _incident_of(mine) is None


def test_two_items_at_one_place_get_a_buffered_footprint(activation):
    a = put(activation, place="")
    put(activation, minutes=3, place="")
    _propose(activation)
    incident = _incident_of(a)
    assert incident.footprint.geom_type == "Polygon"
    assert incident.footprint.contains(incident.centroid)
    assert incident.title == "Infrastructure and utilities damage, 2 reports"


def test_bad_settings_are_refused(activation):
    trio(activation)
    with pytest.raises(DomainError, match="distance"):
        services.incidents_propose(activation=activation, distance_m=0)
    with pytest.raises(DomainError, match="window"):
        services.incidents_propose(activation=activation, window_minutes=-1)
    assert not Incident.objects.exists()


# --- reconciliation ---------------------------------------------------------------------
def test_redoing_proposals_is_idempotent(activation):
    trio(activation)
    trio(activation, category=OTHER)
    _propose(activation)
    before = state()
    # when
    result = _propose(activation)
    # then
    assert (result.created, result.updated, result.deleted, result.kept) == (0, 0, 0, 2)
    assert state() == before


def test_a_proposal_keeps_its_number_when_a_report_joins_it(activation):
    items = trio(activation)
    trio(activation, category=OTHER)
    _propose(activation)
    incident = _incident_of(items[0])
    # when a fourth report comes
    extra = put(activation, east=-200, minutes=40)
    result = _propose(activation)
    # then
    assert result.updated == 1
    assert result.created == 0
    assert _incident_of(extra) == incident
    incident.refresh_from_db()
    assert incident.item_count == 4
    assert numbers(activation) == [1, 2]


def test_a_proposal_no_longer_holding_is_withdrawn(activation):
    a, b, c = trio(activation)
    _propose(activation)
    # when two of its items are no longer verified
    MapItem.objects.filter(pk__in=[b.pk, c.pk]).update(verification=Verification.FALSE)
    result = _propose(activation)
    # then
    assert result.deleted == 1
    assert not Incident.objects.exists()
    assert _incident_of(a) is None
    assert LogEntry.objects.filter(text__contains="withdrawn: #1").exists()


def test_an_item_no_longer_verified_leaves_its_proposal(activation):
    items = [*trio(activation), put(activation, east=-100, minutes=5)]
    _propose(activation)
    incident = _incident_of(items[0])
    MapItem.objects.filter(pk=items[3].pk).update(verification=Verification.FALSE)
    _propose(activation)
    incident.refresh_from_db()
    assert members(incident) == {i.pk for i in items[:3]}
    assert incident.item_count == 3


def test_confirmed_incident_is_left_untouched_by_new_proposals(activation, lead):
    items = trio(activation)
    _propose(activation)
    incident = services.incident_confirm(
        incident=_incident_of(items[0]), by=lead, title="Crue du Lez"
    )
    # when a close report comes and proposals are redone
    extra = put(activation, east=100, minutes=15)
    extra2 = put(activation, east=150, minutes=16)
    _propose(activation)
    # then the confirmed incident keeps its items and title; the new ones are a
    # separate proposal
    incident.refresh_from_db()
    assert incident.status == Status.CONFIRMED
    assert incident.title == "Crue du Lez"
    assert members(incident) == {i.pk for i in items}
    new = _incident_of(extra)
    assert new != incident
    assert new.status == Status.PROPOSED
    assert members(new) == {extra.pk, extra2.pk}
    assert new.number == 2


def test_a_dismissed_proposal_keeps_its_items_out_of_proposals(activation, lead):
    items = trio(activation)
    incident = services.incident_dismiss(
        incident=proposal_of(activation, items), by=lead, reason="Doublon"
    )
    _propose(activation)
    assert members(incident) == {i.pk for i in items}
    assert numbers(activation) == [1]


def proposal_of(activation, items):
    _propose(activation)
    return _incident_of(items[0])


def test_figures_of_a_confirmed_incident_follow_its_items(activation, lead):
    items = trio(activation)
    incident = services.incident_confirm(
        incident=proposal_of(activation, items), by=lead
    )
    # when one item leaves the map (sync deleted it)
    items[2].delete()
    _propose(activation)
    incident.refresh_from_db()
    assert incident.item_count == 2
    assert incident.ended_at == items[1].observed_at


def test_the_beat_task_proposes_for_open_activations_only(activation):
    closed = ActivationFactory(
        status=Activation.Status.CLOSED, closed_at=timezone.now()
    )
    trio(activation)
    trio(closed)
    propose_incidents()
    assert numbers(activation) == [1]
    assert numbers(closed) == []


def test_the_beat_task_goes_on_after_a_failing_activation(activation, monkeypatch):
    other = ActivationFactory()
    trio(activation)
    trio(other)
    real = services.incidents_propose

    def failing(*, activation):
        if activation.pk == other.pk:
            raise RuntimeError("boom")
        return real(activation=activation)

    monkeypatch.setattr(services, "incidents_propose", failing)
    results = services.incidents_propose_all()
    assert list(results) == [activation.pk]
    assert numbers(activation) == [1]


# --- confirm and dismiss -----------------------------------------------------------------
def test_confirm_pins_the_incident_with_title_and_note(activation, lead):
    incident = proposal(activation)
    confirmed = services.incident_confirm(
        incident=incident, by=lead, title="  Crue  ", note="Pompiers informés"
    )
    assert confirmed.status == Status.CONFIRMED
    assert confirmed.title == "Crue"
    assert confirmed.note == "Pompiers informés"
    assert confirmed.confirmed_by == lead
    assert confirmed.confirmed_at is not None
    assert LogEntry.objects.filter(
        author=lead, kind=LogEntry.Kind.DECISION, text__contains="#1 confirmed"
    ).exists()


def test_confirm_without_title_keeps_the_proposed_one(activation, lead):
    incident = proposal(activation)
    confirmed = services.incident_confirm(incident=incident, by=lead)
    assert confirmed.title == incident.title != ""


def test_a_second_confirm_gets_a_conflict_naming_the_first(activation, lead):
    incident = proposal(activation)
    other = make_member(
        activation, Role.COORDINATOR, first_name="Alice", last_name="Martin"
    ).user
    services.incident_confirm(incident=incident, by=other)
    before = state()
    with pytest.raises(ConflictError, match="already confirmed by Alice Martin"):
        services.incident_confirm(incident=incident, by=lead, title="Autre")
    assert state() == before


def test_confirm_refuses_a_proposal_that_changed_since_it_was_seen(activation, lead):
    incident = proposal(activation)
    seen = members(incident)
    put(activation, east=-100, minutes=5)
    _propose(activation)
    before = state()
    with pytest.raises(ConflictError, match="now has 4 reports"):
        services.incident_confirm(incident=incident, by=lead, seen_item_ids=seen)
    assert state() == before


def test_confirm_of_a_withdrawn_proposal_is_a_conflict(activation, lead):
    incident = proposal(activation)
    Incident.objects.filter(pk=incident.pk).delete()
    with pytest.raises(ConflictError, match="no longer exists"):
        services.incident_confirm(incident=incident, by=lead)


def test_too_long_title_is_refused(activation, lead):
    incident = proposal(activation)
    before = state()
    with pytest.raises(DomainError, match="at most 200"):
        services.incident_confirm(incident=incident, by=lead, title="x" * 201)
    assert state() == before


def test_dismiss_needs_a_reason_and_is_refused_twice(activation, lead):
    incident = proposal(activation)
    with pytest.raises(DomainError, match="Say why"):
        services.incident_dismiss(incident=incident, by=lead, reason="  ")
    dismissed = services.incident_dismiss(incident=incident, by=lead, reason="Exercice")
    assert dismissed.status == Status.DISMISSED
    assert dismissed.note == "Exercice"
    before = state()
    with pytest.raises(ConflictError, match="already dismissed: Exercice"):
        services.incident_dismiss(incident=incident, by=lead, reason="Encore")
    with pytest.raises(ConflictError, match="already dismissed"):
        services.incident_confirm(incident=incident, by=lead)
    assert state() == before


def test_a_confirmed_incident_can_be_dismissed(activation, lead):
    incident = services.incident_confirm(incident=proposal(activation), by=lead)
    dismissed = services.incident_dismiss(incident=incident, by=lead, reason="Erreur")
    assert dismissed.status == Status.DISMISSED


# --- merge --------------------------------------------------------------------------------
def _two_proposals(activation):
    first = trio(activation)
    second = trio(activation, start=300)
    _propose(activation)
    return _incident_of(first[0]), _incident_of(second[0])


def test_merge_moves_the_items_and_confirms_the_result(activation, lead):
    one, two = _two_proposals(activation)
    items = members(one) | members(two)
    merged = services.incident_merge(incidents=[two], into=one, by=lead)
    two.refresh_from_db()
    assert merged.status == Status.CONFIRMED
    assert members(merged) == items
    assert merged.item_count == 6
    assert two.status == Status.DISMISSED
    assert two.item_count == 0
    assert two.centroid is None
    assert two.note == f"Merged into #1 by {lead.display_name}."
    assert LogEntry.objects.filter(text__contains="#2 merged into #1").exists()
    # and the proposals leave both alone
    _propose(activation)
    assert members(merged) == items
    assert numbers(activation) == [1, 2]


def test_merging_again_says_where_it_went(activation, lead):
    one, two = _two_proposals(activation)
    services.incident_merge(incidents=[two], into=one, by=lead)
    before = state()
    with pytest.raises(ConflictError, match=r"Merged into #1 by"):
        services.incident_merge(incidents=[two], into=one, by=lead)
    assert state() == before


def test_merge_refuses_another_category(activation, lead):
    floods = trio(activation)
    cautions = trio(activation, category=OTHER)
    _propose(activation)
    before = state()
    with pytest.raises(DomainError, match="same category"):
        services.incident_merge(
            incidents=[_incident_of(cautions[0])],
            into=_incident_of(floods[0]),
            by=lead,
        )
    assert state() == before


def test_merge_refuses_itself_nothing_and_another_activation(activation, lead):
    one, _two = _two_proposals(activation)
    foreign = proposal(ActivationFactory())
    with pytest.raises(DomainError, match="itself"):
        services.incident_merge(incidents=[one], into=one, by=lead)
    with pytest.raises(DomainError, match="Choose"):
        services.incident_merge(incidents=[], into=one, by=lead)
    with pytest.raises(DomainError, match="same activation"):
        services.incident_merge(incidents=[foreign], into=one, by=lead)


def test_merge_into_a_dismissed_incident_is_refused(activation, lead):
    one, two = _two_proposals(activation)
    services.incident_dismiss(incident=one, by=lead, reason="Faux")
    with pytest.raises(ConflictError, match="dismissed"):
        services.incident_merge(incidents=[two], into=one, by=lead)


# --- split --------------------------------------------------------------------------------
def test_split_of_a_proposal_confirms_both_parts(activation, lead):
    items = trio(activation)
    incident = proposal_of(activation, items)
    part = services.incident_split(incident=incident, item_ids=[items[2].pk], by=lead)
    incident.refresh_from_db()
    assert part.number == 2
    assert part.status == incident.status == Status.CONFIRMED
    assert members(part) == {items[2].pk}
    assert members(incident) == {items[0].pk, items[1].pk}
    assert incident.item_count == 2
    assert part.item_count == 1
    assert part.footprint.geom_type == "Polygon"
    # and proposals do not undo it
    _propose(activation)
    assert members(part) == {items[2].pk}
    assert numbers(activation) == [1, 2]


def test_split_of_a_confirmed_incident_confirms_the_new_one(activation, lead):
    items = trio(activation)
    incident = services.incident_confirm(
        incident=proposal_of(activation, items), by=lead, title="Crue"
    )
    part = services.incident_split(incident=incident, item_ids=[items[0].pk], by=lead)
    incident.refresh_from_db()
    assert part.status == Status.CONFIRMED
    assert part.confirmed_by == lead
    assert incident.title == "Crue"
    assert part.title.startswith("Infrastructure")


def test_split_of_a_dismissed_incident_frees_the_items(activation, lead):
    items = trio(activation)
    incident = services.incident_dismiss(
        incident=proposal_of(activation, items), by=lead, reason="Doublon"
    )
    part = services.incident_split(
        incident=incident, item_ids=[items[1].pk, items[2].pk], by=lead
    )
    assert part.status == Status.PROPOSED
    # the next proposals keep the freed pair as it is (same number)
    result = _propose(activation)
    assert result.kept == 1
    assert members(part) == {items[1].pk, items[2].pk}


def test_split_refuses_nothing_everything_and_strangers(activation, lead):
    items = trio(activation)
    incident = proposal_of(activation, items)
    stranger = put(activation, east=5000)
    before = state()
    with pytest.raises(DomainError, match="Select the reports"):
        services.incident_split(incident=incident, item_ids=[], by=lead)
    with pytest.raises(DomainError, match="Leave at least one"):
        services.incident_split(
            incident=incident, item_ids=[i.pk for i in items], by=lead
        )
    with pytest.raises(ConflictError, match="no longer part"):
        services.incident_split(incident=incident, item_ids=[stranger.pk], by=lead)
    assert state() == before


# --- remove and add an item ------------------------------------------------------------------
def test_remove_an_item_frees_it(activation, lead):
    items = trio(activation)
    incident = proposal_of(activation, items)
    services.incident_remove_item(incident=incident, map_item=items[0], by=lead)
    incident.refresh_from_db()
    assert _incident_of(items[0]) is None
    assert incident.status == Status.CONFIRMED
    assert incident.item_count == 2
    with pytest.raises(ConflictError, match="no longer part"):
        services.incident_remove_item(incident=incident, map_item=items[0], by=lead)
    services.incident_remove_item(incident=incident, map_item=items[1], by=lead)
    with pytest.raises(DomainError, match="last report"):
        services.incident_remove_item(incident=incident, map_item=items[2], by=lead)


def test_add_an_item_takes_it_from_a_proposal(activation, lead):
    one, two = _two_proposals(activation)
    services.incident_confirm(incident=one, by=lead)
    moved = MapItem.objects.filter(incident=two).first()
    services.incident_add_item(incident=one, map_item=moved, by=lead)
    two.refresh_from_db()
    assert _incident_of(moved) == one
    assert two.item_count == 2
    # a report of a confirmed incident must be removed first
    with pytest.raises(ConflictError, match="already part of incident #1"):
        services.incident_add_item(incident=two, map_item=moved, by=lead)


def test_add_refuses_unverified_and_other_category(activation, lead):
    incident = proposal(activation)
    unverified = put(activation, verification=Verification.UNVERIFIED)
    caution = put(activation, category=OTHER)
    before = state()
    with pytest.raises(DomainError, match="Only verified"):
        services.incident_add_item(incident=incident, map_item=unverified, by=lead)
    with pytest.raises(DomainError, match="category"):
        services.incident_add_item(incident=incident, map_item=caution, by=lead)
    assert state() == before


# --- concurrency ----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_leads_confirming_at_once_one_wins_the_other_gets_a_conflict():
    # given a proposal and two leads submitting at the same moment
    activation = ActivationFactory()
    incident = proposal(activation)
    leads = [make_member(activation, Role.TEAM_LEAD).user for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(user):
        try:
            barrier.wait()
            # a new thread starts in the default language (French): log in English
            with translation.override("en"):
                services.incident_confirm(incident=incident, by=user)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=confirm, args=(u,)) for u in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then
    assert sorted(outcomes) == ["conflict", "ok"]
    incident.refresh_from_db()
    assert incident.status == Status.CONFIRMED
    assert incident.confirmed_by in leads
    assert LogEntry.objects.filter(text__contains="#1 confirmed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_proposals_running_twice_at_once_number_without_clash():
    activation = ActivationFactory()
    trio(activation)
    trio(activation, category=OTHER)
    errors: list[Exception] = []

    def run():
        try:
            services.incidents_propose(
                activation=Activation.objects.get(pk=activation.pk)
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert numbers(activation) == [1, 2]


def test_a_proposal_cut_in_two_keeps_its_number_for_the_bigger_part(activation):
    # A-B-C | D-E, joined by a bridge item between C and D
    left = [put(activation), put(activation, east=500, minutes=5)]
    left.append(put(activation, east=1000, minutes=10))
    bridge = put(activation, east=1800, minutes=12)
    right = [
        put(activation, east=2600, minutes=14),
        put(activation, east=3000, minutes=16),
    ]
    _propose(activation)
    incident = _incident_of(left[0])
    assert members(incident) == {i.pk for i in [*left, bridge, *right]}
    # when the bridge is no longer verified
    MapItem.objects.filter(pk=bridge.pk).update(verification=Verification.FALSE)
    result = _propose(activation)
    # then
    assert (result.created, result.updated, result.deleted) == (1, 1, 0)
    assert members(incident) == {i.pk for i in left}
    new = _incident_of(right[0])
    assert new.number == 2
    assert members(new) == {i.pk for i in right}
    assert _incident_of(bridge) is None
