"""Situation reports pages: role matrix of every page, refusals (nothing changed),
liaisons' view, CSRF, the PDF, JSON and SVG deliveries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from activations.models import ActivationMember
from activations.permissions import ROLE_ACTIONS, Action
from reports import services
from reports.models import ReportAcknowledgement, SituationReport
from tests.factories import (
    ALL_ROLES,
    ActivationFactory,
    UserFactory,
    make_map_item,
    make_member,
)
from tests.reports.support import draft, in_review, people, published

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role
WHO = ["anonymous", "non-member", *ALL_ROLES]


def state():
    return (
        list(
            SituationReport.objects.order_by("pk").values_list(
                "pk", "status", "revision", "summary", "version"
            )
        ),
        list(ReportAcknowledgement.objects.values_list("pk", flat=True)),
    )


def _one(name, report):
    return reverse(
        f"reports:{name}", args=[report.activation.slug, report.number, report.version]
    )


def _draft(a, t):
    return draft(a, t["lead"])


def _review(a, t):
    return in_review(a, t["lead"])


def _published(a, t):
    return published(a, t["lead"], t["coordinator"])


# name -> (method, action, make(activation, team) -> report | None, payload, ok status)
PAGES = {
    "report-list": ("get", Action.VIEW_REPORTS, None, None, 200),
    "report-compose": ("post", Action.EDIT_REPORTS, None, {}, 302),
    "report-detail": ("get", Action.VIEW_REPORTS, _published, None, 200),
    "report-map": ("get", Action.VIEW_REPORTS, _published, None, 200),
    "report-pdf": ("get", Action.VIEW_REPORTS, _published, None, 200),
    "report-json": ("get", Action.VIEW_REPORTS, _published, None, 200),
    "report-edit": ("get", Action.EDIT_REPORTS, _draft, None, 200),
    "report-edit save": (
        "post",
        Action.EDIT_REPORTS,
        _draft,
        {"summary": "Calme"},
        302,
    ),
    "report-refresh": ("post", Action.EDIT_REPORTS, _draft, {}, 302),
    "report-submit": ("post", Action.EDIT_REPORTS, _draft, {}, 302),
    "report-publish": ("post", Action.PUBLISH_REPORTS, _review, {}, 302),
    "report-return": ("post", Action.PUBLISH_REPORTS, _review, {}, 302),
    "report-correct": (
        "post",
        Action.EDIT_REPORTS,
        _published,
        {"change_note": "Chiffres"},
        302,
    ),
    "report-acknowledge": ("post", Action.ACKNOWLEDGE_REPORTS, _published, {}, 302),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("page", list(PAGES))
def test_role_matrix(client, activation, who, page):
    # given
    method, action, make, data, ok = PAGES[page]
    team = people(activation)
    name = page.split(" ")[0]
    if make is None:
        url = reverse(f"reports:{name}", args=[activation.slug])
        payload = dict(data or {})
    else:
        report = make(activation, team)
        url = _one(name, report)
        payload = {**(data or {}), "revision": report.revision}
    if who == "non-member":
        client.force_login(UserFactory())
    elif who != "anonymous":
        client.force_login(make_member(activation, who).user)
    before = state()
    # when
    response = client.get(url) if method == "get" else client.post(url, payload)
    # then
    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif who == "non-member":
        assert response.status_code == 404
    elif action in ROLE_ACTIONS[who]:
        assert response.status_code == ok, response.content[:3000]
        return
    else:
        assert response.status_code == 403
    if method == "post":
        assert state() == before


def test_liaisons_and_observers_see_published_reports_only(client, activation):
    team = people(activation)
    shown = published(activation, team["lead"], team["coordinator"])
    hidden = draft(activation, team["lead"])
    for role in (Role.LIAISON, Role.OBSERVER):
        client.force_login(make_member(activation, role).user)
        page = client.get(reverse("reports:report-list", args=[activation.slug]))
        assert page.status_code == 200
        assert _one("report-detail", shown).encode() in page.content
        assert _one("report-detail", hidden).encode() not in page.content
        for name in ("report-detail", "report-pdf", "report-json", "report-map"):
            assert client.get(_one(name, hidden)).status_code == 404


def test_another_activations_report_is_404(client, activation):
    team = people(activation)
    report = published(activation, team["lead"], team["coordinator"])
    other = ActivationFactory()
    client.force_login(make_member(other, Role.LIAISON).user)
    assert client.get(_one("report-detail", report)).status_code == 404
    url = reverse(
        "reports:report-detail", args=[other.slug, report.number, report.version]
    )
    assert client.get(url).status_code == 404


def test_publishing_a_draft_is_refused_with_the_reason(client, activation):
    team = people(activation)
    report = draft(activation, team["lead"])
    client.force_login(team["coordinator"])
    before = state()
    response = client.post(
        _one("report-publish", report), {"revision": report.revision}
    )
    assert response.status_code == 400
    assert "Publishing without review is refused" in response.content.decode()
    assert state() == before


def test_editing_a_published_report_is_refused(client, activation):
    team = people(activation)
    report = published(activation, team["lead"], team["coordinator"])
    client.force_login(team["lead"])
    before = state()
    response = client.post(
        _one("report-edit", report), {"revision": report.revision, "summary": "Autre"}
    )
    assert response.status_code == 400
    assert "publish a correction" in response.content.decode()
    assert state() == before
    assert client.get(_one("report-edit", report)).status_code == 302


def test_a_stale_edit_is_409_and_changes_nothing(client, activation):
    team = people(activation)
    report = draft(activation, team["lead"])
    client.force_login(team["lead"])
    assert (
        client.post(
            _one("report-edit", report), {"revision": report.revision, "summary": "Un"}
        ).status_code
        == 302
    )
    before = state()
    response = client.post(
        _one("report-edit", report), {"revision": report.revision, "summary": "Deux"}
    )
    assert response.status_code == 409
    assert state() == before


def test_double_acknowledge_keeps_the_first(client, activation):
    team = people(activation)
    report = published(activation, team["lead"], team["coordinator"])
    client.force_login(team["liaison"])
    client.post(_one("report-acknowledge", report))
    first = ReportAcknowledgement.objects.get()
    client.post(_one("report-acknowledge", report))
    assert list(ReportAcknowledgement.objects.all()) == [first]
    page = client.get(_one("report-detail", report)).content.decode()
    assert "You acknowledged this report" in page


def test_csrf_is_enforced(activation):
    team = people(activation)
    report = in_review(activation, team["lead"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(team["coordinator"])
    before = state()
    assert (
        client.post(
            _one("report-publish", report), {"revision": report.revision}
        ).status_code
        == 403
    )
    assert state() == before


def test_the_detail_escapes_untrusted_text_and_inlines_no_script(client, activation):
    team = people(activation)
    make_map_item(activation, urgent=True, summary="<script>alert(1)</script> Toit")
    report = published(activation, team["lead"], team["coordinator"])
    client.force_login(team["liaison"])
    page = client.get(_one("report-detail", report)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Toit" in page
    assert "<script>alert" not in page
    assert f'src="{_one("report-map", report)}"' in page
    svg = client.get(_one("report-map", report))
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert "default-src 'none'" in svg["Content-Security-Policy"]


def test_the_pdf_is_a_pdf_in_the_readers_language_marked_exercise(client):
    activation = ActivationFactory(kind="exercise")
    team = people(activation)
    make_map_item(activation)
    report = published(activation, team["lead"], team["coordinator"])
    client.force_login(team["liaison"])
    response = client.get(_one("report-pdf", report))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    try:
        import io

        from pypdf import PdfReader
    except ImportError:  # pypdf not installed: the bytes must do
        return
    reader = PdfReader(io.BytesIO(response.content))
    for pdf_page in reader.pages:
        assert "EXERCICE / EXERCISE" in pdf_page.extract_text()


def test_the_json_document(client, activation):
    team = people(activation)
    make_map_item(activation, category="caution")
    report = published(activation, team["lead"], team["coordinator"])
    client.force_login(team["liaison"])
    services.report_acknowledge(report=report, by=team["liaison"])
    body = client.get(_one("report-json", report)).json()
    assert (body["number"], body["version"], body["status"]) == (1, 1, "published")
    assert body["data"]["counts"]["total"] == 1
    assert body["content_hash"] == report.content_hash
    assert len(body["acknowledgements"]) == 1
