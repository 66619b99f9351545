"""RFI services: asking, assigning, answering with linked items, closing, overdue."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from activations.models import ActivationMember
from portal import selectors, services
from portal.models import RequestForInformation
from tests.factories import ActivationFactory, make_map_item, make_member
from tests.portal.support import ask
from tests.verification.cases_support import open_case
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
RFI = RequestForInformation


def test_ask_numbers_per_activation_and_notifies_leads_and_coordinators(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    coordinator = make_member(activation, Role.COORDINATOR).user
    volunteer = make_member(activation, Role.VOLUNTEER).user
    liaison = make_member(activation, Role.LIAISON).user
    first = ask(activation, liaison)
    second = ask(activation, liaison, question="Autre question")
    assert (first.number, second.number) == (1, 2)
    assert first.status == RFI.Status.OPEN
    notified = set(
        Notification.objects.filter(kind="rfi_asked").values_list("user_id", flat=True)
    )
    assert notified == {lead.pk, coordinator.pk}
    assert volunteer.pk not in notified


def test_ask_defaults_to_one_hour(activation):
    rfi = ask(activation, due_at=None)
    assert abs((rfi.due_at - timezone.now()) - dt.timedelta(hours=1)) < dt.timedelta(
        seconds=30
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"question": "   "},
        {"due_at": timezone.now() - dt.timedelta(minutes=1)},
        {"due_at": timezone.now() + dt.timedelta(days=30)},
        {"priority": "bogus"},
    ],
)
def test_bad_questions_are_refused(activation, kwargs):
    with pytest.raises(DomainError):
        ask(activation, **kwargs)
    assert not RFI.objects.exists()


def test_only_liaisons_ask(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    with pytest.raises(services.NotAllowed):
        ask(activation, volunteer)


def test_the_same_question_twice_is_one_request(activation):
    liaison = make_member(activation, Role.LIAISON).user
    first = ask(activation, liaison)
    again = ask(activation, liaison)
    assert again.pk == first.pk
    assert RFI.objects.count() == 1


def test_answer_links_items_and_cases_and_notifies_the_asker(activation):
    liaison = make_member(activation, Role.LIAISON).user
    volunteer = make_member(activation, Role.VOLUNTEER).user
    rfi = ask(activation, liaison)
    item = make_map_item(activation)
    case = open_case(activation)
    answered = services.rfi_answer(
        rfi=rfi,
        by=volunteer,
        answer="Coupée au pont de Brissac.",
        version=rfi.version,
        map_item_ids=[item.pk],
        case_numbers=[case.number],
    )
    assert answered.status == RFI.Status.ANSWERED
    assert answered.answered_by == volunteer
    assert list(answered.map_items.all()) == [item]
    assert list(answered.cases.all()) == [case]
    assert Notification.objects.filter(user=liaison, kind="rfi_answered").exists()


def test_a_second_answer_is_refused_with_who_and_when(activation):
    rfi = ask(activation)
    first = make_member(activation, Role.VOLUNTEER, first_name="Léa").user
    second = make_member(activation, Role.TEAM_LEAD).user
    services.rfi_answer(rfi=rfi, by=first, answer="Oui", version=rfi.version)
    with pytest.raises(ConflictError) as refused:
        services.rfi_answer(rfi=rfi, by=second, answer="Non", version=rfi.version)
    assert "Léa" in refused.value.message
    rfi.refresh_from_db()
    assert rfi.answer == "Oui"
    assert rfi.answered_by == first


@pytest.mark.parametrize("what", ["foreign_item", "unverified_item", "foreign_case"])
def test_answer_refuses_items_it_may_not_link(activation, what):
    rfi = ask(activation)
    volunteer = make_member(activation, Role.VOLUNTEER).user
    other = ActivationFactory()
    kwargs: dict = {}
    if what == "foreign_item":
        kwargs["map_item_ids"] = [make_map_item(other).pk]
    elif what == "unverified_item":
        kwargs["map_item_ids"] = [
            make_map_item(activation, verification="unchecked").pk
        ]
    else:
        kwargs["case_numbers"] = [open_case(other).number + 100]
    with pytest.raises(DomainError):
        services.rfi_answer(
            rfi=rfi, by=volunteer, answer="Voir", version=rfi.version, **kwargs
        )
    rfi.refresh_from_db()
    assert rfi.status == RFI.Status.OPEN
    assert rfi.answer == ""
    assert not rfi.map_items.exists()


def test_empty_answer_and_stale_version_are_refused(activation):
    rfi = ask(activation)
    volunteer = make_member(activation, Role.VOLUNTEER).user
    with pytest.raises(DomainError):
        services.rfi_answer(rfi=rfi, by=volunteer, answer=" ", version=rfi.version)
    with pytest.raises(ConflictError):
        services.rfi_answer(rfi=rfi, by=volunteer, answer="x", version=rfi.version + 1)


def test_assign_take_and_refuse_a_liaison_as_assignee(activation):
    rfi = ask(activation)
    lead = make_member(activation, Role.TEAM_LEAD).user
    volunteer = make_member(activation, Role.VOLUNTEER).user
    observer = make_member(activation, Role.OBSERVER).user
    rfi = services.rfi_assign(rfi=rfi, by=lead, assignee=volunteer, version=rfi.version)
    assert rfi.assigned_to == volunteer
    assert Notification.objects.filter(user=volunteer, kind="rfi_assigned").exists()
    rfi = services.rfi_take(rfi=rfi, by=lead, version=rfi.version)
    assert rfi.assigned_to == lead
    with pytest.raises(DomainError):
        services.rfi_assign(rfi=rfi, by=lead, assignee=observer, version=rfi.version)
    with pytest.raises(services.NotAllowed):
        services.rfi_take(rfi=rfi, by=observer, version=rfi.version)


def test_close_and_withdraw_are_the_askers(activation):
    liaison = make_member(activation, Role.LIAISON).user
    other_liaison = make_member(activation, Role.LIAISON).user
    rfi = ask(activation, liaison)
    with pytest.raises(services.NotAllowed):
        services.rfi_withdraw(rfi=rfi, by=other_liaison, version=rfi.version)
    rfi = services.rfi_withdraw(rfi=rfi, by=liaison, version=rfi.version)
    assert rfi.status == RFI.Status.WITHDRAWN
    with pytest.raises(ConflictError):
        services.rfi_withdraw(rfi=rfi, by=liaison, version=rfi.version)
    volunteer = make_member(activation, Role.VOLUNTEER).user
    with pytest.raises(ConflictError):
        services.rfi_answer(rfi=rfi, by=volunteer, answer="x", version=rfi.version)
    answered = ask(activation, liaison, question="Deuxième")
    answered = services.rfi_answer(
        rfi=answered, by=volunteer, answer="Oui", version=answered.version
    )
    closed = services.rfi_close(rfi=answered, by=liaison, version=answered.version)
    assert closed.status == RFI.Status.CLOSED


def test_overdue_detection_and_reminder_once(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    rfi = ask(activation)
    now = timezone.now()
    assert selectors.due_state(rfi, now) == ""
    assert selectors.due_state(rfi, rfi.due_at - dt.timedelta(minutes=10)) == "due_soon"
    later = rfi.due_at + dt.timedelta(minutes=1)
    assert selectors.due_state(rfi, later) == "overdue"
    assert services.rfi_remind_overdue(now=later) == 1
    assert services.rfi_remind_overdue(now=later) == 0
    assert Notification.objects.filter(user=lead, kind="rfi_overdue").count() == 1


def test_portal_activations_counts_only_the_liaisons(activation):
    liaison = make_member(activation, Role.LIAISON).user
    other = ActivationFactory()
    make_member(other, Role.LIAISON)
    ask(activation, liaison)
    ask(other)
    activations = selectors.portal_activations(user=liaison)
    assert [a.pk for a in activations] == [activation.pk]
    assert activations[0].open_rfis == 1
    assert activations[0].open_escalations == 0
    volunteer = make_member(activation, Role.VOLUNTEER).user
    assert selectors.portal_activations(user=volunteer) == []
