"""Triage API: claim, decide, undo, renew, release, the lead's list and bulk, counters."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from monitoring import triage
from monitoring.models import Category, Cluster, Escalation, TriageDecision
from tests.activations.api_support import (
    WHO,
    Endpoint,
    actor_for,
    assert_error,
    call,
    client_as,
)
from tests.factories import ActivationFactory, UserFactory, make_item, make_member

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Kind = TriageDecision.Kind
XSS = '<img src=x onerror="alert(1)"><script>alert("x")</script>'


# --- helpers -----------------------------------------------------------------------
def hold(cluster: Cluster, user: Any, *, minutes: int = 10) -> Cluster:
    """Put the item in `user`'s hands, as "next" would (any user: no role check)."""
    cluster.status = Cluster.Status.IN_TRIAGE
    cluster.claimed_by = user
    cluster.claim_token = uuid.uuid4()
    cluster.lease_expires_at = timezone.now() + dt.timedelta(minutes=minutes)
    cluster.save()
    return cluster


def triage_state() -> dict[str, list[Any]]:
    """Every row triage writes, to prove that a refused call changed nothing."""
    from verification.models import Case

    return {
        "clusters": list(
            Cluster.objects.order_by("pk").values(
                "pk",
                "status",
                "category",
                "claimed_by_id",
                "claim_token",
                "lease_expires_at",
                "decision",
                "decided_by_id",
                "decided_at",
                "updated_at",
            )
        ),
        "decisions": list(TriageDecision.objects.order_by("pk").values()),
        "escalations": list(
            Escalation.objects.order_by("pk").values("pk", "status", "updated_at")
        ),
        "cases": list(Case.objects.order_by("pk").values_list("pk", flat=True)),
    }


def url(name: str, activation: Any, *args: Any) -> str:
    return reverse(name, args=[activation.slug, *args])


def volunteer(activation: Any, **fields: Any) -> Any:
    return make_member(activation, Role.VOLUNTEER, **fields).user


def lead(activation: Any) -> Any:
    return make_member(activation, Role.TEAM_LEAD).user


# --- role matrix -------------------------------------------------------------------
def _held_by(activation: Any, actor: Any) -> Cluster:
    item = make_item(activation)
    return hold(item, actor or UserFactory())


def _next(a: Any, _actor: Any) -> tuple[str, Any]:
    make_item(a)
    return url("api-triage-next", a), None


def _list(a: Any, _actor: Any) -> tuple[str, Any]:
    make_item(a)
    return url("api-triage-item-list", a), None


def _detail(a: Any, _actor: Any) -> tuple[str, Any]:
    return url("api-triage-item-detail", a, make_item(a).pk), None


def _renew(a: Any, actor: Any) -> tuple[str, Any]:
    item = _held_by(a, actor)
    return url("api-triage-renew", a, item.pk), {"token": str(item.claim_token)}


def _release(a: Any, actor: Any) -> tuple[str, Any]:
    item = _held_by(a, actor)
    return url("api-triage-release", a, item.pk), {"token": str(item.claim_token)}


def _decide(a: Any, actor: Any) -> tuple[str, Any]:
    item = _held_by(a, actor)
    return url("api-triage-decide", a, item.pk), {
        "token": str(item.claim_token),
        "kind": Kind.NOT_RELEVANT,
    }


