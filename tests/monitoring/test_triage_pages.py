"""Triage workspace pages: role matrix, IDOR, decisions refused without changing
anything (wrong token, expired lease, double submit, stale page), undo within and
after 30 s, bulk decisions, check-out releasing claims, query count, hostile posts."""

import datetime as dt
import re
import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from activations.models import ActivationMember, ShiftAssignment
from activations.permissions import ROLE_ACTIONS, Action
from monitoring import triage
from monitoring.models import Cluster, TriageDecision
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    make_item,
    make_member,
)

Role = ActivationMember.Role
Kind = TriageDecision.Kind
HTMX = {"HX-Request": "true"}


def _member(activation, role):
    return make_member(activation, role, language="en").user


def _url(name, activation, *args):
    return reverse(f"monitoring:{name}", args=[activation.slug, *args])


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _state():
    """Everything a triage page can change."""
    return (
        sorted(
            Cluster.objects.values_list(
                "pk",
                "status",
                "category",
                "claimed_by_id",
                "claim_token",
                "lease_expires_at",
                "decision",
                "decided_by_id",
                "decided_at",
            )
        ),
        sorted(
            TriageDecision.objects.values_list(
                "pk", "cluster_id", "user_id", "kind", "category", "undone_at"
            )
        ),
    )


def _claim(activation, user):
    cluster = triage.item_claim_next(activation=activation, user=user)
    assert cluster is not None
    return cluster


# --- role matrix ---------------------------------------------------------------------
# (url name, method, action needed, takes an item id)
PAGES = [
    ("triage", "get", Action.TRIAGE, False),
    ("triage-counts", "get", Action.TRIAGE, False),
    ("triage-item", "get", Action.TRIAGE, True),
    ("triage-next", "post", Action.TRIAGE, False),
    ("triage-decide", "post", Action.TRIAGE, True),
    ("triage-renew", "post", Action.TRIAGE, True),
    ("triage-release", "post", Action.TRIAGE, True),
    ("triage-undo", "post", Action.TRIAGE, False),
    ("triage-bulk", "post", Action.TRIAGE_BULK, False),
]
PAGE_IDS = [f"{method} {name}" for name, method, _a, _i in PAGES]


def _call(client, name, method, activation, item):
    url = _url(name, activation, *([item.pk] if name in _ITEM_PAGES else []))
    if method == "get":
        return client.get(url, headers=HTMX if name == "triage-counts" else {})
    payload = {
        "triage-decide": {"token": str(uuid.uuid4()), "kind": Kind.NOT_RELEVANT},
        "triage-renew": {"token": str(uuid.uuid4())},
        "triage-release": {"token": str(uuid.uuid4())},
        "triage-undo": {"decision": "999999"},
        "triage-bulk": {"items": [str(item.pk)], "action": Kind.NOT_RELEVANT},
    }.get(name, {})
    return client.post(url, payload)


_ITEM_PAGES = {name for name, _m, _a, takes_item in PAGES if takes_item}


@pytest.mark.parametrize(("name", "method", "action", "_i"), PAGES, ids=PAGE_IDS)
def test_anonymous_is_sent_to_login(client, activation, name, method, action, _i):
    # given
    item = make_item(activation)
    before = _state()
    # when
    response = _call(client, name, method, activation, item)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert _state() == before


@pytest.mark.parametrize(("name", "method", "action", "_i"), PAGES, ids=PAGE_IDS)
def test_non_member_gets_404(client, activation, name, method, action, _i):
    # given a member of another activation
    item = make_item(activation)
    stranger = _member(ActivationFactory(), Role.COORDINATOR)
    client.force_login(stranger)
    before = _state()
    # when
    response = _call(client, name, method, activation, item)
    # then
    assert response.status_code == 404
    assert _state() == before


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "method", "action", "_i"), PAGES, ids=PAGE_IDS)
def test_roles(client, activation, role, name, method, action, _i):
    # given
    item = make_item(activation)
    client.force_login(_member(activation, role))
    before = _state()
    allowed = action in ROLE_ACTIONS[role]
    # when
    response = _call(client, name, method, activation, item)
    # then
    if not allowed:
        assert response.status_code == 403
        assert _state() == before
    elif method == "get":
        assert response.status_code == 200
    else:
        assert response.status_code == 302


def test_liaison_and_observer_see_no_triage_tab(client, activation):
    for role in (Role.LIAISON, Role.OBSERVER):
        client.force_login(_member(activation, role))
        page = client.get(
            reverse("activations:activation-detail", args=[activation.slug])
        )
        assert _url("triage", activation) not in page.content.decode()


def test_bulk_is_for_team_leads_and_coordinators_only():
    assert [r for r in ALL_ROLES if Action.TRIAGE_BULK in ROLE_ACTIONS[r]] == [
        Role.COORDINATOR,
        Role.TEAM_LEAD,
    ]


