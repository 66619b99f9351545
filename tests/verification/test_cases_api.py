"""Verification cases API: role matrix, IDOR, the four-eyes flow, bad input, schema."""

import pytest
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from tests.activations.api_support import assert_error, call, client_as
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    UserFactory,
    make_item,
    make_member,
)
from tests.verification.cases_support import (
    XSS,
    case_state,
    open_case,
    proposed,
    set_skills,
    with_evidence,
)
from verification.models import Case

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]


def _url(name, case, activation=None):
    activation = activation or case.activation
    return reverse(f"api-case-{name}", args=[activation.slug, case.number])


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _open(activation, _actor):
    return open_case(activation)


def _proposed_by_other(activation, _actor):
    proposer = make_member(activation, Role.VOLUNTEER).user
    return proposed(open_case(activation, proposer), proposer)


def _own_proposal(activation, actor):
    actor = actor or make_member(activation, Role.VOLUNTEER).user
    return proposed(open_case(activation, actor), actor)


def _closed(activation, _actor):
    proposer = make_member(activation, Role.VOLUNTEER).user
    return proposed(open_case(activation, proposer), proposer, status="unverifiable")


ENDPOINTS = {
    # name: (method, action, make case, payload (version added), expected if allowed)
    "list GET": ("get", Action.VIEW_CASES, None, None, 200),
    "list POST": ("post", Action.VERIFY, None, {"claim": "Rumeur de pillage"}, 201),
    "detail GET": ("get", Action.VIEW_CASES, _open, None, 200),
    "start": ("post", Action.VERIFY, _open, {}, 200),
    "assign": ("post", Action.VERIFY, _open, {"assignee": None}, 200),
    "evidence-add": (
        "post",
        Action.VERIFY,
        _open,
        {"kind": "cross_check", "finding": "supports", "note": "France 3 le confirme"},
        201,
    ),
    "grade": (
        "post",
        Action.VERIFY,
        _open,
        {"reliability": "C", "credibility": 3},
        200,
    ),
    "locate": (
        "post",
        Action.VERIFY,
        _open,
        {"lon": 3.87, "lat": 43.6, "radius_m": 200, "location_source": "map"},
        200,
    ),
    "propose": (
        "post",
        Action.VERIFY,
        lambda a, u: with_evidence(open_case(a), make_member(a, Role.VOLUNTEER).user),
        {"verdict": "false", "note": "Photo de 2019"},
        200,
    ),
    "review": (
        "post",
        Action.REVIEW_VERDICT,
        _proposed_by_other,
        {"approve": True},
        200,
    ),
    "withdraw": ("post", Action.VERIFY, _own_proposal, {}, 200),
    "reopen": ("post", Action.VERIFY, _closed, {"note": "Nouvelle vidéo"}, 200),
}
LEADS_ONLY = {"reopen"}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(activation, who, endpoint):
    # given
    method, action, make, payload, ok = ENDPOINTS[endpoint]
    actor = _actor(who, activation)
    name = endpoint.split(" ")[0]
    if make is None:
        url = reverse(f"api-case-{name}", args=[activation.slug])
        data = payload
    else:
        case = make(activation, actor if who in ALL_ROLES else None)
        url = _url(name, case)
        data = None if payload is None else {**payload, "version": case.version}
    api = client_as(actor)
    before = case_state()
    # when
    response = call(api, method, url, data)
    # then
    if who == "anonymous":
        assert_error(response, 401)
    elif who == "non-member":
        assert_error(response, 404)
    elif action in ROLE_ACTIONS[who] and not (
        name in LEADS_ONLY and who not in (Role.COORDINATOR, Role.TEAM_LEAD)
    ):
        assert response.status_code == ok, response.content
        return
    else:
        assert_error(response, 403)
    if method == "post":
        assert case_state() == before


def test_a_liaison_gets_403_everywhere(activation):
    case = open_case(activation)
    api = client_as(make_member(activation, Role.LIAISON).user)
    assert_error(api.get(reverse("api-case-list", args=[activation.slug])), 403)
    assert_error(api.get(_url("detail", case)), 403)


def test_a_case_of_another_activation_is_404(activation):
    foreign = open_case(ActivationFactory())
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    before = case_state()
    assert_error(api.get(_url("detail", foreign, activation)), 404)
    assert_error(
        api.post(
            _url("grade", foreign, activation),
            {"reliability": "A", "credibility": 1, "version": foreign.version},
            format="json",
        ),
        404,
    )
    assert_error(api.get(_url("detail", foreign)), 404)
    # an item of another activation cannot be linked either
    response = api.post(
        reverse("api-case-list", args=[activation.slug]),
        {"claim": "x", "item": make_item(ActivationFactory()).pk},
        format="json",
    )
    assert_error(response, 400)
    assert case_state() == before


