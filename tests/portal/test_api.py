"""RFI API: role matrix, IDOR, double answers, bad input."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from portal.models import RequestForInformation
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    UserFactory,
    make_map_item,
    make_member,
)
from tests.portal.support import ask, rfi_state

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
RFI = RequestForInformation
WHO = ["anonymous", "non-member", *ALL_ROLES]


@pytest.fixture
def api():
    return APIClient()


# name: (method, action, needs an RFI, data, expected when allowed)
ENDPOINTS = {
    "api-rfi-list": ("get", Action.VIEW_RFI, False, None, 200),
    "api-rfi-list ask": ("post", Action.ASK_RFI, False, {"question": "Routes ?"}, 201),
    "api-rfi-detail": ("get", Action.VIEW_RFI, True, None, 200),
    "api-rfi-answer": ("post", Action.ANSWER_RFI, True, {"answer": "Oui"}, 200),
    "api-rfi-assign": ("post", Action.ANSWER_RFI, True, {"assignee": None}, 200),
    "api-rfi-withdraw": ("post", Action.ASK_RFI, True, {}, 200),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(api, activation, who, endpoint):
    method, action, needs_rfi, data, ok = ENDPOINTS[endpoint]
    actor = (
        None
        if who == "anonymous"
        else (
            UserFactory() if who == "non-member" else make_member(activation, who).user
        )
    )
    payload = dict(data or {})
    name = endpoint.split(" ")[0]
    if needs_rfi:
        rfi = ask(activation, actor if who == Role.LIAISON else None)
        url = reverse(name, args=[activation.slug, rfi.number])
        payload["version"] = rfi.version
    else:
        url = reverse(name, args=[activation.slug])
    if actor is not None:
        api.force_authenticate(actor)
    before = rfi_state()
    response = (
        api.get(url) if method == "get" else api.post(url, payload, format="json")
    )
    if who == "anonymous":
        assert response.status_code == 401
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:2000]
        return
    else:
        assert response.status_code == 403
    if method == "post":
        assert rfi_state() == before


def test_ask_answer_and_read_back(api, activation):
    liaison = make_member(activation, Role.LIAISON).user
    volunteer = make_member(activation, Role.VOLUNTEER).user
    item = make_map_item(activation)
    api.force_authenticate(liaison)
    due = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    asked = api.post(
        reverse("api-rfi-list", args=[activation.slug]),
        {"question": "Pont ?", "due_at": due, "priority": "urgent"},
        format="json",
    )
    assert asked.status_code == 201
    number, version = asked.data["number"], asked.data["version"]
    api.force_authenticate(volunteer)
    url = reverse("api-rfi-answer", args=[activation.slug, number])
    answered = api.post(
        url,
        {"answer": "Coupé", "version": version, "map_items": [item.pk]},
        format="json",
    )
    assert answered.status_code == 200
    assert answered.data["status"] == "answered"
    assert [i["id"] for i in answered.data["map_items"]] == [item.pk]
    again = api.post(url, {"answer": "Autre", "version": version}, format="json")
    assert again.status_code == 409
    assert again.data["error"]["code"] == "already_answered"
    api.force_authenticate(liaison)
    listed = api.get(reverse("api-rfi-list", args=[activation.slug]))
    assert listed.data["results"][0]["answer"] == "Coupé"


@pytest.mark.parametrize(
    "payload",
    [
        {"question": ""},
        {"question": "Q", "due_at": "2001-01-01T00:00:00Z"},
        {"question": "Q", "priority": "nope"},
    ],
)
def test_bad_questions_answer_400(api, activation, payload):
    api.force_authenticate(make_member(activation, Role.LIAISON).user)
    response = api.post(
        reverse("api-rfi-list", args=[activation.slug]), payload, format="json"
    )
    assert response.status_code == 400
    assert "error" in response.data
    assert not RFI.objects.exists()


def test_idor_foreign_rfi_and_foreign_item(api, activation):
    other = ActivationFactory()
    foreign_rfi = ask(other)
    rfi = ask(activation)
    volunteer = make_member(activation, Role.VOLUNTEER).user
    api.force_authenticate(volunteer)
    assert (
        api.get(
            reverse("api-rfi-detail", args=[other.slug, foreign_rfi.number])
        ).status_code
        == 404
    )
    foreign_item = make_map_item(other)
    before = rfi_state()
    response = api.post(
        reverse("api-rfi-answer", args=[activation.slug, rfi.number]),
        {"answer": "x", "version": rfi.version, "map_items": [foreign_item.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert response.data["error"]["code"] == "item_not_in_activation"
    assert rfi_state() == before


def test_assign_to_a_non_member_is_refused(api, activation):
    rfi = ask(activation)
    lead = make_member(activation, Role.TEAM_LEAD).user
    api.force_authenticate(lead)
    response = api.post(
        reverse("api-rfi-assign", args=[activation.slug, rfi.number]),
        {"assignee": UserFactory().pk, "version": rfi.version},
        format="json",
    )
    assert response.status_code == 400


def test_close_by_another_liaison_is_403(api, activation):
    rfi = ask(activation)
    api.force_authenticate(make_member(activation, Role.LIAISON).user)
    response = api.post(
        reverse("api-rfi-close", args=[activation.slug, rfi.number]),
        {"version": rfi.version},
        format="json",
    )
    assert response.status_code == 403


def test_schema_documents_the_endpoints(api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = {
        op["operationId"]
        for item in schema["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "rfi_list",
        "rfi_ask",
        "rfi_retrieve",
        "rfi_answer",
        "rfi_assign",
        "rfi_close",
        "rfi_withdraw",
    } <= ops