# --- IDOR ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["triage-item", "triage-decide", "triage-renew", "triage-release"]
)
def test_item_of_another_activation_is_404(client, activation, name):
    # given a volunteer of both activations holding an item in the other one
    other = ActivationFactory()
    volunteer = _member(activation, Role.VOLUNTEER)
    ActivationMember.objects.create(
        activation=other, user=volunteer, role=Role.VOLUNTEER
    )
    foreign = make_item(other)
    held = _claim(other, volunteer)
    assert held.pk == foreign.pk
    client.force_login(volunteer)
    before = _state()
    # when it is addressed through this activation
    url = _url(name, activation, foreign.pk)
    token = {"token": str(held.claim_token), "kind": Kind.NOT_RELEVANT}
    response = client.get(url) if name == "triage-item" else client.post(url, token)
    # then
    assert response.status_code == 404
    assert _state() == before


def test_undo_of_another_activations_decision_changes_nothing(client, activation):
    # given a decision taken in another activation
    other = ActivationFactory()
    volunteer = _member(activation, Role.VOLUNTEER)
    ActivationMember.objects.create(
        activation=other, user=volunteer, role=Role.VOLUNTEER
    )
    make_item(other)
    held = _claim(other, volunteer)
    decision = triage.item_decide(
        activation=other,
        cluster_id=held.pk,
        user=volunteer,
        token=held.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    client.force_login(volunteer)
    before = _state()
    # when
    response = client.post(
        _url("triage-undo", activation), {"decision": decision.pk}, follow=True
    )
    # then
    assert "You can only undo your own decisions." in _messages(response)
    assert _state() == before


# --- the workspace -----------------------------------------------------------------------
def test_workspace_offers_next_with_the_waiting_count(client, activation):
    # given
    make_item(activation)
    make_item(activation)
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when
    response = client.get(_url("triage", activation))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert _url("triage-next", activation) in html
    assert "(2)" in html
    assert 'hx-trigger="every 4s"' in html
    assert 'id="triage-help"' in html  # the shortcuts overlay
    assert "queue-table" not in html  # volunteers get no table


def test_workspace_shows_a_capped_count_with_a_plus(client, activation, monkeypatch):
    from monitoring import triage

    # given more waiting items than the counters count
    monkeypatch.setattr(triage, "COUNT_CAP", 2)
    for _ in range(3):
        make_item(activation, priority=0.9)
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when the page and the poll are read
    page = client.get(_url("triage", activation)).content.decode()
    poll = client.get(
        _url("triage-counts", activation) + "?u=2&e=0", headers=HTMX
    ).content.decode()
    # then both say "2+"
    assert "(2+)" in page
    assert "<dd>2+</dd>" in poll


def test_lead_table_counts_pages_up_to_the_cap(client, activation, monkeypatch):
    from monitoring import triage, views_triage

    # given a queue longer than the counters count, one row per page
    monkeypatch.setattr(triage, "COUNT_CAP", 2)
    monkeypatch.setattr(views_triage, "PAGE_SIZE", 1)
    for _ in range(3):
        make_item(activation)
    client.force_login(_member(activation, Role.TEAM_LEAD))
    # when the team lead opens the table, then the third page is not counted
    html = client.get(_url("triage", activation)).content.decode()
    assert "Page 1 of 2+" in html
    assert "More than 2 open items" in html
    # and the page the count reaches is served
    html = client.get(_url("triage", activation) + "?page=2").content.decode()
    assert "Page 2 of 2+" in html


def test_workspace_says_the_queue_is_empty(client, activation):
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.get(_url("triage", activation))
    assert "The queue is empty" in response.content.decode()


def test_workspace_shows_the_held_item_and_who_is_on_shift(client, activation):
    # given a volunteer on duty who holds an item
    volunteer = _member(activation, Role.VOLUNTEER)
    make_item(activation, text="Pont fermé à Lattes")
    held = _claim(activation, volunteer)
    shift = ShiftFactory(
        activation=activation,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=3),
    )
    assignment = ShiftAssignmentFactory(
        shift=shift, user=volunteer, checked_in_at=timezone.now()
    )
    client.force_login(volunteer)
    # when
    response = client.get(_url("triage", activation))
    # then
    html = response.content.decode()
    assert _url("triage-item", activation, held.pk) in html
    assert "Pont fermé à Lattes" in html
    assert volunteer.display_name in html
    assert (
        reverse(
            "activations:roster-assignment-check-out",
            args=[activation.slug, assignment.pk],
        )
        in html
    )


def test_team_lead_table_filters_and_pages(client, activation):
    # given 55 French items and one English
    for _ in range(55):
        make_item(activation, lang="fr", priority=0.3)
    english = make_item(activation, lang="en", text="Bridge closed", priority=0.9)
    client.force_login(_member(activation, Role.TEAM_LEAD))
    # when
    first = client.get(_url("triage", activation))
    second = client.get(_url("triage", activation) + "?page=2")
    filtered = client.get(_url("triage", activation) + "?lang=en&priority=urgent")
    # then
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 56
    assert len(second.context["page"].object_list) == 6
    assert [c.pk for c in filtered.context["page"].object_list] == [english.pk]
    assert 'name="items"' in filtered.content.decode()


