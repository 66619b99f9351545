"""Roster pages: role matrix, sign-up rules, check-in/out, coverage, time zones, profile."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from activations import services
from activations.models import (
    Activation,
    ActivationMember,
    LogEntry,
    Shift,
    ShiftAssignment,
    VolunteerLanguage,
    VolunteerProfile,
)
from activations.services import CHARTER_VERSION
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    ActivationMemberFactory,
    OrganisationMemberFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    VolunteerProfileFactory,
)
from vost.exceptions import DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
UTC = dt.UTC


def _hour(offset: int) -> dt.datetime:
    """The start of the hour `offset` hours from now."""
    return timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(
        hours=offset
    )


def _state() -> tuple:
    """Everything a roster action can change."""
    return (
        Shift.objects.count(),
        sorted(
            ShiftAssignment.objects.values_list(
                "shift_id",
                "user_id",
                "checked_in_at",
                "checked_out_at",
                "handover_note",
            )
        ),
        LogEntry.objects.count(),
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- role matrix: pages ---------------------------------------------------------------
ROSTER_VIEWERS = {
    Role.COORDINATOR: 200,
    Role.TEAM_LEAD: 200,
    Role.VOLUNTEER: 200,
    Role.LIAISON: 403,
    Role.OBSERVER: 200,
}


@pytest.mark.parametrize("name", ["activations:roster", "activations:coverage"])
def test_roster_pages_send_anonymous_to_login(client, activation, name):
    # when
    response = client.get(reverse(name, args=[activation.slug]))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["activations:roster", "activations:coverage"])
def test_roster_pages_are_404_to_a_non_member(client, activation, user, name):
    # given
    client.force_login(user)
    # when
    response = client.get(reverse(name, args=[activation.slug]))
    # then
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["activations:roster", "activations:coverage"])
@pytest.mark.parametrize("role", ALL_ROLES)
def test_roster_pages_role_matrix(client, activation, member_factory, name, role):
    # given
    ShiftFactory(activation=activation)
    member = member_factory(activation, role)
    client.force_login(member.user)
    # when
    response = client.get(reverse(name, args=[activation.slug]))
    # then
    assert response.status_code == ROSTER_VIEWERS[role]


def test_roster_of_a_missing_activation_is_404(client, user):
    client.force_login(user)
    assert client.get(reverse("activations:roster", args=["nope"])).status_code == 404


@pytest.mark.parametrize(
    ("role", "status", "signed_up"),
    [
        (Role.COORDINATOR, 302, True),
        (Role.TEAM_LEAD, 302, True),
        (Role.VOLUNTEER, 302, True),
        (Role.LIAISON, 403, False),
        (Role.OBSERVER, 403, False),
    ],
)
def test_sign_up_role_matrix(
    client, activation, member_factory, role, status, signed_up
):
    # given
    shift = ShiftFactory(activation=activation)
    member = member_factory(activation, role)
    client.force_login(member.user)
    # when
    response = client.post(
        reverse("activations:roster-shift-sign-up", args=[activation.slug, shift.pk])
    )
    # then
    assert response.status_code == status
    assert (
        ShiftAssignment.objects.filter(shift=shift, user=member.user).exists()
        == signed_up
    )


def test_sign_up_by_anonymous_or_stranger_changes_nothing(client, activation, user):
    # given
    shift = ShiftFactory(activation=activation)
    url = reverse("activations:roster-shift-sign-up", args=[activation.slug, shift.pk])
    before = _state()
    # when
    anonymous = client.post(url)
    client.force_login(user)
    stranger = client.post(url)
    # then
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert stranger.status_code == 404
    assert _state() == before


def test_observer_sees_the_roster_without_sign_up_buttons(
    client, activation, member_factory
):
    # given
    ShiftFactory(activation=activation, title="Veille matin")
    observer = member_factory(activation, Role.OBSERVER)
    client.force_login(observer.user)
    # when
    response = client.get(reverse("activations:roster", args=[activation.slug]))
    # then
    assert "Veille matin" in response.text
    assert ">Sign up<" not in response.text
    assert "Add a shift" not in response.text


def test_volunteer_sees_sign_up_but_not_the_coordinator_tools(
    client, activation, member_factory
):
    # given
    ShiftFactory(activation=activation)
    volunteer = member_factory(activation, Role.VOLUNTEER)
    client.force_login(volunteer.user)
    # when
    response = client.get(reverse("activations:roster", args=[activation.slug]))
    # then
    assert ">Sign up<" in response.text
    assert "Add a shift" not in response.text
    assert "Assign a member" not in response.text


def _shift_data(day: dt.date, start="09:00", end="13:00", **extra):
    return {
        "title": "Veille",
        "starts_at": f"{day.isoformat()}T{start}",
        "ends_at": f"{day.isoformat()}T{end}",
        "required_skills": ["monitoring"],
        "headcount": 2,
        "notes": "",
    } | extra


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COORDINATOR, 302),
        (Role.TEAM_LEAD, 403),
        (Role.VOLUNTEER, 403),
        (Role.LIAISON, 403),
        (Role.OBSERVER, 403),
    ],
)
def test_only_a_coordinator_adds_shifts(
    client, activation, member_factory, role, status
):
    # given
    member = member_factory(activation, role)
    client.force_login(member.user)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    before = Shift.objects.count()
    # when
    response = client.post(
        reverse("activations:roster-shift-create", args=[activation.slug]),
        _shift_data(tomorrow),
    )
    # then
    assert response.status_code == status
    assert Shift.objects.count() == before + (1 if status == 302 else 0)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_shift_form_pages_role_matrix(client, activation, member_factory, role):
    # given
    shift = ShiftFactory(activation=activation)
    member = member_factory(activation, role)
    client.force_login(member.user)
    expected = 200 if role == Role.COORDINATOR else 403
    # when
    create = client.get(
        reverse("activations:roster-shift-create", args=[activation.slug])
    )
    edit = client.get(
        reverse("activations:roster-shift-edit", args=[activation.slug, shift.pk])
    )
    # then
    assert (create.status_code, edit.status_code) == (expected, expected)


def test_shift_pages_are_404_to_a_non_member_and_302_to_anonymous(
    client, activation, user
):
    shift = ShiftFactory(activation=activation)
    urls = [
        reverse("activations:roster-shift-create", args=[activation.slug]),
        reverse("activations:roster-shift-edit", args=[activation.slug, shift.pk]),
    ]
    assert [client.get(u).status_code for u in urls] == [302, 302]
    client.force_login(user)
    assert [client.get(u).status_code for u in urls] == [404, 404]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COORDINATOR, 302),
        (Role.TEAM_LEAD, 403),
        (Role.VOLUNTEER, 403),
        (Role.LIAISON, 403),
        (Role.OBSERVER, 403),
    ],
)
def test_only_a_coordinator_assigns_members(
    client, activation, member_factory, role, status
):
    # given
    shift = ShiftFactory(activation=activation)
    volunteer = member_factory(activation, Role.VOLUNTEER)
    member = member_factory(activation, role)
    client.force_login(member.user)
    # when
    response = client.post(
        reverse("activations:roster-shift-assign", args=[activation.slug, shift.pk]),
        {"user": volunteer.user.pk},
    )
    # then
    assert response.status_code == status
    assignment = ShiftAssignment.objects.filter(
        shift=shift, user=volunteer.user
    ).first()
    if status == 302:
        assert assignment is not None
        assert assignment.source == ShiftAssignment.Source.ASSIGNED
        assert assignment.assigned_by == member.user
    else:
        assert assignment is None


def test_coordinator_cannot_assign_an_observer_or_a_stranger(
    client, activation, member_factory, user
):
    # given
    shift = ShiftFactory(activation=activation)
    observer = member_factory(activation, Role.OBSERVER)
    coordinator = member_factory(activation, Role.COORDINATOR)
    client.force_login(coordinator.user)
    url = reverse("activations:roster-shift-assign", args=[activation.slug, shift.pk])
    before = _state()
    # when
    responses = [
        client.post(url, {"user": observer.user.pk}, follow=True),
        client.post(url, {"user": user.pk}, follow=True),
    ]
    # then
    for response in responses:
        assert "Choose a member of this activation." in _messages(response)
    assert _state() == before


def test_assign_shows_the_fatigue_warning(client, activation, member_factory):
    # given a team limit of 4 h and a 6 h shift
    activation.lead_team.max_hours_per_24h = 4
    activation.lead_team.save()
    shift = ShiftFactory(
        activation=activation, starts_at=_hour(2), ends_at=_hour(8), headcount=3
    )
    volunteer = member_factory(activation, Role.VOLUNTEER)
    coordinator = member_factory(activation, Role.COORDINATOR)
    client.force_login(coordinator.user)
    # when
    response = client.post(
        reverse("activations:roster-shift-assign", args=[activation.slug, shift.pk]),
        {"user": volunteer.user.pk},
        follow=True,
    )
    # then
    assert ShiftAssignment.objects.filter(shift=shift, user=volunteer.user).exists()
    assert any(m.startswith("Fatigue:") for m in _messages(response))
    assert "message-warning" in response.text


# --- sign-up rules ------------------------------------------------------------------
def test_sign_up_puts_me_on_the_shift_and_logs_it(client, activation, member_factory):
    # given
    shift = ShiftFactory(activation=activation)
    volunteer = member_factory(activation, Role.VOLUNTEER)
    client.force_login(volunteer.user)
    # when
    response = client.post(
        reverse("activations:roster-shift-sign-up", args=[activation.slug, shift.pk]),
        {"range": "72h"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("activations:roster", args=[activation.slug])
        + f"?range=72h#shift-{shift.pk}"
    )
    assignment = ShiftAssignment.objects.get(shift=shift)
    assert assignment.user == volunteer.user
    assert assignment.source == ShiftAssignment.Source.SIGNED_UP
    assert LogEntry.objects.filter(
        activation=activation, kind=LogEntry.Kind.ROSTER
    ).exists()


def test_overlapping_sign_up_in_another_activation_is_refused(
    client, activation, member_factory
):
    # given two activations of the same team, with overlapping shifts
    other = ActivationFactory(agreement=activation.agreement)
    volunteer = member_factory(activation, Role.VOLUNTEER)
    ActivationMemberFactory(activation=other, user=volunteer.user, role=Role.VOLUNTEER)
    first = ShiftFactory(activation=activation, starts_at=_hour(2), ends_at=_hour(6))
    second = ShiftFactory(activation=other, starts_at=_hour(4), ends_at=_hour(8))
    client.force_login(volunteer.user)
    client.post(
        reverse("activations:roster-shift-sign-up", args=[activation.slug, first.pk])
    )
    before = _state()
    # when
    response = client.post(
        reverse("activations:roster-shift-sign-up", args=[other.slug, second.pk]),
        follow=True,
    )
    # then
    assert f"{volunteer.user} is already on another shift at that time." in _messages(
        response
    )
    assert _state() == before
    assert not ShiftAssignment.objects.filter(shift=second).exists()


def test_full_shift_is_refused(client, activation, member_factory):
    # given a shift for one person, taken
    shift = ShiftFactory(activation=activation, headcount=1)
    taken = member_factory(activation, Role.VOLUNTEER)
    ShiftAssignmentFactory(shift=shift, user=taken.user)
    volunteer = member_factory(activation, Role.VOLUNTEER)
    client.force_login(volunteer.user)
    before = _state()
    # when
    response = client.post(
        reverse("activations:roster-shift-sign-up", args=[activation.slug, shift.pk]),
        follow=True,
    )
    # then
    assert "This shift is full." in _messages(response)
    assert _state() == before


def test_double_sign_up_is_refused_with_a_clear_message(
    client, activation, member_factory
):
    # given
    shift = ShiftFactory(activation=activation, headcount=3)
    volunteer = member_factory(activation, Role.VOLUNTEER)
    client.force_login(volunteer.user)
    url = reverse("activations:roster-shift-sign-up", args=[activation.slug, shift.pk])
    client.post(url)
    before = _state()
    # when the form is submitted a second time
    response = client.post(url, follow=True)
    # then
    assert f"{volunteer.user} is already on this shift." in _messages(response)
    assert _state() == before
    assert ShiftAssignment.objects.filter(shift=shift).count() == 1


def test_sign_up_beyond_the_team_limit_warns_about_fatigue(
    client, activation, member_factory
):
    # given a team limit of 4 h in 24 h and a 3 h shift already taken
    activation.lead_team.max_hours_per_24h = 4
    activation.lead_team.save()
    volunteer = member_factory(activation, Role.VOLUNTEER)
    morning = ShiftFactory(activation=activation, starts_at=_hour(1), ends_at=_hour(4))
    ShiftAssignmentFactory(shift=morning, user=volunteer.user)
    afternoon = ShiftFactory(
        activation=activation, starts_at=_hour(5), ends_at=_hour(8)
    )
    client.force_login(volunteer.user)
    # when
    response = client.post(
        reverse(
            "activations:roster-shift-sign-up", args=[activation.slug, afternoon.pk]
        ),
        follow=True,
    )
    # then the sign-up stands, with a warning
    assert ShiftAssignment.objects.filter(shift=afternoon, user=volunteer.user).exists()
    assert any(
        m.startswith("Fatigue:") and "6.0 h in 24 h (team limit 4 h)" in m
        for m in _messages(response)
    )
    assert "message-warning" in response.text


def test_sign_up_for_a_shift_that_is_over_is_refused(
    client, activation, member_factory
):
    # given
    shift = ShiftFactory(activation=activation, starts_at=_hour(-5), ends_at=_hour(-1))
    volunteer = member_factory(activation, Role.VOLUNTEER)
    client.force_login(volunteer.user)
    before = _state()
    # when
    response = client.post(
        reverse("activations:roster-shift-sign-up", args=[activation.slug, shift.pk]),
        follow=True,
    )
    # then
    assert "This shift is over." in _messages(response)
    assert _state() == before


def test_sign_up_in_a_closed_activation_is_refused(client, activation, member_factory):
    # given
    shift = ShiftFactory(activation=activation)
    volunteer = member_factory(activation, Role.VOLUNTEER)
    Activation.objects.filter(pk=activation.pk).update(
        status=Activation.Status.CLOSED, closed_at=timezone.now()
    )
    client.force_login(volunteer.user)
    before = _state()
    # when
    response = client.post(
        reverse("activations:roster-shift-sign-up", args=[activation.slug, shift.pk]),
        follow=True,
    )
    # then
    assert "This activation is closed." in _messages(response)
    assert _state() == before


def test_sign_up_for_a_shift_of_another_activation_is_404(
    client, activation, member_factory
):
    # given a shift id that belongs to an activation the person is not in
    elsewhere = ShiftFactory()
    volunteer = member_factory(activation, Role.VOLUNTEER)
    client.force_login(volunteer.user)
    before = _state()
    # when
    response = client.post(
        reverse(
            "activations:roster-shift-sign-up", args=[activation.slug, elsewhere.pk]
        )
    )
    # then
    assert response.status_code == 404
    assert _state() == before


def test_withdraw_takes_me_off_the_shift(client, activation, member_factory):
    # given
    volunteer = member_factory(activation, Role.VOLUNTEER)
    assignment = ShiftAssignmentFactory(
        shift=ShiftFactory(activation=activation), user=volunteer.user
    )
    client.force_login(volunteer.user)
    # when
    response = client.post(
        reverse(
            "activations:roster-assignment-withdraw",
            args=[activation.slug, assignment.pk],
        )
    )
    # then
    assert response.status_code == 302
    assert not ShiftAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_volunteer_cannot_withdraw_someone_else(client, activation, member_factory):
    # given
    other = member_factory(activation, Role.VOLUNTEER)
    assignment = ShiftAssignmentFactory(
        shift=ShiftFactory(activation=activation), user=other.user
    )
    volunteer = member_factory(activation, Role.VOLUNTEER)
    client.force_login(volunteer.user)
    before = _state()
    # when
    response = client.post(
        reverse(
            "activations:roster-assignment-withdraw",
            args=[activation.slug, assignment.pk],
        )
    )
    # then
    assert response.status_code == 403
    assert _state() == before


def test_a_coordinator_can_take_someone_off_a_shift(client, activation, member_factory):
    # given
    other = member_factory(activation, Role.VOLUNTEER)
    assignment = ShiftAssignmentFactory(
        shift=ShiftFactory(activation=activation), user=other.user
    )
    coordinator = member_factory(activation, Role.COORDINATOR)
    client.force_login(coordinator.user)
    # when
    response = client.post(
        reverse(
            "activations:roster-assignment-withdraw",
            args=[activation.slug, assignment.pk],
        )
    )
    # then
    assert response.status_code == 302
    assert not ShiftAssignment.objects.filter(pk=assignment.pk).exists()


# --- check-in and check-out -----------------------------------------------------------
def _assignment(activation, member_factory, *, starts_in, hours=4):
    volunteer = member_factory(activation, Role.VOLUNTEER)
    start = timezone.now() + starts_in
    shift = ShiftFactory(
        activation=activation,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
    )
    return ShiftAssignmentFactory(shift=shift, user=volunteer.user)


def test_check_in_within_the_window_from_my_shifts(client, activation, member_factory):
    # given a shift starting in 20 minutes
    assignment = _assignment(
        activation, member_factory, starts_in=dt.timedelta(minutes=20)
    )
    client.force_login(assignment.user)
    # when
    response = client.post(
        reverse(
            "activations:roster-assignment-check-in",
            args=[activation.slug, assignment.pk],
        ),
        {"return_to": "my-shifts"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("activations:my-shifts") + f"#assignment-{assignment.pk}"
    )
    assignment.refresh_from_db()
    assert assignment.checked_in_at is not None


def test_check_in_outside_the_window_is_refused(client, activation, member_factory):
    # given a shift starting in 3 hours
    assignment = _assignment(
        activation, member_factory, starts_in=dt.timedelta(hours=3)
    )
    client.force_login(assignment.user)
    before = _state()
    # when
    response = client.post(
        reverse(
            "activations:roster-assignment-check-in",
            args=[activation.slug, assignment.pk],
        ),
        follow=True,
    )
    # then
    assert (
        "Check-in opens 30 minutes before the shift and closes at its end."
        in _messages(response)
    )
    assert _state() == before


def test_check_out_without_check_in_is_refused(client, activation, member_factory):
    # given
    assignment = _assignment(
        activation, member_factory, starts_in=dt.timedelta(minutes=-30)
    )
    client.force_login(assignment.user)
    before = _state()
    # when
    response = client.post(
        reverse(
            "activations:roster-assignment-check-out",
            args=[activation.slug, assignment.pk],
        ),
        {"handover_note": "RAS"},
        follow=True,
    )
    # then
    assert "You have not checked in." in _messages(response)
    assert _state() == before


def test_check_out_records_the_handover_note(client, activation, member_factory):
    # given a checked-in volunteer
    assignment = _assignment(
        activation, member_factory, starts_in=dt.timedelta(minutes=-30)
    )
    ShiftAssignment.objects.filter(pk=assignment.pk).update(
        checked_in_at=timezone.now()
    )
    client.force_login(assignment.user)
    # when
    response = client.post(
        reverse(
            "activations:roster-assignment-check-out",
            args=[activation.slug, assignment.pk],
        ),
        {"handover_note": "  Rumeur barrage : en cours de vérification.  "},
    )
    # then
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.checked_out_at is not None
    assert assignment.handover_note == "Rumeur barrage : en cours de vérification."
    assert LogEntry.objects.filter(
        activation=activation, text__contains="Rumeur barrage"
    ).exists()


def test_nobody_checks_in_for_someone_else(client, activation, member_factory):
    # given someone else's assignment, in the check-in window
    assignment = _assignment(
        activation, member_factory, starts_in=dt.timedelta(minutes=10)
    )
    intruder = member_factory(activation, Role.COORDINATOR)
    client.force_login(intruder.user)
    before = _state()
    # when
    responses = [
        client.post(
            reverse(
                f"activations:roster-assignment-{action}",
                args=[activation.slug, assignment.pk],
            )
        )
        for action in ("check-in", "check-out")
    ]
    # then
    assert [r.status_code for r in responses] == [404, 404]
    assert _state() == before


def test_observer_cannot_check_in(client, activation, member_factory):
    # given an assignment made before the person became an observer
    assignment = _assignment(
        activation, member_factory, starts_in=dt.timedelta(minutes=10)
    )
    ActivationMember.objects.filter(user=assignment.user).update(role=Role.OBSERVER)
    client.force_login(assignment.user)
    before = _state()
    # when
    response = client.post(
        reverse(
            "activations:roster-assignment-check-in",
            args=[activation.slug, assignment.pk],
        )
    )
    # then
    assert response.status_code == 403
    assert _state() == before


def test_roster_shows_check_in_only_within_the_window(
    client, activation, member_factory
):
    # given one shift starting in 10 minutes and one in 5 hours, both mine
    volunteer = member_factory(activation, Role.VOLUNTEER)
    soon = ShiftFactory(
        activation=activation,
        starts_at=timezone.now() + dt.timedelta(minutes=10),
        ends_at=timezone.now() + dt.timedelta(hours=2),
    )
    later = ShiftFactory(activation=activation, starts_at=_hour(5), ends_at=_hour(7))
    mine_soon = ShiftAssignmentFactory(shift=soon, user=volunteer.user)
    mine_later = ShiftAssignmentFactory(shift=later, user=volunteer.user)
    client.force_login(volunteer.user)
    # when
    response = client.get(reverse("activations:roster", args=[activation.slug]))
    # then
    check_in = "activations:roster-assignment-check-in"
    assert reverse(check_in, args=[activation.slug, mine_soon.pk]) in response.text
    assert reverse(check_in, args=[activation.slug, mine_later.pk]) not in response.text


# --- shifts: times, validation -----------------------------------------------------------
def test_shift_times_are_read_in_the_activation_time_zone(client, member_factory):
    # given an activation in Guadeloupe (UTC-4) and a coordinator living in Paris
    activation = ActivationFactory(timezone="America/Guadeloupe")
    coordinator = member_factory(activation, Role.COORDINATOR, timezone="Europe/Paris")
    client.force_login(coordinator.user)
    day = timezone.localdate() + dt.timedelta(days=2)
    # when 09:00-13:00 is entered
    response = client.post(
        reverse("activations:roster-shift-create", args=[activation.slug]),
        _shift_data(day, "09:00", "13:00"),
    )
    # then it is stored as 13:00-17:00 UTC
    assert response.status_code == 302
    shift = Shift.objects.get(activation=activation)
    assert shift.starts_at == dt.datetime(day.year, day.month, day.day, 13, tzinfo=UTC)
    assert shift.ends_at == dt.datetime(day.year, day.month, day.day, 17, tzinfo=UTC)
    assert shift.required_skills == ["monitoring"]
    # and the edit form shows 09:00 again
    edit = client.get(
        reverse("activations:roster-shift-edit", args=[activation.slug, shift.pk])
    )
    assert f'value="{day.isoformat()}T09:00"' in edit.text


def test_editing_a_shift_saves_it(client, activation, member_factory):
    # given
    shift = ShiftFactory(activation=activation, headcount=2)
    coordinator = member_factory(activation, Role.COORDINATOR)
    client.force_login(coordinator.user)
    day = timezone.localdate() + dt.timedelta(days=3)
    # when
    response = client.post(
        reverse("activations:roster-shift-edit", args=[activation.slug, shift.pk]),
        _shift_data(day, "20:00", "23:30", headcount=5, title="Nuit"),
    )
    # then
    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.title, shift.headcount) == ("Nuit", 5)
    assert timezone.localtime(shift.starts_at, activation.tz).hour == 20


def test_a_shift_ending_before_it_starts_is_refused(client, activation, member_factory):
    # given
    coordinator = member_factory(activation, Role.COORDINATOR)
    client.force_login(coordinator.user)
    day = timezone.localdate() + dt.timedelta(days=1)
    before = _state()
    # when
    response = client.post(
        reverse("activations:roster-shift-create", args=[activation.slug]),
        _shift_data(day, "13:00", "09:00"),
    )
    # then the form comes back with the message, nothing saved
    assert response.status_code == 200
    assert "A shift must end after it starts." in _messages(response)
    assert _state() == before


def test_editing_a_shift_into_overlapping_duty_is_refused(
    client, activation, member_factory
):
    # given a volunteer on two consecutive shifts
    volunteer = member_factory(activation, Role.VOLUNTEER)
    first = ShiftFactory(activation=activation, starts_at=_hour(2), ends_at=_hour(4))
    second = ShiftFactory(activation=activation, starts_at=_hour(4), ends_at=_hour(6))
    ShiftAssignmentFactory(shift=first, user=volunteer.user)
    ShiftAssignmentFactory(shift=second, user=volunteer.user)
    coordinator = member_factory(activation, Role.COORDINATOR)
    client.force_login(coordinator.user)
    before = _state()
    start = timezone.localtime(_hour(3), activation.tz)
    end = timezone.localtime(_hour(6), activation.tz)
    # when the second shift is moved to overlap the first
    response = client.post(
        reverse("activations:roster-shift-edit", args=[activation.slug, second.pk]),
        {
            "title": "Veille",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
            "headcount": 2,
        },
    )
    # then
    assert response.status_code == 200
    assert f"{volunteer.user} would then be on two shifts at once." in _messages(
        response
    )
    assert _state() == before
    second.refresh_from_db()
    assert second.starts_at == _hour(4)


def test_adding_a_shift_to_a_closed_activation_is_refused(
    client, activation, member_factory
):
    # given
    coordinator = member_factory(activation, Role.COORDINATOR)
    Activation.objects.filter(pk=activation.pk).update(
        status=Activation.Status.CLOSED, closed_at=timezone.now()
    )
    client.force_login(coordinator.user)
    before = _state()
    # when
    response = client.post(
        reverse("activations:roster-shift-create", args=[activation.slug]),
        _shift_data(timezone.localdate() + dt.timedelta(days=1)),
    )
    # then
    assert "This activation is closed." in _messages(response)
    assert _state() == before


# --- roster page content ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("range_", "titles"),
    [
        ("24h", {"Soon"}),
        ("72h", {"Soon", "In two days"}),
        ("7d", {"Soon", "In two days", "Next week"}),
        ("all", {"Past", "Soon", "In two days", "Next week", "Later"}),
    ],
)
def test_roster_range_filter(client, activation, member_factory, range_, titles):
    # given
    for title, offset in [
        ("Past", -30),
        ("Soon", 2),
        ("In two days", 48),
        ("Next week", 24 * 6),
        ("Later", 24 * 10),
    ]:
        ShiftFactory(
            activation=activation,
            title=title,
            starts_at=_hour(offset),
            ends_at=_hour(offset + 2),
        )
    volunteer = member_factory(activation, Role.VOLUNTEER)
    client.force_login(volunteer.user)
    # when
    response = client.get(
        reverse("activations:roster", args=[activation.slug]), {"range": range_}
    )
    # then
    shown = {row.shift.title for day in response.context["days"] for row in day.rows}
    assert shown == titles


def test_roster_groups_shifts_by_day_in_the_activation_time_zone(
    client, member_factory
):
    # given an activation in Réunion (UTC+4) and a shift at 22:00 UTC, i.e. 02:00 next day
    activation = ActivationFactory(timezone="Indian/Reunion")
    volunteer = member_factory(activation, Role.VOLUNTEER, timezone="America/Montreal")
    day = timezone.localdate() + dt.timedelta(days=2)
    start = dt.datetime(day.year, day.month, day.day, 22, tzinfo=UTC)
    ShiftFactory(
        activation=activation, starts_at=start, ends_at=start + dt.timedelta(hours=4)
    )
    client.force_login(volunteer.user)
    # when
    response = client.get(
        reverse("activations:roster", args=[activation.slug]), {"range": "all"}
    )
    # then
    [roster_day] = response.context["days"]
    assert roster_day.day == day + dt.timedelta(days=1)
    assert "02:00" in response.text  # Réunion
    assert "Your time:" in response.text  # and Montréal, the day before
    montreal = timezone.localtime(start, ZoneInfo("America/Montreal"))
    assert montreal.date() == day
    assert montreal.strftime("%H:%M") in response.text


def test_roster_shows_who_is_on_duty(client, activation, member_factory):
    # given
    shift = ShiftFactory(activation=activation, starts_at=_hour(-1), ends_at=_hour(3))
    on_duty = member_factory(
        activation, Role.VOLUNTEER, first_name="Inès", last_name="Ravel"
    )
    ShiftAssignmentFactory(shift=shift, user=on_duty.user, checked_in_at=timezone.now())
    viewer = member_factory(activation, Role.OBSERVER)
    client.force_login(viewer.user)
    # when
    response = client.get(reverse("activations:roster", args=[activation.slug]))
    # then
    assert "Inès Ravel" in response.text
    assert "on duty since" in response.text
    assert "1 missing" in response.text


def test_roster_query_count_does_not_grow_with_shifts(
    client, activation, member_factory, django_assert_num_queries
):
    # given many shifts, each with people, seen by a coordinator (the heaviest page)
    coordinator = member_factory(activation, Role.COORDINATOR)
    people = [member_factory(activation, Role.VOLUNTEER).user for _ in range(3)]
    for index in range(12):
        shift = ShiftFactory(
            activation=activation,
            starts_at=_hour(index * 5 + 1),
            ends_at=_hour(index * 5 + 5),
        )
        for person in people[: index % 3 + 1]:
            ShiftAssignmentFactory(shift=shift, user=person)
    client.force_login(coordinator.user)
    url = reverse("activations:roster", args=[activation.slug])
    # when / then (session cached): user, unread notifications, activation, role, members, shifts, assignments
    with django_assert_num_queries(7):
        response = client.get(url, {"range": "all"})
    assert response.status_code == 200


# --- coverage ------------------------------------------------------------------------
def test_coverage_flags_gaps_and_hours_without_shifts(
    client, activation, member_factory
):
    # given a 2-person shift with one person (hours +1 and +2) and a full one (hour +4)
    short = ShiftFactory(
        activation=activation, starts_at=_hour(1), ends_at=_hour(3), headcount=2
    )
    full = ShiftFactory(
        activation=activation, starts_at=_hour(4), ends_at=_hour(5), headcount=1
    )
    volunteer = member_factory(activation, Role.VOLUNTEER)
    ShiftAssignmentFactory(shift=short, user=volunteer.user)
    ShiftAssignmentFactory(shift=full, user=volunteer.user)
    client.force_login(volunteer.user)
    # when
    response = client.get(reverse("activations:coverage", args=[activation.slug]))
    # then
    slots = [slot for _day, day_slots in response.context["days"] for slot in day_slots]
    assert len(slots) == 24
    by_start = {slot.start: slot for slot in slots}
    assert (
        by_start[_hour(1)].needed,
        by_start[_hour(1)].staffed,
        by_start[_hour(1)].gap,
    ) == (2, 1, 1)
    assert by_start[_hour(2)].gap == 1
    assert by_start[_hour(4)].uncovered is False
    assert by_start[_hour(0)].needed == 0
    assert by_start[_hour(0)].uncovered
    assert response.context["uncovered"] == 23
    assert response.context["unplanned"] == 21
    assert response.context["short"] == 2
    assert "23 uncovered hours in the next 24 h" in response.text
    assert "1 person missing" in response.text
    assert "No shift planned" in response.text


def test_coverage_over_72_hours(client, activation, member_factory):
    # given
    volunteer = member_factory(activation, Role.VOLUNTEER)
    client.force_login(volunteer.user)
    # when
    response = client.get(
        reverse("activations:coverage", args=[activation.slug]), {"hours": "72"}
    )
    bad = client.get(
        reverse("activations:coverage", args=[activation.slug]), {"hours": "9999"}
    )
    # then
    assert response.context["hours"] == 72
    assert "72 uncovered hours in the next 72 h" in response.text
    assert bad.context["hours"] == 24


def test_coverage_labels_hours_in_both_time_zones(client, member_factory):
    # given an activation in Paris seen from Montréal
    activation = ActivationFactory(timezone="Europe/Paris")
    volunteer = member_factory(activation, Role.VOLUNTEER, timezone="America/Montreal")
    client.force_login(volunteer.user)
    # when
    response = client.get(reverse("activations:coverage", args=[activation.slug]))
    # then
    first = _hour(0)
    paris = timezone.localtime(first, activation.tz).strftime("%H:%M")
    montreal = timezone.localtime(first, ZoneInfo("America/Montreal")).strftime("%H:%M")
    assert "Your time (America/Montreal)" in response.text
    assert paris in response.text
    assert montreal in response.text


def test_coverage_query_count(
    client, activation, member_factory, django_assert_num_queries
):
    volunteer = member_factory(activation, Role.VOLUNTEER)
    for index in range(10):
        shift = ShiftFactory(
            activation=activation,
            starts_at=_hour(index * 6),
            ends_at=_hour(index * 6 + 4),
        )
        ShiftAssignmentFactory(shift=shift, user=volunteer.user)
    client.force_login(volunteer.user)
    # user, unread notifications (session cached), activation, role, shifts, assignments
    with django_assert_num_queries(6):
        response = client.get(
            reverse("activations:coverage", args=[activation.slug]), {"hours": "72"}
        )
    assert response.status_code == 200


# --- my shifts ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["activations:my-shifts", "activations:volunteer-profile"]
)
def test_my_pages_send_anonymous_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "name", ["activations:my-shifts", "activations:volunteer-profile"]
)
def test_my_pages_open_to_any_signed_in_user(client, user, name):
    client.force_login(user)
    assert client.get(reverse(name)).status_code == 200


def test_my_shifts_lists_only_my_assignments(client, activation, member_factory):
    # given my shift, someone else's, a past one and one too old to show
    me = member_factory(activation, Role.VOLUNTEER)
    other = member_factory(activation, Role.VOLUNTEER)
    exercise = ActivationFactory(
        agreement=activation.agreement,
        kind=Activation.Kind.EXERCISE,
        title="Exercice Richter",
    )
    ActivationMemberFactory(activation=exercise, user=me.user, role=Role.VOLUNTEER)
    ShiftAssignmentFactory(
        shift=ShiftFactory(
            activation=activation, title="Mine", starts_at=_hour(2), ends_at=_hour(4)
        ),
        user=me.user,
    )
    ShiftAssignmentFactory(
        shift=ShiftFactory(
            activation=exercise, title="Drill", starts_at=_hour(30), ends_at=_hour(32)
        ),
        user=me.user,
    )
    ShiftAssignmentFactory(
        shift=ShiftFactory(
            activation=activation, title="Theirs", starts_at=_hour(2), ends_at=_hour(4)
        ),
        user=other.user,
    )
    ShiftAssignmentFactory(
        shift=ShiftFactory(
            activation=activation,
            title="Yesterday",
            starts_at=_hour(-26),
            ends_at=_hour(-22),
        ),
        user=me.user,
        checked_in_at=timezone.now() - dt.timedelta(hours=26),
        checked_out_at=timezone.now() - dt.timedelta(hours=22),
        handover_note="Tout calme.",
    )
    ShiftAssignmentFactory(
        shift=ShiftFactory(
            activation=activation,
            title="Long ago",
            starts_at=_hour(-24 * 9),
            ends_at=_hour(-24 * 9 + 2),
        ),
        user=me.user,
    )
    client.force_login(me.user)
    # when
    response = client.get(reverse("activations:my-shifts"))
    # then
    upcoming = [row.assignment.shift.title for row in response.context["upcoming"]]
    past = [row.assignment.shift.title for row in response.context["past"]]
    assert upcoming == ["Mine", "Drill"]
    assert past == ["Yesterday"]
    assert "Theirs" not in response.text
    assert "EXERCICE / EXERCISE" in response.text
    assert "Tout calme." in response.text
    assert reverse("activations:roster", args=[activation.slug]) in response.text


def test_my_shifts_offers_check_in_only_in_the_window(
    client, activation, member_factory
):
    # given
    soon = _assignment(activation, member_factory, starts_in=dt.timedelta(minutes=15))
    later = ShiftAssignmentFactory(
        shift=ShiftFactory(activation=activation, starts_at=_hour(6), ends_at=_hour(8)),
        user=soon.user,
    )
    client.force_login(soon.user)
    # when
    response = client.get(reverse("activations:my-shifts"))
    # then
    rows = {row.assignment.pk: row for row in response.context["upcoming"]}
    assert rows[soon.pk].can_check_in is True
    assert rows[later.pk].can_check_in is False
    assert rows[later.pk].check_in_opens_at is not None
    assert "Check-in opens" in response.text


def test_my_shifts_shows_the_activation_time_when_it_differs(client, member_factory):
    # given a Paris activation, a volunteer in Réunion
    activation = ActivationFactory(timezone="Europe/Paris")
    volunteer = member_factory(activation, Role.VOLUNTEER, timezone="Indian/Reunion")
    ShiftAssignmentFactory(
        shift=ShiftFactory(activation=activation, starts_at=_hour(3), ends_at=_hour(5)),
        user=volunteer.user,
    )
    client.force_login(volunteer.user)
    # when
    response = client.get(reverse("activations:my-shifts"))
    # then
    assert "Activation time (Europe/Paris)" in response.text


# --- volunteer profile -------------------------------------------------------------------
def test_volunteer_profile_is_created_on_first_visit(client, user):
    # given
    client.force_login(user)
    assert not VolunteerProfile.objects.filter(user=user).exists()
    # when
    response = client.get(reverse("activations:volunteer-profile"))
    # then
    assert response.status_code == 200
    assert VolunteerProfile.objects.filter(user=user).exists()
    assert "No activation membership is possible before you accept it." in response.text


def _profile_data(languages=(), **fields):
    data = {
        "skills": ["monitoring", "geolocation"],
        "training_level": "basic",
        "availability_notes": "Soirs et week-ends",
        "languages-TOTAL_FORMS": str(max(len(languages), 2)),
        "languages-INITIAL_FORMS": "0",
        "languages-MIN_NUM_FORMS": "0",
        "languages-MAX_NUM_FORMS": "20",
    } | fields
    for index, (code, level) in enumerate(languages):
        data[f"languages-{index}-language"] = code
        data[f"languages-{index}-level"] = level
    return data


def test_volunteer_profile_saves_skills_and_languages(client, user):
    # given an existing language that will be dropped
    profile = VolunteerProfileFactory(user=user, skills=[])
    VolunteerLanguage.objects.create(profile=profile, language="de", level="basic")
    client.force_login(user)
    # when
    response = client.post(
        reverse("activations:volunteer-profile"),
        _profile_data(languages=[("FR", "native"), ("gcf", "fluent")]),
    )
    # then
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.skills == ["geolocation", "monitoring"]
    assert profile.training_level == "basic"
    assert profile.availability_notes == "Soirs et week-ends"
    assert sorted(profile.languages.values_list("language", "level")) == [
        ("fr", "native"),
        ("gcf", "fluent"),
    ]


def test_volunteer_profile_refuses_a_language_twice(client, user):
    # given
    profile = VolunteerProfileFactory(user=user, availability_notes="avant")
    client.force_login(user)
    # when
    response = client.post(
        reverse("activations:volunteer-profile"),
        _profile_data(languages=[("fr", "native"), ("fr", "basic")]),
    )
    # then
    assert response.status_code == 200
    assert "This language is already listed." in response.text
    profile.refresh_from_db()
    assert profile.availability_notes == "avant"
    assert not profile.languages.exists()


def test_volunteer_profile_refuses_a_bad_code_or_missing_level(client, user):
    client.force_login(user)
    response = client.post(
        reverse("activations:volunteer-profile"),
        _profile_data(languages=[("français", "native"), ("en", "")]),
    )
    assert response.status_code == 200
    assert "Use an ISO 639 code such as fr, en, es or gcf." in response.text
    assert "Choose a level for this language." in response.text
    assert not VolunteerLanguage.objects.exists()


def test_volunteer_profile_shows_only_my_own_data(client, user_factory):
    # given two people, one with notes and a team
    alice = user_factory()
    bob = user_factory()
    VolunteerProfileFactory(user=alice, availability_notes="Secret d'Alice")
    OrganisationMemberFactory(user=alice)
    client.force_login(bob)
    # when
    response = client.get(reverse("activations:volunteer-profile"))
    # then
    assert "Secret d&#x27;Alice" not in response.text
    assert "Secret d'Alice" not in response.text
    assert list(response.context["teams"]) == []
    assert response.context["profile"].user == bob


def test_volunteer_profile_lists_my_teams(client, user):
    membership = OrganisationMemberFactory(user=user, title="Veilleuse")
    client.force_login(user)
    response = client.get(reverse("activations:volunteer-profile"))
    assert membership.organisation.name in response.text
    assert "Veilleuse" in response.text


def test_accepting_the_charter_records_version_and_date(client, user):
    # given
    client.force_login(user)
    # when
    response = client.post(reverse("activations:volunteer-charter-accept"), follow=True)
    # then
    profile = VolunteerProfile.objects.get(user=user)
    assert profile.charter_version == CHARTER_VERSION
    assert profile.charter_accepted_at is not None
    assert f"You accepted version {CHARTER_VERSION} on" in response.text
    assert "I have read the charter and I accept it" not in response.text


def test_an_old_charter_version_asks_for_acceptance_again(client, user):
    VolunteerProfileFactory(user=user, charter_version="2020-1")
    client.force_login(user)
    response = client.get(reverse("activations:volunteer-profile"))
    assert "the charter has changed since" in response.text
    assert "I have read the charter and I accept it" in response.text


def test_anonymous_cannot_accept_the_charter_or_save_a_profile(client, db):
    for url, data in [
        (reverse("activations:volunteer-charter-accept"), {}),
        (reverse("activations:volunteer-profile"), _profile_data()),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not VolunteerProfile.objects.exists()


def test_charter_accept_is_post_only(client, user):
    client.force_login(user)
    assert (
        client.get(reverse("activations:volunteer-charter-accept")).status_code == 405
    )
    assert not VolunteerProfile.objects.exists()


def test_a_time_that_does_not_exist_in_the_activation_time_zone_is_refused(
    client, activation, member_factory
):
    # given Paris skips 02:00-03:00 on the last Sunday of March 2027
    coordinator = member_factory(activation, Role.COORDINATOR)
    client.force_login(coordinator.user)
    before = _state()
    # when
    response = client.post(
        reverse("activations:roster-shift-create", args=[activation.slug]),
        _shift_data(dt.date(2027, 3, 28), "02:30", "06:00"),
    )
    # then
    assert response.status_code == 200
    assert "Europe/Paris" in response.context["form"].errors["starts_at"][0]
    assert _state() == before


def test_profile_service_refuses_a_language_listed_twice(user):
    # given (the form already refuses it; the service holds the rule for other callers)
    # when / then
    with pytest.raises(DomainError, match="only be listed once"):
        services.volunteer_profile_update(
            user=user,
            skills=[],
            training_level="new",
            availability_notes="",
            languages=[("fr", "native"), ("FR", "basic")],
        )
    assert not VolunteerProfile.objects.filter(user=user).exists()
