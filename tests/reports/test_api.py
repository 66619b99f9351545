"""Situation reports API: role matrix of every endpoint, refusals with the house
error body (nothing changed), acknowledgements, the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from reports.models import ReportAcknowledgement, SituationReport
from tests.activations.api_support import WHO, actor_for, assert_error, call, client_as
from tests.factories import ActivationFactory, make_member
from tests.reports.support import draft, in_review, people, published
from tests.reports.test_pages import state

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role


def _one(name, report):
    return reverse(name, args=[report.activation.slug, report.number, report.version])


def _draft(a, t):
    return draft(a, t["lead"])


def _review(a, t):
    return in_review(a, t["lead"])


def _published(a, t):
    return published(a, t["lead"], t["coordinator"])


# name -> (method, action, make, payload(report), ok)
ENDPOINTS = {
    "api-report-list": ("get", Action.VIEW_REPORTS, None, None, 200),
    "api-report-compose": ("post", Action.EDIT_REPORTS, None, None, 201),
    "api-report-detail": ("get", Action.VIEW_REPORTS, _published, None, 200),
    "api-report-detail patch": (
        "patch",
        Action.EDIT_REPORTS,
        _draft,
        lambda r: {"revision": r.revision, "summary": "Calme"},
        200,
    ),
    "api-report-submit": (
        "post",
        Action.EDIT_REPORTS,
        _draft,
        lambda r: {"revision": r.revision},
        200,
    ),
    "api-report-publish": (
        "post",
        Action.PUBLISH_REPORTS,
        _review,
        lambda r: {"revision": r.revision},
        200,
    ),
    "api-report-correct": (
        "post",
        Action.EDIT_REPORTS,
        _published,
        lambda r: {"change_note": "Chiffres"},
        201,
    ),
    "api-report-acknowledge": (
        "post",
        Action.ACKNOWLEDGE_REPORTS,
        _published,
        None,
        201,
    ),
    "api-report-pdf": ("get", Action.VIEW_REPORTS, _published, None, 200),
    "api-report-json": ("get", Action.VIEW_REPORTS, _published, None, 200),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(activation, member_factory, who, endpoint):
    # given
    method, action, make, payload, ok = ENDPOINTS[endpoint]
    team = people(activation)
    name = endpoint.split(" ")[0]
    if make is None:
        url, body = reverse(name, args=[activation.slug]), None
    else:
        report = make(activation, team)
        url, body = _one(name, report), payload(report) if payload else None
    api = client_as(actor_for(who, activation, member_factory))
    before = state()
    # when
    response = call(api, method, url, body)
    # then
    if who == "anonymous":
        assert_error(response, 401)
    elif who == "non-member":
        assert_error(response, 404)
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:2000]
        if name == "api-report-pdf":
            assert response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF")
        return
    else:
        assert_error(response, 403)
    if method != "get":
        assert state() == before


def test_liaisons_get_published_reports_only(activation):
    team = people(activation)
    shown = published(activation, team["lead"], team["coordinator"])
    hidden = draft(activation, team["lead"])
    api = client_as(team["liaison"])
    body = api.get(reverse("api-report-list", args=[activation.slug])).json()
    assert [(r["number"], r["status"]) for r in body["results"]] == [
        (shown.number, "published")
    ]
    assert_error(api.get(_one("api-report-detail", hidden)), 404)


def test_publish_without_review_is_400_and_double_publish_409(activation):
    team = people(activation)
    report = draft(activation, team["lead"])
    api = client_as(team["coordinator"])
    before = state()
    error = assert_error(
        api.post(
            _one("api-report-publish", report),
            {"revision": report.revision},
            format="json",
        ),
        400,
        "not_reviewed",
    )
    assert "Publishing without review" in error["message"]
    assert state() == before
    client_as(team["lead"]).post(
        _one("api-report-submit", report), {"revision": report.revision}, format="json"
    )
    report.refresh_from_db()
    assert (
        api.post(
            _one("api-report-publish", report),
            {"revision": report.revision},
            format="json",
        ).status_code
        == 200
    )
    before = state()
    assert_error(
        api.post(
            _one("api-report-publish", report),
            {"revision": report.revision + 1},
            format="json",
        ),
        409,
        "already_published",
    )
    assert state() == before


def test_patch_a_published_report_is_refused(activation):
    team = people(activation)
    report = published(activation, team["lead"], team["coordinator"])
    before = state()
    response = client_as(team["lead"]).patch(
        _one("api-report-detail", report),
        {"revision": report.revision, "summary": "X"},
        format="json",
    )
    assert_error(response, 400, "published")
    assert state() == before


def test_bad_input_is_400(activation):
    team = people(activation)
    report = draft(activation, team["lead"])
    api = client_as(team["lead"])
    before = state()
    assert_error(
        api.patch(_one("api-report-detail", report), {"summary": "X"}, format="json"),
        400,
    )
    assert_error(
        api.patch(
            _one("api-report-detail", report),
            {"revision": report.revision, "texts": {"nope": "x"}},
            format="json",
        ),
        400,
        "unknown_section",
    )
    assert state() == before


def test_second_acknowledgement_returns_the_first(activation):
    team = people(activation)
    report = published(activation, team["lead"], team["coordinator"])
    api = client_as(team["liaison"])
    first = api.post(_one("api-report-acknowledge", report))
    second = api.post(_one("api-report-acknowledge", report))
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert ReportAcknowledgement.objects.count() == 1


def test_correction_flow(activation):
    team = people(activation)
    report = published(activation, team["lead"], team["coordinator"])
    api = client_as(team["lead"])
    body = api.post(
        _one("api-report-correct", report),
        {"change_note": "Un abri en moins"},
        format="json",
    ).json()
    assert (body["number"], body["version"], body["status"], body["change_note"]) == (
        1,
        2,
        "draft",
        "Un abri en moins",
    )
    assert SituationReport.objects.count() == 2


def test_another_activation_is_404(activation):
    team = people(activation)
    report = published(activation, team["lead"], team["coordinator"])
    stranger = make_member(ActivationFactory(), Role.LIAISON).user
    assert_error(client_as(stranger).get(_one("api-report-detail", report)), 404)


def test_schema_documents_the_endpoints(client, activation):
    client.force_login(make_member(activation, Role.TEAM_LEAD).user)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    ops = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "report_list",
        "report_compose",
        "report_retrieve",
        "report_edit",
        "report_submit",
        "report_publish",
        "report_correct",
        "report_acknowledge",
        "report_pdf",
        "report_document",
    } <= ops