def test_workspace_query_count_is_pinned(
    client, activation, django_assert_max_num_queries
):
    # given a busy queue, a held item, someone on duty and a team lead
    for _ in range(60):
        make_item(activation)
    lead = _member(activation, Role.TEAM_LEAD)
    volunteer = _member(activation, Role.VOLUNTEER)
    _claim(activation, volunteer)
    shift = ShiftFactory(activation=activation)
    ShiftAssignmentFactory(shift=shift, user=volunteer, checked_in_at=timezone.now())
    # then: the same number of queries whatever the size of the page
    client.force_login(lead)
    # session, user, activation, role, counts (3), held items, on duty, undo,
    # sources, page count, page rows; the base page: organisation role, notifications
    with django_assert_max_num_queries(15):
        assert client.get(_url("triage", activation)).status_code == 200
    client.force_login(volunteer)
    with django_assert_max_num_queries(12):
        assert client.get(_url("triage", activation)).status_code == 200


def test_counts_fragment_highlights_a_new_urgent_item(client, activation):
    # given the page showed no urgent item
    client.force_login(_member(activation, Role.VOLUNTEER))
    make_item(activation, priority=0.95)
    # when the poll comes
    response = client.get(_url("triage-counts", activation) + "?u=0&e=0", headers=HTMX)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "is-new" in html
    assert 'hx-swap-oob="innerHTML"' in html
    assert "1 new urgent item in the queue." in html
    assert "?u=1&amp;e=0" in html  # the next poll compares with this one
    assert response["Vary"].count("HX-Request") == 1


def test_counts_fragment_is_quiet_when_nothing_is_new(client, activation):
    client.force_login(_member(activation, Role.VOLUNTEER))
    make_item(activation, priority=0.95)
    response = client.get(_url("triage-counts", activation) + "?u=1&e=0", headers=HTMX)
    assert "is-new" not in response.content.decode()
    assert "hx-swap-oob" not in response.content.decode()


def test_counts_without_htmx_is_the_workspace(client, activation):
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.get(_url("triage-counts", activation))
    assert response.status_code == 302
    assert response["Location"] == _url("triage", activation)


# --- next and the item -----------------------------------------------------------------------
def test_next_claims_the_most_urgent_item_and_opens_it(client, activation):
    # given
    make_item(activation, priority=0.2)
    urgent = make_item(activation, priority=0.9)
    volunteer = _member(activation, Role.VOLUNTEER)
    client.force_login(volunteer)
    # when
    response = client.post(_url("triage-next", activation))
    # then
    assert response["Location"] == _url("triage-item", activation, urgent.pk)
    urgent.refresh_from_db()
    assert urgent.claimed_by == volunteer
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.context["mine"] is True
    assert _url("triage-decide", activation, urgent.pk) in html
    assert str(urgent.claim_token) in html
    assert 'data-seconds-left="' in html


def test_next_on_an_empty_queue_says_so(client, activation):
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.post(_url("triage-next", activation), follow=True)
    assert "Nothing is waiting for you in the queue right now." in _messages(response)


def test_next_in_a_closed_activation_is_refused(client, activation):
    make_item(activation)
    activation.status = activation.Status.CLOSED
    activation.closed_at = timezone.now()
    activation.save(update_fields=["status", "closed_at"])
    client.force_login(_member(activation, Role.VOLUNTEER))
    before = _state()
    response = client.post(_url("triage-next", activation), follow=True)
    assert "This activation is closed: there is nothing to triage." in _messages(
        response
    )
    assert _state() == before


def test_team_lead_next_follows_the_filters(client, activation):
    make_item(activation, lang="fr", priority=0.9)
    english = make_item(activation, lang="en", priority=0.1)
    client.force_login(_member(activation, Role.TEAM_LEAD))
    response = client.post(_url("triage-next", activation), {"lang": "en"})
    assert response["Location"] == _url("triage-item", activation, english.pk)


def test_someone_elses_item_is_read_only(client, activation):
    # given an item another volunteer holds
    make_item(activation)
    other = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, other)
    client.force_login(_member(activation, Role.VOLUNTEER))
    # when
    response = client.get(_url("triage-item", activation, held.pk))
    # then
    html = response.content.decode()
    assert f"{other.display_name} is working on it" in html
    assert "decision-form" not in html
    assert str(held.claim_token) not in html


