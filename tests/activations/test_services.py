"""The rules of the Organisation core, at the service layer."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from activations import services
from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    LogEntry,
    OrganisationMember,
    Shift,
    ShiftAssignment,
)
from tests.closure.helpers import publish_final_report
from tests.factories import (
    AREA,
    FAR_AWAY,
    ActivationFactory,
    AgreementFactory,
    LogEntryFactory,
    OrganisationMemberFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    UserFactory,
    VolunteerProfileFactory,
    VostTeamFactory,
)
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
TODAY = dt.date.today


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coord")


def _create(agreement, coordinator, **overrides):
    fields = {
        "slug": "inond-34",
        "title": "Inondations Hérault",
        "kind": Activation.Kind.CRISIS,
        "missions": ["monitoring"],
        "area": AREA.clone(),
    } | overrides
    return services.activation_create(by=coordinator, agreement=agreement, **fields)


# --- agreements cover what they allow -----------------------------------------------
def test_activation_under_an_agreement_in_force_is_requested_and_logged(coordinator):
    agreement = AgreementFactory()
    activation = _create(agreement, coordinator)
    assert activation.status == Activation.Status.REQUESTED
    assert activation.lead_team == agreement.vost_team
    assert activation.authority == agreement.authority
    assert list(activation.log_entries.values_list("kind", flat=True)) == [
        LogEntry.Kind.STATUS
    ]


def test_open_now_activates_at_once(coordinator):
    activation = _create(AgreementFactory(), coordinator, open_now=True)
    assert activation.status == Activation.Status.ACTIVE
    assert activation.activated_at is not None
    assert activation.version == 2


@pytest.mark.parametrize(
    ("agreement_fields", "message"),
    [
        (
            {"valid_until": dt.date(2020, 12, 31), "valid_from": dt.date(2020, 1, 1)},
            "is expired",
        ),
        ({"status": Agreement.Status.SUSPENDED}, "is suspended"),
        ({"status": Agreement.Status.DRAFT}, "is draft"),
        ({"status": Agreement.Status.TERMINATED}, "is terminated"),
        (
            {"valid_from": dt.date(2099, 1, 1), "valid_until": dt.date(2099, 12, 31)},
            "not yet valid",
        ),
        ({"missions": ["monitoring"]}, "does not allow"),
    ],
)
def test_activation_refused_outside_the_agreement_and_nothing_is_written(
    coordinator, agreement_fields, message
):
    # given
    agreement = AgreementFactory(**agreement_fields)
    # when / then
    with pytest.raises(DomainError, match=message):
        _create(agreement, coordinator, missions=["monitoring", "mapping"])
    assert Activation.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_activation_area_outside_the_territory_is_refused(coordinator):
    with pytest.raises(DomainError, match="outside the agreement's territory"):
        _create(AgreementFactory(), coordinator, area=FAR_AWAY.clone())
    assert Activation.objects.count() == 0


def test_duplicate_slug_is_refused(coordinator):
    agreement = AgreementFactory()
    _create(agreement, coordinator)
    with pytest.raises(DomainError, match="already exists"):
        _create(agreement, coordinator, title="Autre")
    assert Activation.objects.count() == 1


# --- lifecycle -----------------------------------------------------------------------
def test_lifecycle_requested_active_standby_active_closed_archived(coordinator):
    activation = _create(AgreementFactory(), coordinator)
    for to, reason in [
        ("active", ""),
        ("standby", ""),
        ("active", ""),
        ("closed", "Décrue"),
        ("archived", ""),
    ]:
        if to == "closed":  # closing needs a published final report
            publish_final_report(activation, by=coordinator)
        activation = services.activation_transition(
            by=coordinator,
            activation=activation,
            to=to,
            version=activation.version,
            reason=reason,
        )
        assert activation.status == to
    assert activation.close_reason == "Décrue"
    assert activation.log_entries.filter(kind=LogEntry.Kind.STATUS).count() == 6


def test_closing_is_refused_without_a_published_final_report(coordinator):
    activation = ActivationFactory()
    with pytest.raises(DomainError, match="No published final report yet"):
        services.activation_transition(
            by=coordinator,
            activation=activation,
            to="closed",
            version=activation.version,
            reason="Décrue",
        )
    activation.refresh_from_db()
    assert activation.status == Activation.Status.ACTIVE
    assert activation.closed_at is None


def test_closing_needs_a_reason(coordinator):
    activation = ActivationFactory()
    with pytest.raises(DomainError, match="Say why"):
        services.activation_transition(
            by=coordinator,
            activation=activation,
            to="closed",
            version=activation.version,
            reason="  ",
        )
    activation.refresh_from_db()
    assert activation.status == Activation.Status.ACTIVE


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("archived", "active"),
        ("closed", "active"),
        ("requested", "standby"),
        ("active", "archived"),
    ],
)
def test_impossible_transitions_are_refused(coordinator, start, to):
    activation = ActivationFactory(status=start, closed_at=timezone.now())
    with pytest.raises(DomainError, match="cannot go from"):
        services.activation_transition(
            by=coordinator,
            activation=activation,
            to=to,
            version=activation.version,
            reason="x",
        )
    activation.refresh_from_db()
    assert activation.status == start


def test_resuming_under_an_expired_agreement_is_refused(coordinator):
    activation = ActivationFactory(status=Activation.Status.STANDBY)
    Agreement.objects.filter(pk=activation.agreement_id).update(
        valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2020, 12, 31)
    )
    with pytest.raises(DomainError, match="expired"):
        services.activation_transition(
            by=coordinator,
            activation=activation,
            to="active",
            version=activation.version,
        )
    activation.refresh_from_db()
    assert activation.status == Activation.Status.STANDBY


def test_two_coordinators_editing_at_once_the_second_is_refused(coordinator):
    # given both loaded version 1
    activation = ActivationFactory()
    other = UserFactory()
    services.activation_update(
        by=coordinator, activation=activation, version=1, objectives="A"
    )
    # when the second saves with the version they loaded
    with pytest.raises(ConflictError):
        services.activation_update(
            by=other,
            activation=Activation.objects.get(pk=activation.pk),
            version=1,
            objectives="B",
        )
    # then the first change stands
    activation.refresh_from_db()
    assert (activation.objectives, activation.version) == ("A", 2)


def test_editing_the_area_out_of_the_territory_is_refused(coordinator):
    activation = ActivationFactory()
    with pytest.raises(DomainError, match="outside"):
        services.activation_update(
            by=coordinator, activation=activation, version=1, area=FAR_AWAY.clone()
        )
    activation.refresh_from_db()
    assert activation.area.equals(AREA)
    assert activation.version == 1


# --- members -------------------------------------------------------------------------
def test_a_volunteer_of_the_team_with_the_charter_joins(coordinator):
    activation = ActivationFactory()
    volunteer = VolunteerProfileFactory().user
    OrganisationMemberFactory(organisation=activation.lead_team, user=volunteer)
    member = services.activation_member_set(
        by=coordinator,
        activation=activation,
        user=volunteer,
        role=ActivationMember.Role.VOLUNTEER,
    )
    assert member.role == "volunteer"
    assert activation.log_entries.filter(kind=LogEntry.Kind.MEMBERSHIP).count() == 1


def test_no_membership_before_the_charter(coordinator):
    activation = ActivationFactory()
    volunteer = UserFactory()
    OrganisationMemberFactory(organisation=activation.lead_team, user=volunteer)
    with pytest.raises(DomainError, match="charter"):
        services.activation_member_set(
            by=coordinator,
            activation=activation,
            user=volunteer,
            role=ActivationMember.Role.VOLUNTEER,
        )
    assert not ActivationMember.objects.exists()
    services.charter_accept(user=volunteer)
    services.activation_member_set(
        by=coordinator,
        activation=activation,
        user=volunteer,
        role=ActivationMember.Role.VOLUNTEER,
    )
    assert ActivationMember.objects.count() == 1


def test_a_liaison_must_belong_to_the_authority(coordinator):
    activation = ActivationFactory()
    stranger = UserFactory()
    with pytest.raises(DomainError, match="must belong to the requesting authority"):
        services.activation_member_set(
            by=coordinator,
            activation=activation,
            user=stranger,
            role=ActivationMember.Role.LIAISON,
        )
    OrganisationMemberFactory(
        organisation=activation.authority,
        user=stranger,
        role=OrganisationMember.Role.LIAISON,
    )
    services.activation_member_set(
        by=coordinator,
        activation=activation,
        user=stranger,
        role=ActivationMember.Role.LIAISON,
    )
    assert ActivationMember.objects.get().role == "liaison"


def test_people_outside_the_teams_cannot_be_volunteers(coordinator):
    activation = ActivationFactory()
    outsider = VolunteerProfileFactory().user
    with pytest.raises(DomainError, match="not in a VOST team"):
        services.activation_member_set(
            by=coordinator,
            activation=activation,
            user=outsider,
            role=ActivationMember.Role.VOLUNTEER,
        )
    assert not ActivationMember.objects.exists()


def test_supporting_team_needs_its_own_agreement_with_the_authority(coordinator):
    activation = ActivationFactory()
    helper = VostTeamFactory()
    with pytest.raises(DomainError, match="no agreement in force"):
        services.activation_supporting_team_add(
            by=coordinator, activation=activation, team=helper
        )
    AgreementFactory(vost_team=helper, authority=activation.authority)
    services.activation_supporting_team_add(
        by=coordinator, activation=activation, team=helper
    )
    assert list(activation.supporting_teams.all()) == [helper]


# --- rosters -------------------------------------------------------------------------
def _volunteer(activation, **kwargs):
    user = UserFactory(**kwargs)
    ActivationMember.objects.create(activation=activation, user=user, role="volunteer")
    return user


def test_shift_must_end_after_it_starts(coordinator):
    activation = ActivationFactory()
    start = timezone.now() + dt.timedelta(hours=2)
    with pytest.raises(DomainError, match="end after it starts"):
        services.shift_save(
            by=coordinator, activation=activation, starts_at=start, ends_at=start
        )
    assert not Shift.objects.exists()


def test_overlapping_sign_ups_are_refused_by_the_database(coordinator):
    # given a volunteer on a shift in one activation
    first = ShiftFactory()
    user = _volunteer(first.activation)
    services.shift_assign(by=user, shift=first, user=user)
    # and an overlapping shift in another activation
    other = ShiftFactory(
        starts_at=first.starts_at + dt.timedelta(hours=1),
        ends_at=first.ends_at + dt.timedelta(hours=1),
    )
    ActivationMember.objects.create(
        activation=other.activation, user=user, role="volunteer"
    )
    # when / then
    with pytest.raises(DomainError, match="already on another shift"):
        services.shift_assign(by=user, shift=other, user=user)
    assert ShiftAssignment.objects.filter(user=user).count() == 1


def test_a_full_shift_refuses_more(coordinator):
    shift = ShiftFactory(headcount=1)
    first, second = _volunteer(shift.activation), _volunteer(shift.activation)
    services.shift_assign(by=first, shift=shift, user=first)
    with pytest.raises(DomainError, match="full"):
        services.shift_assign(by=second, shift=shift, user=second)
    assert shift.assignments.count() == 1


def test_double_submission_of_a_sign_up_is_refused(coordinator):
    shift = ShiftFactory()
    user = _volunteer(shift.activation)
    services.shift_assign(by=user, shift=shift, user=user)
    with pytest.raises(DomainError, match="already on this shift"):
        services.shift_assign(by=user, shift=shift, user=user)
    assert shift.assignments.count() == 1


def test_observers_and_outsiders_cannot_be_put_on_shifts(coordinator):
    shift = ShiftFactory()
    observer = UserFactory()
    ActivationMember.objects.create(
        activation=shift.activation, user=observer, role="observer"
    )
    for person in (observer, UserFactory()):
        with pytest.raises(DomainError, match="not a volunteer"):
            services.shift_assign(by=coordinator, shift=shift, user=person)
    assert not ShiftAssignment.objects.exists()


def test_fatigue_is_warned_beyond_the_team_limit(coordinator):
    # given a team limit of 8 h and a volunteer already on 6 h
    start = timezone.now() + dt.timedelta(hours=1)
    shift = ShiftFactory(starts_at=start, ends_at=start + dt.timedelta(hours=6))
    team = shift.activation.lead_team
    team.max_hours_per_24h = 8
    team.save()
    user = _volunteer(shift.activation)
    assert services.shift_assign(by=user, shift=shift, user=user).warnings == []
    later = ShiftFactory(
        activation=shift.activation,
        starts_at=shift.ends_at,
        ends_at=shift.ends_at + dt.timedelta(hours=4),
    )
    # when
    result = services.shift_assign(by=coordinator, shift=later, user=user)
    # then assigned, with a warning
    assert result.assignment.source == ShiftAssignment.Source.ASSIGNED
    assert len(result.warnings) == 1
    assert "10.0 h in 24 h" in result.warnings[0]


def test_check_in_window_and_check_out_with_handover(coordinator):
    soon = ShiftFactory(
        starts_at=timezone.now() + dt.timedelta(minutes=20),
        ends_at=timezone.now() + dt.timedelta(hours=4),
    )
    user = _volunteer(soon.activation)
    assignment = services.shift_assign(by=user, shift=soon, user=user).assignment
    with pytest.raises(DomainError, match="not checked in"):
        services.shift_check_out(user=user, assignment=assignment, handover_note="")
    services.shift_check_in(user=user, assignment=assignment)
    with pytest.raises(DomainError, match="already checked in"):
        services.shift_check_in(user=user, assignment=assignment)
    done = services.shift_check_out(
        user=user, assignment=assignment, handover_note="RAS, 3 signalements"
    )
    assert done.checked_out_at is not None
    assert soon.activation.log_entries.filter(text__contains="Handover: RAS").exists()


def test_check_in_too_early_is_refused(coordinator):
    later = ShiftFactory(
        starts_at=timezone.now() + dt.timedelta(hours=3),
        ends_at=timezone.now() + dt.timedelta(hours=5),
    )
    user = _volunteer(later.activation)
    assignment = services.shift_assign(by=user, shift=later, user=user).assignment
    with pytest.raises(DomainError, match="30 minutes before"):
        services.shift_check_in(user=user, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.checked_in_at is None


def test_nobody_checks_in_for_someone_else(coordinator):
    assignment = ShiftAssignmentFactory(shift=ShiftFactory(starts_at=timezone.now()))
    with pytest.raises(DomainError, match="only check in for yourself"):
        services.shift_check_in(user=coordinator, assignment=assignment)


# --- the log is append-only ----------------------------------------------------------
def test_the_database_refuses_to_edit_or_delete_log_entries():
    entry = LogEntryFactory(text="Point 1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(text="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.text == "Point 1"


def test_a_correction_is_a_new_entry_pointing_at_the_old_one(coordinator):
    entry = LogEntryFactory()
    correction = services.log_entry_add(
        by=coordinator,
        activation=entry.activation,
        text="Lire 14 h et non 13 h",
        corrects=entry,
    )
    assert correction.kind == LogEntry.Kind.CORRECTION
    assert list(entry.corrections.all()) == [correction]


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("   ", "note", "needs some text"),
        ("x", "status", "written by the system"),
        ("x", "correction", "which entry"),
        ("x" * 5001, "note", "at most 5000"),
    ],
)
def test_bad_log_entries_are_refused(coordinator, text, kind, message):
    activation = ActivationFactory()
    with pytest.raises(DomainError, match=message):
        services.log_entry_add(
            by=coordinator, activation=activation, text=text, kind=kind
        )
    assert not LogEntry.objects.exists()


def test_a_correction_must_stay_in_its_activation(coordinator):
    entry = LogEntryFactory()
    with pytest.raises(DomainError, match="same activation"):
        services.log_entry_add(
            by=coordinator, activation=ActivationFactory(), text="x", corrects=entry
        )


# --- agreements --------------------------------------------------------------------
def test_agreement_status_transitions(coordinator):
    agreement = AgreementFactory(status=Agreement.Status.DRAFT)
    for status in ("active", "suspended", "active", "terminated"):
        agreement = services.agreement_set_status(
            agreement=agreement, status=status, by=coordinator
        )
    with pytest.raises(DomainError, match="cannot go from"):
        services.agreement_set_status(
            agreement=agreement, status="active", by=coordinator
        )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED


def test_expiry_is_derived_from_the_dates():
    agreement = AgreementFactory(
        valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2024, 12, 31)
    )
    assert agreement.status == Agreement.Status.ACTIVE
    assert agreement.effective_status() == Agreement.Status.EXPIRED
    assert agreement.effective_status(on=dt.date(2024, 6, 1)) == Agreement.Status.ACTIVE


def test_signed_agreement_must_be_a_pdf():
    agreement = AgreementFactory()
    fake = SimpleUploadedFile(
        "convention.pdf", b"<html>not a pdf</html>", content_type="application/pdf"
    )
    with pytest.raises(DomainError, match="must be a PDF"):
        services.agreement_save(agreement=agreement, document=fake)
    agreement.refresh_from_db()
    assert not agreement.signed_document


def test_end_before_start_is_refused():
    agreement = AgreementFactory()
    with pytest.raises(DomainError, match="must not be before"):
        services.agreement_save(
            agreement=agreement, valid_until=agreement.valid_from - dt.timedelta(days=1)
        )
    agreement.refresh_from_db()
    assert agreement.valid_until > agreement.valid_from


def test_expiry_reminders_are_sent_once_per_threshold_in_each_coordinators_language():
    # given an agreement ending in 25 days, coordinated by a French and an English speaker
    agreement = AgreementFactory(valid_until=TODAY() + dt.timedelta(days=25))
    for username, language in (("fr-coord", "fr"), ("en-coord", "en")):
        OrganisationMemberFactory(
            organisation=agreement.vost_team,
            role="coordinator",
            user=UserFactory(username=username, language=language),
        )
    # when the daily job runs twice
    first = services.agreements_remind_expiring()
    second = services.agreements_remind_expiring()
    # then two mails once, nothing the second time
    assert (first, second) == (2, 0)
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        f"Agreement {agreement.reference} expires in 25 days",
        f"La convention {agreement.reference} expire dans 25 jours",
    ]
    # and the 7-day threshold mails again
    assert (
        services.agreements_remind_expiring(today=TODAY() + dt.timedelta(days=19)) == 2
    )


def test_nobody_leaves_a_shift_of_a_closed_activation(coordinator):
    assignment = ShiftAssignmentFactory()
    Activation.objects.filter(pk=assignment.shift.activation_id).update(
        status=Activation.Status.CLOSED, closed_at=timezone.now()
    )
    assignment.shift.activation.refresh_from_db()
    with pytest.raises(DomainError, match="closed"):
        services.shift_withdraw(by=coordinator, assignment=assignment)
    assert ShiftAssignment.objects.filter(pk=assignment.pk).exists()


def test_the_last_coordinator_cannot_be_demoted():
    team = VostTeamFactory()
    only = OrganisationMemberFactory(organisation=team, role="coordinator").user
    with pytest.raises(DomainError, match="at least one coordinator"):
        services.organisation_member_set(organisation=team, user=only, role="member")
    assert OrganisationMember.objects.get(user=only).role == "coordinator"
    second = OrganisationMemberFactory(organisation=team, role="coordinator").user
    services.organisation_member_set(organisation=team, user=only, role="member")
    assert OrganisationMember.objects.get(user=second).role == "coordinator"
