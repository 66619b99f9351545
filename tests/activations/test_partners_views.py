"""Partners pages: organisations, their people and contacts, agreements."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activations.models import (
    ActivationMember,
    Agreement,
    Contact,
    Mission,
    Organisation,
    OrganisationMember,
)
from tests.factories import (
    AgreementFactory,
    AuthorityFactory,
    OrganisationMemberFactory,
    UserFactory,
    VostTeamFactory,
)

Role = ActivationMember.Role
TEAM_SIDE = [Role.TEAM_LEAD, Role.VOLUNTEER, Role.OBSERVER]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
GEOJSON = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [
            [[3.0, 43.2], [4.0, 43.2], [4.0, 44.0], [3.0, 44.0], [3.0, 43.2]]
        ],
    }
)
KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Herault</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>
3.0,43.2,0 4.0,43.2,0 4.0,44.0,0 3.0,44.0,0 3.0,43.2,0
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>
"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def person(activation, member_factory):
    """person(role) -> a user; role None is a signed-in user in no organisation."""

    def make(role: str | None):
        if role is None:
            return UserFactory()
        return member_factory(activation, role).user

    return make


@pytest.fixture
def coordinator(person):
    return person(Role.COORDINATOR)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _agreement_data(activation, **changes) -> dict:
    today = timezone.localdate()
    data = {
        "reference": "CONV-NEW-1",
        "title": "Convention 2026",
        "vost_team": activation.lead_team.pk,
        "authority": activation.authority.pk,
        "signed_on": today.isoformat(),
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=365)).isoformat(),
        "missions": [Mission.MONITORING, Mission.VERIFICATION],
        "territory": GEOJSON,
        "retention_days": "90",
        "activation_procedure": "Call the CODIS duty officer.",
        "notes": "",
    }
    return data | changes


def _snapshot(agreement: Agreement) -> tuple:
    agreement.refresh_from_db()
    return (
        agreement.reference,
        agreement.title,
        agreement.status,
        agreement.valid_from,
        agreement.valid_until,
        list(agreement.missions),
        agreement.territory.wkt if agreement.territory else None,
        agreement.signed_document.name,
        agreement.updated_at,
    )


# --- role matrix: anonymous ------------------------------------------------------------
def _all_urls(activation) -> list[tuple[str, str]]:
    team, authority, agreement = (
        activation.lead_team,
        activation.authority,
        activation.agreement,
    )
    contact = Contact.objects.create(organisation=authority, name="Standard")
    agreement_contact = Contact.objects.create(
        agreement=agreement, kind=Contact.Kind.ESCALATION, name="CODIS"
    )
    return [
        ("get", reverse("activations:organisation-list")),
        ("get", reverse("activations:organisation-create")),
        ("get", reverse("activations:organisation-detail", args=[team.pk])),
        ("get", reverse("activations:organisation-edit", args=[team.pk])),
        (
            "get",
            reverse("activations:organisation-contact-create", args=[authority.pk]),
        ),
        (
            "get",
            reverse(
                "activations:organisation-contact-edit", args=[authority.pk, contact.pk]
            ),
        ),
        (
            "post",
            reverse(
                "activations:organisation-contact-delete",
                args=[authority.pk, contact.pk],
            ),
        ),
        ("post", reverse("activations:organisation-member-add", args=[team.pk])),
        ("post", reverse("activations:organisation-member-remove", args=[team.pk])),
        ("get", reverse("activations:agreement-list")),
        ("get", reverse("activations:agreement-create")),
        ("get", reverse("activations:agreement-detail", args=[agreement.pk])),
        ("get", reverse("activations:agreement-edit", args=[agreement.pk])),
        ("post", reverse("activations:agreement-status", args=[agreement.pk])),
        ("get", reverse("activations:agreement-document", args=[agreement.pk])),
        ("get", reverse("activations:agreement-contact-create", args=[agreement.pk])),
        (
            "get",
            reverse(
                "activations:agreement-contact-edit",
                args=[agreement.pk, agreement_contact.pk],
            ),
        ),
        (
            "post",
            reverse(
                "activations:agreement-contact-delete",
                args=[agreement.pk, agreement_contact.pk],
            ),
        ),
    ]


def test_anonymous_is_sent_to_login_everywhere_and_nothing_changes(client, activation):
    # given
    urls = _all_urls(activation)
    before = (
        Contact.objects.count(),
        OrganisationMember.objects.count(),
        _snapshot(activation.agreement),
    )
    for method, url in urls:
        # when
        response = getattr(client, method)(url, {"status": "terminated"})
        # then
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    assert before == (
        Contact.objects.count(),
        OrganisationMember.objects.count(),
        _snapshot(activation.agreement),
    )


# --- role matrix: pages that read -----------------------------------------------------
@pytest.mark.parametrize(
    ("role", "sees_team", "sees_authority"),
    [
        (None, False, False),
        (Role.COORDINATOR, True, True),
        (Role.TEAM_LEAD, True, False),
        (Role.VOLUNTEER, True, False),
        (Role.OBSERVER, True, False),
        (Role.LIAISON, False, True),
    ],
)
def test_organisation_list_shows_what_each_role_may_see(
    client, activation, person, role, sees_team, sees_authority
):
    # given
    AuthorityFactory(name="Préfecture d'ailleurs")  # someone else's partner
    client.force_login(person(role))
    # when
    response = client.get(reverse("activations:organisation-list"))
    # then
    assert response.status_code == 200
    shown = set(response.context["organisations"])
    expected = set()
    if sees_team:
        expected.add(activation.lead_team)
    if sees_authority:
        expected.add(activation.authority)
    assert shown == expected
    assert "Préfecture d&#x27;ailleurs" not in response.text
    if not expected:
        assert "No partner to show yet" in response.text


@pytest.mark.parametrize(
    ("role", "team_status", "authority_status"),
    [
        (None, 404, 404),
        (Role.COORDINATOR, 200, 200),
        (Role.TEAM_LEAD, 200, 404),
        (Role.VOLUNTEER, 200, 404),
        (Role.OBSERVER, 200, 404),
        (Role.LIAISON, 404, 200),
    ],
)
def test_organisation_detail_role_matrix(
    client, activation, person, role, team_status, authority_status
):
    client.force_login(person(role))
    team_url = reverse(
        "activations:organisation-detail", args=[activation.lead_team.pk]
    )
    authority_url = reverse(
        "activations:organisation-detail", args=[activation.authority.pk]
    )
    assert client.get(team_url).status_code == team_status
    assert client.get(authority_url).status_code == authority_status


def test_organisation_detail_of_a_missing_organisation_is_404(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("activations:organisation-detail", args=[999999]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "team_status", "authority_status"),
    [
        (None, 404, 404),
        (Role.COORDINATOR, 200, 200),
        (Role.TEAM_LEAD, 403, 404),
        (Role.VOLUNTEER, 403, 404),
        (Role.OBSERVER, 403, 404),
        (Role.LIAISON, 404, 403),
    ],
)
def test_organisation_edit_role_matrix(
    client, activation, person, role, team_status, authority_status
):
    # given
    client.force_login(person(role))
    team, authority = activation.lead_team, activation.authority
    # when: a look, then an attempt to rename both
    get_team = client.get(reverse("activations:organisation-edit", args=[team.pk]))
    get_authority = client.get(
        reverse("activations:organisation-edit", args=[authority.pk])
    )
    post_authority = client.post(
        reverse("activations:organisation-edit", args=[authority.pk]),
        {"name": "Renamed", "kind": Organisation.Kind.PREFECTURE},
    )
    # then
    assert get_team.status_code == team_status
    assert get_authority.status_code == authority_status
    if authority_status == 200:
        assert post_authority.status_code == 302
    else:
        assert post_authority.status_code == authority_status
        authority.refresh_from_db()
        assert authority.name != "Renamed"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 403),
        (Role.COORDINATOR, 200),
        (Role.TEAM_LEAD, 403),
        (Role.VOLUNTEER, 403),
        (Role.OBSERVER, 403),
        (Role.LIAISON, 403),
    ],
)
def test_organisation_create_role_matrix(client, activation, person, role, status):
    # given
    client.force_login(person(role))
    count = Organisation.objects.count()
    # when
    get = client.get(reverse("activations:organisation-create"))
    post = client.post(
        reverse("activations:organisation-create"),
        {
            "name": "SDIS 34",
            "kind": Organisation.Kind.FIRE_RESCUE,
            "managed_by": activation.lead_team.pk,
        },
    )
    # then
    assert get.status_code == status
    assert post.status_code == (302 if status == 200 else status)
    assert Organisation.objects.count() == count + (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (None, False),
        (Role.COORDINATOR, True),
        (Role.TEAM_LEAD, False),
        (Role.VOLUNTEER, False),
        (Role.OBSERVER, False),
        (Role.LIAISON, True),
    ],
)
def test_agreement_list_shows_what_each_role_may_see(
    client, activation, person, role, sees
):
    # given
    AgreementFactory(reference="CONV-OTHER")  # another team's
    client.force_login(person(role))
    # when
    response = client.get(reverse("activations:agreement-list"))
    # then
    assert response.status_code == 200
    assert list(response.context["agreements"]) == (
        [activation.agreement] if sees else []
    )
    assert "CONV-OTHER" not in response.text
    assert ("New agreement" in response.text) == (role == Role.COORDINATOR)


@pytest.mark.parametrize(
    ("role", "detail", "edit", "document"),
    [
        (None, 404, 404, 404),
        (Role.COORDINATOR, 200, 200, 200),
        (Role.TEAM_LEAD, 404, 404, 404),
        (Role.VOLUNTEER, 404, 404, 404),
        (Role.OBSERVER, 404, 404, 404),
        (Role.LIAISON, 200, 403, 200),
    ],
)
def test_agreement_pages_role_matrix(
    client, activation, person, role, detail, edit, document
):
    # given
    agreement = activation.agreement
    agreement.signed_document.save("signed.pdf", SimpleUploadedFile("s.pdf", PDF))
    before = _snapshot(agreement)
    client.force_login(person(role))
    # when
    got_detail = client.get(
        reverse("activations:agreement-detail", args=[agreement.pk])
    )
    got_edit = client.get(reverse("activations:agreement-edit", args=[agreement.pk]))
    posted_edit = client.post(
        reverse("activations:agreement-edit", args=[agreement.pk]),
        _agreement_data(activation, reference="HIJACKED"),
    )
    got_document = client.get(
        reverse("activations:agreement-document", args=[agreement.pk])
    )
    # then
    assert got_detail.status_code == detail
    assert got_edit.status_code == edit
    assert got_document.status_code == document
    if edit == 200:
        assert posted_edit.status_code == 302
    else:
        assert posted_edit.status_code == edit
        assert _snapshot(agreement) == before


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 403),
        (Role.COORDINATOR, 200),
        (Role.TEAM_LEAD, 403),
        (Role.VOLUNTEER, 403),
        (Role.OBSERVER, 403),
        (Role.LIAISON, 403),
    ],
)
def test_agreement_create_role_matrix(client, activation, person, role, status):
    client.force_login(person(role))
    count = Agreement.objects.count()
    assert client.get(reverse("activations:agreement-create")).status_code == status
    response = client.post(
        reverse("activations:agreement-create"), _agreement_data(activation)
    )
    assert response.status_code == (302 if status == 200 else status)
    assert Agreement.objects.count() == count + (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 404),
        (Role.COORDINATOR, 302),
        (Role.TEAM_LEAD, 404),
        (Role.VOLUNTEER, 404),
        (Role.OBSERVER, 404),
        (Role.LIAISON, 403),
    ],
)
def test_agreement_status_role_matrix(client, activation, person, role, status):
    # given
    agreement = activation.agreement
    client.force_login(person(role))
    # when
    response = client.post(
        reverse("activations:agreement-status", args=[agreement.pk]),
        {"status": Agreement.Status.SUSPENDED},
    )
    # then
    agreement.refresh_from_db()
    assert response.status_code == status
    assert agreement.status == (
        Agreement.Status.SUSPENDED if status == 302 else Agreement.Status.ACTIVE
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 404),
        (Role.COORDINATOR, 302),
        (Role.TEAM_LEAD, 404),
        (Role.VOLUNTEER, 404),
        (Role.OBSERVER, 404),
        (Role.LIAISON, 403),
    ],
)
def test_contact_and_member_changes_role_matrix(
    client, activation, person, role, status
):
    # given: an authority contact, an agreement contact, and a liaison to remove
    authority, agreement = activation.authority, activation.agreement
    contact = Contact.objects.create(organisation=authority, name="Standard")
    call = Contact.objects.create(
        agreement=agreement, kind=Contact.Kind.ESCALATION, name="CODIS"
    )
    other_liaison = OrganisationMemberFactory(
        organisation=authority, role=OrganisationMember.Role.LIAISON
    )
    newcomer = UserFactory()
    client.force_login(person(role))
    before = (
        sorted(Contact.objects.values_list("pk", "name")),
        sorted(OrganisationMember.objects.values_list("pk", "role")),
    )
    # when
    responses = [
        client.post(
            reverse("activations:organisation-contact-create", args=[authority.pk]),
            {"name": "Accueil"},
        ),
        client.post(
            reverse(
                "activations:organisation-contact-edit",
                args=[authority.pk, contact.pk],
            ),
            {"name": "Standard bis"},
        ),
        client.post(
            reverse(
                "activations:organisation-contact-delete",
                args=[authority.pk, contact.pk],
            )
        ),
        client.post(
            reverse("activations:agreement-contact-create", args=[agreement.pk]),
            {"kind": "liaison", "name": "Officier", "position": "0"},
        ),
        client.post(
            reverse("activations:agreement-contact-edit", args=[agreement.pk, call.pk]),
            {"kind": "escalation", "name": "CODIS 34", "position": "1"},
        ),
        client.post(
            reverse(
                "activations:agreement-contact-delete", args=[agreement.pk, call.pk]
            )
        ),
        client.post(
            reverse("activations:organisation-member-add", args=[authority.pk]),
            {"user": newcomer.username, "role": "liaison"},
        ),
        client.post(
            reverse("activations:organisation-member-remove", args=[authority.pk]),
            {"user": other_liaison.user_id},
        ),
    ]
    # then
    assert [r.status_code for r in responses] == [status] * len(responses)
    after = (
        sorted(Contact.objects.values_list("pk", "name")),
        sorted(OrganisationMember.objects.values_list("pk", "role")),
    )
    if status == 302:
        assert after != before
        assert not Contact.objects.filter(pk__in=[contact.pk, call.pk]).exists()
        assert authority.members.filter(user=newcomer).exists()
        assert not authority.members.filter(pk=other_liaison.pk).exists()
    else:
        assert after == before


def test_a_contact_of_another_organisation_cannot_be_reached_through_mine(
    client, activation, coordinator
):
    # given: a contact of an authority the coordinator does not manage
    stranger = AuthorityFactory()
    contact = Contact.objects.create(organisation=stranger, name="Secret")
    client.force_login(coordinator)
    url = reverse(
        "activations:organisation-contact-edit",
        args=[activation.authority.pk, contact.pk],
    )
    # when
    get = client.get(url)
    post = client.post(url, {"name": "Changed"})
    delete = client.post(
        reverse(
            "activations:organisation-contact-delete",
            args=[activation.authority.pk, contact.pk],
        )
    )
    # then
    assert (get.status_code, post.status_code, delete.status_code) == (404, 404, 404)
    contact.refresh_from_db()
    assert contact.name == "Secret"


# --- organisations ----------------------------------------------------------------
def test_list_filters_by_kind_and_text_and_counts_contacts(
    client, activation, coordinator, django_assert_num_queries
):
    # given: a second partner; contacts and people on the authority
    other = AuthorityFactory(
        name="Mairie de Lattes",
        kind=Organisation.Kind.MUNICIPALITY,
        managed_by=activation.lead_team,
    )
    for name in ("Standard", "Astreinte"):
        Contact.objects.create(organisation=activation.authority, name=name)
    for _ in range(2):
        OrganisationMemberFactory(
            organisation=activation.authority, role=OrganisationMember.Role.LIAISON
        )
    client.force_login(coordinator)
    url = reverse("activations:organisation-list")
    # when
    with django_assert_num_queries(
        5
    ):  # user, unread (session cached), coordinated?, organisations, nav
        everything = client.get(url)
    by_kind = client.get(url, {"kind": Organisation.Kind.MUNICIPALITY})
    by_text = client.get(url, {"q": "lattes"})
    nothing = client.get(url, {"q": "zzz"})
    # then
    rows = {o.pk: o for o in everything.context["organisations"]}
    assert set(rows) == {activation.lead_team.pk, activation.authority.pk, other.pk}
    assert rows[activation.authority.pk].contacts_count == 2
    assert rows[activation.authority.pk].members_count == 2
    assert rows[activation.lead_team.pk].members_count == 1
    assert list(by_kind.context["organisations"]) == [other]
    assert list(by_text.context["organisations"]) == [other]
    assert list(nothing.context["organisations"]) == []
    assert "No partner matches these filters." in nothing.text
    assert "New partner" in everything.text


def test_coordinator_records_an_authority_managed_by_their_only_team(
    client, activation, coordinator
):
    # given
    client.force_login(coordinator)
    url = reverse("activations:organisation-create")
    # when
    form = client.get(url).context["form"]
    response = client.post(
        url,
        {
            "name": "Préfecture de l'Hérault",
            "short_name": "Préf. 34",
            "kind": Organisation.Kind.PREFECTURE,
            "managed_by": activation.lead_team.pk,
            "email": "defense@herault.gouv.fr",
            "website": "https://www.herault.gouv.fr",
            "address": "34 place des Martyrs",
        },
    )
    # then
    assert form["managed_by"].initial == activation.lead_team.pk
    assert "max_hours_per_24h" not in form.fields  # a team's setting
    assert [k for k, _ in form.fields["kind"].choices] == [
        k for k in Organisation.Kind.values if k != Organisation.Kind.VOST_TEAM
    ]
    created = Organisation.objects.get(name="Préfecture de l'Hérault")
    assert response["Location"] == reverse(
        "activations:organisation-detail", args=[created.pk]
    )
    assert created.kind == Organisation.Kind.PREFECTURE
    assert created.managed_by == activation.lead_team
    assert created.email == "defense@herault.gouv.fr"
    assert not created.members.exists()


def test_coordinator_cannot_create_a_vost_team(client, activation, coordinator):
    # given
    client.force_login(coordinator)
    count = Organisation.objects.count()
    # when
    response = client.post(
        reverse("activations:organisation-create"),
        {"name": "ESOV pirate", "kind": Organisation.Kind.VOST_TEAM},
    )
    # then
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert Organisation.objects.count() == count


def test_coordinator_of_two_teams_must_choose_the_managing_team(
    client, activation, coordinator
):
    # given
    second = VostTeamFactory(name="ESOV Gard")
    OrganisationMemberFactory(
        organisation=second, user=coordinator, role=OrganisationMember.Role.COORDINATOR
    )
    client.force_login(coordinator)
    count = Organisation.objects.count()
    # when
    form = client.get(reverse("activations:organisation-create")).context["form"]
    missing = client.post(
        reverse("activations:organisation-create"),
        {"name": "SDIS 30", "kind": Organisation.Kind.FIRE_RESCUE},
    )
    not_mine = client.post(
        reverse("activations:organisation-create"),
        {
            "name": "SDIS 30",
            "kind": Organisation.Kind.FIRE_RESCUE,
            "managed_by": VostTeamFactory().pk,
        },
    )
    chosen = client.post(
        reverse("activations:organisation-create"),
        {
            "name": "SDIS 30",
            "kind": Organisation.Kind.FIRE_RESCUE,
            "managed_by": second.pk,
        },
    )
    # then
    assert form["managed_by"].initial is None
    assert "managed_by" in missing.context["form"].errors
    assert "managed_by" in not_mine.context["form"].errors
    assert chosen.status_code == 302
    assert Organisation.objects.count() == count + 2  # the stranger team + SDIS 30
    assert Organisation.objects.get(name="SDIS 30").managed_by == second


def test_staff_create_a_vost_team_and_become_its_coordinator(client, db):
    # given: staff who coordinate no team
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    # when
    form = client.get(reverse("activations:organisation-create")).context["form"]
    response = client.post(
        reverse("activations:organisation-create"),
        {
            "name": "ESOV Occitanie",
            "kind": Organisation.Kind.VOST_TEAM,
            "max_hours_per_24h": "6",
        },
    )
    # then
    assert [k for k, _ in form.fields["kind"].choices] == [Organisation.Kind.VOST_TEAM]
    team = Organisation.objects.get(name="ESOV Occitanie")
    assert response.status_code == 302
    assert team.max_hours_per_24h == 6
    assert team.managed_by is None
    assert team.members.get().user == staff
    assert team.members.get().role == OrganisationMember.Role.COORDINATOR


def test_duplicate_name_and_kind_is_refused(client, activation, coordinator):
    # given
    client.force_login(coordinator)
    count = Organisation.objects.count()
    # when
    response = client.post(
        reverse("activations:organisation-create"),
        {
            "name": activation.authority.name,
            "kind": activation.authority.kind,
            "managed_by": activation.lead_team.pk,
        },
    )
    # then
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Organisation.objects.count() == count


def test_coordinator_edits_an_authority_but_not_its_nature(
    client, activation, coordinator
):
    # given
    authority = activation.authority
    client.force_login(coordinator)
    url = reverse("activations:organisation-edit", args=[authority.pk])
    # when
    to_team = client.post(
        url, {"name": "Devenu équipe", "kind": Organisation.Kind.VOST_TEAM}
    )
    authority.refresh_from_db()
    name_after_refusal = authority.name
    renamed = client.post(
        url,
        {
            "name": "SDIS de l'Hérault",
            "short_name": "SDIS 34",
            "kind": Organisation.Kind.FIRE_RESCUE,
            "phone": "+33 4 67 00 00 00",
        },
    )
    # then
    assert to_team.status_code == 200
    assert "kind" in to_team.context["form"].errors
    assert name_after_refusal != "Devenu équipe"
    assert renamed.status_code == 302
    authority.refresh_from_db()
    assert (authority.name, authority.short_name, authority.phone) == (
        "SDIS de l'Hérault",
        "SDIS 34",
        "+33 4 67 00 00 00",
    )
    assert authority.managed_by == activation.lead_team


def test_coordinator_edits_the_team_fatigue_limit(client, activation, coordinator):
    team = activation.lead_team
    client.force_login(coordinator)
    response = client.post(
        reverse("activations:organisation-edit", args=[team.pk]),
        {"name": team.name, "max_hours_per_24h": "10"},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.max_hours_per_24h == 10
    assert team.kind == Organisation.Kind.VOST_TEAM


def test_fatigue_limit_out_of_range_changes_nothing(client, activation, coordinator):
    team = activation.lead_team
    client.force_login(coordinator)
    response = client.post(
        reverse("activations:organisation-edit", args=[team.pk]),
        {"name": "Renamed", "max_hours_per_24h": "30"},
    )
    assert response.status_code == 200
    assert "max_hours_per_24h" in response.context["form"].errors
    team.refresh_from_db()
    assert (team.name, team.max_hours_per_24h) != ("Renamed", 30)


def test_detail_shows_facts_contacts_members_and_agreements(
    client, activation, coordinator
):
    # given
    authority = activation.authority
    authority.description = "<script>alert(1)</script>"
    authority.save()
    Contact.objects.create(organisation=authority, name="Standard", phone="18")
    liaison = OrganisationMemberFactory(
        organisation=authority, role=OrganisationMember.Role.LIAISON, title="Officier"
    )
    client.force_login(coordinator)
    # when
    response = client.get(
        reverse("activations:organisation-detail", args=[authority.pk])
    )
    # then
    assert response.status_code == 200
    assert response.context["can_manage"] is True
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)" not in response.text
    assert "Standard" in response.text
    assert liaison.user.username in response.text
    assert list(response.context["agreements"]) == [activation.agreement]
    assert "Add a liaison" in response.text
    assert "New agreement" in response.text


def test_liaison_reads_their_authority_without_management_buttons(
    client, activation, person
):
    client.force_login(person(Role.LIAISON))
    response = client.get(
        reverse("activations:organisation-detail", args=[activation.authority.pk])
    )
    assert response.status_code == 200
    assert response.context["can_manage"] is False
    assert "Add a contact" not in response.text
    assert reverse(
        "activations:organisation-edit", args=[activation.authority.pk]
    ) not in (response.text)
    assert list(response.context["agreements"]) == [activation.agreement]


def test_organisation_contacts_are_added_edited_and_removed(
    client, activation, coordinator
):
    # given
    authority = activation.authority
    client.force_login(coordinator)
    # when: add
    added = client.post(
        reverse("activations:organisation-contact-create", args=[authority.pk]),
        {"name": "Standard CTA", "role": "Accueil", "phone": "18", "hours": "24/7"},
    )
    contact = authority.contacts.get()
    # when: edit
    edited = client.post(
        reverse(
            "activations:organisation-contact-edit", args=[authority.pk, contact.pk]
        ),
        {"name": "Standard CTA-CODIS", "email": "cta@sdis34.fr"},
    )
    contact.refresh_from_db()
    state_after_edit = (contact.name, contact.email, contact.kind)
    # when: invalid edit
    invalid = client.post(
        reverse(
            "activations:organisation-contact-edit", args=[authority.pk, contact.pk]
        ),
        {"name": "", "email": "not-an-email"},
    )
    contact.refresh_from_db()
    state_after_invalid = (contact.name, contact.email)
    # when: delete
    removed = client.post(
        reverse(
            "activations:organisation-contact-delete",
            args=[authority.pk, contact.pk],
        )
    )
    # then
    assert added.status_code == 302
    assert edited.status_code == 302
    assert state_after_edit == (
        "Standard CTA-CODIS",
        "cta@sdis34.fr",
        Contact.Kind.GENERAL,
    )
    assert invalid.status_code == 200
    assert set(invalid.context["form"].errors) == {"name", "email"}
    assert state_after_invalid == ("Standard CTA-CODIS", "cta@sdis34.fr")
    assert removed.status_code == 302
    assert not authority.contacts.exists()


def test_members_are_added_by_username_with_a_role(client, activation, coordinator):
    # given
    team = activation.lead_team
    newcomer = UserFactory(username="camille")
    client.force_login(coordinator)
    url = reverse("activations:organisation-member-add", args=[team.pk])
    # when
    as_member = client.post(url, {"user": "camille", "role": "member", "title": ""})
    promoted = client.post(url, {"user": "camille", "role": "coordinator"})
    as_liaison = client.post(url, {"user": "camille", "role": "liaison"})
    unknown = client.post(url, {"user": "nobody-here", "role": "member"})
    # then
    assert as_member.status_code == promoted.status_code == 302
    member = team.members.get(user=newcomer)
    assert member.role == OrganisationMember.Role.COORDINATOR
    assert as_liaison.status_code == 302  # refused: a team has no liaisons
    assert "liaison" not in set(team.members.values_list("role", flat=True))
    assert "No active user has this username." in _messages(unknown)
    assert team.members.count() == 2


def test_an_authority_gets_liaisons_whatever_role_is_posted(
    client, activation, coordinator
):
    # given
    authority = activation.authority
    newcomer = UserFactory()
    client.force_login(coordinator)
    # when
    refused = client.post(
        reverse("activations:organisation-member-add", args=[authority.pk]),
        {"user": newcomer.username, "role": "coordinator"},
    )
    accepted = client.post(
        reverse("activations:organisation-member-add", args=[authority.pk]),
        {"user": newcomer.username, "role": "liaison", "title": "Officier"},
    )
    # then
    assert refused.status_code == 302
    assert accepted.status_code == 302
    member = authority.members.get()
    assert (member.user, member.role, member.title) == (
        newcomer,
        OrganisationMember.Role.LIAISON,
        "Officier",
    )


def test_the_last_coordinator_cannot_be_removed(client, activation, coordinator):
    # given
    team = activation.lead_team
    other = OrganisationMemberFactory(organisation=team)
    client.force_login(coordinator)
    url = reverse("activations:organisation-member-remove", args=[team.pk])
    # when
    refused = client.post(url, {"user": coordinator.pk})
    removed = client.post(url, {"user": other.user_id})
    # then
    assert refused.status_code == 302
    assert "A team keeps at least one coordinator." in _messages(refused)
    assert team.members.filter(user=coordinator).exists()
    assert removed.status_code == 302
    assert not team.members.filter(pk=other.pk).exists()


# --- agreements: list ------------------------------------------------------------------
def test_agreement_list_orders_by_end_and_filters_on_effective_status(
    client, activation, coordinator, django_assert_num_queries
):
    # given: one per status, for the same team and authority
    today = timezone.localdate()
    team, authority = activation.lead_team, activation.authority
    soon = AgreementFactory(
        reference="SOON",
        vost_team=team,
        authority=authority,
        valid_until=today + dt.timedelta(days=20),
    )
    expired = AgreementFactory(
        reference="OLD",
        vost_team=team,
        authority=authority,
        valid_from=today - dt.timedelta(days=400),
        valid_until=today - dt.timedelta(days=5),
    )
    draft = AgreementFactory(
        reference="DRAFT",
        vost_team=team,
        authority=authority,
        status=Agreement.Status.DRAFT,
        valid_until=today + dt.timedelta(days=700),
    )
    client.force_login(coordinator)
    url = reverse("activations:agreement-list")
    # when
    with django_assert_num_queries(
        5
    ):  # user, unread (session cached), agreements, coordinated?, nav
        everything = client.get(url)
    only_expired = client.get(url, {"status": "expired"})
    only_active = client.get(url, {"status": "active"})
    only_draft = client.get(url, {"status": "draft"})
    # then
    assert [a.reference for a in everything.context["agreements"]] == [
        "SOON",
        activation.agreement.reference,
        "DRAFT",
        "OLD",
    ]
    assert list(only_expired.context["agreements"]) == [expired]
    assert set(only_active.context["agreements"]) == {soon, activation.agreement}
    assert list(only_draft.context["agreements"]) == [draft]
    assert 'class="badge status-expired"' in everything.text
    assert 'class="row-expiring"' in everything.text  # SOON, 20 days left
    assert 'class="warn-text">20<' in everything.text


def test_agreement_list_query_count_does_not_grow_with_rows(
    client, activation, coordinator, django_assert_num_queries
):
    for _ in range(10):
        AgreementFactory(vost_team=activation.lead_team, authority=activation.authority)
    client.force_login(coordinator)
    with django_assert_num_queries(5):
        response = client.get(reverse("activations:agreement-list"))
    assert len(response.context["agreements"]) == 11


# --- agreements: create and edit ------------------------------------------------------------
def test_coordinator_creates_an_agreement_as_a_draft(client, activation, coordinator):
    # given
    client.force_login(coordinator)
    # when
    form = client.get(
        reverse("activations:agreement-create"),
        {"authority": activation.authority.pk},
    )
    response = client.post(
        reverse("activations:agreement-create"),
        _agreement_data(activation, document=SimpleUploadedFile("c.pdf", PDF)),
    )
    # then
    assert form.context["form"]["authority"].value() == str(activation.authority.pk)
    assert 'enctype="multipart/form-data"' in form.text
    assert 'data-area-editor="id_territory"' in form.text
    created = Agreement.objects.get(reference="CONV-NEW-1")
    assert response["Location"] == reverse(
        "activations:agreement-detail", args=[created.pk]
    )
    assert created.status == Agreement.Status.DRAFT
    assert created.vost_team == activation.lead_team
    assert created.authority == activation.authority
    assert created.missions == [Mission.MONITORING, Mission.VERIFICATION]
    assert created.territory.extent == pytest.approx((3.0, 43.2, 4.0, 44.0))
    assert created.activation_procedure == "Call the CODIS duty officer."
    with created.signed_document.open("rb") as handle:
        assert handle.read() == PDF


def test_authority_and_team_choices_are_limited_to_what_the_user_may_use(
    client, activation, coordinator
):
    # given: another team with its own authority
    other = AgreementFactory()
    client.force_login(coordinator)
    count = Agreement.objects.count()
    # when
    form = client.get(reverse("activations:agreement-create")).context["form"]
    foreign_authority = client.post(
        reverse("activations:agreement-create"),
        _agreement_data(activation, authority=other.authority.pk),
    )
    foreign_team = client.post(
        reverse("activations:agreement-create"),
        _agreement_data(activation, vost_team=other.vost_team.pk),
    )
    # then
    assert list(form.fields["vost_team"].queryset) == [activation.lead_team]
    assert list(form.fields["authority"].queryset) == [activation.authority]
    assert "authority" in foreign_authority.context["form"].errors
    assert "vost_team" in foreign_team.context["form"].errors
    assert Agreement.objects.count() == count


@pytest.mark.parametrize(
    ("_case", "changes", "error_field"),
    [
        (
            "end before start",
            {"valid_from": "2026-06-01", "valid_until": "2026-05-01"},
            None,
        ),
        ("malformed GeoJSON", {"territory": '{"type": "Polygon", "coord'}, "territory"),
        (
            "GeoJSON with no polygon",
            {"territory": '{"type": "Point", "coordinates": [3, 43]}'},
            "territory",
        ),
        ("no mission", {"missions": []}, "missions"),
        ("unknown mission", {"missions": ["looting"]}, "missions"),
        ("retention too long", {"retention_days": "99999"}, "retention_days"),
    ],
)
def test_bad_input_creates_nothing(
    client, activation, coordinator, _case, changes, error_field
):
    # given
    client.force_login(coordinator)
    count = Agreement.objects.count()
    # when
    response = client.post(
        reverse("activations:agreement-create"), _agreement_data(activation, **changes)
    )
    # then
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_valid()
    if error_field:
        assert error_field in form.errors
    else:
        assert "The end of validity must not be before its start." in str(form.errors)
    assert Agreement.objects.count() == count


def test_duplicate_reference_is_refused(client, activation, coordinator):
    client.force_login(coordinator)
    count = Agreement.objects.count()
    response = client.post(
        reverse("activations:agreement-create"),
        _agreement_data(activation, reference=activation.agreement.reference),
    )
    assert response.status_code == 200
    assert "reference" in response.context["form"].errors
    assert Agreement.objects.count() == count


@pytest.mark.parametrize(
    ("_case", "upload", "max_bytes", "message"),
    [
        (
            "not a PDF",
            SimpleUploadedFile("c.pdf", b"<html>hello</html>", "application/pdf"),
            None,
            "The signed agreement must be a PDF file.",
        ),
        (
            "too large",
            SimpleUploadedFile("c.pdf", PDF, "application/pdf"),
            10,
            "The signed agreement must be a PDF of at most 10 MB.",
        ),
    ],
)
def test_a_bad_signed_document_changes_nothing(
    client, activation, coordinator, monkeypatch, _case, upload, max_bytes, message
):
    # given
    if max_bytes is not None:
        monkeypatch.setattr("activations.services.agreements.MAX_PDF_BYTES", max_bytes)
    agreement = activation.agreement
    before = _snapshot(agreement)
    count = Agreement.objects.count()
    client.force_login(coordinator)
    # when: on create, and on edit
    created = client.post(
        reverse("activations:agreement-create"),
        _agreement_data(activation, document=upload),
    )
    upload.seek(0)
    edited = client.post(
        reverse("activations:agreement-edit", args=[agreement.pk]),
        _agreement_data(activation, reference=agreement.reference, document=upload),
    )
    # then
    for response in (created, edited):
        assert response.status_code == 200
        assert message in response.context["form"].non_field_errors()
    assert Agreement.objects.count() == count
    assert _snapshot(agreement) == before


def test_territory_from_a_kml_upload(client, activation, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("activations:agreement-create"),
        _agreement_data(
            activation,
            territory="",
            area_file=SimpleUploadedFile(
                "herault.kml", KML, "application/vnd.google-earth.kml+xml"
            ),
        ),
    )
    assert response.status_code == 302
    created = Agreement.objects.get(reference="CONV-NEW-1")
    assert created.territory.extent == pytest.approx((3.0, 43.2, 4.0, 44.0))


def test_an_upload_replaces_a_malformed_drawing(client, activation, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("activations:agreement-create"),
        _agreement_data(
            activation,
            territory="{broken",
            area_file=SimpleUploadedFile("zone.geojson", GEOJSON.encode()),
        ),
    )
    assert response.status_code == 302
    assert Agreement.objects.filter(reference="CONV-NEW-1").exists()


@pytest.fixture
def http_spy() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server recording every path asked for (it must stay empty)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b"3.0,43.2 4.0,43.2 4.0,44.0 3.0,44.0 3.0,43.2"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_a_kml_with_external_entities_is_refused_without_fetching_them(
    client, activation, coordinator, tmp_path, http_spy
):
    # given: entities pointing at a local file and at a web server, both holding a
    # valid ring: expanding either would produce a territory
    base_url, hits = http_spy
    secret = tmp_path / "ring.txt"
    secret.write_text("3.0,43.2 4.0,43.2 4.0,44.0 3.0,44.0 3.0,43.2")
    hostile = f"""<?xml version="1.0"?>
