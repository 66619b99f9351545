"""REST API of rosters: shifts, sign-ups, assignments, check-in/out, coverage."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from activations.models import Activation, Shift, ShiftAssignment
from activations.permissions import Action
from tests.accounts.support import ALL_SCOPES
from tests.activations.api_support import (
    WHO,
    Endpoint,
    actor_for,
    assert_error,
    call,
    client_as,
    db_state,
    expected_status,
)
from tests.factories import (
    ActivationFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def _hour(offset=0):
    return timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(
        hours=offset
    )


def _running_shift(activation, **fields):
    """A shift that started an hour ago and ends in three: check-in is open."""
    return ShiftFactory(
        activation=activation,
        starts_at=_hour(-1),
        ends_at=_hour(3),
        **fields,
    )


def _own_assignment(shift, actor, **fields):
    user = actor or make_member(shift.activation, "volunteer").user
    return ShiftAssignmentFactory(shift=shift, user=user, **fields)


def _shift_create(activation, _actor):
    return reverse("api-shift-list", args=[activation.slug]), {
        "title": "Nuit",
        "starts_at": _hour(20).isoformat(),
        "ends_at": _hour(26).isoformat(),
        "headcount": 3,
        "required_skills": ["monitoring"],
    }


def _sign_up(activation, _actor):
    return reverse(
        "api-shift-signup", args=[ShiftFactory(activation=activation).pk]
    ), None


def _withdraw(activation, actor):
    shift = ShiftFactory(activation=activation)
    _own_assignment(shift, actor)
    return reverse("api-shift-signup", args=[shift.pk]), None


def _assign(activation, _actor):
    volunteer = make_member(activation, "volunteer").user
    shift = ShiftFactory(activation=activation)
    return reverse("api-shift-assign", args=[shift.pk]), {"user_id": volunteer.pk}


def _check_in(activation, actor):
    assignment = _own_assignment(_running_shift(activation), actor)
    return reverse("api-assignment-check-in", args=[assignment.pk]), None


def _check_out(activation, actor):
    assignment = _own_assignment(
        _running_shift(activation), actor, checked_in_at=timezone.now()
    )
    return reverse("api-assignment-check-out", args=[assignment.pk]), {
        "handover_note": "RAS, deux signalements transmis au CODIS."
    }


ENDPOINTS = {
    "shifts GET": Endpoint(
        "get",
        Action.VIEW_ROSTER,
        200,
        lambda a, _u: (reverse("api-shift-list", args=[a.slug]), None),
    ),
    "shifts POST": Endpoint("post", Action.MANAGE_ROSTER, 201, _shift_create),
    "shift GET": Endpoint(
        "get",
        Action.VIEW_ROSTER,
        200,
        lambda a, _u: (
            reverse("api-shift-detail", args=[ShiftFactory(activation=a).pk]),
            None,
        ),
    ),
    "shift PATCH": Endpoint(
        "patch",
        Action.MANAGE_ROSTER,
        200,
        lambda a, _u: (
            reverse("api-shift-detail", args=[ShiftFactory(activation=a).pk]),
            {"headcount": 5},
        ),
    ),
    "signup POST": Endpoint("post", Action.SIGN_UP, 201, _sign_up),
    "signup DELETE": Endpoint("delete", Action.SIGN_UP, 204, _withdraw),
    "assign POST": Endpoint("post", Action.MANAGE_ROSTER, 201, _assign),
    "check-in POST": Endpoint("post", Action.SIGN_UP, 200, _check_in),
    "check-out POST": Endpoint("post", Action.SIGN_UP, 200, _check_out),
    "coverage GET": Endpoint(
        "get",
        Action.VIEW_ROSTER,
        200,
        lambda a, _u: (reverse("api-coverage", args=[a.slug]), None),
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_role_matrix(activation, member_factory, name, who):
    # given
    endpoint = ENDPOINTS[name]
    actor = actor_for(who, activation, member_factory)
    url, payload = endpoint.prepare(activation, actor)
    before = db_state()
    # when
    response = call(client_as(actor), endpoint.method, url, payload)
    # then
    if who == "anonymous":
        expected = 401
    elif who == "non-member":
        expected = 404
    else:
        expected = expected_status(who, endpoint.action, endpoint.ok)
    if expected == endpoint.ok:
        assert response.status_code == expected, response.content
    else:
        assert_error(response, expected)
        assert db_state() == before


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_a_coordinator_of_another_activation_gets_404(activation, name):
    # given: someone with every right, elsewhere
    elsewhere = make_member(ActivationFactory(), "coordinator").user
    url, payload = ENDPOINTS[name].prepare(activation, None)
    before = db_state()
    # when
    response = call(client_as(elsewhere), ENDPOINTS[name].method, url, payload)
    # then
    assert_error(response, 404, "not_found")
    assert db_state() == before


def test_missing_shift_and_assignment_are_404(activation, member_factory):
    api = client_as(member_factory(activation, "coordinator").user)
    assert_error(api.get(reverse("api-shift-detail", args=[999999])), 404)
    assert_error(api.post(reverse("api-shift-signup", args=[999999])), 404)
    assert_error(api.post(reverse("api-assignment-check-in", args=[999999])), 404)


# --- shifts ---------------------------------------------------------------------------
def test_shift_list_filters_by_time_and_shows_who_is_on(activation, member_factory):
    # given
    viewer = member_factory(activation, "observer").user
    early = ShiftFactory(activation=activation, starts_at=_hour(1), ends_at=_hour(5))
    late = ShiftFactory(activation=activation, starts_at=_hour(10), ends_at=_hour(14))
    on_duty = _own_assignment(early, None)
    api = client_as(viewer)
    url = reverse("api-shift-list", args=[activation.slug])
    # when
    everything = api.get(url).json()
    later = api.get(url, {"from": _hour(6).isoformat()}).json()
    sooner = api.get(url, {"to": _hour(6).isoformat()}).json()
    # then
    assert [s["id"] for s in everything["results"]] == [early.pk, late.pk]
    assert [s["id"] for s in later["results"]] == [late.pk]
    assert [s["id"] for s in sooner["results"]] == [early.pk]
    first = everything["results"][0]
    assert first["staffed"] == 1
    assert first["assignments"][0]["user"]["username"] == on_duty.user.username
    assert_error(api.get(url, {"from": "tomorrow-ish"}), 400, "invalid")


def test_shift_list_is_paginated(activation, member_factory):
    viewer = member_factory(activation, "volunteer").user
    for hour in range(5):
        ShiftFactory(
            activation=activation, starts_at=_hour(hour), ends_at=_hour(hour + 1)
        )
    body = (
        client_as(viewer)
        .get(reverse("api-shift-list", args=[activation.slug]), {"page_size": 2})
        .json()
    )
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"] is not None


@pytest.mark.parametrize("shifts", [1, 8])
def test_shift_list_query_count_is_constant(
    activation, member_factory, django_assert_max_num_queries, shifts
):
    # given: each shift with two people on it
    viewer = member_factory(activation, "volunteer").user
    for hour in range(shifts):
        shift = ShiftFactory(
            activation=activation, starts_at=_hour(hour), ends_at=_hour(hour + 1)
        )
        for _ in range(2):
            ShiftAssignmentFactory(shift=shift)
    api = client_as(viewer)
    # when: activation + role, count, shifts, assignments with their people
    with django_assert_max_num_queries(5):
        response = api.get(reverse("api-shift-list", args=[activation.slug]))
    # then
    assert response.json()["count"] == shifts


def test_shift_create_and_patch(activation, member_factory):
    # given
    coordinator = member_factory(activation, "coordinator").user
    api = client_as(coordinator)
    url, payload = _shift_create(activation, coordinator)
    # when
    created = api.post(url, payload, format="json")
    patched = api.patch(
        reverse("api-shift-detail", args=[created.json()["id"]]),
        {"headcount": 4, "notes": "Prévoir relève"},
        format="json",
    )
    # then
    assert created.status_code == 201
    assert created.json()["required_skills"] == ["monitoring"]
    assert patched.status_code == 200
    shift = Shift.objects.get(pk=created.json()["id"])
    assert (shift.headcount, shift.notes) == (4, "Prévoir relève")


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (
            {"starts_at": _hour(5).isoformat(), "ends_at": _hour(4).isoformat()},
            "invalid",
        ),
        ({"starts_at": _hour(5).isoformat()}, "invalid"),
        (
            {
                "starts_at": _hour(5).isoformat(),
                "ends_at": _hour(6).isoformat(),
                "headcount": 0,
            },
            "invalid",
        ),
    ],
    ids=["ends before it starts", "no end", "nobody needed"],
)
def test_shift_create_refusals_change_nothing(
    activation, member_factory, payload, code
):
    coordinator = member_factory(activation, "coordinator").user
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-shift-list", args=[activation.slug]), payload, format="json"
    )
    assert_error(response, 400, code)
    assert db_state() == before


def test_no_shift_on_a_closed_activation(member_factory):
    activation = ActivationFactory(
        status=Activation.Status.CLOSED, closed_at=timezone.now()
    )
    coordinator = member_factory(activation, "coordinator").user
    before = db_state()
    url, payload = _shift_create(activation, coordinator)
    response = client_as(coordinator).post(url, payload, format="json")
    assert_error(response, 400, "domain_error")
    assert db_state() == before


def test_shift_patch_that_would_overlap_someone_is_refused(activation, member_factory):
    # given: a volunteer on two back-to-back shifts
    coordinator = member_factory(activation, "coordinator").user
    volunteer = member_factory(activation, "volunteer").user
    first = ShiftFactory(activation=activation, starts_at=_hour(1), ends_at=_hour(3))
    second = ShiftFactory(activation=activation, starts_at=_hour(3), ends_at=_hour(5))
    ShiftAssignmentFactory(shift=first, user=volunteer)
    ShiftAssignmentFactory(shift=second, user=volunteer)
    before = db_state()
    # when: the first one is stretched over the second
    response = client_as(coordinator).patch(
        reverse("api-shift-detail", args=[first.pk]),
        {"ends_at": _hour(4).isoformat()},
        format="json",
    )
    # then
    assert_error(response, 400, "domain_error")
    assert db_state() == before


# --- sign-up, assignment, withdrawal -------------------------------------------------
def test_sign_up_answers_the_assignment_and_fatigue_warnings(
    activation, member_factory
):
    # given: a team limit of 3 h in 24 h and a 4 h shift
    activation.lead_team.max_hours_per_24h = 3
    activation.lead_team.save()
    volunteer = member_factory(activation, "volunteer").user
    shift = ShiftFactory(activation=activation)
    # when
    response = client_as(volunteer).post(reverse("api-shift-signup", args=[shift.pk]))
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["assignment"]["user"]["id"] == volunteer.pk
    assert body["assignment"]["source"] == "signed_up"
    assert len(body["warnings"]) == 1
    assert ShiftAssignment.objects.filter(shift=shift, user=volunteer).exists()


def test_sign_up_without_fatigue_has_no_warnings(activation, member_factory):
    volunteer = member_factory(activation, "volunteer").user
    shift = ShiftFactory(activation=activation)
    response = client_as(volunteer).post(reverse("api-shift-signup", args=[shift.pk]))
    assert response.json()["warnings"] == []


def test_overlapping_sign_up_is_refused(activation, member_factory):
    # given: already on duty 1 h-5 h, elsewhere
    volunteer = member_factory(activation, "volunteer").user
    ShiftAssignmentFactory(
        shift=ShiftFactory(activation=activation, starts_at=_hour(1), ends_at=_hour(5)),
        user=volunteer,
    )
    overlapping = ShiftFactory(
        activation=activation, starts_at=_hour(4), ends_at=_hour(8)
    )
    before = db_state()
    # when
    response = client_as(volunteer).post(
        reverse("api-shift-signup", args=[overlapping.pk])
    )
    # then
    error = assert_error(response, 400, "domain_error")
    assert str(volunteer) in error["message"]
    assert db_state() == before


def test_full_shift_is_refused(activation, member_factory):
    volunteer = member_factory(activation, "volunteer").user
    shift = ShiftFactory(activation=activation, headcount=1)
    ShiftAssignmentFactory(shift=shift)
    before = db_state()
    response = client_as(volunteer).post(reverse("api-shift-signup", args=[shift.pk]))
    assert_error(response, 400, "domain_error")
    assert db_state() == before


def test_signing_up_twice_or_for_a_past_shift_is_refused(activation, member_factory):
    volunteer = member_factory(activation, "volunteer").user
    mine = ShiftFactory(activation=activation)
    ShiftAssignmentFactory(shift=mine, user=volunteer)
    past = ShiftFactory(activation=activation, starts_at=_hour(-6), ends_at=_hour(-2))
    api = client_as(volunteer)
    before = db_state()
    assert_error(api.post(reverse("api-shift-signup", args=[mine.pk])), 400)
    assert_error(api.post(reverse("api-shift-signup", args=[past.pk])), 400)
    assert db_state() == before


def test_withdraw_removes_only_ones_own_sign_up(activation, member_factory):
    # given
    volunteer = member_factory(activation, "volunteer").user
    shift = ShiftFactory(activation=activation)
    other = ShiftAssignmentFactory(shift=shift)
    ShiftAssignmentFactory(shift=shift, user=volunteer)
    # when
    response = client_as(volunteer).delete(reverse("api-shift-signup", args=[shift.pk]))
    # then
    assert response.status_code == 204
    assert list(shift.assignments.all()) == [other]


def test_withdraw_when_not_signed_up_is_404_and_after_check_in_400(
    activation, member_factory
):
    volunteer = member_factory(activation, "volunteer").user
    api = client_as(volunteer)
    empty = ShiftFactory(activation=activation)
    running = _running_shift(activation)
    ShiftAssignmentFactory(shift=running, user=volunteer, checked_in_at=timezone.now())
    before = db_state()
    assert_error(api.delete(reverse("api-shift-signup", args=[empty.pk])), 404)
    assert_error(api.delete(reverse("api-shift-signup", args=[running.pk])), 400)
    assert db_state() == before


def test_assign_puts_a_member_on_the_shift(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    url, payload = _assign(activation, coordinator)
    response = client_as(coordinator).post(url, payload, format="json")
    assert response.status_code == 201
    assert response.json()["assignment"]["source"] == "assigned"
    assert ShiftAssignment.objects.get(user_id=payload["user_id"]).assigned_by == (
        coordinator
    )


@pytest.mark.parametrize(
    "target", ["stranger", "observer", "liaison", "nobody"], ids=str
)
def test_assign_refuses_who_cannot_be_on_duty(activation, member_factory, target):
    coordinator = member_factory(activation, "coordinator").user
    if target == "stranger":
        user_id = UserFactory().pk
    elif target == "nobody":
        user_id = 999999
    else:
        user_id = member_factory(activation, target).user.pk
    shift = ShiftFactory(activation=activation)
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-shift-assign", args=[shift.pk]),
        {"user_id": user_id},
        format="json",
    )
    assert_error(response, 400)
    assert db_state() == before


# --- check-in and check-out -----------------------------------------------------------
def test_check_in_then_out_with_a_handover_note(activation, member_factory):
    # given
    volunteer = member_factory(activation, "volunteer").user
    assignment = _own_assignment(_running_shift(activation), volunteer)
    api = client_as(volunteer)
    # when
    checked_in = api.post(reverse("api-assignment-check-in", args=[assignment.pk]))
    checked_out = api.post(
        reverse("api-assignment-check-out", args=[assignment.pk]),
        {"handover_note": "Deux posts à suivre"},
        format="json",
    )
    # then
    assignment.refresh_from_db()
    assert checked_in.status_code == 200
    assert checked_in.json()["checked_in_at"] is not None
    assert checked_out.status_code == 200
    assert checked_out.json()["handover_note"] == "Deux posts à suivre"
    assert assignment.checked_out_at is not None


@pytest.mark.parametrize(
    "case", ["someone else's", "too early", "twice", "out before in"], ids=str
)
def test_check_in_and_out_refusals_change_nothing(activation, member_factory, case):
    # given
    volunteer = member_factory(activation, "volunteer").user
    if case == "someone else's":
        assignment = _own_assignment(_running_shift(activation), None)
        url = reverse("api-assignment-check-in", args=[assignment.pk])
    elif case == "too early":
        shift = ShiftFactory(
            activation=activation, starts_at=_hour(3), ends_at=_hour(6)
        )
        assignment = _own_assignment(shift, volunteer)
        url = reverse("api-assignment-check-in", args=[assignment.pk])
    elif case == "twice":
        assignment = _own_assignment(
            _running_shift(activation), volunteer, checked_in_at=timezone.now()
        )
        url = reverse("api-assignment-check-in", args=[assignment.pk])
    else:
        assignment = _own_assignment(_running_shift(activation), volunteer)
        url = reverse("api-assignment-check-out", args=[assignment.pk])
    before = db_state()
    # when
    response = client_as(volunteer).post(url, {}, format="json")
    # then
    assert_error(response, 400, "domain_error")
    assert db_state() == before


# --- coverage ---------------------------------------------------------------------------
def test_coverage_counts_needed_staffed_and_checked_in(activation, member_factory):
    # given: a running shift needing 2 with one person checked in
    viewer = member_factory(activation, "observer").user
    shift = _running_shift(activation, headcount=2)
    _own_assignment(shift, None, checked_in_at=timezone.now())
    # when
    slots = (
        client_as(viewer).get(reverse("api-coverage", args=[activation.slug])).json()
    )
    # then
    assert len(slots) == 24
    assert set(slots[0]) == {
        "start",
        "end",
        "needed",
        "staffed",
        "checked_in",
        "gap",
        "uncovered",
    }
    now_slot = slots[0]
    assert (now_slot["needed"], now_slot["staffed"], now_slot["checked_in"]) == (
        2,
        1,
        1,
    )
    assert now_slot["gap"] == 1
    assert now_slot["uncovered"] is True
    assert slots[5]["needed"] == 0
    assert slots[5]["uncovered"] is True


def test_coverage_over_72_hours_and_refuses_other_spans(activation, member_factory):
    api = client_as(member_factory(activation, "volunteer").user)
    url = reverse("api-coverage", args=[activation.slug])
    assert len(api.get(url, {"hours": 72}).json()) == 72
    assert_error(api.get(url, {"hours": 5}), 400, "invalid")


# --- my shifts ----------------------------------------------------------------------------
def test_my_shifts_lists_only_ones_own_upcoming_shifts(activation, member_factory):
    # given
    volunteer = member_factory(activation, "volunteer").user
    mine = ShiftAssignmentFactory(
        shift=ShiftFactory(activation=activation), user=volunteer
    )
    past = ShiftAssignmentFactory(
        shift=ShiftFactory(
            activation=activation, starts_at=_hour(-8), ends_at=_hour(-4)
        ),
        user=volunteer,
    )
    ShiftAssignmentFactory(shift=ShiftFactory(activation=activation))  # someone else
    api = client_as(volunteer)
    # when
    upcoming = api.get(reverse("api-my-shifts")).json()
    everything = api.get(reverse("api-my-shifts"), {"past": "true"}).json()
    # then
    assert [a["id"] for a in upcoming["results"]] == [mine.pk]
    assert upcoming["results"][0]["shift"]["activation_slug"] == activation.slug
    assert [a["id"] for a in everything["results"]] == [past.pk, mine.pk]


def test_my_shifts_needs_authentication_and_works_with_a_token(
    activation, member_factory
):
    assert_error(
        APIClient(HTTP_ACCEPT_LANGUAGE="en").get(reverse("api-my-shifts")),
        401,
        "not_authenticated",
    )
    volunteer = member_factory(activation, "volunteer").user
    token = api_token_create(user=volunteer, name="test", scopes=ALL_SCOPES)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get(reverse("api-my-shifts"))
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("shifts", [1, 8])
def test_my_shifts_is_paginated_with_constant_queries(
    activation, member_factory, django_assert_max_num_queries, shifts
):
    volunteer = member_factory(activation, "volunteer").user
    for hour in range(shifts):
        ShiftAssignmentFactory(
            shift=ShiftFactory(
                activation=activation,
                starts_at=_hour(hour + 1),
                ends_at=_hour(hour + 2),
            ),
            user=volunteer,
        )
    api = client_as(volunteer)
    with django_assert_max_num_queries(2):
        response = api.get(reverse("api-my-shifts"), {"page_size": 5})
    assert response.json()["count"] == shifts
    assert len(response.json()["results"]) == min(shifts, 5)


@pytest.mark.parametrize("shifts", [1, 6])
def test_coverage_query_count_is_constant(
    activation, member_factory, django_assert_max_num_queries, shifts
):
    viewer = member_factory(activation, "volunteer").user
    for hour in range(shifts):
        shift = ShiftFactory(
            activation=activation, starts_at=_hour(hour), ends_at=_hour(hour + 2)
        )
        ShiftAssignmentFactory(shift=shift)
    api = client_as(viewer)
    # activation + role, shifts, their assignments
    with django_assert_max_num_queries(4):
        response = api.get(reverse("api-coverage", args=[activation.slug]))
    assert response.status_code == 200
