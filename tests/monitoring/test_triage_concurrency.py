"""Volunteers racing for the triage queue: real threads, one database connection each.

"Next" takes rows with FOR UPDATE SKIP LOCKED: however many people press it at the
same moment, an item is given to one of them only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from activations.models import ActivationMember
from monitoring import triage
from monitoring.models import Cluster, TriageDecision
from tests.factories import ActivationFactory, make_item, make_member
from vost.exceptions import DomainError

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 20


@pytest.fixture(autouse=True)
def _no_learning_task(monkeypatch: pytest.MonkeyPatch) -> None:
    # committed decisions would enqueue the classifier task on the shared broker
    monkeypatch.setattr(triage, "_schedule_learning", lambda activation_id: None)


def race(workers: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run every worker in its own thread, all released at once by a barrier."""
    barrier = threading.Barrier(len(workers))
    outcomes: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def run(work: Callable[[], Any]) -> None:
        translation.activate("en")
        try:
            barrier.wait()
            result = work()
            with lock:
                outcomes.append(("ok", result))
        except DomainError as exc:
            with lock:
                outcomes.append(("refused", exc.code))
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def volunteers(activation: Any, count: int) -> list[Any]:
    return [
        make_member(activation, ActivationMember.Role.VOLUNTEER).user
        for _ in range(count)
    ]


def claimers(activation: Any, people: list[Any]) -> list[Callable[[], Any]]:
    return [
        lambda p=p: triage.item_claim_next(activation=activation, user=p)
        for p in people
    ]


def test_twenty_volunteers_pressing_next_at_once_never_share_an_item():
    # given: 30 items of the same priority, 20 volunteers
    activation = ActivationFactory()
    for _ in range(30):
        make_item(activation, priority=0.5)
    people = volunteers(activation, THREADS)
    # when
    outcomes = race(claimers(activation, people))
    # then: everyone got an item, all different, and the database agrees
    assert [kind for kind, _ in outcomes] == ["ok"] * THREADS
    got = {result.pk: result.claimed_by_id for _, result in outcomes}
    assert len(got) == THREADS
    held = dict(
        Cluster.objects.filter(status=Cluster.Status.IN_TRIAGE).values_list(
            "pk", "claimed_by_id"
        )
    )
    assert held == got
    assert sorted(held.values()) == sorted(p.pk for p in people)
    assert Cluster.objects.filter(status=Cluster.Status.NEW).count() == 10


def test_twenty_volunteers_for_five_items_five_get_one_fifteen_get_none():
    # given
    activation = ActivationFactory()
    items = {make_item(activation).pk for _ in range(5)}
    people = volunteers(activation, THREADS)
    # when
    outcomes = race(claimers(activation, people))
    # then
    results = [result for kind, result in outcomes if kind == "ok"]
    assert len(results) == THREADS
    given = [r for r in results if r is not None]
    assert len(given) == 5
    assert {r.pk for r in given} == items
    assert len({r.claimed_by_id for r in given}) == 5
    assert (
        Cluster.objects.filter(status=Cluster.Status.IN_TRIAGE, pk__in=items).count()
        == 5
    )


def test_the_same_decision_sent_twice_at_once_is_recorded_once():
    # given: five items, each held by a volunteer who double-clicks "decide"
    activation = ActivationFactory()
    people = volunteers(activation, 5)
    held = []
    for person in people:
        make_item(activation)
        item = triage.item_claim_next(activation=activation, user=person)
        assert item is not None
        held.append((person, item))

    def decide(person: Any, item: Cluster) -> TriageDecision:
        return triage.item_decide(
            activation=activation,
            cluster_id=item.pk,
            user=person,
            token=item.claim_token,
            kind=TriageDecision.Kind.NOT_RELEVANT,
        )

    # when: both clicks of each person arrive at once (10 threads)
    outcomes = race([lambda p=p, i=i: decide(p, i) for p, i in held for _ in range(2)])
    # then: one decision per item; the other click is told it is already decided
    assert sorted(kind for kind, _ in outcomes) == ["ok"] * 5 + ["refused"] * 5
    assert {code for kind, code in outcomes if kind == "refused"} == {"already_decided"}
    for _person, item in held:
        assert TriageDecision.objects.filter(cluster=item).count() == 1
        item.refresh_from_db()
        assert item.status == Cluster.Status.DONE