<!DOCTYPE kml [
  <!ENTITY local SYSTEM "file://{secret}">
  <!ENTITY remote SYSTEM "{base_url}/ring">
]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>&local;</coordinates>
</LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>&remote;</coordinates>
</LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>""".encode()
    client.force_login(coordinator)
    count = Agreement.objects.count()
    # when
    response = client.post(
        reverse("activations:agreement-create"),
        _agreement_data(
            activation,
            territory="",
            area_file=SimpleUploadedFile("evil.kml", hostile),
        ),
    )
    # then
    assert response.status_code == 200
    assert "area_file" in response.context["form"].errors
    assert Agreement.objects.count() == count
    assert hits == []


def test_coordinator_edits_an_agreement(client, activation, coordinator):
    # given
    agreement = activation.agreement
    client.force_login(coordinator)
    # when
    response = client.post(
        reverse("activations:agreement-edit", args=[agreement.pk]),
        _agreement_data(
            activation,
            reference=agreement.reference,
            title="Avenant n°1",
            missions=[Mission.MAPPING],
            territory="",
        ),
    )
    # then
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "Avenant n°1"
    assert agreement.missions == [Mission.MAPPING]
    assert agreement.territory is None
    assert agreement.status == Agreement.Status.ACTIVE  # status is not edited here


def test_a_refused_edit_changes_nothing(client, activation, coordinator):
    agreement = activation.agreement
    before = _snapshot(agreement)
    client.force_login(coordinator)
    response = client.post(
        reverse("activations:agreement-edit", args=[agreement.pk]),
        _agreement_data(
            activation,
            reference="CHANGED",
            valid_from="2027-01-01",
            valid_until="2026-01-01",
        ),
    )
    assert response.status_code == 200
    assert response.context["heading"] == before[0]
    assert _snapshot(agreement) == before


# --- agreements: detail, document, status ------------------------------------------------------
def test_detail_shows_terms_territory_contacts_and_activations(
    client, activation, coordinator
):
    # given
    agreement = activation.agreement
    Contact.objects.create(
        agreement=agreement, kind=Contact.Kind.ESCALATION, name="Second", position=2
    )
    Contact.objects.create(
        agreement=agreement, kind=Contact.Kind.ESCALATION, name="First", position=1
    )
    Contact.objects.create(
        agreement=agreement, kind=Contact.Kind.LIAISON, name="Liaison"
    )
    client.force_login(coordinator)
    # when
    response = client.get(reverse("activations:agreement-detail", args=[agreement.pk]))
    # then
    assert response.status_code == 200
    assert [c.name for c in response.context["escalation"]] == ["First", "Second"]
    assert [c.name for c in response.context["liaisons"]] == ["Liaison"]
    assert list(response.context["activations"]) == [activation]
    assert response.context["territory"]["type"] == "MultiPolygon"
    assert '<script id="agreement-territory" type="application/json">' in response.text
    assert 'data-geojson-id="agreement-territory"' in response.text
    assert [a["status"] for a in response.context["status_actions"]] == [
        "suspended",
        "terminated",
    ]
    assert "expires in" not in response.text  # 335 days left


def test_liaison_sees_the_agreement_without_actions(client, activation, person):
    client.force_login(person(Role.LIAISON))
    response = client.get(
        reverse("activations:agreement-detail", args=[activation.agreement.pk])
    )
    assert response.status_code == 200
    assert response.context["status_actions"] == []
    assert reverse(
        "activations:agreement-status", args=[activation.agreement.pk]
    ) not in (response.text)


@pytest.mark.parametrize(
    ("days_left", "status", "banner"),
    [
        (30, Agreement.Status.ACTIVE, "This agreement expires in 30 days"),
        (59, Agreement.Status.SUSPENDED, "This agreement expires in 59 days"),
        (60, Agreement.Status.ACTIVE, None),
        (-3, Agreement.Status.ACTIVE, "This agreement expired on"),
    ],
)
def test_expiry_banner(client, activation, coordinator, days_left, status, banner):
    agreement = activation.agreement
    agreement.valid_until = timezone.localdate() + dt.timedelta(days=days_left)
    agreement.status = status
    agreement.save()
    client.force_login(coordinator)
    response = client.get(reverse("activations:agreement-detail", args=[agreement.pk]))
    assert response.context["expiry_warning"] is (banner is not None)
    if banner:
        assert banner in response.text
    if days_left < 0:
        assert 'class="badge status-expired"' in response.text


def test_document_is_streamed_as_an_attachment(client, activation, person):
    # given
    agreement = activation.agreement
    agreement.signed_document.save("signed.pdf", SimpleUploadedFile("s.pdf", PDF))
    client.force_login(person(Role.LIAISON))
    # when
    response = client.get(
        reverse("activations:agreement-document", args=[agreement.pk])
    )
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_document_is_404_when_there_is_none(client, activation, coordinator):
    client.force_login(coordinator)
    response = client.get(
        reverse("activations:agreement-document", args=[activation.agreement.pk])
    )
    assert response.status_code == 404


def _set_status(client, agreement, status):
    return client.post(
        reverse("activations:agreement-status", args=[agreement.pk]), {"status": status}
    )


def test_suspend_then_resume(client, activation, coordinator):
    agreement = activation.agreement
    client.force_login(coordinator)
    suspended = _set_status(client, agreement, "suspended")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SUSPENDED
    detail = client.get(reverse("activations:agreement-detail", args=[agreement.pk]))
    assert [a["label"] for a in detail.context["status_actions"]] == [
        "Resume",
        "Terminate",
    ]
    resumed = _set_status(client, agreement, "active")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    assert f"Agreement {agreement.reference} has been suspended." in _messages(
        suspended
    )
    assert f"Agreement {agreement.reference} has been resumed." in _messages(resumed)


def test_a_draft_is_activated(client, activation, coordinator):
    agreement = AgreementFactory(
        vost_team=activation.lead_team,
        authority=activation.authority,
        status=Agreement.Status.DRAFT,
    )
    client.force_login(coordinator)
    response = _set_status(client, agreement, "active")
    agreement.refresh_from_db()
    assert response.status_code == 302
    assert agreement.status == Agreement.Status.ACTIVE


def test_terminated_cannot_be_activated_again(client, activation, coordinator):
    # given
    agreement = activation.agreement
    client.force_login(coordinator)
    _set_status(client, agreement, "terminated")
    before = _snapshot(agreement)
    # when
    response = _set_status(client, agreement, "active")
    # then
    assert response.status_code == 302
    assert _snapshot(agreement) == before
    assert before[2] == Agreement.Status.TERMINATED
    assert "An agreement cannot go from “Terminated” to “Active”." in _messages(
        response
    )


def test_an_expired_agreement_cannot_be_resumed(client, activation, coordinator):
    agreement = activation.agreement
    agreement.valid_until = timezone.localdate() - dt.timedelta(days=1)
    agreement.status = Agreement.Status.SUSPENDED
    agreement.save()
    before = _snapshot(agreement)
    client.force_login(coordinator)
    response = _set_status(client, agreement, "active")
    assert _snapshot(agreement) == before
    assert "This agreement has expired; extend its validity first." in _messages(
        response
    )


@pytest.mark.parametrize("status", ["expired", "draft", "bogus", ""])
def test_an_unknown_or_derived_status_is_refused(
    client, activation, coordinator, status
):
    agreement = activation.agreement
    before = _snapshot(agreement)
    client.force_login(coordinator)
    response = _set_status(client, agreement, status)
    assert response.status_code == 302
    assert _snapshot(agreement) == before
    assert "Unknown status." in _messages(response)


def test_status_needs_post(client, activation, coordinator):
    client.force_login(coordinator)
    response = client.get(
        reverse("activations:agreement-status", args=[activation.agreement.pk])
    )
    assert response.status_code == 405


def test_agreement_contacts_are_added_edited_and_removed(
    client, activation, coordinator
):
    # given
    agreement = activation.agreement
    client.force_login(coordinator)
    # when
    added = client.post(
        reverse("activations:agreement-contact-create", args=[agreement.pk]),
        {
            "kind": "escalation",
            "name": "Officier CODIS",
            "role": "Chef de salle",
            "phone": "+33 4 67 00 00 18",
            "hours": "24/7",
            "position": "1",
        },
    )
    contact = agreement.contacts.get()
    general = client.post(
        reverse("activations:agreement-contact-edit", args=[agreement.pk, contact.pk]),
        {"kind": "general", "name": "Officier CODIS", "position": "1"},
    )
    edited = client.post(
        reverse("activations:agreement-contact-edit", args=[agreement.pk, contact.pk]),
        {"kind": "liaison", "name": "Officier CODIS", "position": "2"},
    )
    contact.refresh_from_db()
    after_edit = (contact.kind, contact.position, contact.agreement_id)
    removed = client.post(
        reverse("activations:agreement-contact-delete", args=[agreement.pk, contact.pk])
    )
    # then
    assert added.status_code == 302
    assert general.status_code == 200  # an agreement's contacts are liaison/escalation
    assert "kind" in general.context["form"].errors
    assert edited.status_code == 302
    assert after_edit == (Contact.Kind.LIAISON, 2, agreement.pk)
    assert removed.status_code == 302
    assert not agreement.contacts.exists()
