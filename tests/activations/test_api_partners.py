"""REST API of partners: organisations, their contacts, agreements.

Roles here are the people make_member sets up for an activation: the coordinator
coordinates the lead VOST team, team leads, volunteers and observers are plain
members of it, the liaison belongs to the authority.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_create
from activations.models import Agreement, Contact, Organisation, OrganisationMember
from tests.accounts.support import ALL_SCOPES
from tests.activations.api_support import (
    WHO,
    actor_for,
    assert_error,
    call,
    client_as,
    db_state,
    geojson,
)
from tests.factories import (
    ALL_ROLES,
    FAR_AWAY,
    TERRITORY,
    AgreementFactory,
    AuthorityFactory,
    OrganisationMemberFactory,
    UserFactory,
    VostTeamFactory,
)

pytestmark = pytest.mark.django_db

VOST_SIDE = {"team_lead", "volunteer", "observer"}


def _expect(who, table):
    """Status for `who` from a {who: status} table; VOST-side plain members share one."""
    if who == "anonymous":
        return 401
    if who in table:
        return table[who]
    if who in VOST_SIDE and "member" in table:
        return table["member"]
    return table.get("other", 404)


def _check(response, expected, ok, before):
    if expected in ok:
        assert response.status_code == expected, response.content
    else:
        assert_error(response, expected)
        assert db_state() == before


# --- role matrix of every endpoint -------------------------------------------------------
# (method, url(activation), payload(activation), {who: status}, success statuses)
def _org_url(name, org):
    return lambda a: reverse(name, args=[org(a).pk])


def _team(a):
    return a.lead_team


def _authority(a):
    return a.authority


ENDPOINTS = {
    "organisation list GET": (
        "get",
        lambda a: reverse("api-organisation-list"),
        None,
        {"coordinator": 200, "liaison": 200, "member": 200, "other": 200},
    ),
    "organisation list POST (authority)": (
        "post",
        lambda a: reverse("api-organisation-list"),
        lambda a: {"name": "Préfecture de l'Hérault", "kind": "prefecture"},
        {"coordinator": 201, "other": 403},
    ),
    "team detail GET": (
        "get",
        _org_url("api-organisation-detail", _team),
        None,
        {"coordinator": 200, "member": 200},
    ),
    "authority detail GET": (
        "get",
        _org_url("api-organisation-detail", _authority),
        None,
        {"coordinator": 200, "liaison": 200},
    ),
    "team detail PATCH": (
        "patch",
        _org_url("api-organisation-detail", _team),
        lambda a: {"max_hours_per_24h": 10},
        {"coordinator": 200, "member": 403},
    ),
    "authority detail PATCH": (
        "patch",
        _org_url("api-organisation-detail", _authority),
        lambda a: {"phone": "+33 4 67 00 00 00"},
        {"coordinator": 200, "liaison": 403},
    ),
    "authority contacts GET": (
        "get",
        _org_url("api-organisation-contacts", _authority),
        None,
        {"coordinator": 200, "liaison": 200},
    ),
    "authority contacts POST": (
        "post",
        _org_url("api-organisation-contacts", _authority),
        lambda a: {"name": "Officier CODIS", "kind": "escalation", "phone": "18"},
        {"coordinator": 201, "liaison": 403},
    ),
    "agreement list GET": (
        "get",
        lambda a: reverse("api-agreement-list"),
        None,
        {"coordinator": 200, "liaison": 200, "member": 200, "other": 200},
    ),
    "agreement list POST": (
        "post",
        lambda a: reverse("api-agreement-list"),
        lambda a: {
            "reference": "CONV-NEW",
            "vost_team": a.lead_team_id,
            "authority": a.authority_id,
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
            "missions": ["monitoring"],
        },
        # only coordinators of a VOST team record agreements
        {"coordinator": 201, "other": 403},
    ),
    "agreement detail GET": (
        "get",
        lambda a: reverse("api-agreement-detail", args=[a.agreement_id]),
        None,
        {"coordinator": 200, "liaison": 200},
    ),
    "agreement detail PATCH": (
        "patch",
        lambda a: reverse("api-agreement-detail", args=[a.agreement_id]),
        lambda a: {"notes": "Avenant n°1"},
        {"coordinator": 200, "liaison": 403},
    ),
    "agreement status POST": (
        "post",
        lambda a: reverse("api-agreement-status", args=[a.agreement_id]),
        lambda a: {"status": "suspended"},
        {"coordinator": 200, "liaison": 403},
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_role_matrix(activation, member_factory, name, who):
    # given
    method, url, payload, table = ENDPOINTS[name]
    actor = actor_for(who, activation, member_factory)
    before = db_state()
    # when
    response = call(
        client_as(actor),
        method,
        url(activation),
        payload(activation) if payload else None,
    )
    # then
    _check(response, _expect(who, table), {200, 201}, before)


# --- organisations -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("coordinator", {"team", "authority"}),
        ("team_lead", {"team"}),
        ("volunteer", {"team"}),
        ("observer", {"team"}),
        ("liaison", {"authority"}),
    ],
)
def test_organisation_list_shows_what_each_role_sees(
    activation, member_factory, role, sees
):
    # given
    user = member_factory(activation, role).user
    VostTeamFactory()  # not theirs
    names = {"team": activation.lead_team.pk, "authority": activation.authority.pk}
    # when
    response = client_as(user).get(reverse("api-organisation-list"))
    # then
    assert {o["id"] for o in response.json()["results"]} == {names[s] for s in sees}


def test_organisation_list_filters_by_kind_and_name(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    AuthorityFactory(
        managed_by=activation.lead_team, name="Préfecture 34", kind="prefecture"
    )
    api = client_as(coordinator)
    url = reverse("api-organisation-list")
    assert [
        o["name"] for o in api.get(url, {"kind": "prefecture"}).json()["results"]
    ] == ["Préfecture 34"]
    assert [o["name"] for o in api.get(url, {"q": "fecture"}).json()["results"]] == [
        "Préfecture 34"
    ]
    assert_error(api.get(url, {"kind": "castle"}), 400, "invalid")


def test_organisation_list_is_paginated_with_few_queries(
    activation, member_factory, django_assert_max_num_queries
):
    # given
    coordinator = member_factory(activation, "coordinator").user
    for _ in range(5):
        AuthorityFactory(managed_by=activation.lead_team)
    api = client_as(coordinator)
    # when: count + page
    with django_assert_max_num_queries(2):
        response = api.get(reverse("api-organisation-list"), {"page_size": 3})
    # then
    body = response.json()
    assert body["count"] == 7
    assert len(body["results"]) == 3
    assert body["next"] is not None


def test_authority_created_by_a_coordinator_is_managed_by_their_team(
    activation, member_factory
):
    coordinator = member_factory(activation, "coordinator").user
    response = client_as(coordinator).post(
        reverse("api-organisation-list"),
        {
            "name": "Mairie de Lattes",
            "kind": "municipality",
            "email": "crise@lattes.fr",
        },
        format="json",
    )
    assert response.status_code == 201
    created = Organisation.objects.get(name="Mairie de Lattes")
    assert created.managed_by == activation.lead_team
    assert response.json()["managed_by"] == activation.lead_team.pk


def test_a_coordinator_of_two_teams_says_which_one(activation, member_factory):
    # given
    coordinator = member_factory(activation, "coordinator").user
    other_team = VostTeamFactory()
    OrganisationMemberFactory(
        organisation=other_team,
        user=coordinator,
        role=OrganisationMember.Role.COORDINATOR,
    )
    api = client_as(coordinator)
    url = reverse("api-organisation-list")
    payload = {"name": "SDIS 30", "kind": "fire_rescue"}
    before = db_state()
    # when / then
    error = assert_error(api.post(url, payload, format="json"), 400, "invalid")
    assert "managed_by" in error["details"]
    assert db_state() == before
    response = api.post(url, payload | {"managed_by": other_team.pk}, format="json")
    assert response.status_code == 201
    assert Organisation.objects.get(name="SDIS 30").managed_by == other_team


@pytest.mark.parametrize(
    ("managed_by", "status"),
    [("foreign team", 404), ("authority", 400)],
)
def test_authority_cannot_be_managed_by_a_team_one_does_not_coordinate(
    activation, member_factory, managed_by, status
):
    coordinator = member_factory(activation, "coordinator").user
    target = VostTeamFactory() if managed_by == "foreign team" else activation.authority
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-organisation-list"),
        {"name": "SDIS 30", "kind": "fire_rescue", "managed_by": target.pk},
        format="json",
    )
    assert_error(response, status)
    assert db_state() == before


def test_only_staff_create_a_vost_team(activation, member_factory):
    # given
    coordinator = member_factory(activation, "coordinator").user
    staff = UserFactory(is_staff=True)
    payload = {"name": "ESOV Gard", "kind": "vost_team"}
    before = db_state()
    # when
    refused = client_as(coordinator).post(
        reverse("api-organisation-list"), payload, format="json"
    )
    # then
    assert_error(refused, 403, "permission_denied")
    assert db_state() == before
    created = client_as(staff).post(
        reverse("api-organisation-list"), payload, format="json"
    )
    assert created.status_code == 201
    team = Organisation.objects.get(name="ESOV Gard")
    assert team.managed_by is None
    assert team.members.get().user == staff


def test_duplicate_organisation_is_refused(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-organisation-list"),
        {"name": activation.authority.name, "kind": activation.authority.kind},
        format="json",
    )
    assert_error(response, 400)
    assert db_state() == before


def test_organisation_patch_rejects_bad_values(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    before = db_state()
    response = client_as(coordinator).patch(
        reverse("api-organisation-detail", args=[activation.lead_team_id]),
        {"max_hours_per_24h": 30, "website": "not a url"},
        format="json",
    )
    error = assert_error(response, 400, "invalid")
    assert set(error["details"]) == {"max_hours_per_24h", "website"}
    assert db_state() == before


def test_contacts_are_listed_in_order(activation, member_factory):
    # given
    coordinator = member_factory(activation, "coordinator").user
    api = client_as(coordinator)
    url = reverse("api-organisation-contacts", args=[activation.authority_id])
    for position, name in [(2, "Second"), (1, "Premier")]:
        api.post(
            url,
            {"name": name, "kind": "escalation", "position": position},
            format="json",
        )
    # when
    response = api.get(url)
    # then
    assert [c["name"] for c in response.json()["results"]] == ["Premier", "Second"]
    assert Contact.objects.filter(organisation=activation.authority).count() == 2


# --- agreements ---------------------------------------------------------------------------
def _agreement_payload(activation, **overrides):
    return {
        "reference": "CONV-2026-900",
        "title": "Convention ESOV / SDIS",
        "vost_team": activation.lead_team_id,
        "authority": activation.authority_id,
        "signed_on": "2026-01-10",
        "valid_from": "2026-01-15",
        "valid_until": "2029-01-14",
        "missions": ["monitoring", "verification", "mapping"],
        "territory": geojson(TERRITORY),
        "retention_days": 60,
    } | overrides


def test_agreement_is_created_as_a_draft_with_its_territory(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    response = client_as(coordinator).post(
        reverse("api-agreement-list"), _agreement_payload(activation), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    agreement = Agreement.objects.get(reference="CONV-2026-900")
    assert agreement.status == Agreement.Status.DRAFT
    assert agreement.territory.equals_exact(TERRITORY, tolerance=1e-9)
    assert body["territory"] == geojson(agreement.territory)
    assert body["effective_status"] == "draft"
    assert body["has_signed_document"] is False
    assert body["vost_team"]["id"] == activation.lead_team_id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"territory": {"type": "Polygon", "coordinates": [[1, 2]]}}, "territory"),
        ({"territory": "nope"}, "territory"),
        ({"missions": ["spying"]}, "missions"),
        ({"valid_from": "yesterday"}, "valid_from"),
    ],
    ids=["malformed territory", "territory not an object", "mission", "date"],
)
def test_agreement_create_rejects_bad_input(
    activation, member_factory, overrides, field
):
    coordinator = member_factory(activation, "coordinator").user
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-agreement-list"),
        _agreement_payload(activation, **overrides),
        format="json",
    )
    error = assert_error(response, 400, "invalid")
    assert field in error["details"]
    assert db_state() == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"valid_until": "2025-01-01"},
        {"authority": "team"},
        {"reference": "taken"},
    ],
    ids=["ends before it starts", "two VOST teams", "reference in use"],
)
def test_agreement_create_domain_refusals(activation, member_factory, overrides):
    coordinator = member_factory(activation, "coordinator").user
    if overrides.get("authority") == "team":
        overrides = {"authority": activation.lead_team_id}
    if overrides.get("reference") == "taken":
        overrides = {"reference": activation.agreement.reference}
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-agreement-list"),
        _agreement_payload(activation, **overrides),
        format="json",
    )
    assert_error(response, 400)
    assert db_state() == before


def test_agreement_with_an_unknown_authority_is_404(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    stranger_authority = AuthorityFactory()
    before = db_state()
    response = client_as(coordinator).post(
        reverse("api-agreement-list"),
        _agreement_payload(activation, authority=stranger_authority.pk),
        format="json",
    )
    assert_error(response, 404, "not_found")
    assert db_state() == before


def test_agreement_patch_changes_the_territory(activation, member_factory):
    coordinator = member_factory(activation, "coordinator").user
    response = client_as(coordinator).patch(
        reverse("api-agreement-detail", args=[activation.agreement_id]),
        {"territory": {"type": "Feature", "geometry": geojson(FAR_AWAY)}},
        format="json",
    )
    activation.agreement.refresh_from_db()
    assert response.status_code == 200
    assert activation.agreement.territory.equals_exact(FAR_AWAY, tolerance=1e-9)


def test_agreement_patch_with_malformed_geojson_changes_nothing(
    activation, member_factory
):
    coordinator = member_factory(activation, "coordinator").user
    before = db_state()
    response = client_as(coordinator).patch(
        reverse("api-agreement-detail", args=[activation.agreement_id]),
        {"territory": {"type": "FeatureCollection", "features": []}},
        format="json",
    )
    error = assert_error(response, 400, "invalid")
    assert "polygon" in error["details"]["territory"][0]  # "polygone" in French
    assert db_state() == before


def test_agreement_status_moves_along_its_transitions(activation, member_factory):
    # given
    coordinator = member_factory(activation, "coordinator").user
    api = client_as(coordinator)
    url = reverse("api-agreement-status", args=[activation.agreement_id])
    # when
    suspended = api.post(url, {"status": "suspended"}, format="json")
    # then
    assert suspended.status_code == 200
    assert suspended.json()["status"] == "suspended"
    activation.agreement.refresh_from_db()
    assert activation.agreement.status == Agreement.Status.SUSPENDED
    # and a status that cannot follow is refused
    api.post(url, {"status": "terminated"}, format="json")
    before = db_state()
    assert_error(
        api.post(url, {"status": "active"}, format="json"), 400, "domain_error"
    )
    assert_error(api.post(url, {"status": "expired"}, format="json"), 400, "invalid")
    assert db_state() == before


def test_agreement_list_filters_on_the_effective_status(activation, member_factory):
    # given: one in force, one past its end (stored active), one draft
    coordinator = member_factory(activation, "coordinator").user
    today = timezone.localdate()
    expired = AgreementFactory(
        vost_team=activation.lead_team,
        valid_from=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=1),
    )
    draft = AgreementFactory(
        vost_team=activation.lead_team, status=Agreement.Status.DRAFT
    )
    api = client_as(coordinator)
    url = reverse("api-agreement-list")

    def ids(status):
        return {a["id"] for a in api.get(url, {"status": status}).json()["results"]}

    # when / then
    assert ids("expired") == {expired.pk}
    assert ids("active") == {activation.agreement_id}
    assert ids("draft") == {draft.pk}
    listed = {a["id"]: a for a in api.get(url).json()["results"]}
    assert listed[expired.pk]["status"] == "active"
    assert listed[expired.pk]["effective_status"] == "expired"
    assert listed[expired.pk]["days_left"] == -1
    assert "territory" not in listed[expired.pk]


@pytest.mark.parametrize("extra", [1, 8])
def test_agreement_list_query_count_is_constant(
    activation, member_factory, django_assert_max_num_queries, extra
):
    coordinator = member_factory(activation, "coordinator").user
    for _ in range(extra):
        AgreementFactory(vost_team=activation.lead_team)
    api = client_as(coordinator)
    with django_assert_max_num_queries(2):
        response = api.get(reverse("api-agreement-list"))
    assert response.json()["count"] == extra + 1


@pytest.mark.parametrize("role", ALL_ROLES)
def test_agreement_list_shows_only_visible_agreements(activation, member_factory, role):
    user = member_factory(activation, role).user
    AgreementFactory()  # another team's
    results = client_as(user).get(reverse("api-agreement-list")).json()["results"]
    expected = [activation.agreement_id] if role in {"coordinator", "liaison"} else []
    assert [a["id"] for a in results] == expected


def test_token_authentication_works_for_partners(activation, member_factory):
    liaison = member_factory(activation, "liaison").user
    token = api_token_create(user=liaison, name="test", scopes=ALL_SCOPES)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get(reverse("api-agreement-detail", args=[activation.agreement_id]))
    assert response.status_code == 200
    assert response.json()["reference"] == activation.agreement.reference


@pytest.mark.parametrize("contacts", [1, 6])
def test_contact_list_query_count_is_constant(
    activation, member_factory, django_assert_max_num_queries, contacts
):
    # given
    liaison = member_factory(activation, "liaison").user
    for position in range(contacts):
        Contact.objects.create(
            organisation=activation.authority, name=f"Contact {position}"
        )
    api = client_as(liaison)
    # when: the organisation, count, page
    with django_assert_max_num_queries(3):
        response = api.get(
            reverse("api-organisation-contacts", args=[activation.authority_id])
        )
    # then
    assert response.json()["count"] == contacts