def test_decided_item_shows_the_decision(client, activation):
    make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    triage.item_decide(
        activation=activation,
        cluster_id=held.pk,
        user=volunteer,
        token=held.claim_token,
        kind=Kind.RELEVANT,
        category="infrastructure",
        tags=["pont"],
        note="Pont de Lattes fermé",
    )
    client.force_login(_member(activation, Role.VOLUNTEER))
    html = client.get(_url("triage-item", activation, held.pk)).content.decode()
    assert f"Decided by {volunteer.display_name}" in html
    assert "Infrastructure and utilities damage" in html
    assert "#pont" in html
    assert "Pont de Lattes fermé" in html
    assert "decision-form" not in html


# --- deciding --------------------------------------------------------------------------
def test_decide_records_and_opens_the_next_item(client, activation):
    # given
    first = make_item(activation, priority=0.9)
    second = make_item(activation, priority=0.5)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    # when
    response = client.post(
        _url("triage-decide", activation, first.pk),
        {
            "token": str(held.claim_token),
            "kind": Kind.RELEVANT,
            "category": "infrastructure",
            "tags": "pont, #Route  crue",
            "note": "Pont fermé",
        },
    )
    # then
    assert response["Location"] == _url("triage-item", activation, second.pk)
    first.refresh_from_db()
    assert first.status == Cluster.Status.DONE
    assert first.category == "infrastructure"
    decision = TriageDecision.objects.get(cluster=first)
    assert decision.tags == ["pont", "route", "crue"]
    assert decision.note == "Pont fermé"
    # and the next page offers the undo for 30 s
    page = client.get(response["Location"]).content.decode()
    assert _url("triage-undo", activation) in page
    assert f'name="decision" value="{decision.pk}"' in page
    assert "Decided: Relevant — Infrastructure and utilities damage" in page


def test_last_decision_leads_back_to_the_workspace(client, activation):
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    response = client.post(
        _url("triage-decide", activation, item.pk),
        {"token": str(held.claim_token), "kind": Kind.NOT_RELEVANT},
    )
    assert response["Location"] == _url("triage", activation)


def test_decide_with_a_wrong_token_changes_nothing(client, activation):
    # given
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    _claim(activation, volunteer)
    client.force_login(volunteer)
    before = _state()
    # when
    response = client.post(
        _url("triage-decide", activation, item.pk),
        {"token": str(uuid.uuid4()), "kind": Kind.NOT_RELEVANT},
        follow=True,
    )
    # then
    assert any("Your claim on this item has ended" in m for m in _messages(response))
    assert response.redirect_chain[-1][0] == _url("triage-item", activation, item.pk)
    assert _state() == before


def test_decide_on_an_expired_lease_changes_nothing(client, activation):
    # given a claim whose lease ran out
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    Cluster.objects.filter(pk=item.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=5)
    )
    client.force_login(volunteer)
    before = _state()
    # when
    response = client.post(
        _url("triage-decide", activation, item.pk),
        {"token": str(held.claim_token), "kind": Kind.NOT_RELEVANT},
        follow=True,
    )
    # then
    assert any("expired at" in m for m in _messages(response))
    assert _state() == before
    assert response.context["lost_claim"] is True


def test_double_submit_records_one_decision(client, activation):
    # given
    item = make_item(activation, priority=0.9)
    following = make_item(activation, priority=0.1)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    data = {"token": str(held.claim_token), "kind": Kind.NOT_RELEVANT}
    client.post(_url("triage-decide", activation, item.pk), data)
    after_first = _state()
    # when the same form is sent again
    response = client.post(_url("triage-decide", activation, item.pk), data)
    # then nothing more happened and the person lands on their next item
    assert _state() == after_first
    assert TriageDecision.objects.filter(cluster=item).count() == 1
    assert response["Location"] == _url("triage-item", activation, following.pk)
    assert any(
        "You have already decided on this item" in m for m in _messages(response)
    )


