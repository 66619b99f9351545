"""The audit pages and API: who may read which trail, filters, keyset paging,
the CSV download (itself audited)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from activations.models import ActivationMember, OrganisationMember
from audit import services
from audit.models import AuditEvent
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    OrganisationMemberFactory,
    UserFactory,
    make_member,
)

Role = ActivationMember.Role
A = AuditEvent.Action
WHO = ["anonymous", "non-member", *ALL_ROLES]


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _api(user):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def _trail(activation, actor, n=3, **fields):
    return [
        services.record(
            action=fields.get("action", A.DECISION),
            actor=actor,
            activation=activation,
            object_type="monitoring.cluster",
            object_id=100 + i,
            summary=fields.get("summary", f"decision={i} kind=relevant"),
        )
        for i in range(n)
    ]


# --- role matrix --------------------------------------------------------------------------
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", ["activation-audit", "activation-audit-csv"])
def test_activation_pages_role_matrix(client, activation, who, name):
    _trail(activation, None, n=2, summary="marker-row")
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    response = client.get(reverse(f"audit:{name}", args=[activation.slug]))
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif who == Role.COORDINATOR:
        assert response.status_code == 200
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        assert b"marker-row" in body
        return
    else:
        assert response.status_code == 403
    # a refused download is not an export
    assert not AuditEvent.objects.filter(action=A.EXPORT).exists()


@pytest.mark.parametrize("who", WHO)
def test_activation_api_role_matrix(activation, who):
    _trail(activation, None, n=2)
    actor = _actor(who, activation)
    response = _api(actor).get(reverse("api-activation-audit", args=[activation.slug]))
    expected = {
        "anonymous": 401,
        "non-member": 404,
        Role.COORDINATOR: 200,
    }.get(who, 403)
    assert response.status_code == expected, response.content[:300]
    if expected == 200:
        assert len(response.json()["results"]) == 2


def test_lead_team_coordinator_without_membership_reads_the_trail(client, activation):
    team_coordinator = UserFactory()
    OrganisationMemberFactory(
        organisation=activation.lead_team,
        user=team_coordinator,
        role=OrganisationMember.Role.COORDINATOR,
    )
    client.force_login(team_coordinator)
    response = client.get(reverse("audit:activation-audit", args=[activation.slug]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "who", ["anonymous", "stranger", "member", "liaison", "coordinator"]
)
@pytest.mark.parametrize("name", ["team-audit", "team-audit-csv", "api"])
def test_team_pages_role_matrix(client, activation, who, name):
    team = activation.lead_team
    services.record(
        action=A.PERMISSION_CHANGE, actor=None, organisation=team, summary="marker-row"
    )
    actor = {
        "anonymous": lambda: None,
        "stranger": UserFactory,
        "member": lambda: make_member(activation, Role.TEAM_LEAD).user,
        "liaison": lambda: make_member(activation, Role.LIAISON).user,
        "coordinator": lambda: make_member(activation, Role.COORDINATOR).user,
    }[who]()
    if name == "api":
        response = _api(actor).get(reverse("api-team-audit", args=[team.pk]))
        anonymous, body = 401, response.content
    else:
        if actor is not None:
            client.force_login(actor)
        response = client.get(reverse(f"audit:{name}", args=[team.pk]))
        anonymous = 302
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
    if who == "anonymous":
        assert response.status_code == anonymous
    elif who in ("stranger", "liaison"):
        # a liaison sees the team (a partner) at most: never its trail
        assert response.status_code in (403, 404)
        assert b"marker-row" not in body
    elif who == "member":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert b"marker-row" in body


def test_authority_id_is_not_a_team_trail(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    client.force_login(coordinator)
    response = client.get(reverse("audit:team-audit", args=[activation.authority_id]))
    assert response.status_code in (403, 404)


# --- IDOR -----------------------------------------------------------------------------------
def test_another_activations_trail_is_not_reachable(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    other = ActivationFactory()
    _trail(other, None, n=1, summary="other-activation-secret")
    _trail(activation, None, n=1, summary="mine")
    client.force_login(coordinator)
    assert (
        client.get(reverse("audit:activation-audit", args=[other.slug])).status_code
        == 404
    )
    assert client.get(
        reverse("audit:team-audit", args=[other.lead_team_id])
    ).status_code in (403, 404)
    assert (
        _api(coordinator)
        .get(reverse("api-activation-audit", args=[other.slug]))
        .status_code
        == 404
    )
    # filters only narrow: an object id of the other activation finds nothing here
    page = client.get(
        reverse("audit:activation-audit", args=[activation.slug]), {"q": "secret"}
    ).content.decode()
    assert "other-activation-secret" not in page
    team_page = client.get(
        reverse("audit:team-audit", args=[activation.lead_team_id])
    ).content.decode()
    assert "other-activation-secret" not in team_page
    assert "mine" in team_page


# --- filters and paging ---------------------------------------------------------------------
def test_filters(activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    volunteer = make_member(activation, Role.VOLUNTEER).user
    _trail(activation, volunteer, n=2)
    services.record(
        action=A.EXPORT,
        actor=coordinator,
        activation=activation,
        object_type="mapping.mapexport",
        object_id=9,
        summary="requested format=kml",
    )
    _trail(activation, volunteer, n=1, summary="another one")
    api = _api(coordinator)
    url = reverse("api-activation-audit", args=[activation.slug])

    def ids(**params):
        response = api.get(url, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    everything = ids()
    assert len(everything) == 4
    assert everything == sorted(everything, reverse=True)  # newest first
    assert len(ids(actor=volunteer.username)) == 3
    assert len(ids(actor=volunteer.username.upper())) == 3
    assert len(ids(action="export")) == 1
    assert len(ids(object="mapping.mapexport:9")) == 1
    assert len(ids(object="101")) == 1
    assert len(ids(q="format=kml")) == 1
    assert len(ids(q="KIND=RELEVANT decision=0")) == 1
    today = timezone.localdate(timezone=activation.tz)
    assert (
        len(ids(since=today - dt.timedelta(days=1), until=today + dt.timedelta(days=1)))
        == 4
    )
    assert ids(since=today + dt.timedelta(days=2)) == []
    bad = api.get(url, {"action": "rewrite", "since": "2026-13-40"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["details"]) == {"action", "since"}
    reversed_period = api.get(url, {"since": "2026-03-10", "until": "2026-03-01"})
    assert reversed_period.status_code == 400


def test_keyset_paging_is_stable_while_events_arrive(activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    events = _trail(activation, None, n=5)
    api = _api(coordinator)
    url = reverse("api-activation-audit", args=[activation.slug])
    first = api.get(url, {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [events[4].pk, events[3].pk]
    _trail(activation, None, n=1)  # a new event arrives meanwhile
    second = api.get(url, {"page_size": 2, "after": first["next_cursor"]}).json()
    assert [r["id"] for r in second["results"]] == [events[2].pk, events[1].pk]
    third = api.get(url, {"page_size": 2, "after": second["next_cursor"]}).json()
    assert [r["id"] for r in third["results"]] == [events[0].pk]
    assert third["next_cursor"] == ""
    damaged = api.get(url, {"after": "not-a-cursor"})
    assert damaged.status_code == 400
    assert damaged.json()["error"]["code"] == "invalid_cursor"


def test_page_shows_events_and_links_older_ones(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    _trail(activation, coordinator, n=55)
    client.force_login(coordinator)
    url = reverse("audit:activation-audit", args=[activation.slug])
    page = client.get(url).content.decode()
    assert page.count('id="event-') == 50
    assert 'rel="next"' in page
    assert "Triage decision" in page
    older = client.get(url + "?after=" + page.split("after=")[1].split('"')[0])
    assert older.content.decode().count('id="event-') == 5
    assert client.get(url, {"after": "%%%"}).status_code == 400


def test_csv_is_filtered_neutralised_and_audited(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    services.record(
        action=A.DECISION,
        actor=coordinator,
        activation=activation,
        summary='=HYPERLINK("http://evil")',
    )
    _trail(activation, coordinator, n=2, action=A.EXPORT)
    client.force_login(coordinator)
    response = client.get(
        reverse("audit:activation-audit-csv", args=[activation.slug]),
        {"action": "decision"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "at", "actor", "action"]
    assert len(rows) == 2
    assert rows[1][7].startswith("'=HYPERLINK")
    download = AuditEvent.objects.get(object_type="audit.trail")
    assert download.action == A.EXPORT
    assert download.actor == coordinator
    assert download.summary == "audit trail format=csv filters=action"


def test_csv_with_bad_filters_is_refused_and_not_audited(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    client.force_login(coordinator)
    response = client.get(
        reverse("audit:activation-audit-csv", args=[activation.slug]),
        {"since": "yesterday"},
    )
    assert response.status_code == 400
    assert not AuditEvent.objects.exists()
