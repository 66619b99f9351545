"""Races that happen when a team works at once: real threads, real connections."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from activations import services
from activations.models import Activation, ActivationMember, ShiftAssignment
from tests.closure.helpers import publish_final_report
from tests.factories import ActivationFactory, ShiftFactory, UserFactory
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db(transaction=True)


def _race(workers):
    barrier = threading.Barrier(len(workers))
    outcomes = []
    lock = threading.Lock()

    def run(work):
        translation.activate("en")  # a new thread starts in the default language
        try:
            barrier.wait()
            result = work()
            with lock:
                outcomes.append(("ok", result))
        except (DomainError, ConflictError) as exc:
            with lock:
                outcomes.append(("refused", exc.message))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_eight_volunteers_racing_for_three_places_get_exactly_three():
    # given a shift for three and eight volunteers
    shift = ShiftFactory(headcount=3)
    people = [UserFactory() for _ in range(8)]
    for person in people:
        ActivationMember.objects.create(
            activation=shift.activation, user=person, role="volunteer"
        )
    # when they all press "sign up" at the same moment
    outcomes = _race(
        [lambda p=p: services.shift_assign(by=p, shift=shift, user=p) for p in people]
    )
    # then three win, five are told it is full, and the database agrees
    assert sorted(kind for kind, _ in outcomes) == ["ok"] * 3 + ["refused"] * 5
    assert {m for kind, m in outcomes if kind == "refused"} == {"This shift is full."}
    assert ShiftAssignment.objects.filter(shift=shift).count() == 3


def test_two_coordinators_closing_and_editing_at_once_one_is_refused():
    activation = ActivationFactory()
    publish_final_report(activation)  # so that closing is allowed
    first, second = UserFactory(), UserFactory()
    outcomes = _race(
        [
            lambda: services.activation_transition(
                by=first,
                activation=activation,
                to="closed",
                version=1,
                reason="Fin de crise",
            ),
            lambda: services.activation_update(
                by=second,
                activation=activation,
                version=1,
                objectives="Nouvel objectif",
            ),
        ]
    )
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    activation.refresh_from_db()
    assert activation.version == 2
    assert (activation.status == Activation.Status.CLOSED) != (
        activation.objectives == "Nouvel objectif"
    )
