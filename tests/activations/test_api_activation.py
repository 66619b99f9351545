"""REST API of activations: list, request, read, edit, lifecycle, members, teams."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    LogEntry,
    OrganisationMember,
)
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
    geojson,
)
from tests.closure.helpers import publish_final_report
from tests.factories import (
    ALL_ROLES,
    AREA,
    FAR_AWAY,
    ActivationFactory,
    AgreementFactory,
    OrganisationMemberFactory,
    UserFactory,
    VolunteerProfileFactory,
    VostTeamFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def _team_volunteer(activation):
    """Someone of the lead team, charter accepted, not yet in the activation."""
    user = UserFactory()
    OrganisationMemberFactory(organisation=activation.lead_team, user=user)
    VolunteerProfileFactory(user=user)
    return user


def _detail_url(activation):
    return reverse("api-activation-detail", args=[activation.slug])


def _members_add(activation, actor):
    user = _team_volunteer(activation)
    return reverse("api-activation-members", args=[activation.slug]), {
        "username": user.username,
        "role": "volunteer",
    }


def _member_remove(activation, actor):
    other = make_member(activation, ActivationMember.Role.VOLUNTEER).user
    return reverse("api-activation-member", args=[activation.slug, other.pk]), None


def _supporting_team(activation, actor):
    team = VostTeamFactory()
    AgreementFactory(vost_team=team, authority=activation.authority)
    return reverse("api-activation-supporting-teams", args=[activation.slug]), {
        "team_id": team.pk
    }


ENDPOINTS = {
    "detail GET": Endpoint(
        "get", Action.VIEW, 200, lambda a, _u: (_detail_url(a), None)
    ),
    "detail PATCH": Endpoint(
        "patch",
        Action.MANAGE,
        200,
        lambda a, _u: (_detail_url(a), {"version": a.version, "title": "Renamed"}),
    ),
    "transition POST": Endpoint(
        "post",
        Action.MANAGE,
        200,
        lambda a, _u: (
            reverse("api-activation-transition", args=[a.slug]),
            {"to": "standby", "version": a.version},
        ),
    ),
    "members GET": Endpoint(
        "get",
        Action.VIEW_ROSTER,
        200,
        lambda a, _u: (reverse("api-activation-members", args=[a.slug]), None),
    ),
    "members POST": Endpoint("post", Action.MANAGE_MEMBERS, 201, _members_add),
    "member DELETE": Endpoint("delete", Action.MANAGE_MEMBERS, 204, _member_remove),
    "supporting-teams POST": Endpoint(
        "post", Action.MANAGE_MEMBERS, 200, _supporting_team
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


# --- list -----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_list_shows_the_activations_one_takes_part_in(activation, member_factory, role):
    # given
    user = member_factory(activation, role).user
    ActivationFactory()  # someone else's
    # when
    response = client_as(user).get(reverse("api-activation-list"))
    # then
    assert response.status_code == 200
    assert [a["slug"] for a in response.json()["results"]] == [activation.slug]


def test_list_is_empty_for_a_stranger_and_401_for_anonymous(activation):
    assert client_as(UserFactory()).get(reverse("api-activation-list")).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
    assert_error(
        APIClient(HTTP_ACCEPT_LANGUAGE="en").get(reverse("api-activation-list")), 401
    )


def test_list_filters_by_status_and_open(activation, member_factory):
    # given
    coordinator = member_factory(activation, "coordinator").user
    closed = ActivationFactory(
        agreement=activation.agreement,
        status=Activation.Status.CLOSED,
        closed_at=timezone.now(),
    )
    api = client_as(coordinator)
    url = reverse("api-activation-list")
    # when / then
    slugs = {a["slug"] for a in api.get(url).json()["results"]}
    assert slugs == {activation.slug, closed.slug}
    only_closed = api.get(url, {"status": "closed"}).json()["results"]
    assert [a["slug"] for a in only_closed] == [closed.slug]
    only_open = api.get(url, {"open": "true"}).json()["results"]
    assert [a["slug"] for a in only_open] == [activation.slug]
    assert_error(api.get(url, {"status": "nonsense"}), 400, "invalid")


def test_list_is_paginated(activation, member_factory):
    # given
    coordinator = member_factory(activation, "coordinator").user
    for _ in range(4):
        ActivationFactory(agreement=activation.agreement)
    # when
    response = client_as(coordinator).get(
        reverse("api-activation-list"), {"page_size": 2}
    )
    # then
    body = response.json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    assert body["previous"] is None


@pytest.mark.parametrize("extra", [1, 10])
def test_list_query_count_does_not_grow_with_the_rows(
    activation, member_factory, django_assert_max_num_queries, extra
):
    # given
    coordinator = member_factory(activation, "coordinator").user
    for _ in range(extra):
        ActivationFactory(agreement=activation.agreement)
    api = client_as(coordinator)
    # when / then: count + page
    with django_assert_max_num_queries(2):
        response = api.get(reverse("api-activation-list"))
    assert response.json()["count"] == extra + 1


# --- create ------------------------------------------------------------------------------
def _payload(agreement, **overrides):
    return {
        "agreement": agreement.pk,
        "slug": "inond-34",
        "title": "Inondations Hérault",
        "kind": "crisis",
        "missions": ["monitoring", "verification"],
        "area": geojson(AREA),
        "objectives": "Veille des réseaux sociaux",
        "escalation_criteria": "Personnes en danger",
        "report_cadence_hours": 4,
        "languages": ["fr", "oc"],
        "timezone": "Europe/Paris",
        "requester_name": "CODIS 34",
        "requester_contact": "+33 4 00 00 00 00",
    } | overrides


@pytest.mark.parametrize("who", WHO)
def test_create_role_matrix(activation, member_factory, who):
    # given: only coordinators of the agreement's team may open under it
    actor = actor_for(who, activation, member_factory)
    before = db_state()
    # when
    response = client_as(actor).post(
        reverse("api-activation-list"), _payload(activation.agreement), format="json"
    )
    # then
    expected = {"anonymous": 401, "coordinator": 201}.get(who, 403)
    if expected == 201:
        assert response.status_code == 201, response.content
    else:
        assert_error(response, expected)
        assert db_state() == before


def test_create_under_another_teams_agreement_is_404(activation):
    # given: a coordinator, but of another team
    other = make_member(ActivationFactory(), "coordinator").user
    before = db_state()
    # when
    response = client_as(other).post(
        reverse("api-activation-list"), _payload(activation.agreement), format="json"
    )
    # then
    assert_error(response, 404, "not_found")
    assert db_state() == before


def test_create_records_the_request_and_answers_the_detail(activation, member_factory):
    # given
    coordinator = member_factory(activation, "coordinator").user
    # when
    response = client_as(coordinator).post(
        reverse("api-activation-list"), _payload(activation.agreement), format="json"
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    created = Activation.objects.get(slug="inond-34")
    assert created.status == Activation.Status.REQUESTED
    assert created.area.equals_exact(AREA, tolerance=1e-9)
    assert created.languages == ["fr", "oc"]
    assert body["status"] == "requested"
    assert body["area"]["type"] == "MultiPolygon"
    assert body["viewer_role"] == "coordinator"
    assert set(body["allowed_actions"]) == {str(a) for a in ROLE_ACTIONS["coordinator"]}
    assert body["agreement"]["reference"] == activation.agreement.reference
    assert body["version"] == 1


def test_create_with_open_now_opens_it(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    response = client_as(coordinator).post(
        reverse("api-activation-list"),
        _payload(activation.agreement, open_now=True),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "active"
    assert Activation.objects.get(slug="inond-34").status == Activation.Status.ACTIVE


@pytest.fixture
def coordinator_of(db):
    def make(agreement):
        user = UserFactory()
        OrganisationMemberFactory(
            organisation=agreement.vost_team,
            user=user,
            role=OrganisationMember.Role.COORDINATOR,
        )
        return user

    return make


TODAY = timezone.localdate


@pytest.mark.parametrize(
    ("agreement_fields", "overrides", "message"),
    [
        (
            {
                "valid_from": TODAY() - dt.timedelta(days=400),
                "valid_until": TODAY() - dt.timedelta(days=1),
            },
            {},
            "expired",
        ),
        ({"status": Agreement.Status.SUSPENDED}, {}, "suspended"),
        ({"missions": ["monitoring"]}, {"missions": ["relay"]}, "does not allow"),
        ({}, {"area": geojson(FAR_AWAY)}, "outside"),
    ],
    ids=["expired agreement", "suspended agreement", "mission", "area outside"],
)
def test_create_refusals_change_nothing(
    coordinator_of, agreement_fields, overrides, message
):
    # given
    agreement = AgreementFactory(**agreement_fields)
    coordinator = coordinator_of(agreement)
    before = db_state()
    # when
    response = client_as(coordinator).post(
        reverse("api-activation-list"), _payload(agreement, **overrides), format="json"
    )
    # then
    error = assert_error(response, 400, "domain_error")
    assert message in error["message"]
    assert db_state() == before


@pytest.mark.parametrize(
    ("area", "reason"),
    [
        ({"type": "Polygon", "coordinates": "nope"}, "not valid GeoJSON"),
        ({"type": "Point", "coordinates": [3.8, 43.6]}, "no polygon"),
        ("POLYGON((0 0, 1 0, 1 1, 0 0))", "GeoJSON object"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[300, 0], [301, 0], [301, 1], [300, 0]]],
            },
            "WGS 84",
        ),
    ],
    ids=["bad coordinates", "a point", "a string", "not lon/lat"],
)
def test_create_with_malformed_geojson_is_400_with_the_reason(
    coordinator_of, area, reason
):
    # given
    agreement = AgreementFactory()
    coordinator = coordinator_of(agreement)
    before = db_state()
    # when
    response = client_as(coordinator).post(
        reverse("api-activation-list"), _payload(agreement, area=area), format="json"
    )
    # then
    error = assert_error(response, 400, "invalid")
    assert reason in " ".join(error["details"]["area"])
    assert db_state() == before


def test_create_refuses_a_slug_in_use(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-activation-list"),
        _payload(activation.agreement, slug=activation.slug),
        format="json",
    )
    assert_error(response, 400)
    assert db_state() == before


# --- detail, edit, lifecycle ---------------------------------------------------------
@pytest.mark.parametrize("role", ALL_ROLES)
def test_detail_tells_the_role_and_what_it_allows(activation, member_factory, role):
    user = member_factory(activation, role).user
    body = client_as(user).get(_detail_url(activation)).json()
    assert body["viewer_role"] == role
    assert set(body["allowed_actions"]) == {str(a) for a in ROLE_ACTIONS[role]}
    assert body["area"] == geojson(activation.area)


def test_unknown_slug_is_404_like_a_stranger(member_factory, activation):
    user = member_factory(activation, "coordinator").user
    response = client_as(user).get(reverse("api-activation-detail", args=["nope"]))
    assert_error(response, 404, "not_found")


def test_patch_updates_and_bumps_the_version(activation, member_factory):
    # given
    coordinator = member_factory(activation, "coordinator").user
    # when
    response = client_as(coordinator).patch(
        _detail_url(activation),
        {"version": activation.version, "objectives": "Nouvelles consignes"},
        format="json",
    )
    # then
    activation.refresh_from_db()
    assert response.status_code == 200
    assert activation.objectives == "Nouvelles consignes"
    assert response.json()["version"] == activation.version == 2
    assert activation.log_entries.filter(kind=LogEntry.Kind.DECISION).exists()


def test_patch_sets_the_triage_lease_and_the_escalation_reminder_delay(
    activation, member_factory
):
    # given
    coordinator = member_factory(activation, "coordinator").user
    # when
    response = client_as(coordinator).patch(
        _detail_url(activation),
        {
            "version": activation.version,
            "triage_lease_minutes": 15,
            "escalation_renotify_minutes": 5,
        },
        format="json",
    )
    refused = client_as(coordinator).patch(
        _detail_url(activation),
        {"version": activation.version + 1, "triage_lease_minutes": 0},
        format="json",
    )
    # then
    activation.refresh_from_db()
    assert response.status_code == 200
    assert refused.status_code == 400
    assert (
        activation.triage_lease_minutes,
        activation.escalation_renotify_minutes,
    ) == (
        15,
        5,
    )


def test_patch_with_a_stale_version_is_409_and_changes_nothing(
    activation, member_factory
):
    # given: someone else saved first
    coordinator = member_factory(activation, "coordinator").user
    Activation.objects.filter(pk=activation.pk).update(version=5)
    before = db_state()
    # when
    response = client_as(coordinator).patch(
        _detail_url(activation), {"version": 4, "title": "Mine"}, format="json"
    )
    # then
    error = assert_error(response, 409, "conflict")
    assert error["details"] is None
    assert db_state() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "No version"}, "version"),
        ({"version": 1}, "non_field_errors"),
        ({"version": 1, "report_cadence_hours": 0}, "report_cadence_hours"),
        ({"version": 1, "timezone": "Nowhere/Atlantis"}, "timezone"),
    ],
    ids=["without version", "nothing to change", "bad cadence", "bad time zone"],
)
def test_patch_rejects_bad_input_and_changes_nothing(
    activation, member_factory, payload, field
):
    coordinator = member_factory(activation, "coordinator").user
    before = db_state()
    response = client_as(coordinator).patch(
        _detail_url(activation), payload, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert field in error["details"]
    assert db_state() == before


def test_patch_refuses_an_area_outside_the_territory(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    before = db_state()
    response = client_as(coordinator).patch(
        _detail_url(activation),
        {"version": activation.version, "area": geojson(FAR_AWAY)},
        format="json",
    )
    assert_error(response, 400, "domain_error")
    assert db_state() == before


def test_transition_closes_with_a_reason(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    publish_final_report(activation, by=coordinator)  # closing needs it
    response = client_as(coordinator).post(
        reverse("api-activation-transition", args=[activation.slug]),
        {"to": "closed", "version": activation.version, "reason": "Décrue"},
        format="json",
    )
    activation.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["close_reason"] == "Décrue"
    assert activation.status == Activation.Status.CLOSED


def test_transition_close_without_a_final_report_says_why(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    response = client_as(coordinator).post(
        reverse("api-activation-transition", args=[activation.slug]),
        {"to": "closed", "version": activation.version, "reason": "Décrue"},
        format="json",
    )
    assert_error(response, 400, "cannot_close")
    assert "No published final report yet" in response.json()["error"]["message"]
    activation.refresh_from_db()
    assert activation.status == Activation.Status.ACTIVE


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"to": "closed", "reason": "  "}, 400, "domain_error"),
        ({"to": "archived", "reason": ""}, 400, "domain_error"),
        ({"to": "standby", "version_delta": -1}, 409, "conflict"),
        ({"to": "somewhere"}, 400, "invalid"),
    ],
    ids=["closing without reason", "skipping a step", "stale version", "bad status"],
)
def test_transition_refusals_change_nothing(
    activation, member_factory, payload, status, code
):
    # given
    coordinator = member_factory(activation, "coordinator").user
    Activation.objects.filter(pk=activation.pk).update(version=3)
    payload = dict(payload)
    payload["version"] = 3 + payload.pop("version_delta", 0)
    before = db_state()
    # when
    response = client_as(coordinator).post(
        reverse("api-activation-transition", args=[activation.slug]),
        payload,
        format="json",
    )
    # then
    assert_error(response, status, code)
    assert db_state() == before


# --- members and teams ---------------------------------------------------------------------
def test_members_list_and_add(
    activation, member_factory, django_assert_max_num_queries
):
    # given
    coordinator = member_factory(activation, "coordinator").user
    for role in ALL_ROLES:
        member_factory(activation, role)
    newcomer = _team_volunteer(activation)
    api = client_as(coordinator)
    url = reverse("api-activation-members", args=[activation.slug])
    # when: permission (activation, membership) + count + page
    with django_assert_max_num_queries(4):
        listed = api.get(url)
    added = api.post(
        url, {"username": newcomer.username, "role": "team_lead"}, format="json"
    )
    # then
    assert listed.json()["count"] == 6
    assert {m["user"]["username"] for m in listed.json()["results"]} >= {
        coordinator.username
    }
    assert added.status_code == 201
    assert added.json()["role"] == "team_lead"
    assert ActivationMember.objects.get(activation=activation, user=newcomer).role == (
        ActivationMember.Role.TEAM_LEAD
    )


@pytest.mark.parametrize(
    ("payload_for", "field"),
    [
        (lambda u: {"username": "nobody", "role": "volunteer"}, "username"),
        (lambda u: {"username": u.username, "role": "boss"}, "role"),
        (lambda u: {"username": u.username, "role": "liaison"}, None),
    ],
    ids=["unknown user", "unknown role", "liaison outside the authority"],
)
def test_member_add_refusals_change_nothing(
    activation, member_factory, payload_for, field
):
    coordinator = member_factory(activation, "coordinator").user
    newcomer = _team_volunteer(activation)
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-activation-members", args=[activation.slug]),
        payload_for(newcomer),
        format="json",
    )
    error = assert_error(response, 400)
    if field:
        assert field in error["details"]
    assert db_state() == before


def test_member_remove_of_someone_not_in_it_is_404(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    stranger = UserFactory()
    before = db_state()
    response = client_as(coordinator).delete(
        reverse("api-activation-member", args=[activation.slug, stranger.pk])
    )
    assert_error(response, 404)
    assert db_state() == before


def test_member_remove(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    volunteer = member_factory(activation, "volunteer").user
    response = client_as(coordinator).delete(
        reverse("api-activation-member", args=[activation.slug, volunteer.pk])
    )
    assert response.status_code == 204
    assert not ActivationMember.objects.filter(user=volunteer).exists()


def test_supporting_team_is_added_and_shown(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    url, payload = _supporting_team(activation, coordinator)
    response = client_as(coordinator).post(url, payload, format="json")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["supporting_teams"]] == [
        payload["team_id"]
    ]
    assert activation.supporting_teams.filter(pk=payload["team_id"]).exists()


@pytest.mark.parametrize(
    ("team_for", "code"),
    [
        (lambda a: VostTeamFactory().pk, "domain_error"),  # no agreement of its own
        (lambda a: a.authority_id, "invalid"),  # not a VOST team
        (lambda a: 999999, "invalid"),
    ],
    ids=["team without agreement", "an authority", "missing"],
)
def test_supporting_team_refusals_change_nothing(
    activation, member_factory, team_for, code
):
    coordinator = member_factory(activation, "coordinator").user
    team_id = team_for(activation)
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-activation-supporting-teams", args=[activation.slug]),
        {"team_id": team_id},
        format="json",
    )
    assert_error(response, 400, code)
    assert db_state() == before


# --- authentication and error bodies --------------------------------------------------
def test_token_authentication_works(activation, member_factory):
    user = member_factory(activation, "volunteer").user
    token = api_token_create(user=user, name="test", scopes=ALL_SCOPES)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(_detail_url(activation)).status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert_error(api.get(_detail_url(activation)), 401, "authentication_failed")


def test_anonymous_gets_401_with_a_token_challenge(activation):
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").get(_detail_url(activation))
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_error_bodies_have_one_shape(activation, member_factory):
    observer = member_factory(activation, "observer").user
    api = client_as(observer)
    assert_error(api.get(reverse("api-activation-detail", args=["nope"])), 404)
    assert_error(
        api.patch(_detail_url(activation), {"version": 1, "title": "x"}, format="json"),
        403,
        "permission_denied",
    )
    coordinator = member_factory(activation, "coordinator").user
    error = assert_error(
        client_as(coordinator).patch(_detail_url(activation), {}, format="json"),
        400,
        "invalid",
    )
    assert list(error["details"]) == ["version"]
