"""Activation pages: list, create, overview, edit, status changes, members."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    LogEntry,
    OrganisationMember,
)
from activations.permissions import ROLE_ACTIONS, Action
from tests.closure.helpers import publish_final_report
from tests.factories import (
    ALL_ROLES,
    AREA,
    FAR_AWAY,
    ActivationFactory,
    AgreementFactory,
    AuthorityFactory,
    LogEntryFactory,
    OrganisationMemberFactory,
    ShiftAssignmentFactory,
    ShiftFactory,
    UserFactory,
    VolunteerProfileFactory,
    VostTeamFactory,
    make_member,
)

Role = ActivationMember.Role
Status = Activation.Status


def _member(activation, role):
    """A member whose pages are in English (the assertions read the source strings)."""
    return make_member(activation, role, language="en").user


def _coordinator_of(team):
    user = UserFactory(language="en")
    OrganisationMemberFactory(
        organisation=team, user=user, role=OrganisationMember.Role.COORDINATOR
    )
    return user


def _snapshot(activation):
    activation.refresh_from_db()
    return (
        activation.status,
        activation.version,
        activation.title,
        activation.close_reason,
        activation.closed_at,
        activation.missions,
        LogEntry.objects.filter(activation=activation).count(),
    )


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- role matrix --------------------------------------------------------------------
GET_PAGES = [
    ("activations:activation-detail", Action.VIEW),
    ("activations:activation-edit", Action.MANAGE),
    ("activations:activation-members", Action.MANAGE_MEMBERS),
]
POST_ENDPOINTS = [
    ("activations:activation-edit", Action.MANAGE),
    ("activations:activation-transition", Action.MANAGE),
    ("activations:activation-members", Action.MANAGE_MEMBERS),
    ("activations:activation-member-remove", Action.MANAGE_MEMBERS),
    ("activations:activation-team-add", Action.MANAGE_MEMBERS),
]


@pytest.mark.parametrize(
    "name", [name for name, _ in GET_PAGES] + ["activations:activation-transition"]
)
def test_anonymous_is_sent_to_login(client, activation, name):
    # when
    response = client.post(reverse(name, args=[activation.slug]))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(reverse(name, args=[activation.slug])).status_code == 302


@pytest.mark.parametrize("name", ["activation-list", "activation-create"])
def test_anonymous_is_sent_to_login_for_list_and_create(client, db, name):
    response = client.get(reverse(f"activations:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


REQUESTS = [("get", name) for name, _ in GET_PAGES] + [
    ("post", name) for name, _ in POST_ENDPOINTS
]


@pytest.mark.parametrize(("method", "name"), REQUESTS)
def test_non_member_gets_404(client, activation, user, method, name):
    # given a signed-in person with no part in the activation
    client.force_login(user)
    before = _snapshot(activation)
    # when
    response = getattr(client, method)(reverse(name, args=[activation.slug]))
    # then
    assert response.status_code == 404
    assert _snapshot(activation) == before


@pytest.mark.parametrize(("method", "name"), REQUESTS)
def test_missing_activation_gets_404(client, activation, method, name):
    client.force_login(_member(activation, Role.COORDINATOR))
    response = getattr(client, method)(reverse(name, args=["no-such-activation"]))
    assert response.status_code == 404


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "action"), GET_PAGES)
def test_pages_follow_the_role_table(client, activation, role, name, action):
    # given
    client.force_login(_member(activation, role))
    # when
    response = client.get(reverse(name, args=[activation.slug]))
    # then
    assert response.status_code == (200 if action in ROLE_ACTIONS[role] else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "action"), POST_ENDPOINTS)
def test_posts_follow_the_role_table_and_forbidden_ones_change_nothing(
    client, activation, role, name, action
):
    # given
    client.force_login(_member(activation, role))
    other = make_member(activation, Role.VOLUNTEER).user
    members_before = set(
        ActivationMember.objects.filter(activation=activation).values_list(
            "user_id", "role"
        )
    )
    before = _snapshot(activation)
    data = {
        "to": Status.STANDBY,
        "version": activation.version,
        "user": other.username,
        "role": Role.OBSERVER,
        "title": "Changed",
    }
    # when
    response = client.post(reverse(name, args=[activation.slug]), data)
    # then
    if action in ROLE_ACTIONS[role]:
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 403
        assert _snapshot(activation) == before
        assert (
            set(
                ActivationMember.objects.filter(activation=activation).values_list(
                    "user_id", "role"
                )
            )
            == members_before
        )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.COORDINATOR, True),
        (Role.TEAM_LEAD, False),
        (Role.VOLUNTEER, False),
        (Role.LIAISON, False),
        (Role.OBSERVER, False),
    ],
)
def test_only_coordinators_edit_change_status_and_manage_members(
    client, activation, role, allowed
):
    client.force_login(_member(activation, role))
    for name in ("activation-edit", "activation-members"):
        response = client.get(reverse(f"activations:{name}", args=[activation.slug]))
        assert response.status_code == (200 if allowed else 403)


def test_coordinator_of_the_lead_team_manages_without_being_listed(client, activation):
    # given a coordinator of the lead team who is not an activation member
    client.force_login(_coordinator_of(activation.lead_team))
    # when / then
    response = client.get(
        reverse("activations:activation-edit", args=[activation.slug])
    )
    assert response.status_code == 200


# --- list -------------------------------------------------------------------------
def test_list_shows_own_activations_with_badges_and_role(client, activation):
    # given an exercise elsewhere, and one the person is not in
    exercise = ActivationFactory(
        kind=Activation.Kind.EXERCISE, agreement=activation.agreement
    )
    hidden = ActivationFactory(title="Somebody else's")
    user = _member(activation, Role.VOLUNTEER)
    ActivationMember.objects.create(activation=exercise, user=user, role=Role.OBSERVER)
    client.force_login(user)
    # when
    response = client.get(reverse("activations:activation-list"))
    # then
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {(a.pk, str(role)) for a, role in rows} == {
        (activation.pk, "Volunteer"),
        (exercise.pk, "Observer"),
    }
    assert hidden.title not in response.text
    assert "EXERCICE / EXERCISE" in response.text
    assert "status-active" in response.text
    assert "Open an activation" not in response.text  # not a coordinator


def test_list_tabs_separate_open_closed_and_archived(client, activation):
    # given
    closed = ActivationFactory(
        agreement=activation.agreement,
        status=Status.CLOSED,
        closed_at=timezone.now(),
        close_reason="Fin",
    )
    archived = ActivationFactory(
        agreement=activation.agreement,
        status=Status.ARCHIVED,
        closed_at=timezone.now(),
    )
    client.force_login(_coordinator_of(activation.lead_team))
    url = reverse("activations:activation-list")

    def shown(query):
        return {a.pk for a, _ in client.get(url, query).context["rows"]}

    # then
    assert shown({}) == {activation.pk}
    assert shown({"show": "closed"}) == {closed.pk}
    assert shown({"show": "archived"}) == {archived.pk}
    assert shown({"show": "all"}) == {activation.pk, closed.pk, archived.pk}


def test_list_offers_to_open_an_activation_to_coordinators_with_an_agreement(
    client, activation
):
    client.force_login(_coordinator_of(activation.lead_team))
    response = client.get(reverse("activations:activation-list"))
    assert "Open an activation" in response.text
    assert reverse("activations:activation-create") in response.text


def test_list_query_count_does_not_grow_with_activations(
    client, activation, django_assert_num_queries
):
    # given a coordinator of the lead team with five activations
    user = _coordinator_of(activation.lead_team)
    for _ in range(4):
        ActivationFactory(agreement=activation.agreement)
    client.force_login(user)
    # then (the session comes from the cache): user, unread notifications, list, memberships, teams, usable agreements
    with django_assert_num_queries(7):
        response = client.get(reverse("activations:activation-list"))
    assert len(response.context["rows"]) == 5


# --- create -----------------------------------------------------------------------
@pytest.fixture
def agreement(db):
    return AgreementFactory()


def _create_data(agreement, **changes):
    data = {
        "agreement": agreement.pk,
        "title": "Crue du Lez",
        "slug": "crue-lez",
        "kind": Activation.Kind.CRISIS,
        "requester_name": "CODIS 34",
        "requester_contact": "+33 4 00 00 00 00",
        "missions": ["monitoring", "verification"],
        "area": AREA.geojson,
        "objectives": "Remontées terrain",
        "escalation_criteria": "Personnes en danger",
        "report_cadence_hours": "4",
        "languages": ["fr", "en"],
        "timezone": "Europe/Paris",
    }
    return data | changes


def test_create_is_for_coordinators_only(client, agreement):
    # given a plain team member
    user = UserFactory()
    OrganisationMemberFactory(organisation=agreement.vost_team, user=user)
    client.force_login(user)
    # when / then
    assert client.get(reverse("activations:activation-create")).status_code == 403
    response = client.post(
        reverse("activations:activation-create"), _create_data(agreement)
    )
    assert response.status_code == 403
    assert not Activation.objects.exists()


def test_create_offers_only_agreements_in_force_of_coordinated_teams(client, agreement):
    # given
    expired = AgreementFactory(
        vost_team=agreement.vost_team,
        valid_from=timezone.localdate() - dt.timedelta(days=400),
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    foreign = AgreementFactory()
    client.force_login(_coordinator_of(agreement.vost_team))
    # when
    response = client.get(reverse("activations:activation-create"))
    # then
    offered = {
        value for value, _ in response.context["form"].fields["agreement"].choices
    }
    assert offered == {"", agreement.pk}
    assert expired.pk not in offered
    assert foreign.pk not in offered
    assert 'data-area-editor="id_area"' in response.text
    assert 'id="agreement-territories"' in response.text


def test_create_records_a_requested_activation(client, agreement):
    # given
    user = _coordinator_of(agreement.vost_team)
    client.force_login(user)
    # when
    response = client.post(
        reverse("activations:activation-create"), _create_data(agreement)
    )
    # then
    activation = Activation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "activations:activation-detail", args=["crue-lez"]
    )
    assert activation.status == Status.REQUESTED
    assert activation.lead_team == agreement.vost_team
    assert activation.authority == agreement.authority
    assert activation.missions == ["monitoring", "verification"]
    assert activation.languages == ["fr", "en"]
    assert activation.report_cadence_hours == 4
    assert activation.area.equals(AREA)
    assert activation.log_entries.filter(author=user).count() == 1


def test_create_and_open_now(client, agreement):
    client.force_login(_coordinator_of(agreement.vost_team))
    client.post(
        reverse("activations:activation-create"),
        _create_data(agreement, open_now="on", kind=Activation.Kind.EXERCISE),
    )
    activation = Activation.objects.get()
    assert activation.status == Status.ACTIVE
    assert activation.activated_at is not None
    assert activation.is_exercise


def test_create_takes_the_area_from_an_uploaded_file(client, agreement):
    client.force_login(_coordinator_of(agreement.vost_team))
    upload = SimpleUploadedFile(
        "zone.geojson", AREA.geojson.encode(), content_type="application/geo+json"
    )
    response = client.post(
        reverse("activations:activation-create"),
        _create_data(agreement, area="", area_file=upload),
    )
    assert response.status_code == 302
    assert Activation.objects.get().area.equals(AREA)


@pytest.mark.parametrize(
    ("case", "agreement_changes", "data_changes", "message"),
    [
        (
            "expired agreement",
            {
                "valid_from": dt.date(2020, 1, 1),
                "valid_until": dt.date(2021, 1, 1),
            },
            {},
            "is expired",
        ),
        (
            "suspended agreement",
            {"status": Agreement.Status.SUSPENDED},
            {},
            "is suspended",
        ),
        (
            "mission not allowed",
            {"missions": ["monitoring"]},
            {},
            "does not allow: Verification",
        ),
        (
            "area outside the territory",
            {},
            {"area": FAR_AWAY.geojson},
            "outside the agreement's territory",
        ),
    ],
)
def test_create_refusals_show_the_reason_and_create_nothing(
    client, agreement, case, agreement_changes, data_changes, message
):
    # given an agreement that became unusable after the page was loaded
    Agreement.objects.filter(pk=agreement.pk).update(**agreement_changes)
    client.force_login(_coordinator_of(agreement.vost_team))
    # when
    response = client.post(
        reverse("activations:activation-create"),
        _create_data(agreement, **data_changes),
    )
    # then
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].non_field_errors())
    assert not Activation.objects.exists()
    assert not LogEntry.objects.exists()


def test_create_refuses_a_duplicate_slug(client, activation):
    client.force_login(_coordinator_of(activation.lead_team))
    response = client.post(
        reverse("activations:activation-create"),
        _create_data(activation.agreement, slug=activation.slug),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Activation.objects.count() == 1


def test_create_refuses_an_agreement_of_another_team(client, agreement):
    # given a coordinator of another team
    client.force_login(_coordinator_of(VostTeamFactory()))
    # when
    response = client.post(
        reverse("activations:activation-create"), _create_data(agreement)
    )
    # then
    assert response.status_code == 200
    assert "agreement" in response.context["form"].errors
    assert not Activation.objects.exists()


def test_create_explains_when_no_agreement_is_in_force(client, db):
    client.force_login(_coordinator_of(VostTeamFactory()))
    response = client.get(reverse("activations:activation-create"))
    assert response.status_code == 200
    assert "has an agreement in force" in response.text


# --- overview ---------------------------------------------------------------------
def test_overview_shows_the_mandate_map_duty_and_log_to_the_team(client, activation):
    # given a checked-in volunteer, a shift to come and a log entry
    user = _member(activation, Role.TEAM_LEAD)
    on_duty = make_member(
        activation, Role.VOLUNTEER, first_name="Inès", last_name="Garcia"
    ).user
    now = timezone.now()
    shift = ShiftFactory(
        activation=activation,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
    )
    ShiftAssignmentFactory(shift=shift, user=on_duty, checked_in_at=now)
    ShiftFactory(activation=activation, title="Nuit")
    LogEntryFactory(activation=activation, text="Point de situation 18h")
    client.force_login(user)
    # when
    response = client.get(
        reverse("activations:activation-detail", args=[activation.slug])
    )
    # then
    assert response.status_code == 200
    assert "Inès Garcia" in response.text
    assert "Nuit" in response.text
    assert "Point de situation 18h" in response.text
    assert 'id="activation-area"' in response.text
    assert 'id="agreement-territory"' in response.text
    assert "Social-media monitoring" in response.text
    assert "activation-transition" not in response.text
    assert 'name="to"' not in response.text  # no status actions without MANAGE


def test_overview_for_a_liaison_hides_the_log_and_the_roster(client, activation):
    # given
    LogEntryFactory(activation=activation, text="Interne: rumeur en cours")
    ShiftFactory(activation=activation, title="Nuit")
    client.force_login(_member(activation, Role.LIAISON))
    # when
    response = client.get(
        reverse("activations:activation-detail", args=[activation.slug])
    )
    # then
    assert response.status_code == 200
    assert "Interne: rumeur en cours" not in response.text
    assert "Nuit" not in response.text
    assert "On duty now" not in response.text
    assert reverse("activations:log", args=[activation.slug]) not in response.text
    assert activation.title in response.text


def test_overview_offers_only_the_allowed_next_states(client, activation):
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.get(
        reverse("activations:activation-detail", args=[activation.slug])
    )
    assert response.context["next_states"] == [Status.STANDBY, Status.CLOSED]
    assert 'value="standby"' in response.text
    assert 'value="archived"' not in response.text


def test_overview_of_a_closed_activation_shows_why_and_when(client, activation):
    # given
    Activation.objects.filter(pk=activation.pk).update(
        status=Status.CLOSED,
        closed_at=timezone.now(),
        close_reason="Décrue confirmée par le COS",
    )
    client.force_login(_member(activation, Role.OBSERVER))
    # when
    response = client.get(
        reverse("activations:activation-detail", args=[activation.slug])
    )
    # then
    assert "Décrue confirmée par le COS" in response.text
    assert "Closed on" in response.text


# --- edit ---------------------------------------------------------------------------
def _edit_data(activation, **changes):
    data = {
        "title": activation.title,
        "kind": activation.kind,
        "requester_name": activation.requester_name,
        "requester_contact": activation.requester_contact,
        "missions": activation.missions,
        "area": activation.area.geojson,
        "objectives": activation.objectives,
        "escalation_criteria": activation.escalation_criteria,
        "report_cadence_hours": activation.report_cadence_hours,
        "languages": activation.languages,
        "timezone": activation.timezone,
        "version": activation.version,
    }
    return data | changes


def test_edit_saves_only_the_changed_fields(client, activation):
    # given
    client.force_login(_member(activation, Role.COORDINATOR))
    # when
    response = client.post(
        reverse("activations:activation-edit", args=[activation.slug]),
        _edit_data(activation, title="Crue du Vidourle", report_cadence_hours="3"),
    )
    # then
    activation.refresh_from_db()
    assert response.status_code == 302
    assert (activation.title, activation.report_cadence_hours, activation.version) == (
        "Crue du Vidourle",
        3,
        2,
    )
    entry = activation.log_entries.get()
    assert "report_cadence_hours, title" in entry.text


def test_edit_prefills_the_form_with_version(client, activation):
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.get(
        reverse("activations:activation-edit", args=[activation.slug])
    )
    assert 'name="version" value="1"' in response.text
    assert activation.title in response.text


def test_edit_without_changes_saves_nothing(client, activation):
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _snapshot(activation)
    response = client.post(
        reverse("activations:activation-edit", args=[activation.slug]),
        _edit_data(activation),
        follow=True,
    )
    assert "Nothing changed." in response.text
    assert _snapshot(activation) == before


def test_edit_with_a_stale_version_is_refused_and_changes_nothing(client, activation):
    # given two coordinators who opened the form at version 1
    first = _member(activation, Role.COORDINATOR)
    second = _member(activation, Role.COORDINATOR)
    stale = _edit_data(activation)
    client.force_login(first)
    client.post(
        reverse("activations:activation-edit", args=[activation.slug]),
        stale | {"title": "First title"},
    )
    before = _snapshot(activation)
    # when the second saves over it
    client.force_login(second)
    response = client.post(
        reverse("activations:activation-edit", args=[activation.slug]),
        stale | {"title": "Second title"},
    )
    # then
    assert response.status_code == 200
    assert any(
        "Someone else changed this activation meanwhile" in m
        for m in _messages(response)
    )
    assert _snapshot(activation) == before
    assert before[2] == "First title"


@pytest.mark.parametrize(
    ("case", "changes", "message"),
    [
        ("area outside", {"area": FAR_AWAY.geojson}, "outside the agreement"),
        ("broken area", {"area": "{not json"}, None),
        ("no mission", {"missions": []}, None),
    ],
)
def test_edit_refusals_change_nothing(client, activation, case, changes, message):
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _snapshot(activation)
    response = client.post(
        reverse("activations:activation-edit", args=[activation.slug]),
        _edit_data(activation, **changes),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    if message:
        assert message in " ".join(response.context["form"].non_field_errors())
    assert _snapshot(activation) == before


def test_edit_refuses_a_mission_the_agreement_does_not_allow(client, activation):
    Agreement.objects.filter(pk=activation.agreement_id).update(
        missions=["monitoring", "verification"]
    )
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _snapshot(activation)
    response = client.post(
        reverse("activations:activation-edit", args=[activation.slug]),
        _edit_data(activation, missions=["monitoring", "mapping"]),
    )
    assert "does not allow: Mapping" in " ".join(
        response.context["form"].non_field_errors()
    )
    assert _snapshot(activation) == before


# --- status changes -------------------------------------------------------------------
def _transition(client, activation, to, version=None, reason=""):
    return client.post(
        reverse("activations:activation-transition", args=[activation.slug]),
        {
            "to": to,
            "version": activation.version if version is None else version,
            "reason": reason,
        },
        follow=True,
    )


def test_lifecycle_from_request_to_archive(client, activation):
    # given a requested activation
    Activation.objects.filter(pk=activation.pk).update(
        status=Status.REQUESTED, activated_at=None
    )
    client.force_login(_member(activation, Role.COORDINATOR))
    steps = [
        (Status.ACTIVE, ""),
        (Status.STANDBY, ""),
        (Status.ACTIVE, ""),
        (Status.CLOSED, "Fin de l'événement"),
        (Status.ARCHIVED, ""),
    ]
    for to, reason in steps:
        if to == Status.CLOSED:  # closing needs a published final report
            publish_final_report(activation)
        activation.refresh_from_db()
        # when
        response = _transition(client, activation, to, reason=reason)
        # then
        activation.refresh_from_db()
        assert activation.status == to, _messages(response)
    assert activation.close_reason == "Fin de l'événement"
    assert activation.closed_at is not None
    assert activation.activated_at is not None
    assert activation.version == 6
    assert activation.log_entries.filter(
        kind=LogEntry.Kind.STATUS, text="Status: Requested → Active."
    ).exists()


@pytest.mark.parametrize(
    ("case", "setup", "to", "reason", "message"),
    [
        ("close without a reason", {}, Status.CLOSED, "  ", "Say why"),
        (
            "from the end state",
            {"status": Status.ARCHIVED, "closed_at": timezone.now()},
            Status.ACTIVE,
            "",
            "cannot go from",
        ),
        (
            "back to requested",
            {},
            Status.REQUESTED,
            "",
            "cannot go from",
        ),
        (
            "archive an open one",
            {},
            Status.ARCHIVED,
            "",
            "cannot go from",
        ),
    ],
)
def test_refused_transitions_change_nothing(
    client, activation, case, setup, to, reason, message
):
    # given
    Activation.objects.filter(pk=activation.pk).update(**setup)
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _snapshot(activation)
    # when
    response = _transition(client, activation, to, reason=reason)
    # then
    assert any(message in m for m in _messages(response))
    assert _snapshot(activation) == before


def test_activating_under_an_expired_agreement_is_refused(client, activation):
    # given a request whose agreement has expired since
    Activation.objects.filter(pk=activation.pk).update(
        status=Status.REQUESTED, activated_at=None
    )
    Agreement.objects.filter(pk=activation.agreement_id).update(
        valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2021, 1, 1)
    )
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _snapshot(activation)
    # when
    response = _transition(client, activation, Status.ACTIVE)
    # then
    assert any("is expired" in m for m in _messages(response))
    assert _snapshot(activation) == before


def test_a_stale_version_refuses_the_transition(client, activation):
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _snapshot(activation)
    response = _transition(client, activation, Status.STANDBY, version=0)
    assert any("Someone else changed" in m for m in _messages(response))
    assert _snapshot(activation) == before


def test_an_unknown_status_is_refused(client, activation):
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _snapshot(activation)
    response = _transition(client, activation, "exploded")
    assert any("not possible" in m for m in _messages(response))
    assert _snapshot(activation) == before


# --- members --------------------------------------------------------------------------
def _post_member(client, activation, username, role):
    return client.post(
        reverse("activations:activation-members", args=[activation.slug]),
        {"user": username, "role": role},
    )


def _roles(activation):
    return dict(
        ActivationMember.objects.filter(activation=activation).values_list(
            "user__username", "role"
        )
    )


def test_members_page_lists_members_with_their_role(client, activation):
    volunteer = make_member(
        activation, Role.VOLUNTEER, first_name="Inès", last_name="Garcia"
    ).user
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.get(
        reverse("activations:activation-members", args=[activation.slug])
    )
    assert "Inès Garcia" in response.text
    assert volunteer in [m.user for m in response.context["members"]]


def test_add_a_volunteer_of_the_lead_team(client, activation):
    # given a team member who accepted the charter
    person = UserFactory(username="camille")
    OrganisationMemberFactory(organisation=activation.lead_team, user=person)
    VolunteerProfileFactory(user=person)
    client.force_login(_member(activation, Role.COORDINATOR))
    # when
    response = _post_member(client, activation, "camille", Role.VOLUNTEER)
    # then
    assert response.status_code == 302
    assert _roles(activation)["camille"] == Role.VOLUNTEER


def test_change_a_role_and_remove_a_member(client, activation):
    person = make_member(activation, Role.VOLUNTEER).user
    client.force_login(_member(activation, Role.COORDINATOR))
    _post_member(client, activation, person.username, Role.TEAM_LEAD)
    assert _roles(activation)[person.username] == Role.TEAM_LEAD
    response = client.post(
        reverse("activations:activation-member-remove", args=[activation.slug]),
        {"user": person.username},
    )
    assert response.status_code == 302
    assert person.username not in _roles(activation)


@pytest.mark.parametrize(
    ("case", "org_role", "charter", "role", "message"),
    [
        ("liaison not from the authority", "team", True, Role.LIAISON, "must belong"),
        ("outside the teams", None, True, Role.VOLUNTEER, "not in a VOST team"),
        (
            "no charter",
            "team",
            False,
            Role.VOLUNTEER,
            "not accepted the volunteer charter",
        ),
    ],
)
def test_member_refusals_show_the_reason_and_change_nothing(
    client, activation, case, org_role, charter, role, message
):
    # given
    person = UserFactory(username="dominique")
    if org_role == "team":
        OrganisationMemberFactory(organisation=activation.lead_team, user=person)
    if charter:
        VolunteerProfileFactory(user=person)
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _roles(activation)
    # when
    response = _post_member(client, activation, "dominique", role)
    # then
    assert response.status_code == 200
    assert message in " ".join(response.context["member_form"].non_field_errors())
    assert _roles(activation) == before


def test_an_unknown_username_is_a_form_error(client, activation):
    client.force_login(_member(activation, Role.COORDINATOR))
    before = _roles(activation)
    response = _post_member(client, activation, "nobody", Role.OBSERVER)
    assert "user" in response.context["member_form"].errors
    assert _roles(activation) == before


def test_add_a_supporting_team_with_its_own_agreement(client, activation):
    # given another team with an agreement in force with the same authority
    other = AgreementFactory(authority=activation.authority).vost_team
    client.force_login(_member(activation, Role.COORDINATOR))
    # when
    response = client.post(
        reverse("activations:activation-team-add", args=[activation.slug]),
        {"team": other.pk},
    )
    # then
    assert response.status_code == 302
    assert list(activation.supporting_teams.all()) == [other]


def test_a_supporting_team_without_an_agreement_in_force_is_refused(client, activation):
    # given another team whose agreement with the authority has expired
    other = AgreementFactory(
        authority=activation.authority,
        valid_from=dt.date(2020, 1, 1),
        valid_until=dt.date(2021, 1, 1),
    ).vost_team
    client.force_login(_member(activation, Role.COORDINATOR))
    # when
    response = client.post(
        reverse("activations:activation-team-add", args=[activation.slug]),
        {"team": other.pk},
    )
    # then
    assert response.status_code == 200
    assert "has no agreement in force" in " ".join(
        response.context["team_form"].non_field_errors()
    )
    assert not activation.supporting_teams.exists()


def test_a_team_without_any_agreement_with_the_authority_is_not_offered(
    client, activation
):
    stranger = AgreementFactory(authority=AuthorityFactory()).vost_team
    client.force_login(_member(activation, Role.COORDINATOR))
    response = client.post(
        reverse("activations:activation-team-add", args=[activation.slug]),
        {"team": stranger.pk},
    )
    assert "team" in response.context["team_form"].errors
    assert not activation.supporting_teams.exists()
