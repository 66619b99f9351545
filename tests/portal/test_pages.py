"""Portal and RFI pages: role matrix, IDOR, bad input, double submissions, CSRF."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from monitoring.models import Escalation
from portal import services
from portal.models import RequestForInformation
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    UserFactory,
    make_item,
    make_map_item,
    make_member,
)
from tests.portal.support import ask, rfi_state

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
RFI = RequestForInformation
WHO = ["anonymous", "non-member", *ALL_ROLES]


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _open(activation, member):
    liaison = (
        member
        if member is not None and member_role(member, activation) == Role.LIAISON
        else None
    )
    return ask(activation, liaison)


def member_role(user, activation):
    found = ActivationMember.objects.filter(user=user, activation=activation).first()
    return found.role if found else None


# name: (method, action, needs an RFI, data, expected when allowed)
PAGES = {
    "activation": ("get", Action.VIEW_RFI, False, None, 200),
    "activation ask": (
        "post",
        Action.ASK_RFI,
        False,
        {"question": "Routes coupées ?", "due_in": "60", "priority": "normal"},
        302,
    ),
    "rfi-list": ("get", Action.VIEW_RFI, False, None, 200),
    "rfi-detail": ("get", Action.VIEW_RFI, True, None, 200),
    "rfi-answer": ("post", Action.ANSWER_RFI, True, {"answer": "Oui"}, 302),
    "rfi-assign": ("post", Action.ANSWER_RFI, True, {"take": "1"}, 302),
    "rfi-close": ("post", Action.ASK_RFI, True, {"action": "withdraw"}, 302),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given
    method, action, needs_rfi, data, ok = PAGES[page]
    actor = _actor(who, activation)
    name = page.split(" ")[0]
    payload = dict(data or {})
    if needs_rfi:
        rfi = _open(activation, actor)
        url = reverse(f"portal:{name}", args=[activation.slug, rfi.number])
        payload["version"] = rfi.version
    else:
        url = reverse(f"portal:{name}", args=[activation.slug])
    if actor is not None:
        client.force_login(actor)
    before = rfi_state()
    # when
    response = client.get(url) if method == "get" else client.post(url, payload)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:3000]
        return
    else:
        assert response.status_code == 403
    if method == "post":
        assert rfi_state() == before


def test_portal_home_lists_only_the_liaisons_activations_with_counts(
    client, activation
):
    liaison = make_member(activation, Role.LIAISON).user
    other = ActivationFactory(title="Autre autorité")
    ask(other)
    ask(activation, liaison)
    cluster = make_item(activation)
    Escalation.objects.create(
        activation=activation,
        cluster=cluster,
        raised_by=make_member(activation, Role.VOLUNTEER).user,
        summary="Personnes sur un toit",
    )
    client.force_login(liaison)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert activation.title in body
    assert "Autre autorité" not in body
    assert response.context["activations"][0].open_escalations == 1


def test_portal_home_without_a_liaison_role_is_an_empty_state(client, activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    client.force_login(volunteer)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert response.context["activations"] == []
    assert client.get(reverse("portal:home")).status_code == 200


def test_portal_home_needs_login(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302


def test_the_portal_never_links_the_raw_queue(client, activation):
    liaison = make_member(activation, Role.LIAISON).user
    client.force_login(liaison)
    body = client.get(
        reverse("portal:activation", args=[activation.slug])
    ).content.decode()
    assert reverse("monitoring:triage", args=[activation.slug]) not in body
    assert reverse("monitoring:post-list", args=[activation.slug]) not in body
    assert reverse("mapping:map", args=[activation.slug]) in body


def test_idor_another_authoritys_activation_and_rfi(client, activation):
    liaison = make_member(activation, Role.LIAISON).user
    other = ActivationFactory()
    foreign = ask(other)
    client.force_login(liaison)
    assert (
        client.get(reverse("portal:activation", args=[other.slug])).status_code == 404
    )
    assert (
        client.get(
            reverse("portal:rfi-detail", args=[other.slug, foreign.number])
        ).status_code
        == 404
    )
    # the same number in one's own activation does not reach the other's
    assert (
        client.get(
            reverse("portal:rfi-detail", args=[activation.slug, foreign.number])
        ).status_code
        == 404
    )


def test_answer_with_a_foreign_item_is_refused_and_changes_nothing(client, activation):
    rfi = ask(activation)
    volunteer = make_member(activation, Role.VOLUNTEER).user
    foreign = make_map_item(ActivationFactory())
    client.force_login(volunteer)
    before = rfi_state()
    response = client.post(
        reverse("portal:rfi-answer", args=[activation.slug, rfi.number]),
        {"answer": "Voir", "version": rfi.version, "map_items": [foreign.pk]},
    )
    assert response.status_code == 400
    assert rfi_state() == before


def test_answer_page_links_an_item_and_the_liaison_sees_it(client, activation):
    liaison = make_member(activation, Role.LIAISON).user
    rfi = ask(activation, liaison)
    volunteer = make_member(activation, Role.VOLUNTEER).user
    item = make_map_item(activation, summary="Pont de Brissac <b>coupé</b>")
    client.force_login(volunteer)
    page = client.get(reverse("portal:rfi-detail", args=[activation.slug, rfi.number]))
    assert f'value="{item.pk}"' in page.content.decode()
    response = client.post(
        reverse("portal:rfi-answer", args=[activation.slug, rfi.number]),
        {"answer": "Route coupée", "version": rfi.version, "map_items": [item.pk]},
    )
    assert response.status_code == 302
    client.force_login(liaison)
    body = client.get(
        reverse("portal:rfi-detail", args=[activation.slug, rfi.number])
    ).content.decode()
    assert "Route coupée" in body
    assert "Pont de Brissac &lt;b&gt;coupé&lt;/b&gt;" in body


def test_double_answer_on_the_page_says_who_answered(client, activation):
    rfi = ask(activation)
    first = make_member(
        activation, Role.VOLUNTEER, first_name="Léa", last_name="G"
    ).user
    second = make_member(activation, Role.TEAM_LEAD).user
    url = reverse("portal:rfi-answer", args=[activation.slug, rfi.number])
    client.force_login(first)
    assert (
        client.post(url, {"answer": "Oui", "version": rfi.version}).status_code == 302
    )
    client.force_login(second)
    response = client.post(url, {"answer": "Non", "version": rfi.version})
    assert response.status_code == 409
    assert "Léa G" in response.content.decode()
    rfi.refresh_from_db()
    assert rfi.answer == "Oui"


def test_double_ask_on_the_page_makes_one_request(client, activation):
    liaison = make_member(activation, Role.LIAISON).user
    client.force_login(liaison)
    url = reverse("portal:activation", args=[activation.slug])
    data = {"question": "Routes coupées ?", "due_in": "60", "priority": "normal"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert RFI.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"question": "", "due_in": "60", "priority": "normal"},
        {"question": "Q", "due_in": "5", "priority": "normal"},
        {
            "question": "Q",
            "due_in": "60",
            "priority": "normal",
            "due_at": "2001-01-01T10:00",
        },
    ],
)
def test_bad_questions_on_the_page_are_refused(client, activation, data):
    liaison = make_member(activation, Role.LIAISON).user
    client.force_login(liaison)
    response = client.post(reverse("portal:activation", args=[activation.slug]), data)
    assert response.status_code == 400
    assert not RFI.objects.exists()


def test_a_precise_due_time_is_read_in_the_activation_time_zone(client, activation):
    liaison = make_member(activation, Role.LIAISON).user
    client.force_login(liaison)
    local = timezone.localtime(timezone.now() + dt.timedelta(hours=3), activation.tz)
    client.post(
        reverse("portal:activation", args=[activation.slug]),
        {
            "question": "Q",
            "due_in": "60",
            "priority": "high",
            "due_at": local.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    rfi = RFI.objects.get()
    assert abs(rfi.due_at - local.replace(second=0, microsecond=0)) < dt.timedelta(
        seconds=1
    )
    assert rfi.priority == "high"


def test_csrf_is_enforced(activation):
    liaison = make_member(activation, Role.LIAISON).user
    client = Client(enforce_csrf_checks=True)
    client.force_login(liaison)
    response = client.post(
        reverse("portal:activation", args=[activation.slug]),
        {"question": "Q", "due_in": "60", "priority": "normal"},
    )
    assert response.status_code == 403
    assert not RFI.objects.exists()


def test_overdue_requests_are_highlighted_in_the_team_list(client, activation):
    rfi = ask(activation)
    RFI.objects.filter(pk=rfi.pk).update(
        due_at=timezone.now() - dt.timedelta(minutes=5)
    )
    volunteer = make_member(activation, Role.VOLUNTEER).user
    client.force_login(volunteer)
    body = client.get(
        reverse("portal:rfi-list", args=[activation.slug])
    ).content.decode()
    assert "rfi-overdue" in body


def test_portal_nav_flag_is_set_at_login_without_a_query_per_page(
    client, activation, django_assert_num_queries
):
    from portal.context_processors import SESSION_KEY

    liaison = make_member(activation, Role.LIAISON).user
    client.force_login(liaison)
    assert client.session[SESSION_KEY] is True
    volunteer = make_member(activation, Role.VOLUNTEER).user
    other = Client()
    other.force_login(volunteer)
    assert other.session[SESSION_KEY] is False


def test_withdrawn_request_cannot_be_answered_on_the_page(client, activation):
    liaison = make_member(activation, Role.LIAISON).user
    rfi = ask(activation, liaison)
    rfi = services.rfi_withdraw(rfi=rfi, by=liaison, version=rfi.version)
    volunteer = make_member(activation, Role.VOLUNTEER).user
    client.force_login(volunteer)
    response = client.post(
        reverse("portal:rfi-answer", args=[activation.slug, rfi.number]),
        {"answer": "Oui", "version": rfi.version},
    )
    assert response.status_code == 409


def test_portal_nav_costs_no_query_once_in_the_session(
    client, activation, django_assert_num_queries
):
    from django.test import RequestFactory

    from portal.context_processors import SESSION_KEY, portal

    liaison = make_member(activation, Role.LIAISON).user
    request = RequestFactory().get("/")
    request.user = liaison
    request.session = {SESSION_KEY: True}
    with django_assert_num_queries(0):
        assert bool(portal(request)["portal_nav"]) is True
    request.session = {}
    with django_assert_num_queries(1):
        assert bool(portal(request)["portal_nav"]) is True
    assert request.session[SESSION_KEY] is True
