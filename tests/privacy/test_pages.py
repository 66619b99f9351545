"""Record of processing and data-subject request pages and API: role matrix,
IDOR across activations and organisations, bad input, the request workflow."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from activations.models import ActivationMember
from monitoring.models import Post
from privacy.models import PostErasure, ProcessingRecord, SubjectRequest
from privacy.services import subject_request_open
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    UserFactory,
    make_item,
    make_member,
)
from tests.privacy.support import verified_item

Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]
HANDLE = "@Temoin_Lattes@Mastodon.Example"
STORED = "temoin_lattes@mastodon.example"

pytestmark = pytest.mark.django_db


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _record_values(**changes):
    values = {
        "controller": "Préfecture de l'Hérault",
        "processors": "VOST Occitanie",
        "legal_basis": "Mission d'intérêt public",
        "purposes": "Veille",
        "data_categories": "Messages publics",
        "data_subjects": "Auteurs",
        "recipients": "Équipe",
        "transfers": "",
        "security_measures": "Rôles",
        "notes": "",
        "version": 1,
    }
    values.update(changes)
    return values


# --- record of processing: pages ---------------------------------------------------
RECORD_PAGES = {
    "record": ("get", 200),
    "record-json": ("get", 200),
    "record-print": ("get", 200),
    "record-pdf": ("get", 200),
    "record-edit": ("post", 302),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(RECORD_PAGES))
def test_record_role_matrix(client, activation, who, name):
    method, ok = RECORD_PAGES[name]
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    url = reverse(f"privacy:{name}", args=[activation.slug])
    response = (
        client.get(url) if method == "get" else client.post(url, _record_values())
    )
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif method == "get" or who == Role.COORDINATOR:
        assert response.status_code == ok, response.content[:300]
        if method == "post":
            assert (
                ProcessingRecord.objects.get().legal_basis == "Mission d'intérêt public"
            )
        return
    else:
        assert response.status_code == 403
    assert not ProcessingRecord.objects.filter(legal_basis__contains="intérêt").exists()


def test_record_defaults_come_from_the_agreement(client, activation):
    activation.agreement.retention_days = 45
    activation.agreement.save(update_fields=["retention_days"])
    client.force_login(make_member(activation, Role.OBSERVER).user)
    document = json.loads(
        client.get(reverse("privacy:record-json", args=[activation.slug])).content
    )
    assert document["agreement"]["retention_days"] == 45
    assert "45 days after the activation closes" in document["retention"]
    assert activation.agreement.reference in document["legal_basis"]
    assert activation.authority.name in document["controller"]
    for key in (
        "purposes",
        "data_categories",
        "data_subjects",
        "recipients",
        "security_measures",
    ):
        assert document[key].strip()
    pdf = client.get(reverse("privacy:record-pdf", args=[activation.slug]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_record_edit_refuses_empty_required_field_and_stale_version(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    client.force_login(coordinator)
    url = reverse("privacy:record-edit", args=[activation.slug])
    assert client.post(url, _record_values(legal_basis="")).status_code == 400
    assert client.post(url, _record_values()).status_code == 302
    stale = client.post(url, _record_values(purposes="Autre chose", version=1))
    assert stale.status_code == 409
    record = ProcessingRecord.objects.get()
    assert (record.purposes, record.version) == ("Veille", 2)


def test_record_of_another_activation_is_404(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    elsewhere = ActivationFactory()
    client.force_login(coordinator)
    for name in ("record", "record-json", "record-pdf"):
        assert (
            client.get(reverse(f"privacy:{name}", args=[elsewhere.slug])).status_code
            == 404
        )
    response = client.post(
        reverse("privacy:record-edit", args=[elsewhere.slug]), _record_values()
    )
    assert response.status_code == 404
    assert not ProcessingRecord.objects.filter(activation=elsewhere).exists()


# --- record of processing: API -----------------------------------------------------
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("method", ["get", "patch"])
def test_record_api_role_matrix(activation, who, method):
    api = APIClient()
    actor = _actor(who, activation)
    if actor is not None:
        api.force_authenticate(actor)
    url = f"/api/v1/activations/{activation.slug}/privacy/record/"
    response = (
        api.get(url)
        if method == "get"
        else api.patch(url, {"purposes": "Veille API", "version": 1}, format="json")
    )
    if who == "anonymous":
        assert response.status_code == 401
    elif who == "non-member":
        assert response.status_code == 404
    elif method == "get":
        assert response.status_code == 200
        assert response.json()["retention"]
    elif who == Role.COORDINATOR:
        assert response.status_code == 200
        assert response.json()["purposes"] == "Veille API"
    else:
        assert response.status_code == 403
        assert not ProcessingRecord.objects.filter(purposes="Veille API").exists()


def test_record_api_bad_input(activation):
    api = APIClient()
    api.force_authenticate(make_member(activation, Role.COORDINATOR).user)
    url = f"/api/v1/activations/{activation.slug}/privacy/record/"
    assert (
        api.patch(url, {"purposes": "x"}, format="json").status_code == 400
    )  # no version
    assert (
        api.patch(url, {"purposes": "", "version": 1}, format="json").status_code == 400
    )
    assert (
        api.patch(
            url, {"purposes": "y" * 6000, "version": 1}, format="json"
        ).status_code
        == 400
    )


# --- data-subject requests: access --------------------------------------------------
def _requests_url(organisation):
    return reverse("privacy:requests", args=[organisation.pk])


def _step_url(name, request):
    return reverse(f"privacy:{name}", args=[request.organisation_id, request.number])


@pytest.mark.parametrize("who", WHO)
def test_request_pages_role_matrix(client, activation, who):
    # given a request of the activation's lead team
    owner = make_member(activation, Role.COORDINATOR).user
    subject = subject_request_open(
        organisation=activation.lead_team,
        by=owner,
        kind="access",
        platform="x",
        handle="@abc",
    )
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    urls = [
        ("get", _requests_url(activation.lead_team)),
        ("get", _step_url("request-detail", subject)),
        ("post", _step_url("request-find", subject)),
    ]
    for method, url in urls:
        response = client.get(url) if method == "get" else client.post(url)
        if who == "anonymous":
            assert response.status_code == 302
            assert "/accounts/login/" in response["Location"]
        elif who == Role.COORDINATOR:
            assert response.status_code in (200, 302)
        else:  # team members, liaisons, observers: the team's coordinators only
            assert response.status_code == 404
    subject.refresh_from_db()
    expected = "found" if who == Role.COORDINATOR else "open"
    assert subject.status == expected


def test_access_request_finds_the_handle_everywhere_and_downloads_it(
    client, activation
):
    coordinator = make_member(activation, Role.COORDINATOR).user
    cluster = verified_item(
        activation, handle=f"@{STORED}", text="Le pont de Lattes est coupé"
    )
    second = ActivationFactory(lead_team=activation.lead_team)
    make_item(second, text="Encore de l'eau", author_handle=STORED)
    make_item(
        activation, text="Un autre auteur", author_handle="@autre@mastodon.example"
    )
    foreign = ActivationFactory()  # another team's activation: never searched
    make_item(foreign, text="Hors organisation", author_handle=STORED)
    client.force_login(coordinator)
    # when a coordinator opens an access request (handle in another case, with @)
    response = client.post(
        _requests_url(activation.lead_team),
        {"kind": "access", "platform": "mastodon", "handle": HANDLE},
    )
    subject = SubjectRequest.objects.get()
    assert response.status_code == 302
    assert subject.handle == STORED
    assert subject.due_at.date() > subject.created_at.date()
    client.post(_step_url("request-find", subject))
    subject.refresh_from_db()
    # then it found both activations' posts, the case and the map item, not the others
    assert subject.status == SubjectRequest.Status.FOUND
    assert subject.findings["posts"] == 2
    assert subject.findings["cases"] == 1
    assert subject.findings["map_items"] == 1
    assert set(subject.findings["posts_by_activation"]) == {
        activation.slug,
        second.slug,
    }
    page = client.get(_step_url("request-detail", subject)).content.decode()
    assert "2 posts" in page
    data = json.loads(client.get(_step_url("request-data", subject)).content)
    assert sorted(p["text"] for p in data["posts"]) == [
        "Encore de l'eau",
        "Le pont de Lattes est coupé",
    ]
    assert "Hors organisation" not in json.dumps(data)
    client.post(_step_url("request-complete", subject))
    subject.refresh_from_db()
    assert subject.status == SubjectRequest.Status.COMPLETED
    # nothing was erased by an access request
    assert not PostErasure.objects.exists()
    assert cluster.representative.text


def test_bad_input_is_refused_with_a_reason(client, activation):
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    url = _requests_url(activation.lead_team)
    cases = [
        {"kind": "access", "platform": "myspace", "handle": "abc"},
        {"kind": "access", "platform": "mastodon", "handle": "no-instance"},
        {"kind": "access", "platform": "x", "handle": "@this_handle_is_far_too_long"},
        {"kind": "access", "platform": "bluesky", "handle": "has space.bsky.social"},
        {"kind": "delete", "platform": "x", "handle": "abc"},
        {"kind": "access", "platform": "x", "handle": ""},
    ]
    for data in cases:
        response = client.post(url, data)
        assert response.status_code == 400, data
    assert not SubjectRequest.objects.exists()
    page = client.post(url, cases[1]).content.decode()
    assert "user@instance" in page


def test_requests_of_another_organisation_are_404(client, activation):
    mine = make_member(activation, Role.COORDINATOR).user
    elsewhere = ActivationFactory()
    theirs = make_member(elsewhere, Role.COORDINATOR).user
    subject = subject_request_open(
        organisation=elsewhere.lead_team,
        by=theirs,
        kind="erasure",
        platform="x",
        handle="abc",
    )
    client.force_login(mine)
    assert client.get(_requests_url(elsewhere.lead_team)).status_code == 404
    for name in ("request-detail", "request-data"):
        assert client.get(_step_url(name, subject)).status_code == 404
    for name in (
        "request-find",
        "request-approve",
        "request-complete",
        "request-refuse",
    ):
        assert (
            client.post(
                _step_url(name, subject), {"confirm": "on", "reason": "x"}
            ).status_code
            == 404
        )
    subject.refresh_from_db()
    assert subject.status == SubjectRequest.Status.OPEN
    # and the same number in my own organisation is another request (or none)
    assert (
        client.get(
            reverse(
                "privacy:request-detail", args=[activation.lead_team.pk, subject.number]
            )
        ).status_code
        == 404
    )


# --- data-subject requests: erasure ---------------------------------------------------
def test_erasure_needs_a_second_coordinator_and_erases_once(client, activation):
    first = make_member(activation, Role.COORDINATOR).user
    second = make_member(activation, Role.COORDINATOR).user
    cluster = verified_item(
        activation, handle=STORED, text="Le pont de Lattes est coupé"
    )
    kept = make_item(
        activation, text="Un autre auteur", author_handle="@autre@mastodon.example"
    )
    client.force_login(first)
    client.post(
        _requests_url(activation.lead_team),
        {
            "kind": "erasure",
            "platform": "mastodon",
            "handle": f"https://mastodon.example/@{STORED.split('@')[0]}",
        },
    )
    subject = SubjectRequest.objects.get()
    assert subject.handle == STORED
    client.post(_step_url("request-find", subject))
    # the opener cannot approve, nor erase before approval
    client.post(_step_url("request-approve", subject), {"confirm": "on"})
    client.post(_step_url("request-complete", subject), {"confirm": "on"})
    subject.refresh_from_db()
    assert subject.status == SubjectRequest.Status.FOUND
    assert not PostErasure.objects.exists()
    # the second coordinator must tick the box
    client.force_login(second)
    client.post(_step_url("request-approve", subject))
    subject.refresh_from_db()
    assert subject.status == SubjectRequest.Status.FOUND
    client.post(_step_url("request-approve", subject), {"confirm": "on"})
    subject.refresh_from_db()
    assert (subject.status, subject.approved_by) == (
        SubjectRequest.Status.APPROVED,
        second,
    )
    # erase, twice (a double submission)
    client.force_login(first)
    client.post(_step_url("request-complete", subject), {"confirm": "on"})
    again = client.post(
        _step_url("request-complete", subject), {"confirm": "on"}, follow=True
    )
    subject.refresh_from_db()
    assert subject.status == SubjectRequest.Status.COMPLETED
    assert subject.counts["posts_erased"] == 1
    assert "already completed" in again.content.decode()
    assert PostErasure.objects.count() == 1
    erasure = PostErasure.objects.get()
    assert (erasure.post_id, erasure.request_id) == (
        cluster.representative_id,
        subject.pk,
    )
    assert not Post.objects.filter(author_handle__icontains="temoin_lattes").exists()
    assert kept.representative.text == "Un autre auteur"


def test_refusal_needs_a_reason_and_closes_the_request(client, activation):
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    client.post(
        _requests_url(activation.lead_team),
        {"kind": "erasure", "platform": "x", "handle": "abc"},
    )
    subject = SubjectRequest.objects.get()
    client.post(_step_url("request-refuse", subject), {"reason": ""})
    subject.refresh_from_db()
    assert subject.status == SubjectRequest.Status.OPEN
    client.post(
        _step_url("request-refuse", subject), {"reason": "Identité non établie"}
    )
    subject.refresh_from_db()
    assert (subject.status, subject.refusal_reason) == (
        "refused",
        "Identité non établie",
    )
    client.post(_step_url("request-find", subject))
    subject.refresh_from_db()
    assert subject.status == SubjectRequest.Status.REFUSED


def test_opening_the_same_request_twice_keeps_one(activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    a = subject_request_open(
        organisation=activation.lead_team,
        by=coordinator,
        kind="erasure",
        platform="x",
        handle="@ABC",
    )
    b = subject_request_open(
        organisation=activation.lead_team,
        by=coordinator,
        kind="erasure",
        platform="x",
        handle="abc",
    )
    assert a.pk == b.pk
    assert SubjectRequest.objects.count() == 1