def _undo(a: Any, actor: Any) -> tuple[str, Any]:
    decider = actor or UserFactory()
    item = hold(make_item(a), decider)
    decision = triage.item_decide(
        activation=a,
        cluster_id=item.pk,
        user=decider,
        token=item.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    return url("api-triage-undo", a, decision.pk), None


def _bulk(a: Any, _actor: Any) -> tuple[str, Any]:
    ids = [make_item(a).pk, make_item(a).pk]
    return url("api-triage-bulk", a), {"ids": ids, "kind": Kind.NOT_RELEVANT}


def _counts(a: Any, _actor: Any) -> tuple[str, Any]:
    make_item(a)
    return url("api-triage-counts", a), None


ENDPOINTS = {
    "next POST": Endpoint("post", Action.TRIAGE, 200, _next),
    "items GET": Endpoint("get", Action.TRIAGE_BULK, 200, _list),
    "item GET": Endpoint("get", Action.TRIAGE, 200, _detail),
    "renew POST": Endpoint("post", Action.TRIAGE, 200, _renew),
    "release POST": Endpoint("post", Action.TRIAGE, 204, _release),
    "decide POST": Endpoint("post", Action.TRIAGE, 201, _decide),
    "undo POST": Endpoint("post", Action.TRIAGE, 200, _undo),
    "bulk POST": Endpoint("post", Action.TRIAGE_BULK, 200, _bulk),
    "counts GET": Endpoint("get", Action.TRIAGE, 200, _counts),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_role_matrix(activation, member_factory, name, who):
    # given
    endpoint = ENDPOINTS[name]
    actor = actor_for(who, activation, member_factory)
    target, payload = endpoint.prepare(activation, actor)
    before = triage_state()
    # when
    response = call(client_as(actor), endpoint.method, target, payload)
    # then
    if who == "anonymous":
        expected = 401
    elif who == "non-member":
        expected = 404
    else:
        expected = endpoint.ok if endpoint.action in ROLE_ACTIONS[who] else 403
    if expected == endpoint.ok:
        assert response.status_code == expected, response.content
    else:
        assert_error(response, expected)
        assert triage_state() == before


def test_the_role_matrix_covers_liaisons_and_observers_out():
    # the queue is the team's: never the authority's liaison nor an observer
    for role in (Role.LIAISON, Role.OBSERVER):
        assert Action.TRIAGE not in ROLE_ACTIONS[role]
        assert Action.TRIAGE_BULK not in ROLE_ACTIONS[role]
    assert Action.TRIAGE_BULK not in ROLE_ACTIONS[Role.VOLUNTEER]


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_a_coordinator_of_another_activation_gets_404(activation, name):
    # given: someone with every right, elsewhere
    elsewhere = make_member(ActivationFactory(), Role.COORDINATOR).user
    target, payload = ENDPOINTS[name].prepare(activation, None)
    before = triage_state()
    # when
    response = call(client_as(elsewhere), ENDPOINTS[name].method, target, payload)
    # then
    assert_error(response, 404)
    assert triage_state() == before


# --- IDOR: an object of another activation through our slug --------------------------
@pytest.mark.parametrize("action", ["detail", "renew", "release", "decide", "undo"])
def test_an_item_of_another_activation_is_404_through_our_slug(activation, action):
    # given: the coordinator of both activations holds an item of the other one
    other = ActivationFactory()
    me = make_member(activation, Role.COORDINATOR).user
    ActivationMember.objects.create(activation=other, user=me, role=Role.COORDINATOR)
    foreign = hold(make_item(other), me)
    token = {"token": str(foreign.claim_token)}
    if action == "undo":
        decision = triage.item_decide(
            activation=other,
            cluster_id=foreign.pk,
            user=me,
            token=foreign.claim_token,
            kind=Kind.NOT_RELEVANT,
        )
        target, payload = url("api-triage-undo", activation, decision.pk), None
    elif action == "detail":
        target, payload = url("api-triage-item-detail", activation, foreign.pk), None
    else:
        target, payload = url(f"api-triage-{action}", activation, foreign.pk), token
        if action == "decide":
            payload = {**token, "kind": Kind.NOT_RELEVANT}
    before = triage_state()
    # when
    response = call(
        client_as(me), "get" if action == "detail" else "post", target, payload
    )
    # then
    assert_error(response, 404)
    assert triage_state() == before


def test_bulk_refuses_ids_of_another_activation_and_changes_nothing(activation):
    # given
    boss = lead(activation)
    foreign = make_item(ActivationFactory())
    before = triage_state()
    # when
    response = client_as(boss).post(
        url("api-triage-bulk", activation),
        {"ids": [foreign.pk], "kind": Kind.NOT_RELEVANT},
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["decided"] == []
    assert [r["id"] for r in response.json()["refused"]] == [foreign.pk]
    assert triage_state() == before


# --- the loop ------------------------------------------------------------------------
def test_next_decide_undo_decide_over_the_api(activation):
    # given
    make_item(activation, priority=0.2, text="low")
    urgent = make_item(activation, priority=0.9, text="Help, trapped on the roof")
    me = volunteer(activation)
    api = client_as(me)
    # when: next gives the most urgent item, with its token
    claimed = api.post(url("api-triage-next", activation), {}, format="json")
    # then
    assert claimed.status_code == 200, claimed.content
    item = claimed.json()["item"]
    assert item["id"] == urgent.pk
    assert item["status"] == "in_triage"
    assert item["priority_level"] == "urgent"
    assert item["post"]["text"] == "Help, trapped on the roof"
    assert item["claimed_by"]["id"] == me.pk
    token = item["token"]
    assert token
    # when: relevant with a category, tags and a note
    decided = api.post(
        url("api-triage-decide", activation, urgent.pk),
        {
            "token": token,
            "kind": "relevant",
            "category": Category.REQUEST,
            "tags": ["#Roof", "rescue"],
            "note": "needs a boat",
        },
        format="json",
    )
    # then
    assert decided.status_code == 201, decided.content
    body = decided.json()
    assert body["item"] == urgent.pk
    assert body["kind"] == "relevant"
    assert body["category"] == Category.REQUEST
    assert body["tags"] == ["roof", "rescue"]
    created = dt.datetime.fromisoformat(body["created_at"])
    until = dt.datetime.fromisoformat(body["undo_until"])
    assert until - created == dt.timedelta(seconds=30)
    urgent.refresh_from_db()
    assert urgent.status == Cluster.Status.DONE
    assert urgent.decided_by_id == me.pk
    # when: undo
    undone = api.post(url("api-triage-undo", activation, body["id"]))
    # then: the item is mine again under a new token
    assert undone.status_code == 200, undone.content
    again = undone.json()
    assert again["id"] == urgent.pk
    assert again["status"] == "in_triage"
    assert again["token"]
    assert again["token"] != token
    assert again["decisions"][0]["undone_at"] is not None
    # when: the old token is refused, the new one decides
    stale = api.post(
        url("api-triage-decide", activation, urgent.pk),
        {"token": token, "kind": "not_relevant"},
        format="json",
    )
    assert_error(stale, 409, "claim_lost")
    final = api.post(
        url("api-triage-decide", activation, urgent.pk),
        {"token": again["token"], "kind": "not_relevant"},
        format="json",
    )
    # then
    assert final.status_code == 201, final.content
    urgent.refresh_from_db()
    assert urgent.status == Cluster.Status.DONE
    assert urgent.decision == Kind.NOT_RELEVANT
    assert urgent.category == Category.NOT_RELEVANT
    history = [
        (d.kind, d.undone_at is None)
        for d in TriageDecision.objects.filter(cluster=urgent).order_by("pk")
    ]
    assert history == [(Kind.RELEVANT, False), (Kind.NOT_RELEVANT, True)]


def test_next_answers_item_null_when_the_queue_is_empty(activation):
    # given: only a decided item
    done = make_item(activation)
    Cluster.objects.filter(pk=done.pk).update(status=Cluster.Status.DONE)
    # when
    response = client_as(volunteer(activation)).post(url("api-triage-next", activation))
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {"item": None}


def test_next_gives_back_the_item_already_held(activation):
    # given
    make_item(activation, priority=0.1)
    me = volunteer(activation)
    mine = hold(make_item(activation, priority=0.05), me)
    # when
    response = client_as(me).post(url("api-triage-next", activation))
    # then
    assert response.json()["item"]["id"] == mine.pk
    assert response.json()["item"]["token"] == str(mine.claim_token)


def test_next_on_a_closed_activation_is_400(activation):
    make_item(activation)
    me = volunteer(activation)
    activation.status = activation.Status.CLOSED
    activation.closed_at = timezone.now()
    activation.save()
    before = triage_state()
    response = client_as(me).post(url("api-triage-next", activation))
    assert_error(response, 400)
    assert triage_state() == before


def test_only_team_leads_filter_next(activation):
    # given
    make_item(activation, lang="fr", priority=0.9)
    english = make_item(activation, lang="en", priority=0.1)
    before = triage_state()
    # when: a volunteer filters
    refused = client_as(volunteer(activation)).post(
        url("api-triage-next", activation), {"lang": "en"}, format="json"
    )
    # then
    assert_error(refused, 403)
    assert triage_state() == before
    # when: a team lead filters
    response = client_as(lead(activation)).post(
        url("api-triage-next", activation), {"lang": "en"}, format="json"
    )
    # then
    assert response.json()["item"]["id"] == english.pk


def test_item_detail_returns_text_as_plain_text_and_only_safe_links(activation):
    # given: hostile text and media, two copies
    item = make_item(
        activation,
        text=XSS,
        copies=2,
        media=[
            {"type": "image", "url": "javascript:alert(1)", "preview_url": "x"},
            {
                "type": "image",
                "url": "https://img.example/a.jpg",
                "preview_url": "https://img.example/t.jpg",
                "description": XSS,
            },
        ],
        author_meta={"followers_count": 3, "verified": False},
    )
    me = volunteer(activation)
    # when
    response = client_as(me).get(url("api-triage-item-detail", activation, item.pk))
    # then: unchanged text (JSON is not HTML: clients escape), no javascript: URL
    assert response.status_code == 200, response.content
    body = response.json()
    assert response["Content-Type"].startswith("application/json")
    assert body["post"]["text"] == XSS
    assert body["post"]["author_meta"] == {"followers_count": 3, "verified": False}
    assert [m["url"] for m in body["post"]["media"]] == [
        "",
        "https://img.example/a.jpg",
    ]
    assert body["post"]["media"][0]["preview_url"] == ""
    assert len(body["copies"]) == 1
    assert body["token"] is None  # nobody holds it
    assert body["decisions"] == []


def test_the_token_is_only_shown_to_the_holder(activation):
    # given
    holder = volunteer(activation)
    item = hold(make_item(activation), holder)
    # when
    as_lead = client_as(lead(activation))
    listed = as_lead.get(url("api-triage-item-list", activation)).json()
    detail = as_lead.get(url("api-triage-item-detail", activation, item.pk)).json()
    mine = (
        client_as(holder).get(url("api-triage-item-detail", activation, item.pk)).json()
    )
    # then
    assert listed["results"][0]["token"] is None
    assert listed["results"][0]["claimed_by"]["id"] == holder.pk
    assert detail["token"] is None
    assert mine["token"] == str(item.claim_token)


# --- conflicts ------------------------------------------------------------------------
def _decide_call(activation: Any, user: Any, item: Cluster, **payload: Any) -> Any:
    body = {"token": str(item.claim_token), "kind": Kind.NOT_RELEVANT, **payload}
    return client_as(user).post(
        url("api-triage-decide", activation, item.pk), body, format="json"
    )


def test_a_wrong_token_is_409_and_changes_nothing(activation):
    me = volunteer(activation)
    item = hold(make_item(activation), me)
    before = triage_state()
    response = _decide_call(activation, me, item, token=str(uuid.uuid4()))
    assert_error(response, 409, "claim_lost")
    assert triage_state() == before


def test_a_double_decide_is_409_and_changes_nothing(activation):
    # given: decided once
    me = volunteer(activation)
    item = hold(make_item(activation), me)
    first = _decide_call(activation, me, item, kind="relevant", category="caution")
    assert first.status_code == 201, first.content
    before = triage_state()
    # when: the same click again
    again = _decide_call(activation, me, item)
    # then
    error = assert_error(again, 409, "already_decided")
    assert "already decided" in error["message"]
    assert triage_state() == before
    assert TriageDecision.objects.filter(cluster=item).count() == 1


def test_an_expired_lease_is_409_and_changes_nothing(activation):
    # given: a claim whose lease ended a minute ago
    me = volunteer(activation)
    item = hold(make_item(activation), me)
    Cluster.objects.filter(pk=item.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    before = triage_state()
    # when
    decide = _decide_call(activation, me, item)
    renew = client_as(me).post(
        url("api-triage-renew", activation, item.pk),
        {"token": str(item.claim_token)},
        format="json",
    )
    # then
    assert_error(decide, 409, "lease_expired")
    assert_error(renew, 409, "lease_expired")
    assert triage_state() == before


def test_deciding_on_an_item_someone_else_holds_is_409(activation):
    holder = volunteer(activation)
    item = hold(make_item(activation), holder)
    before = triage_state()
    response = _decide_call(activation, volunteer(activation), item)
    assert_error(response, 409, "claimed_by_other")
    assert triage_state() == before


def test_an_expired_lease_goes_back_to_the_queue_for_someone_else(activation):
    # given
    first = volunteer(activation)
    item = hold(make_item(activation), first)
    Cluster.objects.filter(pk=item.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    # when
    taken = client_as(volunteer(activation)).post(url("api-triage-next", activation))
    late = _decide_call(activation, first, item)
    # then
    assert taken.json()["item"]["id"] == item.pk
    assert_error(late, 409, "claimed_by_other")


# --- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"kind": "maybe"}, "invalid"),
        ({"kind": "relevant"}, "category_required"),
        ({"kind": "relevant", "category": "not_relevant"}, "category_required"),
        ({"kind": "relevant", "category": "weather"}, "invalid"),
        ({"kind": "not_relevant", "tags": ["<script>"]}, "invalid_tag"),
        ({"kind": "not_relevant", "tags": ["two words"]}, "invalid_tag"),
        ({"kind": "not_relevant", "tags": [f"t{i}" for i in range(11)]}, "invalid"),
        ({"kind": "not_relevant", "tags": "flood"}, "invalid"),
        ({"kind": "not_relevant", "note": "x" * 2001}, "invalid"),
        ({"kind": "not_relevant", "token": "not-a-uuid"}, "invalid"),
        ({"kind": "not_relevant", "token": None}, "invalid"),
    ],
    ids=[
        "unknown kind",
        "relevant without category",
        "relevant as not relevant",
        "unknown category",
        "tag with markup",
        "tag of two words",
        "eleven tags",
        "tags not a list",
        "note too long",
        "malformed token",
        "no token",
    ],
)
def test_bad_decisions_are_400_and_change_nothing(activation, payload, code):
    me = volunteer(activation)
    item = hold(make_item(activation), me)
    before = triage_state()
    response = _decide_call(activation, me, item, **payload)
    assert_error(response, 400, code)
    assert triage_state() == before


@pytest.mark.parametrize(
    "payload",
    [
        {"ids": list(range(1, 502)), "kind": "not_relevant"},
        {"ids": [], "kind": "not_relevant"},
        {"ids": ["x"], "kind": "not_relevant"},
        {"ids": [1], "kind": "urgent"},
        {"ids": [1], "kind": "relevant"},
        {"kind": "not_relevant"},
    ],
    ids=["501 ids", "no ids", "not ids", "urgent", "relevant without category", "none"],
)
def test_bad_bulk_is_400_and_changes_nothing(activation, payload):
    make_item(activation)
    before = triage_state()
    response = client_as(lead(activation)).post(
        url("api-triage-bulk", activation), payload, format="json"
    )
    assert_error(response, 400)
    assert triage_state() == before


@pytest.mark.parametrize(
    "query",
    ["priority=extreme", "lang=FR1", "category=weather", "source=x", "held=maybe"],
)
def test_bad_list_filters_are_400(activation, query):
    response = client_as(lead(activation)).get(
        url("api-triage-item-list", activation) + "?" + query
    )
    assert_error(response, 400, "invalid")


def test_undo_of_someone_elses_decision_is_refused(activation):
    decider = volunteer(activation)
    item = hold(make_item(activation), decider)
    decision = triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=decider,
        token=item.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    before = triage_state()
    response = client_as(volunteer(activation)).post(
        url("api-triage-undo", activation, decision.pk)
    )
    assert_error(response, 400, "not_yours")
    assert triage_state() == before


def test_undo_after_30_seconds_is_refused(activation):
    me = volunteer(activation)
    item = hold(make_item(activation), me)
    decision = triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=me,
        token=item.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    TriageDecision.objects.filter(pk=decision.pk).update(
        created_at=decision.created_at - dt.timedelta(seconds=31)
    )
    before = triage_state()
    response = client_as(me).post(url("api-triage-undo", activation, decision.pk))
    assert_error(response, 400, "undo_expired")
    assert triage_state() == before


def test_a_second_undo_is_409(activation):
    me = volunteer(activation)
    item = hold(make_item(activation), me)
    decision = triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=me,
        token=item.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    api = client_as(me)
    assert api.post(url("api-triage-undo", activation, decision.pk)).status_code == 200
    before = triage_state()
    again = api.post(url("api-triage-undo", activation, decision.pk))
    assert_error(again, 409, "already_undone")
    assert triage_state() == before


# --- renew, release ------------------------------------------------------------------------
def test_renew_extends_the_lease(activation):
    me = volunteer(activation)
    item = hold(make_item(activation), me, minutes=1)
    response = client_as(me).post(
        url("api-triage-renew", activation, item.pk),
        {"token": str(item.claim_token)},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == item.pk
    assert body["token"] == str(item.claim_token)
    until = dt.datetime.fromisoformat(body["lease_expires_at"])
    assert until > timezone.now() + dt.timedelta(minutes=9)


def test_release_hands_the_item_back(activation):
    me = volunteer(activation)
    item = hold(make_item(activation), me)
    response = client_as(me).post(
        url("api-triage-release", activation, item.pk),
        {"token": str(item.claim_token)},
        format="json",
    )
    assert response.status_code == 204, response.content
    item.refresh_from_db()
    assert item.status == Cluster.Status.NEW
    assert item.claimed_by_id is None
    assert item.claim_token is None
    assert not TriageDecision.objects.exists()


# --- the lead's list and bulk, counters ------------------------------------------------------
def test_the_queue_list_filters_and_pages(activation):
    # given
    urgent = make_item(activation, priority=0.9, lang="en", text="Bridge collapsed")
    make_item(activation, priority=0.3, lang="fr", text="Pluie forte")
    held = hold(make_item(activation, priority=0.6), volunteer(activation))
    done = make_item(activation)
    Cluster.objects.filter(pk=done.pk).update(status=Cluster.Status.DONE)
    api = client_as(lead(activation))
    base = url("api-triage-item-list", activation)
    # when / then: open items, most urgent first, held ones included
    everything = api.get(base).json()
    assert everything["count"] == 3
    assert [r["id"] for r in everything["results"]][:2] == [urgent.pk, held.pk]
    assert api.get(base + "?held=false").json()["count"] == 2
    assert [r["id"] for r in api.get(base + "?lang=en").json()["results"]] == [
        urgent.pk
    ]
    assert [r["id"] for r in api.get(base + "?keyword=bridge").json()["results"]] == [
        urgent.pk
    ]
    assert [r["id"] for r in api.get(base + "?priority=urgent").json()["results"]] == [
        urgent.pk
    ]
    paged = api.get(base + "?page_size=1&page=2").json()
    assert paged["count"] == 3
    assert [r["id"] for r in paged["results"]] == [held.pk]


def test_the_queue_list_does_not_query_per_item(
    activation, django_assert_max_num_queries
):
    # given
    for _ in range(3):
        hold(make_item(activation), volunteer(activation))
    api = client_as(lead(activation))
    target = url("api-triage-item-list", activation)
    api.get(target)  # warm caches (content types, sessions)
    with django_assert_max_num_queries(12) as few:
        api.get(target)
    for _ in range(12):
        hold(make_item(activation), volunteer(activation))
    # when / then: four times the items, the same number of queries
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get(target).json()["count"] == 15


def test_bulk_decides_free_items_and_reports_the_others(activation):
    # given
    boss = lead(activation)
    free = make_item(activation)
    expired = hold(make_item(activation), volunteer(activation))
    Cluster.objects.filter(pk=expired.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    busy = hold(make_item(activation), volunteer(activation))
    done = make_item(activation)
    Cluster.objects.filter(pk=done.pk).update(status=Cluster.Status.DONE)
    # when
    response = client_as(boss).post(
        url("api-triage-bulk", activation),
        {
            "ids": [free.pk, expired.pk, busy.pk, done.pk],
            "kind": "relevant",
            "category": "caution",
        },
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decided"] == [free.pk, expired.pk]
    assert [r["id"] for r in body["refused"]] == sorted([busy.pk, done.pk])
    assert all(r["reason"] for r in body["refused"])
    assert set(
        Cluster.objects.filter(status=Cluster.Status.DONE).values_list("pk", flat=True)
    ) == {free.pk, expired.pk, done.pk}
    assert TriageDecision.objects.filter(bulk=True, category="caution").count() == 2
    busy_after = Cluster.objects.get(pk=busy.pk)
    assert busy_after.status == Cluster.Status.IN_TRIAGE
    assert busy_after.claim_token == busy.claim_token


def test_counts(activation):
    # given
    me = volunteer(activation)
    make_item(activation, priority=0.9)
    make_item(activation, priority=0.1)
    hold(make_item(activation), volunteer(activation))
    item = hold(make_item(activation), me)
    triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=me,
        token=item.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    # when
    response = client_as(me).get(url("api-triage-counts", activation))
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {
        "waiting": 2,
        "urgent_waiting": 1,
        "in_triage": 1,
        "decided_last_hour": 1,
        "mine_last_hour": 1,
        "open_escalations": 0,
        "waiting_more": False,
        "urgent_more": False,
    }


def test_urgent_and_verify_over_the_api_raise_an_escalation_and_open_a_case(
    activation,
):
    from verification.models import Case

    me = volunteer(activation)
    urgent = hold(make_item(activation, text="Family trapped"), me)
    assert _decide_call(activation, me, urgent, kind="urgent").status_code == 201
    assert Escalation.objects.filter(cluster=urgent, status="open").count() == 1
    doubtful = hold(make_item(activation, text="Dam broke?"), me)
    response = _decide_call(activation, me, doubtful, kind="verify")
    assert response.status_code == 201, response.content
    assert Case.objects.filter(cluster=doubtful).count() == 1
