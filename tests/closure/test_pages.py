"""After-action review pages and API: role matrix, lessons learned, PDF, closing refusal."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from activations.models import Activation, ActivationMember
from closure.models import AfterActionReview
from tests.closure.helpers import publish_final_report
from tests.factories import ALL_ROLES, UserFactory, make_item, make_member

Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]
EDITORS = {Role.COORDINATOR, Role.TEAM_LEAD}


def _actor(who, activation):
    if who == "anonymous":
        return None
    if who == "non-member":
        return UserFactory()
    return make_member(activation, who).user


def _lessons():
    return list(AfterActionReview.objects.values_list("lessons_learned", "version"))


# --- pages ------------------------------------------------------------------------------
PAGES = {
    "after-action": ("get", None, 200),
    "after-action-pdf": ("get", None, 200),
    "lessons-update": (
        "post",
        {"lessons_learned": "Plus de veilleurs", "version": 1},
        302,
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(PAGES))
def test_role_matrix(client, activation, who, name):
    # given
    method, data, ok = PAGES[name]
    actor = _actor(who, activation)
    if actor is not None:
        client.force_login(actor)
    url = reverse(f"closure:{name}", args=[activation.slug])
    before = _lessons()
    # when
    response = client.get(url) if method == "get" else client.post(url, data)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif method == "get" or who in EDITORS:
        assert response.status_code == ok, response.content[:500]
        if method == "post":
            assert _lessons() == [("Plus de veilleurs", 2)]
        return
    else:
        assert response.status_code == 403
    assert _lessons() == before


def test_page_shows_figures_and_preview_then_frozen(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    make_item(activation)
    client.force_login(coordinator)
    url = reverse("closure:after-action", args=[activation.slug])
    page = client.get(url).content.decode()
    assert "Preview: the activation is not closed" in page
    assert "No published final report yet" in page  # what closing still needs
    assert 'name="lessons_learned"' in page
    # closed: frozen figures, purge date, no blocker
    publish_final_report(activation, by=coordinator)
    activation.refresh_from_db()
    from activations import services

    services.activation_transition(
        by=coordinator,
        activation=activation,
        to="closed",
        version=activation.version,
        reason="Décrue",
    )
    page = client.get(url).content.decode()
    assert "Figures frozen when the activation closed" in page
    assert "Collected data will be purged on" in page
    assert "No published final report yet" not in page
    assert "Activation closed: Décrue" in page


def test_a_liaison_reads_lessons_but_gets_no_form(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    from closure import services

    services.aar_lessons_update(
        activation=activation, by=coordinator, lessons_learned="Renforcer les nuits"
    )
    client.force_login(make_member(activation, Role.LIAISON).user)
    page = client.get(reverse("closure:after-action", args=[activation.slug]))
    assert "Renforcer les nuits" in page.content.decode()
    assert page.context["form"] is None


def test_lessons_bad_input_is_refused_and_changes_nothing(client, activation, caplog):
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    url = reverse("closure:lessons-update", args=[activation.slug])
    response = client.post(url, {"lessons_learned": "x" * 20_001, "version": 1})
    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode()
    assert "lessons learned refused" in caplog.text
    response = client.post(url, {"lessons_learned": "ok"})  # no version
    assert response.status_code == 400
    assert _lessons() == []


def test_lessons_double_submission_is_safe(client, activation):
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    url = reverse("closure:lessons-update", args=[activation.slug])
    data = {"lessons_learned": "Plus de veilleurs", "version": 1}
    assert client.post(url, data).status_code == 302
    # the same form sent again: same text, nothing changes
    assert client.post(url, data).status_code == 302
    assert _lessons() == [("Plus de veilleurs", 2)]
    # a stale form with another text: refused with a message
    response = client.post(url, {"lessons_learned": "Autre", "version": 1})
    assert response.status_code == 409
    assert "Someone else changed the lessons learned" in response.content.decode()
    assert _lessons() == [("Plus de veilleurs", 2)]


def test_lessons_form_needs_csrf(activation):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_member(activation, Role.COORDINATOR).user)
    response = csrf_client.post(
        reverse("closure:lessons-update", args=[activation.slug]),
        {"lessons_learned": "x", "version": 1},
    )
    assert response.status_code == 403
    assert _lessons() == []


@pytest.mark.parametrize("exercise", [False, True])
def test_pdf_is_a_pdf_in_the_reader_language(client, activation, exercise):
    activation.kind = Activation.Kind.EXERCISE if exercise else Activation.Kind.CRISIS
    activation.save(update_fields=["kind"])
    user = make_member(activation, Role.LIAISON, language="fr").user
    client.force_login(user)
    response = client.get(reverse("closure:after-action-pdf", args=[activation.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    from closure.pdf import aar_html

    html = aar_html(activation=activation, language="fr")
    assert ("EXERCICE / EXERCISE" in html) is exercise
    assert '<html lang="fr">' in html


def test_settings_close_refusal_shows_the_reason(client, activation):
    client.force_login(make_member(activation, Role.COORDINATOR).user)
    response = client.post(
        reverse("activations:activation-transition", args=[activation.slug]),
        {"to": "closed", "version": activation.version, "reason": "Décrue"},
        follow=True,
    )
    assert "No published final report yet" in response.content.decode()
    activation.refresh_from_db()
    assert activation.status == Activation.Status.ACTIVE


# --- API ---------------------------------------------------------------------------------
def _api(actor):
    api = APIClient()
    if actor is not None:
        api.force_authenticate(actor)
    return api


API = {
    "get": ("api-after-action", "get", None),
    "patch": ("api-after-action", "patch", {"lessons_learned": "Nuits", "version": 1}),
    "pdf": ("api-after-action-pdf", "get", None),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(API))
def test_api_role_matrix(activation, who, name):
    url_name, method, data = API[name]
    actor = _actor(who, activation)
    url = reverse(url_name, args=[activation.slug])
    before = _lessons()
    response = getattr(_api(actor), method)(url, data, format="json")
    if who == "anonymous":
        assert response.status_code == 401
    elif who == "non-member":
        assert response.status_code == 404
    elif method == "get" or who in EDITORS:
        assert response.status_code == 200, response.content[:500]
        if name == "pdf":
            assert response.content.startswith(b"%PDF")
        elif name == "patch":
            assert response.json()["lessons_learned"] == "Nuits"
            assert response.json()["version"] == 2
        else:
            assert set(response.json()) == {
                "frozen",
                "generated_at",
                "lessons_learned",
                "version",
                "figures",
                "purge",
            }
        return
    else:
        assert response.status_code == 403
    assert _lessons() == before


def test_api_pdf_with_accept_header(activation):
    api = _api(make_member(activation, Role.OBSERVER).user)
    response = api.get(
        reverse("api-after-action-pdf", args=[activation.slug]),
        HTTP_ACCEPT="application/pdf",
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_api_patch_bad_input_and_stale_version(activation):
    api = _api(make_member(activation, Role.COORDINATOR).user)
    url = reverse("api-after-action", args=[activation.slug])
    response = api.patch(url, {"lessons_learned": 3 * [1]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"]
    assert _lessons() == []
    assert (
        api.patch(
            url, {"lessons_learned": "A", "version": 1}, format="json"
        ).status_code
        == 200
    )
    response = api.patch(url, {"lessons_learned": "B", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert _lessons() == [("A", 2)]