def test_stale_page_after_someone_else_took_the_item(client, activation):
    # given A's lease expired and B took the item
    item = make_item(activation)
    alice = _member(activation, Role.VOLUNTEER)
    bob = _member(activation, Role.VOLUNTEER)
    stale = _claim(activation, alice)
    Cluster.objects.filter(pk=item.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    _claim(activation, bob)
    client.force_login(alice)
    before = _state()
    # when A submits her old page
    response = client.post(
        _url("triage-decide", activation, item.pk),
        {"token": str(stale.claim_token), "kind": Kind.URGENT},
        follow=True,
    )
    # then
    assert f"{bob} is working on this item now." in _messages(response)
    assert _state() == before
    assert response.context["held_by_other"] is True


def test_decision_already_taken_by_someone_else(client, activation):
    item = make_item(activation)
    alice = _member(activation, Role.VOLUNTEER)
    bob = _member(activation, Role.VOLUNTEER)
    stale = _claim(activation, alice)
    Cluster.objects.filter(pk=item.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    taken = _claim(activation, bob)
    triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=bob,
        token=taken.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    client.force_login(alice)
    before = _state()
    response = client.post(
        _url("triage-decide", activation, item.pk),
        {"token": str(stale.claim_token), "kind": Kind.RELEVANT, "category": "caution"},
        follow=True,
    )
    assert any(f"{bob} already decided on this item" in m for m in _messages(response))
    assert _state() == before


def test_relevant_without_category_keeps_the_form(client, activation):
    # given
    item = make_item(activation, category="")
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    before = _state()
    # when
    response = client.post(
        _url("triage-decide", activation, item.pk),
        {
            "token": str(held.claim_token),
            "kind": Kind.RELEVANT,
            "tags": "digue",
            "note": "Digue fissurée",
        },
    )
    # then the item is still the person's, with what they typed
    assert response.status_code == 200
    assert "Choose the category of a relevant item." in _messages(response)
    html = response.content.decode()
    assert "Digue fissurée" in html
    assert 'value="digue"' in html
    assert _state() == before


def test_invalid_tag_is_refused(client, activation):
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    before = _state()
    response = client.post(
        _url("triage-decide", activation, item.pk),
        {
            "token": str(held.claim_token),
            "kind": Kind.RELEVANT,
            "category": "caution",
            "tags": "<b>x</b>",
        },
    )
    assert response.status_code == 200
    assert any("Tags are single words" in m for m in _messages(response))
    assert _state() == before


def test_unknown_decision_kind_changes_nothing(client, activation):
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    before = _state()
    response = client.post(
        _url("triage-decide", activation, item.pk),
        {"token": str(held.claim_token), "kind": "delete"},
    )
    assert response.status_code == 200
    assert _state() == before


def test_skip_releases_and_moves_on(client, activation):
    first = make_item(activation, priority=0.9)
    second = make_item(activation, priority=0.1)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    response = client.post(
        _url("triage-decide", activation, first.pk),
        {"token": str(held.claim_token), "kind": Kind.SKIP},
    )
    assert response["Location"] == _url("triage-item", activation, second.pk)
    first.refresh_from_db()
    assert first.status == Cluster.Status.NEW
    assert first.claimed_by is None


# --- undo ------------------------------------------------------------------------------
def test_undo_within_30_seconds_gives_the_item_back(client, activation):
    # given a decision just taken (and the next item already claimed)
    item = make_item(activation, priority=0.9)
    make_item(activation, priority=0.1)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    client.post(
        _url("triage-decide", activation, item.pk),
        {"token": str(held.claim_token), "kind": Kind.NOT_RELEVANT},
    )
    decision = TriageDecision.objects.get(cluster=item)
    # when
    response = client.post(_url("triage-undo", activation), {"decision": decision.pk})
    # then
    assert response["Location"] == _url("triage-item", activation, item.pk)
    item.refresh_from_db()
    decision.refresh_from_db()
    assert item.status == Cluster.Status.IN_TRIAGE
    assert item.claimed_by == volunteer
    assert decision.undone_at is not None
    page = client.get(response["Location"])
    assert page.context["mine"] is True


def test_undo_after_30_seconds_is_refused(client, activation):
    # given a decision taken 31 seconds ago
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    decision = triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=volunteer,
        token=held.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    past = decision.created_at - dt.timedelta(seconds=31)
    TriageDecision.objects.filter(pk=decision.pk).update(created_at=past)
    Cluster.objects.filter(pk=item.pk).update(decided_at=past)
    client.force_login(volunteer)
    before = _state()
    # when
    response = client.post(
        _url("triage-undo", activation), {"decision": decision.pk}, follow=True
    )
    # then
    assert "Too late to undo: a decision can be undone for 30 seconds." in _messages(
        response
    )
    assert _state() == before
    # and the page no longer offers it
    page = client.get(_url("triage", activation)).content.decode()
    assert 'id="undo-bar"' not in page


def test_undo_bar_follows_the_clock(client, activation, monkeypatch):
    # given a decision; the clock moves 29 s then 31 s on
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    decision = triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=volunteer,
        token=held.claim_token,
        kind=Kind.SKIP,
    )
    client.force_login(volunteer)
    real_now = timezone.now

    def at(seconds):
        monkeypatch.setattr(
            timezone,
            "now",
            lambda: decision.created_at + dt.timedelta(seconds=seconds),
        )

    at(29)
    html = client.get(_url("triage", activation)).content.decode()
    assert 'data-seconds-left="1"' in html
    at(31)
    html = client.get(_url("triage", activation)).content.decode()
    assert 'id="undo-bar"' not in html
    monkeypatch.setattr(timezone, "now", real_now)


def test_nobody_undoes_someone_elses_decision(client, activation):
    item = make_item(activation)
    alice = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, alice)
    decision = triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=alice,
        token=held.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _state()
    response = client.post(
        _url("triage-undo", activation), {"decision": decision.pk}, follow=True
    )
    assert "You can only undo your own decisions." in _messages(response)
    assert _state() == before


