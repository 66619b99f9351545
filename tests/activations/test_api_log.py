"""REST API of the activation log: read, filter, append; never edit or delete."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from activations.models import LogEntry
from activations.permissions import ROLE_ACTIONS, Action
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
from tests.factories import ALL_ROLES, ActivationFactory, LogEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


def _log_url(activation):
    return reverse("api-log", args=[activation.slug])


def _entry_url(activation, entry):
    return reverse("api-log-entry", args=[activation.slug, entry.pk])


ENDPOINTS = {
    "log GET": Endpoint("get", Action.VIEW_LOG, 200, lambda a, _u: (_log_url(a), None)),
    "log POST": Endpoint(
        "post",
        Action.WRITE_LOG,
        201,
        lambda a, _u: (_log_url(a), {"text": "Point de situation 14 h"}),
    ),
    "entry GET": Endpoint(
        "get",
        Action.VIEW_LOG,
        200,
        lambda a, _u: (_entry_url(a, LogEntryFactory(activation=a)), None),
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


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("target", ["list", "entry"])
@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_log_cannot_be_edited_or_deleted(
    activation, member_factory, method, target, role
):
    # given
    user = member_factory(activation, role).user
    entry = LogEntryFactory(activation=activation, text="Original")
    url = _log_url(activation) if target == "list" else _entry_url(activation, entry)
    before = db_state()
    # when
    response = call(client_as(user), method, url, {"text": "Rewritten"})
    # then: members are told the method does not exist; nothing changed
    assert_error(response, 405, "method_not_allowed")
    assert db_state() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_editing_the_log_of_someone_elses_activation_is_404(activation, method):
    entry = LogEntryFactory(activation=activation)
    before = db_state()
    response = call(
        client_as(UserFactory()), method, _entry_url(activation, entry), {"text": "x"}
    )
    assert_error(response, 404)
    assert db_state() == before


# --- reading ---------------------------------------------------------------------------
def test_list_is_newest_first_and_filters(activation, member_factory):
    # given
    viewer = member_factory(activation, "observer").user
    author = member_factory(activation, "volunteer").user
    now = timezone.now()
    old = LogEntryFactory(
        activation=activation,
        author=author,
        text="Crue du Lez",
        at=now - dt.timedelta(hours=3),
    )
    decision = LogEntryFactory(
        activation=activation,
        kind=LogEntry.Kind.DECISION,
        text="Passage en veille renforcée",
        at=now - dt.timedelta(hours=1),
    )
    LogEntryFactory(activation=ActivationFactory(), text="Crue ailleurs")
    api = client_as(viewer)
    url = _log_url(activation)

    def ids(**params):
        return [e["id"] for e in api.get(url, params).json()["results"]]

    # when / then
    assert ids() == [decision.pk, old.pk]
    assert ids(kind="decision") == [decision.pk]
    assert ids(author=author.pk) == [old.pk]
    assert ids(q="lez") == [old.pk]
    assert ids(since=(now - dt.timedelta(hours=2)).isoformat()) == [decision.pk]
    assert ids(until=(now - dt.timedelta(hours=2)).isoformat()) == [old.pk]
    assert_error(api.get(url, {"since": "last week"}), 400, "invalid")
    assert_error(api.get(url, {"kind": "gossip"}), 400, "invalid")
    body = api.get(url).json()["results"][1]
    assert body["author"]["username"] == author.username
    assert body["text"] == "Crue du Lez"


def test_list_is_paginated(activation, member_factory):
    viewer = member_factory(activation, "volunteer").user
    LogEntryFactory.create_batch(7, activation=activation)
    body = (
        client_as(viewer).get(_log_url(activation), {"page_size": 3, "page": 2}).json()
    )
    assert body["count"] == 7
    assert len(body["results"]) == 3
    assert body["next"] is not None
    assert body["previous"] is not None


@pytest.mark.parametrize("entries", [1, 15])
def test_list_query_count_is_constant(
    activation, member_factory, django_assert_max_num_queries, entries
):
    # given: entries by different authors, some correcting others
    viewer = member_factory(activation, "volunteer").user
    first = LogEntryFactory(activation=activation)
    for _ in range(entries - 1):
        LogEntryFactory(activation=activation, corrects=first, kind="correction")
    api = client_as(viewer)
    # when: activation + role, count, page (authors and corrections joined)
    with django_assert_max_num_queries(4):
        response = api.get(_log_url(activation))
    # then
    assert response.json()["count"] == entries


def test_system_entries_have_no_author(activation, member_factory):
    viewer = member_factory(activation, "volunteer").user
    entry = LogEntryFactory(activation=activation, author=None, kind="system")
    body = client_as(viewer).get(_entry_url(activation, entry)).json()
    assert body["author"] is None
    assert body["kind"] == "system"


def test_an_entry_of_another_activation_is_404(activation, member_factory):
    viewer = member_factory(activation, "coordinator").user
    elsewhere = LogEntryFactory(activation=ActivationFactory())
    response = client_as(viewer).get(_entry_url(activation, elsewhere))
    assert_error(response, 404)


# --- writing -------------------------------------------------------------------------------
def test_writing_a_decision_and_a_correction(activation, member_factory):
    # given
    volunteer = member_factory(activation, "volunteer").user
    api = client_as(volunteer)
    # when
    decision = api.post(
        _log_url(activation),
        {"text": "Bascule en veille H24", "kind": "decision"},
        format="json",
    )
    correction = api.post(
        _log_url(activation),
        {"text": "Lire : veille H12", "corrects": decision.json()["id"]},
        format="json",
    )
    # then
    assert decision.status_code == 201
    assert decision.json()["author"]["id"] == volunteer.pk
    assert correction.status_code == 201
    assert correction.json()["kind"] == "correction"
    assert correction.json()["corrects"] == decision.json()["id"]
    assert (
        LogEntry.objects.get(pk=decision.json()["id"]).text == "Bascule en veille H24"
    )


@pytest.mark.parametrize(
    ("payload_for", "code"),
    [
        (lambda a: {"text": "   "}, "invalid"),
        (lambda a: {"text": ""}, "invalid"),
        (lambda a: {"text": "x" * 5001}, "invalid"),
        (lambda a: {"text": "Système", "kind": "system"}, "invalid"),
        (
            lambda a: {"text": "Correction orpheline", "kind": "correction"},
            "domain_error",
        ),
        (
            lambda a: {
                "text": "Corrige une autre activation",
                "corrects": LogEntryFactory(activation=ActivationFactory()).pk,
            },
            "invalid",
        ),
    ],
    ids=[
        "blank",
        "empty",
        "too long",
        "system kind",
        "correction without target",
        "correcting another activation",
    ],
)
def test_write_refusals_change_nothing(activation, member_factory, payload_for, code):
    volunteer = member_factory(activation, "volunteer").user
    payload = payload_for(activation)
    before = db_state()
    response = client_as(volunteer).post(_log_url(activation), payload, format="json")
    assert_error(response, 400, code)
    assert db_state() == before


def test_log_with_a_token(activation, member_factory):
    user = member_factory(activation, "team_lead").user
    assert Action.WRITE_LOG in ROLE_ACTIONS["team_lead"]
    token = api_token_create(user=user, name="test", scopes=ALL_SCOPES)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(_log_url(activation), {"text": "Via l'API"}, format="json")
    assert response.status_code == 201
    assert LogEntry.objects.filter(text="Via l'API", author=user).exists()


def test_head_needs_the_same_right_as_get(activation, member_factory):
    # given: a liaison sees the activation, not its log
    liaison = member_factory(activation, "liaison").user
    observer = member_factory(activation, "observer").user
    # when / then
    assert client_as(liaison).head(_log_url(activation)).status_code == 403
    assert client_as(observer).head(_log_url(activation)).status_code == 200