def test_the_four_eyes_flow_through_the_api(activation):
    # given
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    cluster = make_item(activation)
    api = client_as(volunteer)
    # when a volunteer opens a case from an item, twice
    created = api.post(
        reverse("api-case-list", args=[activation.slug]),
        {"claim": "Le pont est effondré", "item": cluster.pk},
        format="json",
    )
    again = api.post(
        reverse("api-case-list", args=[activation.slug]),
        {"claim": "Autre", "item": cluster.pk},
        format="json",
    )
    # then one case
    assert created.status_code == 201
    assert again.status_code == 200
    body = created.json()
    assert again.json()["number"] == body["number"]
    assert body["item"] == cluster.pk
    assert body["location"] == {"type": "Point", "coordinates": [3.88, 43.61]}
    assert body["location_source"] == "post"
    case = Case.objects.get(pk=Case.objects.get(cluster=cluster).pk)
    # evidence, grade, proposal
    body = api.post(
        _url("evidence-add", case),
        {
            "kind": "official",
            "finding": "supports",
            "url": "https://x.org/a",
            "note": "OK",
        },
        format="json",
    ).json()
    assert [e["kind"] for e in body["evidence"]] == ["official"]
    body = api.post(
        _url("grade", case),
        {"reliability": "B", "credibility": 2, "version": body["version"]},
        format="json",
    ).json()
    assert body["grade"] == "B2"
    body = api.post(
        _url("propose", case),
        {"verdict": "verified", "note": "Préfecture", "version": body["version"]},
        format="json",
    ).json()
    assert body["awaiting_review"] is True
    assert body["proposed_status"] == "verified"
    # the proposer cannot confirm
    refused = api.post(
        _url("review", case),
        {"approve": True, "version": body["version"]},
        format="json",
    )
    error = assert_error(refused, 400, "same_reviewer")
    assert error["message"] == (
        "You proposed this verdict; a second, different reviewer must confirm it."
    )
    # a stale version is a 409
    stale = client_as(lead).post(
        _url("review", case), {"approve": True, "version": 1}, format="json"
    )
    assert_error(stale, 409, "conflict")
    # the team lead confirms
    done = client_as(lead).post(
        _url("review", case),
        {"approve": True, "version": body["version"]},
        format="json",
    )
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "verified"
    assert body["reviewed_by"]["id"] == lead.pk
    assert body["proposed_by"]["id"] == volunteer.pk
    assert [e["kind"] for e in body["events"]][-2:] == ["proposed", "confirmed"]
    listed = (
        client_as(lead)
        .get(reverse("api-case-list", args=[activation.slug]), {"status": "closed"})
        .json()
    )
    assert [c["number"] for c in listed["results"]] == [case.number]


def test_a_volunteer_without_the_skill_gets_403_on_review(activation):
    case = _proposed_by_other(activation, None)
    other = make_member(activation, Role.VOLUNTEER).user
    set_skills(other, [])
    before = case_state()
    response = client_as(other).post(
        _url("review", case), {"approve": True, "version": case.version}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert case_state() == before


@pytest.mark.parametrize(
    ("endpoint", "payload"),
    [
        ("evidence-add", {"kind": "other", "url": "javascript:alert(1)", "note": "x"}),
        ("evidence-add", {"kind": "other", "url": "https://ok.example/", "note": ""}),
        ("evidence-add", {"kind": "tarot", "note": "x"}),
        ("grade", {"reliability": "Z", "credibility": 2}),
        ("grade", {"reliability": "A", "credibility": 9}),
        ("locate", {"lon": 181, "lat": 43, "radius_m": 10}),
        ("locate", {"lon": 3, "lat": -91, "radius_m": 10}),
        ("locate", {"lon": 3, "lat": 43, "radius_m": 0}),
        ("locate", {"lon": 3, "lat": None, "radius_m": 10}),
        ("propose", {"verdict": "verified", "note": "sans preuve"}),
        ("propose", {"verdict": "in_progress", "note": "x"}),
        ("review", {"approve": True}),
        ("withdraw", {}),
        ("reopen", {"note": "pas fermé"}),
    ],
)
def test_bad_input_changes_nothing(activation, endpoint, payload):
    case = open_case(activation)
    api = client_as(make_member(activation, Role.COORDINATOR).user)
    before = case_state()
    response = api.post(
        _url(endpoint, case), {**payload, "version": case.version}, format="json"
    )
    assert response.status_code in {400, 409}, response.content
    assert_error(response, response.status_code)
    assert case_state() == before


def test_missing_version_is_400(activation):
    case = open_case(activation)
    api = client_as(make_member(activation, Role.VOLUNTEER).user)
    response = api.post(
        _url("grade", case), {"reliability": "A", "credibility": 1}, format="json"
    )
    assert assert_error(response, 400)["details"]["version"]


def test_text_is_returned_as_data_not_markup(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    api = client_as(volunteer)
    body = api.post(
        reverse("api-case-list", args=[activation.slug]), {"claim": XSS}, format="json"
    ).json()
    assert body["claim"] == XSS
    assert api.get(reverse("api-case-list", args=[activation.slug]))[
        "Content-Type"
    ] == ("application/json")