def test_undo_twice_is_refused(client, activation):
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    decision = triage.item_decide(
        activation=activation,
        cluster_id=item.pk,
        user=volunteer,
        token=held.claim_token,
        kind=Kind.NOT_RELEVANT,
    )
    client.force_login(volunteer)
    client.post(_url("triage-undo", activation), {"decision": decision.pk})
    before = _state()
    response = client.post(
        _url("triage-undo", activation), {"decision": decision.pk}, follow=True
    )
    assert "This decision was already undone." in _messages(response)
    assert _state() == before


# --- lease: renew and release ------------------------------------------------------------------
def test_renew_by_htmx_returns_the_lease_fragment(client, activation):
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    Cluster.objects.filter(pk=item.pk).update(
        lease_expires_at=timezone.now() + dt.timedelta(seconds=60)
    )
    client.force_login(volunteer)
    response = client.post(
        _url("triage-renew", activation, item.pk),
        {"token": str(held.claim_token)},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="lease"')
    item.refresh_from_db()
    assert item.lease_expires_at > timezone.now() + dt.timedelta(minutes=9)
    seconds = int(re.search(r'data-seconds-left="(\d+)"', html).group(1))
    assert 590 <= seconds <= 600


def test_renew_with_a_lost_claim_says_so(client, activation):
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    _claim(activation, volunteer)
    client.force_login(volunteer)
    before = _state()
    response = client.post(
        _url("triage-renew", activation, item.pk),
        {"token": str(uuid.uuid4())},
        headers=HTMX,
    )
    assert "Your claim on this item has ended" in response.content.decode()
    assert "data-seconds-left" not in response.content.decode()
    assert _state() == before


def test_keep_it_button_without_javascript(client, activation):
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    response = client.post(
        _url("triage-renew", activation, item.pk), {"token": str(held.claim_token)}
    )
    assert response["Location"] == _url("triage-item", activation, item.pk)
    assert any("The item is yours until" in m for m in _messages(response))


def test_release_hands_the_item_back(client, activation):
    item = make_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    client.force_login(volunteer)
    response = client.post(
        _url("triage-release", activation, item.pk), {"token": str(held.claim_token)}
    )
    assert response["Location"] == _url("triage", activation)
    item.refresh_from_db()
    assert item.status == Cluster.Status.NEW
    assert item.claimed_by is None
    assert not TriageDecision.objects.exists()


def test_release_of_someone_elses_item_changes_nothing(client, activation):
    item = make_item(activation)
    owner = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, owner)
    client.force_login(_member(activation, Role.TEAM_LEAD))
    before = _state()
    response = client.post(
        _url("triage-release", activation, item.pk),
        {"token": str(held.claim_token)},
        follow=True,
    )
    assert f"{owner} is working on this item now." in _messages(response)
    assert _state() == before


# --- bulk ------------------------------------------------------------------------------------
def test_bulk_decides_free_items_and_reports_the_others(client, activation):
    # given one free item, one held by a volunteer, one already decided
    free = make_item(activation, priority=0.1)
    held_item = make_item(activation, priority=0.9)
    decided_item = make_item(activation, priority=0.5)
    volunteer = _member(activation, Role.VOLUNTEER)
    held = _claim(activation, volunteer)
    assert held.pk == held_item.pk
    Cluster.objects.filter(pk=decided_item.pk).update(
        status=Cluster.Status.DONE,
        decision=Kind.NOT_RELEVANT,
        decided_by=volunteer,
        decided_at=timezone.now(),
    )
    lead = _member(activation, Role.TEAM_LEAD)
    client.force_login(lead)
    held_before = Cluster.objects.filter(pk=held_item.pk).values().get()
    # when
    response = client.post(
        _url("triage-bulk", activation),
        {
            "items": [free.pk, held_item.pk, decided_item.pk],
            "action": Kind.RELEVANT,
            "category": "caution",
            "return_query": "lang=fr&page=1&evil=1",
        },
        follow=False,
    )
    # then
    messages = _messages(response)
    assert "1 item decided." in messages
    assert (
        f"Item #{held_item.pk} not changed: {volunteer} is working on it." in messages
    )
    assert any(
        f"Item #{decided_item.pk} not changed: already decided" in m for m in messages
    )
    assert response["Location"] == _url("triage", activation) + "?lang=fr&page=1"
    free.refresh_from_db()
    assert (free.status, free.category) == (Cluster.Status.DONE, "caution")
    assert Cluster.objects.filter(pk=held_item.pk).values().get() == held_before


def test_bulk_set_category_needs_a_category(client, activation):
    item = make_item(activation)
    client.force_login(_member(activation, Role.TEAM_LEAD))
    before = _state()
    response = client.post(
        _url("triage-bulk", activation),
        {"items": [item.pk], "action": Kind.RELEVANT},
        follow=True,
    )
    assert "Choose the category to set." in _messages(response)
    assert _state() == before


