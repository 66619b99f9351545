"""Incidents pages: role matrix, what liaisons see, escaping, the decisions'
forms and their refusals (nothing changed), and the GeoJSON the map draws."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from mapping.models import Incident, MapItem
from mapping.services import incidents as services
from tests.factories import ALL_ROLES, ActivationFactory, UserFactory, make_member
from tests.mapping.test_incidents_support import (
    OTHER,
    XSS,
    members,
    numbers,
    proposal,
    put,
    state,
    trio,
)
from verification.models import Case

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
Status = Incident.Status
WHO = ["anonymous", "non-member", *ALL_ROLES]


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _confirmed(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    return services.incident_confirm(incident=proposal(activation), by=lead)


def _two(activation):
    first = proposal(activation)
    second = proposal(activation, start=300)
    return first, {"incidents": [second.number]}


def _split_data(activation):
    incident = proposal(activation)
    return incident, {"items": [min(members(incident))]}


PAGES = {
    # name: (method, action, make incident -> (incident or None, data), expected)
    "incident-list": ("get", Action.VIEW_MAP, None, 200),
    "incidents-geojson": ("get", Action.VIEW_MAP, None, 200),
    "incidents-propose": ("post", Action.MANAGE_INCIDENTS, None, 302),
    "incident-detail": ("get", Action.VIEW_MAP, lambda a: (_confirmed(a), {}), 200),
    "incident-confirm": (
        "post",
        Action.MANAGE_INCIDENTS,
        lambda a: (proposal(a), {"title": "Crue", "note": ""}),
        302,
    ),
    "incident-dismiss": (
        "post",
        Action.MANAGE_INCIDENTS,
        lambda a: (proposal(a), {"reason": "Doublon"}),
        302,
    ),
    "incident-split": ("post", Action.MANAGE_INCIDENTS, _split_data, 302),
    "incident-merge": ("post", Action.MANAGE_INCIDENTS, _two, 302),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given
    method, action, make, ok = PAGES[page]
    trio(activation, start=600)  # something to propose
    if make is None:
        url = reverse(f"mapping:{page}", args=[activation.slug])
        data = {}
    else:
        incident, data = make(activation)
        url = reverse(f"mapping:{page}", args=[activation.slug, incident.number])
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    before = state()
    # when
    response = client.get(url) if method == "get" else client.post(url, data)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:2000]
        if method == "post":
            assert state() != before
        return
    else:
        assert response.status_code == 403
    if method == "post":
        assert state() == before


def test_pages_of_another_activation_answer_404(client, activation):
    other = ActivationFactory()
    incident = proposal(other)
    lead = make_member(activation, Role.TEAM_LEAD).user
    client.force_login(lead)
    for name in ("incident-detail", "incident-confirm"):
        url = reverse(f"mapping:{name}", args=[activation.slug, incident.number])
        response = (
            client.get(url) if name == "incident-detail" else client.post(url, {})
        )
        assert response.status_code == 404


# --- what each role sees ---------------------------------------------------------------------
def test_a_liaison_sees_confirmed_incidents_only(client, activation):
    confirmed = _confirmed(activation)
    proposed = proposal(activation, category=OTHER)
    liaison = make_member(activation, Role.LIAISON).user
    client.force_login(liaison)
    # the list
    page = client.get(reverse("mapping:incident-list", args=[activation.slug]))
    assert f'id="incident-{confirmed.number}"' in page.text
    assert f'id="incident-{proposed.number}"' not in page.text
    assert "Propose now" not in page.text
    # the detail pages
    url = reverse("mapping:incident-detail", args=[activation.slug, proposed.number])
    assert client.get(url).status_code == 404
    url = reverse("mapping:incident-detail", args=[activation.slug, confirmed.number])
    detail = client.get(url)
    assert detail.status_code == 200
    assert "Confirm the incident" not in detail.text
    assert "Dismiss the incident" not in detail.text
    # the map's GeoJSON
    data = client.get(
        reverse("mapping:incidents-geojson", args=[activation.slug])
    ).json()
    assert [f["properties"]["number"] for f in data["features"]] == [confirmed.number]


def test_a_liaison_does_not_see_the_team_note_nor_unverified_items(client, activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    incident = services.incident_confirm(
        incident=proposal(activation), by=lead, note="Note interne"
    )
    MapItem.objects.filter(pk=min(members(incident))).update(
        verification="false", summary="Démenti"
    )
    client.force_login(make_member(activation, Role.LIAISON).user)
    page = client.get(
        reverse("mapping:incident-detail", args=[activation.slug, incident.number])
    )
    assert "Note interne" not in page.text
    assert "Démenti" not in page.text
    assert page.text.count('id="report-') == 2


def test_the_team_sees_every_status_and_a_lead_the_forms(client, activation):
    incident = proposal(activation)
    lead = make_member(activation, Role.TEAM_LEAD).user
    client.force_login(lead)
    page = client.get(reverse("mapping:incident-list", args=[activation.slug]))
    assert "Propose now" in page.text
    assert f'id="incident-{incident.number}"' in page.text
    detail = client.get(
        reverse("mapping:incident-detail", args=[activation.slug, incident.number])
    )
    for text in ("Confirm the incident", "Dismiss the incident", 'name="items"'):
        assert text in detail.text
    volunteer = make_member(activation, Role.VOLUNTEER).user
    client.force_login(volunteer)
    detail = client.get(
        reverse("mapping:incident-detail", args=[activation.slug, incident.number])
    )
    assert "Confirm the incident" not in detail.text
    assert 'name="items"' not in detail.text


def test_the_list_filters_by_status(client, activation):
    confirmed = _confirmed(activation)
    proposed = proposal(activation, category=OTHER)
    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    url = reverse("mapping:incident-list", args=[activation.slug])
    page = client.get(url, {"status": "proposed"})
    assert f'id="incident-{proposed.number}"' in page.text
    assert f'id="incident-{confirmed.number}"' not in page.text
    page = client.get(url, {"status": "nonsense"})
    assert page.status_code == 200
    assert f'id="incident-{confirmed.number}"' in page.text


def test_hostile_text_is_escaped(client, activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    incident = proposal(activation, summary=XSS, place=XSS)
    services.incident_confirm(incident=incident, by=lead, title=XSS, note=XSS)
    client.force_login(lead)
    for url in (
        reverse("mapping:incident-list", args=[activation.slug]),
        reverse("mapping:incident-detail", args=[activation.slug, incident.number]),
    ):
        page = client.get(url)
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert "&lt;script&gt;" in page.text


def test_the_case_link_is_shown_to_those_who_may_see_cases(client, activation):
    from tests.verification.cases_support import open_case

    case = open_case(activation)
    incident = proposal(activation)
    MapItem.objects.filter(pk=min(members(incident))).update(case=case)
    lead = make_member(activation, Role.TEAM_LEAD).user
    services.incident_confirm(incident=incident, by=lead)
    case_url = reverse("verification:case-detail", args=[activation.slug, case.number])
    url = reverse("mapping:incident-detail", args=[activation.slug, incident.number])
    client.force_login(lead)
    assert case_url in client.get(url).text
    client.force_login(make_member(activation, Role.LIAISON).user)
    assert case_url not in client.get(url).text
    assert Case.objects.count() == 1


# --- the decisions ------------------------------------------------------------------------------
@pytest.fixture
def lead_client(client, activation):
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    return client


def _url(name, incident):
    return reverse(f"mapping:{name}", args=[incident.activation.slug, incident.number])


def test_propose_now_says_what_changed(lead_client, activation):
    trio(activation)
    url = reverse("mapping:incidents-propose", args=[activation.slug])
    response = lead_client.post(url, follow=True)
    assert "1 new" in response.text
    response = lead_client.post(url, follow=True)
    assert "nothing changed" in response.text
    assert numbers(activation) == [1]


def test_confirm_from_the_page(lead_client, activation):
    incident = proposal(activation)
    seen = ",".join(str(pk) for pk in sorted(members(incident)))
    response = lead_client.post(
        _url("incident-confirm", incident), {"title": "Crue du Lez", "seen": seen}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.CONFIRMED
    assert incident.title == "Crue du Lez"


def test_a_second_confirm_shows_who_was_first_and_changes_nothing(
    lead_client, activation
):
    incident = proposal(activation)
    first = make_member(
        activation, Role.COORDINATOR, first_name="Alice", last_name="Martin"
    ).user
    services.incident_confirm(incident=incident, by=first)
    before = state()
    response = lead_client.post(_url("incident-confirm", incident), {"title": "X"})
    assert response.status_code == 409
    assert "already confirmed by Alice Martin" in response.text
    assert "Nothing was changed." in response.text
    assert state() == before


def test_confirm_of_a_proposal_that_changed_is_refused(lead_client, activation):
    incident = proposal(activation)
    seen = ",".join(str(pk) for pk in sorted(members(incident)))
    put(activation, east=-100, minutes=5)
    services.incidents_propose(activation=activation)
    before = state()
    response = lead_client.post(_url("incident-confirm", incident), {"seen": seen})
    assert response.status_code == 409
    assert "now has 4 reports" in response.text
    assert state() == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("incident-confirm", {"title": "x" * 201}, "at most 200 characters"),
        ("incident-confirm", {"seen": "1,abc"}, "whole numbers"),
        ("incident-dismiss", {"reason": ""}, "Say why the incident is dismissed."),
        ("incident-split", {}, "Select the reports to move to a new incident."),
        ("incident-split", {"items": ["x"]}, "whole numbers"),
        ("incident-merge", {}, "Choose the incidents to merge."),
        (
            "incident-merge",
            {"incidents": ["99"]},
            "No incident #99 in this activation.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message(
    lead_client, activation, caplog, name, data, message
):
    incident = proposal(activation)
    before = state()
    with caplog.at_level("WARNING", logger="mapping.views.incidents"):
        response = lead_client.post(_url(name, incident), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before
    assert any("refused" in r.getMessage() for r in caplog.records)


def test_split_all_items_is_refused(lead_client, activation):
    incident = proposal(activation)
    before = state()
    response = lead_client.post(
        _url("incident-split", incident), {"items": sorted(members(incident))}
    )
    assert response.status_code == 400
    assert "Leave at least one report" in response.text
    assert state() == before


def test_split_from_the_page_goes_to_the_new_incident(lead_client, activation):
    incident = proposal(activation)
    moved = min(members(incident))
    response = lead_client.post(_url("incident-split", incident), {"items": [moved]})
    new = Incident.objects.get(activation=activation, number=2)
    assert response.status_code == 302
    assert response["Location"] == _url("incident-detail", new)
    assert members(new) == {moved}


def test_merge_from_the_page_and_again(lead_client, activation):
    into, data = _two(activation)
    response = lead_client.post(_url("incident-merge", into), data)
    assert response.status_code == 302
    assert Incident.objects.get(number=2).status == Status.DISMISSED
    before = state()
    response = lead_client.post(_url("incident-merge", into), data)
    assert response.status_code == 409
    assert "Merged into #1 by" in response.text
    assert state() == before


def test_merge_of_another_category_is_refused(lead_client, activation):
    into = proposal(activation)
    other = proposal(activation, category=OTHER)
    before = state()
    response = lead_client.post(
        _url("incident-merge", into), {"incidents": [other.number]}
    )
    assert response.status_code == 400
    assert "same category" in response.text
    assert state() == before


def test_merge_choices_are_of_the_same_category(lead_client, activation):
    into, data = _two(activation)
    other = proposal(activation, category=OTHER)
    page = lead_client.get(_url("incident-detail", into))
    assert f'id="merge-{data["incidents"][0]}"' in page.text
    assert f'id="merge-{other.number}"' not in page.text


def test_a_dismissed_incident_shows_its_reason(lead_client, activation):
    incident = proposal(activation)
    lead_client.post(_url("incident-dismiss", incident), {"reason": "Exercice"})
    page = lead_client.get(_url("incident-detail", incident))
    assert "Exercice" in page.text
    assert "Dismiss the incident" not in page.text


# --- GeoJSON ----------------------------------------------------------------------------------
def test_geojson_has_footprints_and_links(client, activation):
    confirmed = _confirmed(activation)
    proposed = proposal(activation, category=OTHER)
    dismissed = proposal(activation, category="request")
    lead = make_member(activation, Role.TEAM_LEAD).user
    services.incident_dismiss(incident=dismissed, by=lead, reason="Non")
    client.force_login(make_member(activation, Role.OBSERVER).user)
    response = client.get(reverse("mapping:incidents-geojson", args=[activation.slug]))
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    by_number = {f["properties"]["number"]: f for f in data["features"]}
    assert set(by_number) == {confirmed.number, proposed.number}
    feature = by_number[confirmed.number]
    assert feature["geometry"]["type"] == "Polygon"
    props = feature["properties"]
    assert props["status"] == "confirmed"
    assert props["item_count"] == 3
    assert props["title"] == confirmed.title
    assert props["category"] == confirmed.category
    assert props["started_at"].startswith("2026-03-01T10:00:00")
    assert props["url"] == _url("incident-detail", confirmed)


def test_geojson_queries_do_not_grow_with_incidents(client, activation):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_member(activation, Role.VOLUNTEER).user)
    url = reverse("mapping:incidents-geojson", args=[activation.slug])
    proposal(activation)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    proposal(activation, category=OTHER)
    proposal(activation, category="request")
    with CaptureQueriesContext(connection) as three:
        data = client.get(url).json()
    assert len(data["features"]) == 3
    assert len(three) == len(one)
