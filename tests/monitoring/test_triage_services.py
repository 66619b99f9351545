"""The triage core (monitoring/triage.py): who gets which item, leases, skips, bulk,
undo of urgent and verify, and what the classifier learns from decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from activations.models import ActivationMember, Skill, VolunteerLanguage
from monitoring import triage
from monitoring.models import (
    Category,
    ClassifierState,
    Cluster,
    Escalation,
    TriageDecision,
)
from tests.factories import make_item, make_member
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Kind = TriageDecision.Kind


def member(
    activation: Any,
    role: str = Role.VOLUNTEER,
    *,
    languages: tuple[str, ...] = (),
    skills: tuple[str, ...] = (Skill.MONITORING,),
) -> Any:
    user = make_member(activation, role).user
    profile = user.volunteer_profile
    profile.skills = list(skills)
    profile.save()
    for code in languages:
        VolunteerLanguage.objects.create(profile=profile, language=code, level="fluent")
    return user


def claim(activation: Any, user: Any, **kwargs: Any) -> Cluster | None:
    return triage.item_claim_next(activation=activation, user=user, **kwargs)


def decide(activation: Any, user: Any, item: Cluster, kind: str, **kwargs: Any) -> Any:
    return triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=user,
        token=item.claim_token,
        kind=kind,
        **kwargs,
    )


def drain(activation: Any, user: Any) -> list[int]:
    """Every item `user` is given, one after the other (each released after)."""
    seen: list[int] = []
    while (item := claim(activation, user)) is not None:
        seen.append(item.pk)
        decide(activation, user, item, Kind.NOT_RELEVANT)
    return seen


# --- languages -------------------------------------------------------------------------
def test_a_volunteer_reading_english_never_gets_a_french_item(activation):
    # given
    french = [make_item(activation, lang="fr", priority=0.9) for _ in range(3)]
    english = make_item(activation, lang="en", priority=0.1)
    unknown = make_item(activation, lang="", priority=0.05)
    reader = member(activation, languages=("en",))
    # when
    seen = drain(activation, reader)
    # then: English and unknown-language items only; the French ones still wait
    assert seen == [english.pk, unknown.pk]
    assert all(
        status == Cluster.Status.NEW
        for status in Cluster.objects.filter(pk__in=[c.pk for c in french]).values_list(
            "status", flat=True
        )
    )


def test_a_team_lead_gets_every_language(activation):
    items = [make_item(activation, lang=code, priority=0.5) for code in ("fr", "de")]
    boss = member(activation, Role.TEAM_LEAD, languages=("en",))
    assert sorted(drain(activation, boss)) == sorted(c.pk for c in items)


def test_a_volunteer_without_languages_or_translating_gets_everything(activation):
    items = [make_item(activation, lang=code) for code in ("fr", "es")]
    translator = member(
        activation, languages=("en",), skills=(Skill.TRANSLATION, Skill.MONITORING)
    )
    assert sorted(drain(activation, translator)) == sorted(c.pk for c in items)


# --- order, skills, skips ---------------------------------------------------------------
def test_next_gives_the_most_urgent_first_and_one_item_at_a_time(activation):
    low = make_item(activation, priority=0.1)
    high = make_item(activation, priority=0.8)
    me = member(activation)
    first = claim(activation, me)
    assert first is not None
    assert first.pk == high.pk
    assert first.claim_token is not None
    # asking again before deciding gives the same item, same token
    again = claim(activation, me)
    assert again is not None
    assert (again.pk, again.claim_token) == (high.pk, first.claim_token)
    decide(activation, me, first, Kind.NOT_RELEVANT)
    second = claim(activation, me)
    assert second is not None
    assert second.pk == low.pk


def test_verification_skill_puts_possible_rumours_first(activation):
    # given: a rumour below the most urgent item
    make_item(activation, priority=0.9, category=Category.REQUEST)
    rumour = make_item(activation, priority=0.6, category=Category.RUMOUR)
    checker = member(activation, skills=(Skill.VERIFICATION,))
    other = member(activation, skills=(Skill.MONITORING,))
    # when
    mine = claim(activation, checker)
    theirs = claim(activation, other)
    # then
    assert mine is not None
    assert mine.pk == rumour.pk
    assert theirs is not None
    assert theirs.pk != rumour.pk


def test_a_low_priority_rumour_does_not_jump_the_queue(activation):
    urgent = make_item(activation, priority=0.9, category=Category.REQUEST)
    make_item(activation, priority=0.3, category=Category.RUMOUR)
    checker = member(activation, skills=(Skill.VERIFICATION,))
    got = claim(activation, checker)
    assert got is not None
    assert got.pk == urgent.pk


def test_a_skipped_item_is_not_offered_again_to_the_same_person_for_a_while(
    activation,
):
    # given
    only = make_item(activation)
    me = member(activation)
    item = claim(activation, me)
    assert item is not None
    skip = decide(activation, me, item, Kind.SKIP)
    # then: back in the queue, not for me, for someone else yes
    only.refresh_from_db()
    assert only.status == Cluster.Status.NEW
    assert only.claimed_by_id is None
    assert claim(activation, me) is None
    # after SKIP_MEMORY it comes back to me
    TriageDecision.objects.filter(pk=skip.pk).update(
        created_at=timezone.now() - triage.SKIP_MEMORY - dt.timedelta(seconds=1)
    )
    back = claim(activation, me)
    assert back is not None
    assert back.pk == only.pk


def test_someone_else_gets_the_item_i_skipped(activation):
    only = make_item(activation)
    me, colleague = member(activation), member(activation)
    item = claim(activation, me)
    assert item is not None
    decide(activation, me, item, Kind.SKIP)
    theirs = claim(activation, colleague)
    assert theirs is not None
    assert theirs.pk == only.pk


def test_team_lead_filters_narrow_next(activation):
    make_item(activation, priority=0.9, text="Pluie")
    wanted = make_item(activation, priority=0.1, text="Le pont est coupé")
    boss = member(activation, Role.TEAM_LEAD)
    got = claim(activation, boss, filters=triage.QueueFilters(keyword="pont"))
    assert got is not None
    assert got.pk == wanted.pk


# --- leases ------------------------------------------------------------------------------
def test_an_expired_lease_returns_the_item_and_someone_else_can_claim_it(activation):
    # given
    only = make_item(activation)
    first, second = member(activation), member(activation)
    held = claim(activation, first)
    assert held is not None
    assert claim(activation, second) is None
    # when: the lease ends
    Cluster.objects.filter(pk=only.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    # then
    taken = claim(activation, second)
    assert taken is not None
    assert taken.pk == only.pk
    assert taken.claim_token != held.claim_token
    with pytest.raises(ConflictError) as refused:
        decide(activation, first, held, Kind.NOT_RELEVANT)
    assert refused.value.code == "claimed_by_other"
    assert not TriageDecision.objects.exists()


def test_the_lease_lasts_the_activation_s_lease_minutes(activation):
    activation.triage_lease_minutes = 3
    activation.save()
    make_item(activation)
    before = timezone.now()
    item = claim(activation, member(activation))
    assert item is not None
    assert item.lease_expires_at is not None
    assert (
        dt.timedelta(minutes=3)
        <= item.lease_expires_at - before
        < dt.timedelta(minutes=3, seconds=5)
    )


def test_renew_extends_and_needs_the_token(activation):
    make_item(activation)
    me = member(activation)
    item = claim(activation, me)
    assert item is not None
    Cluster.objects.filter(pk=item.pk).update(
        lease_expires_at=timezone.now() + dt.timedelta(seconds=20)
    )
    renewed = triage.item_renew(
        activation=activation, cluster_id=item.pk, user=me, token=item.claim_token
    )
    assert renewed.lease_expires_at is not None
    assert renewed.lease_expires_at > timezone.now() + dt.timedelta(minutes=9)
    with pytest.raises(ConflictError):
        triage.item_renew(
            activation=activation, cluster_id=item.pk, user=me, token="nope"
        )


def test_release_returns_the_item_and_the_old_token_is_dead(activation):
    only = make_item(activation)
    me = member(activation)
    item = claim(activation, me)
    assert item is not None
    triage.item_release(
        activation=activation, cluster_id=item.pk, user=me, token=item.claim_token
    )
    only.refresh_from_db()
    assert (only.status, only.claimed_by_id, only.claim_token) == (
        Cluster.Status.NEW,
        None,
        None,
    )
    with pytest.raises(ConflictError):
        decide(activation, me, item, Kind.NOT_RELEVANT)


def test_claims_release_for_user_frees_every_held_item(activation):
    me = member(activation)
    for _ in range(2):
        make_item(activation)
    first = claim(activation, me)
    assert first is not None
    released = triage.claims_release_for_user(activation=activation, user=me)
    assert [c.pk for c in released] == [first.pk]
    assert not Cluster.objects.filter(status=Cluster.Status.IN_TRIAGE).exists()


# --- bulk ------------------------------------------------------------------------------
def test_bulk_decides_and_refuses_held_and_decided_items(activation):
    boss = member(activation, Role.TEAM_LEAD)
    free = [make_item(activation) for _ in range(3)]
    someone = member(activation)
    busy = claim(activation, someone)
    assert busy is not None
    result = triage.items_bulk_decide(
        activation=activation,
        user=boss,
        cluster_ids=[*(c.pk for c in free), busy.pk],
        kind=Kind.NOT_RELEVANT,
    )
    assert sorted(result.decided) == sorted(c.pk for c in free if c.pk != busy.pk)
    assert list(result.refused) == [busy.pk]
    assert TriageDecision.objects.filter(bulk=True).count() == len(result.decided)


def test_bulk_refuses_too_many_and_bad_kinds(activation):
    boss = member(activation, Role.TEAM_LEAD)
    with pytest.raises(DomainError):
        triage.items_bulk_decide(
            activation=activation,
            user=boss,
            cluster_ids=list(range(1, triage.MAX_BULK + 2)),
            kind=Kind.NOT_RELEVANT,
        )
    with pytest.raises(DomainError):
        triage.items_bulk_decide(
            activation=activation, user=boss, cluster_ids=[1], kind=Kind.URGENT
        )
    assert not TriageDecision.objects.exists()


# --- undo ---------------------------------------------------------------------------------
def test_undo_of_urgent_cancels_the_escalation(activation):
    # given
    make_item(activation, text="Child stuck in a car, water rising")
    me = member(activation)
    item = claim(activation, me)
    assert item is not None
    decision = decide(activation, me, item, Kind.URGENT)
    escalation = Escalation.objects.get(cluster=item)
    assert escalation.status == Escalation.Status.OPEN
    # when
    back = triage.decision_undo(activation=activation, decision_id=decision.pk, user=me)
    # then
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.CANCELLED
    assert back.status == Cluster.Status.IN_TRIAGE
    assert back.claimed_by_id == me.pk
    assert back.decision == ""
    decision.refresh_from_db()
    assert decision.undone_at is not None


def test_undo_of_an_acknowledged_urgent_item_is_refused_and_changes_nothing(
    activation,
):
    from monitoring import escalations

    # given: an urgent decision a liaison has already acknowledged
    make_item(activation, text="Man in the water near the bridge")
    me = member(activation)
    item = claim(activation, me)
    assert item is not None
    decision = decide(activation, me, item, Kind.URGENT)
    escalation = Escalation.objects.get(cluster=item)
    liaison = make_member(activation, Role.LIAISON).user
    escalations.escalation_acknowledge(escalation=escalation, by=liaison)
    # when
    with pytest.raises(ConflictError):
        triage.decision_undo(activation=activation, decision_id=decision.pk, user=me)
    # then
    decision.refresh_from_db()
    item.refresh_from_db()
    escalation.refresh_from_db()
    assert decision.undone_at is None
    assert item.status == Cluster.Status.DONE
    assert escalation.status == Escalation.Status.ACKNOWLEDGED


def test_undo_of_verify_removes_the_untouched_case(activation):
    from verification.models import Case

    make_item(activation, text="Is the dam really broken?")
    me = member(activation)
    item = claim(activation, me)
    assert item is not None
    decision = decide(activation, me, item, Kind.VERIFY)
    assert Case.objects.filter(cluster=item).count() == 1
    triage.decision_undo(activation=activation, decision_id=decision.pk, user=me)
    assert not Case.objects.filter(cluster=item).exists()


def test_undo_restores_the_predicted_category(activation):
    make_item(activation, category=Category.CAUTION)
    me = member(activation)
    item = claim(activation, me)
    assert item is not None
    decision = decide(activation, me, item, Kind.NOT_RELEVANT)
    back = triage.decision_undo(activation=activation, decision_id=decision.pk, user=me)
    assert back.category == Category.CAUTION


# --- learning ---------------------------------------------------------------------------------
def _decided(activation: Any, user: Any, kind: str, **kwargs: Any) -> TriageDecision:
    make_item(activation, text=f"texte {kind} {timezone.now().timestamp()}")
    item = claim(activation, user)
    assert item is not None
    return decide(activation, user, item, kind, **kwargs)


def test_decisions_learn_each_decision_once_after_the_undo_window(activation):
    # given: two decisions, a skip, an undone one
    me = member(activation)
    relevant = _decided(activation, me, Kind.RELEVANT, category=Category.CAUTION)
    dismissed = _decided(activation, me, Kind.NOT_RELEVANT)
    skipped = _decided(activation, me, Kind.SKIP)
    undone = _decided(activation, me, Kind.NOT_RELEVANT)
    triage.decision_undo(activation=activation, decision_id=undone.pk, user=me)
    now = timezone.now()
    # when: still inside the undo window, nothing is learnt
    assert triage.decisions_learn(activation_id=activation.pk, now=now) == 0
    assert not TriageDecision.objects.filter(learnt_at__isnull=False).exists()
    # when: after it, twice
    later = now + triage.UNDO_WINDOW + dt.timedelta(seconds=1)
    first = triage.decisions_learn(activation_id=activation.pk, now=later)
    second = triage.decisions_learn(activation_id=activation.pk, now=later)
    # then
    assert (first, second) == (2, 0)
    learnt = set(
        TriageDecision.objects.filter(learnt_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert learnt == {relevant.pk, dismissed.pk}
    assert skipped.pk not in learnt
    assert undone.pk not in learnt
    assert ClassifierState.objects.get(activation=activation).updates >= 2
    assert triage.activations_with_decisions_to_learn(now=later) == []


def test_activations_with_decisions_to_learn_lists_waiting_ones(activation):
    me = member(activation)
    _decided(activation, me, Kind.NOT_RELEVANT)
    later = timezone.now() + triage.UNDO_WINDOW + dt.timedelta(seconds=1)
    assert triage.activations_with_decisions_to_learn(now=later) == [activation.pk]
    assert triage.activations_with_decisions_to_learn(now=timezone.now()) == []


# --- counts ------------------------------------------------------------------------------------
def test_queue_counts(activation):
    me = member(activation)
    make_item(activation, priority=0.9)
    make_item(activation, priority=0.2)
    held = claim(activation, member(activation))
    assert held is not None
    counts = triage.queue_counts(activation=activation, user=me)
    assert (counts.waiting, counts.urgent_waiting, counts.in_triage) == (1, 0, 1)


def test_counts_stop_at_the_cap_and_say_there_are_more(activation, monkeypatch):
    # given more waiting and urgent items than the cap
    monkeypatch.setattr(triage, "COUNT_CAP", 2)
    me = member(activation)
    for _ in range(3):
        make_item(activation, priority=0.9)
    make_item(activation, priority=0.1)
    held = claim(activation, member(activation))
    assert held is not None
    # when
    counts = triage.queue_counts(activation=activation, user=me)
    # then the figures stop at the cap and say so; the rest stays exact
    assert (counts.waiting, counts.waiting_more) == (2, True)
    assert (counts.urgent_waiting, counts.urgent_more) == (2, False)
    assert counts.in_triage == 1
    make_item(activation, priority=0.95)
    counts = triage.queue_counts(activation=activation, user=me)
    assert (counts.urgent_waiting, counts.urgent_more) == (2, True)


def test_shared_counts_recount_only_my_figure_after_my_decision(
    activation, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given a team-wide snapshot shared by every workspace
    me = member(activation)
    for _ in range(3):
        make_item(activation)
    first = triage.queue_counts(activation=activation, user=me, shared=True)
    assert (first.waiting, first.mine_last_hour) == (3, 0)
    # when I decide one item (which forgets my own figure on commit)
    item = claim(activation, me)
    assert item is not None
    decide(activation, me, item, Kind.NOT_RELEVANT)
    with django_capture_on_commit_callbacks(execute=True):
        triage.counts_forget(activation_id=activation.pk, user_id=me.pk, team=False)
    # then my figure is recounted alone (one query) and the team's comes from the
    # snapshot, up to COUNTS_MAX_AGE seconds old
    with django_assert_num_queries(1):
        after = triage.queue_counts(activation=activation, user=me, shared=True)
    assert after.mine_last_hour == 1
    assert after.waiting == first.waiting
    # and a skip is not a decision that counts
    other = claim(activation, me)
    assert other is not None
    decide(activation, me, other, Kind.SKIP)
    with django_capture_on_commit_callbacks(execute=True):
        triage.counts_forget(activation_id=activation.pk, user_id=me.pk, team=False)
    assert (
        triage.queue_counts(activation=activation, user=me, shared=True).mine_last_hour
        == 1
    )


# --- related items -----------------------------------------------------------------------------
def _related(item: Cluster) -> list[int]:
    return [c.pk for c in triage.item_view(cluster=item).related]


def test_related_items_share_the_category_within_5_km_and_6_hours(activation):
    from django.contrib.gis.geos import Point

    # given an item in Montpellier and its neighbours
    item = make_item(activation, category=Category.INFRASTRUCTURE, priority=0.5)
    close = make_item(activation, category=Category.INFRASTRUCTURE, priority=0.4)
    closer_in_priority = make_item(
        activation, category=Category.INFRASTRUCTURE, priority=0.9
    )
    other_category = make_item(activation, category=Category.INJURED_DEAD)
    far = make_item(
        activation,
        category=Category.INFRASTRUCTURE,
        location=Point(4.36, 43.84, srid=4326),  # Nîmes, about 45 km away
    )
    earlier = make_item(activation, category=Category.INFRASTRUCTURE)
    Cluster.objects.filter(pk=earlier.pk).update(
        first_seen_at=item.first_seen_at
        - triage.RELATED_WINDOW
        - dt.timedelta(minutes=1)
    )
    # when the item is viewed, then the same-category ones nearby and in the
    # hours around it are related, most urgent first
    assert _related(item) == [closer_in_priority.pk, close.pk]
    assert other_category.pk not in _related(item)
    assert far.pk not in _related(item)


def test_related_items_need_a_location_and_are_bounded(activation, monkeypatch):
    # an item without a location has no related items
    unlocated = make_item(activation, category=Category.INFRASTRUCTURE, location=None)
    make_item(activation, category=Category.INFRASTRUCTURE)
    assert _related(unlocated) == []
    # at most RELATED_SCAN candidates are looked at, most urgent first: a far,
    # urgent item takes the only place and the near one is not reached
    from django.contrib.gis.geos import Point

    item = make_item(activation, category=Category.DISPLACED, priority=0.1)
    make_item(
        activation,
        category=Category.DISPLACED,
        priority=0.9,
        location=Point(4.36, 43.84, srid=4326),
    )
    near = make_item(activation, category=Category.DISPLACED, priority=0.2)
    assert _related(item) == [near.pk]
    monkeypatch.setattr(triage, "RELATED_SCAN", 1)
    assert _related(item) == []


def test_decisions_schedule_one_learning_task_per_activation_and_undo_window(
    activation, monkeypatch, django_capture_on_commit_callbacks
):
    # given a volunteer and three items, and no learning scheduled yet
    from django.core.cache import cache

    from monitoring import tasks

    cache.delete(f"triage:learn-scheduled:{activation.pk}")
    scheduled: list[tuple[Any, Any]] = []
    monkeypatch.setattr(
        tasks.learn_decisions,
        "apply_async",
        lambda args, countdown: scheduled.append((args, countdown)),
    )
    volunteer = member(activation)
    for _ in range(3):
        make_item(activation)
    # when three decisions are made within the undo window
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            decide(
                activation, volunteer, claim(activation, volunteer), Kind.NOT_RELEVANT
            )
    # then one task learns them once they can no longer be undone
    assert scheduled == [((activation.pk,), triage.UNDO_WINDOW.total_seconds() + 5)]