def test_bulk_without_selection_is_refused(client, activation):
    make_item(activation)
    client.force_login(_member(activation, Role.TEAM_LEAD))
    before = _state()
    response = client.post(
        _url("triage-bulk", activation), {"action": Kind.NOT_RELEVANT}, follow=True
    )
    assert "Select at least one item." in _messages(response)
    assert _state() == before


def test_bulk_ignores_items_of_another_activation(client, activation):
    foreign = make_item(ActivationFactory())
    client.force_login(_member(activation, Role.TEAM_LEAD))
    before = _state()
    response = client.post(
        _url("triage-bulk", activation),
        {"items": [foreign.pk], "action": Kind.NOT_RELEVANT},
        follow=True,
    )
    assert any(f"Item #{foreign.pk} not changed" in m for m in _messages(response))
    assert _state() == before


# --- check-out -----------------------------------------------------------------------------------
def _on_duty(activation, user):
    shift = ShiftFactory(
        activation=activation,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=3),
    )
    return ShiftAssignmentFactory(
        shift=shift, user=user, checked_in_at=timezone.now() - dt.timedelta(hours=1)
    )


def test_check_out_page_prefills_the_handover_note(client, activation):
    # given a volunteer on duty holding an item
    volunteer = _member(activation, Role.VOLUNTEER)
    make_item(activation, text="Route D986 coupée à Saint-Martin")
    held = _claim(activation, volunteer)
    assignment = _on_duty(activation, volunteer)
    client.force_login(volunteer)
    # when
    response = client.get(
        reverse(
            "activations:roster-assignment-check-out",
            args=[activation.slug, assignment.pk],
        )
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f"- queue item {held.pk}: Route D986 coupée à Saint-Martin" in html
    assert "You hold 1 queue item" in html


def test_my_shifts_prefills_the_handover_note(client, activation):
    volunteer = _member(activation, Role.VOLUNTEER)
    make_item(activation, text="Digue de Lattes")
    held = _claim(activation, volunteer)
    _on_duty(activation, volunteer)
    client.force_login(volunteer)
    html = client.get(reverse("activations:my-shifts")).content.decode()
    assert f"- queue item {held.pk}: Digue de Lattes" in html


def test_check_out_releases_the_claims_and_records_the_note(client, activation):
    # given
    volunteer = _member(activation, Role.VOLUNTEER)
    make_item(activation, text="Digue de Lattes")
    held = _claim(activation, volunteer)
    elsewhere = ActivationFactory()
    ActivationMember.objects.create(
        activation=elsewhere, user=volunteer, role=Role.VOLUNTEER
    )
    make_item(elsewhere)
    kept = _claim(elsewhere, volunteer)
    assignment = _on_duty(activation, volunteer)
    client.force_login(volunteer)
    # when the note is left empty
    response = client.post(
        reverse(
            "activations:roster-assignment-check-out",
            args=[activation.slug, assignment.pk],
        ),
        {"handover_note": "", "return_to": "my-shifts"},
    )
    # then
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.checked_out_at is not None
    assert f"- queue item {held.pk}: Digue de Lattes" in assignment.handover_note
    held.refresh_from_db()
    assert (held.status, held.claimed_by) == (Cluster.Status.NEW, None)
    kept.refresh_from_db()  # another activation's claim stays
    assert kept.claimed_by == volunteer
    assert "1 queue item you held went back to the queue." in _messages(response)


def test_check_out_keeps_a_written_note(client, activation):
    volunteer = _member(activation, Role.VOLUNTEER)
    make_item(activation)
    _claim(activation, volunteer)
    assignment = _on_duty(activation, volunteer)
    client.force_login(volunteer)
    client.post(
        reverse(
            "activations:roster-assignment-check-out",
            args=[activation.slug, assignment.pk],
        ),
        {"handover_note": "RAS, relève à 18 h"},
    )
    assignment.refresh_from_db()
    assert assignment.handover_note == "RAS, relève à 18 h"
    assert not Cluster.objects.filter(claimed_by=volunteer).exists()


def test_refused_check_out_keeps_the_claims(client, activation):
    # given a volunteer who never checked in
    volunteer = _member(activation, Role.VOLUNTEER)
    make_item(activation)
    _claim(activation, volunteer)
    assignment = _on_duty(activation, volunteer)
    ShiftAssignment.objects.filter(pk=assignment.pk).update(checked_in_at=None)
    client.force_login(volunteer)
    before = _state()
    response = client.post(
        reverse(
            "activations:roster-assignment-check-out",
            args=[activation.slug, assignment.pk],
        ),
        {"handover_note": ""},
        follow=True,
    )
    assert "You have not checked in." in _messages(response)
    assert _state() == before


def test_nobody_opens_someone_elses_check_out(client, activation):
    volunteer = _member(activation, Role.VOLUNTEER)
    assignment = _on_duty(activation, volunteer)
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.get(
        reverse(
            "activations:roster-assignment-check-out",
            args=[activation.slug, assignment.pk],
        )
    )
    assert response.status_code == 404


# --- hostile posts -------------------------------------------------------------------------------
XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">clic</a>',
    "'-alert(1)-'",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "{{ 7*7 }} {% now 'Y' %}",
]
RAW_MARKERS = [
    "<script>",
    "<img src=x",
    "<svg onload",
    "<iframe",
    '<a href="javascript',
]


