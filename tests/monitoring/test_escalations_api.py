"""Escalations API: role matrix, IDOR, shape, filter, acknowledging (409 the second time)."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from activations.models import ActivationMember, LogEntry
from activations.permissions import ROLE_ACTIONS, Action
from monitoring.escalations import escalation_acknowledge, escalation_raise
from monitoring.models import Escalation
from tests.activations.api_support import assert_error, call, client_as
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    UserFactory,
    make_item,
    make_member,
)

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]


def _state():
    return {
        "escalations": list(Escalation.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
        "log": list(LogEntry.objects.order_by("pk").values()),
    }


def _escalation(activation, text="Famille bloquée sur le toit", **post_fields):
    raiser = make_member(
        activation, Role.VOLUNTEER, first_name="Léa", last_name="Garnier"
    ).user
    return escalation_raise(
        cluster=make_item(activation, text=text, **post_fields),
        by=raiser,
        note="Enfants",
    )


def _list_url(activation):
    return reverse("api-escalation-list", args=[activation.slug])


def _detail_url(escalation, slug=None):
    return reverse(
        "api-escalation-detail",
        args=[slug or escalation.activation.slug, escalation.pk],
    )


def _ack_url(escalation, slug=None):
    return reverse(
        "api-escalation-acknowledge",
        args=[slug or escalation.activation.slug, escalation.pk],
    )


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


ENDPOINTS = {
    "list GET": (
        "get",
        Action.VIEW_ESCALATIONS,
        200,
        lambda e: (_list_url(e.activation), None),
    ),
    "detail GET": (
        "get",
        Action.VIEW_ESCALATIONS,
        200,
        lambda e: (_detail_url(e), None),
    ),
    "acknowledge POST": (
        "post",
        Action.ACKNOWLEDGE_ESCALATION,
        200,
        lambda e: (_ack_url(e), {"note": "Transmis"}),
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(activation, who, endpoint):
    # given
    method, action, ok, prepare = ENDPOINTS[endpoint]
    escalation = _escalation(activation)
    url, payload = prepare(escalation)
    api = client_as(_actor(who, activation))
    before = _state()
    # when
    response = call(api, method, url, payload)
    # then
    if who == "anonymous":
        assert_error(response, 401)
    elif who == "non-member":
        assert_error(response, 404)
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content
        return
    else:
        assert_error(response, 403)
    assert _state() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_refused(activation, method):
    escalation = _escalation(activation)
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    before = _state()
    assert_error(call(api, method, _detail_url(escalation)), 405)
    assert_error(call(api, method, _ack_url(escalation)), 405)
    assert _state() == before


def test_an_escalation_of_another_activation_is_404(activation):
    # given
    foreign = _escalation(ActivationFactory())
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    before = _state()
    # then: neither through this activation's slug nor through its own
    assert_error(api.get(_detail_url(foreign, slug=activation.slug)), 404)
    assert_error(
        api.post(_ack_url(foreign, slug=activation.slug), {}, format="json"), 404
    )
    assert_error(api.get(_detail_url(foreign)), 404)
    assert_error(api.post(_ack_url(foreign), {}, format="json"), 404)
    assert api.get(_list_url(activation)).json()["count"] == 0
    assert _state() == before


def test_an_escalation_has_the_documented_shape(activation):
    # given
    escalation = _escalation(
        activation, text="<b>Toit</b> rue des Lilas", url="javascript:alert(1)"
    )
    api = client_as(make_member(activation, Role.LIAISON).user)
    # when
    body = api.get(_detail_url(escalation)).json()
    # then
    assert body["id"] == escalation.pk
    assert body["activation"] == activation.slug
    assert body["status"] == "open"
    assert (
        body["summary"] == "<b>Toit</b> rue des Lilas"
    )  # plain text: clients escape it
    assert body["note"] == "Enfants"
    assert body["cluster"] == escalation.cluster_id
    assert body["cluster_size"] == 1
    assert body["item"]["text"] == "<b>Toit</b> rue des Lilas"
    assert body["item"]["url"] == ""
    assert body["item"]["place_name"] == "Montpellier"
    assert body["item"]["location"] == {"type": "Point", "coordinates": [3.88, 43.61]}
    assert body["raised_by"]["name"] == "Léa Garnier"
    assert body["acknowledged_by"] is None
    assert body["notifications_sent"] == 1
    assert body["next_notify_at"] is not None


def test_the_list_filters_by_status_and_puts_open_first(activation):
    acked = _escalation(activation, text="Arbre tombé")
    escalation_acknowledge(
        escalation=acked, by=make_member(activation, Role.COORDINATOR).user
    )
    open_one = _escalation(activation, text="Voiture emportée")
    api = client_as(make_member(activation, Role.OBSERVER).user)
    everything = api.get(_list_url(activation)).json()
    assert [e["id"] for e in everything["results"]] == [open_one.pk, acked.pk]
    only_open = api.get(_list_url(activation), {"status": "open"}).json()
    assert [e["id"] for e in only_open["results"]] == [open_one.pk]
    assert_error(api.get(_list_url(activation), {"status": "nope"}), 400)


def test_acknowledging_twice_is_a_409_that_says_who(activation):
    # given
    escalation = _escalation(activation)
    liaison = make_member(
        activation, Role.LIAISON, first_name="Nadia", last_name="Bernard"
    ).user
    api = client_as(liaison)
    # when
    first = api.post(_ack_url(escalation), {"note": "Transmis au CODIS"}, format="json")
    before = _state()
    second = client_as(make_member(activation, Role.COORDINATOR).user).post(
        _ack_url(escalation), {}, format="json"
    )
    # then
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "acknowledged"
    assert first.json()["acknowledged_by"]["name"] == "Nadia Bernard"
    assert first.json()["ack_note"] == "Transmis au CODIS"
    error = assert_error(second, 409, "already_acknowledged")
    assert error["message"].startswith("Already acknowledged by Nadia Bernard at ")
    assert _state() == before


def test_a_too_long_note_is_a_400(activation):
    escalation = _escalation(activation)
    api = client_as(make_member(activation, Role.LIAISON).user)
    before = _state()
    assert_error(
        api.post(_ack_url(escalation), {"note": "x" * 2001}, format="json"), 400
    )
    assert _state() == before