def _hostile_item(activation):
    return make_item(
        activation,
        text="\n".join(XSS) + "\nhttps://evil.example/phish",
        author_name='<img src=x onerror=alert("name")>',
        author_handle='"><svg onload=alert(2)>',
        url="javascript:alert(1)",
        author_meta={
            "followers_count": 3,
            "created_at": "<script>alert(1)</script>",
            "url": "javascript:alert(3)",
            "verified": "yes",
        },
        media=[
            {
                "type": "image",
                "url": "javascript:alert(1)",
                "preview_url": "javascript:alert(1)",
            },
            {"type": "image", "url": "data:text/html,<script>alert(1)</script>"},
            {
                "type": "video",
                "url": "javascript:alert(4)",
                "preview_url": "http://x/y.jpg",
            },
            {"type": "link", "url": "vbscript:msgbox(1)", "title": "<b>hi</b>"},
            {
                "type": "image",
                "url": "https://cdn.example/a.jpg",
                "preview_url": "https://cdn.example/a_small.jpg",
                "description": '"><script>alert(5)</script>',
            },
            "not a dict",
        ],
        place_name="<script>alert('place')</script>",
    )


def _assert_inert(html):
    for marker in RAW_MARKERS:
        assert marker not in html, marker
    # no element of the post's making: every "<" of the payloads arrives as "&lt;"
    assert not re.search(
        r"<(img|svg|a|iframe|script)[^>]*(onerror|onload|srcdoc)", html
    )
    for attribute in re.findall(r'(?:href|src|action|formaction)="([^"]*)"', html):
        assert not attribute.lower().startswith(("javascript:", "data:", "vbscript:"))


def test_hostile_post_is_shown_escaped_on_the_item_page(client, activation):
    # given
    item = _hostile_item(activation)
    volunteer = _member(activation, Role.VOLUNTEER)
    _claim(activation, volunteer)
    client.force_login(volunteer)
    # when
    response = client.get(_url("triage-item", activation, item.pk))
    # then
    html = response.content.decode()
    _assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(&quot;name&quot;)&gt;" in html
    assert "{{ 7*7 }}" in html  # shown as typed, never evaluated
    # links in the text are not made clickable
    assert 'href="https://evil.example/phish"' not in html
    # only the https image is shown, without referrer, lazily
    assert '<img src="https://cdn.example/a_small.jpg"' in html
    assert 'referrerpolicy="no-referrer" loading="lazy"' in html
    assert "http://x/y.jpg" not in html  # previews over https only
    assert "<video" not in html
    assert "autoplay" not in html
    assert "Verified" not in html  # "yes" is not True
    # the page allows https images, and still no inline script
    csp = response["Content-Security-Policy"]
    assert "img-src 'self' data:" in csp
    assert "https:" in csp
    assert "script-src 'self' 'nonce-" in csp


def test_hostile_post_is_escaped_in_the_team_lead_table(client, activation):
    _hostile_item(activation)
    client.force_login(_member(activation, Role.TEAM_LEAD))
    html = client.get(_url("triage", activation)).content.decode()
    _assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hostile_post_is_escaped_on_the_check_out_page(client, activation):
    volunteer = _member(activation, Role.VOLUNTEER)
    _hostile_item(activation)
    _claim(activation, volunteer)
    assignment = _on_duty(activation, volunteer)
    client.force_login(volunteer)
    html = client.get(
        reverse(
            "activations:roster-assignment-check-out",
            args=[activation.slug, assignment.pk],
        )
    ).content.decode()
    _assert_inert(html)


def test_item_page_without_media_keeps_the_strict_image_policy(client, activation):
    item = make_item(activation)
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.get(_url("triage-item", activation, item.pk))
    img_src = response["Content-Security-Policy"].split("img-src")[1].split(";")[0]
    assert "https:" not in img_src.split()


def test_author_facts_and_place_are_shown(client, activation):
    created = (timezone.now() - dt.timedelta(days=3)).isoformat()
    item = make_item(
        activation,
        author_meta={"followers_count": 12, "verified": True, "created_at": created},
    )
    client.force_login(_member(activation, Role.VOLUNTEER))
    response = client.get(_url("triage-item", activation, item.pk))
    html = response.content.decode()
    assert "12 followers" in html
    assert "Verified" in html
    assert "New account" in html
    assert 'data-map data-geojson-id="item-place"' in html
    assert response.context["place"]["features"][1]["geometry"] == {
        "type": "Point",
        "coordinates": [3.88, 43.61],
    }
