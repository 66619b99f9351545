"""Every audited act writes exactly one row, with the right actor, action and
object, and no copy of post text or author handles."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from activations import services as activations
from activations.models import ActivationMember, Agreement, OrganisationMember
from audit.models import AuditEvent
from mapping import tasks as map_tasks
from mapping.services import exports as map_exports
from monitoring import triage
from monitoring.models import Escalation
from reports import services as reports
from tests.factories import UserFactory, make_item, make_member
from tests.mapping.exports_support import HANDLE, make_map_item
from tests.verification.cases_support import open_case, proposed, with_evidence
from verification.services import cases

Role = ActivationMember.Role
A = AuditEvent.Action


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(map_tasks.build_export, "delay", lambda export_id: None)


def only(action, **match):
    """The one event of `action`; fails if there are none or several."""
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, [(e.action, e.object_ref, e.summary) for e in events]
    event = events[0]
    for name, value in match.items():
        assert getattr(event, name) == value, (name, getattr(event, name), value)
    return event


def no_personal_data(event, *texts):
    for text in texts:
        assert text not in event.summary


def _claimed(activation, user):
    make_item(activation)
    cluster = triage.item_claim_next(activation=activation, user=user)
    assert cluster is not None
    return cluster


# --- decisions ----------------------------------------------------------------------------
def test_triage_decision(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    cluster = _claimed(activation, volunteer)
    decision = triage.item_decide(
        activation=activation,
        cluster_id=cluster.pk,
        user=volunteer,
        token=cluster.claim_token,
        kind="relevant",
        category="infrastructure",
    )
    event = only(
        A.DECISION,
        actor=volunteer,
        actor_label=volunteer.username,
        activation=activation,
        organisation_id=activation.lead_team_id,
        object_type="monitoring.cluster",
        object_id=str(cluster.pk),
    )
    assert f"decision={decision.pk}" in event.summary
    assert "kind=relevant" in event.summary
    no_personal_data(event, cluster.representative.text, "@witness")


def test_undo_is_one_more_decision_row(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    cluster = _claimed(activation, volunteer)
    decision = triage.item_decide(
        activation=activation,
        cluster_id=cluster.pk,
        user=volunteer,
        token=cluster.claim_token,
        kind="not_relevant",
    )
    triage.decision_undo(activation=activation, decision_id=decision.pk, user=volunteer)
    events = list(AuditEvent.objects.filter(action=A.DECISION).order_by("id"))
    assert [e.summary.split()[0] for e in events] == [f"decision={decision.pk}", "undo"]
    assert {e.object_id for e in events} == {str(cluster.pk)}


def test_bulk_decision_writes_one_row_per_item(activation, django_assert_num_queries):
    lead = make_member(activation, Role.TEAM_LEAD).user
    items = [make_item(activation) for _ in range(3)]
    result = triage.items_bulk_decide(
        activation=activation,
        user=lead,
        cluster_ids=[i.pk for i in items],
        kind="not_relevant",
    )
    assert sorted(result.decided) == sorted(i.pk for i in items)
    events = AuditEvent.objects.filter(action=A.DECISION)
    assert sorted(int(e.object_id) for e in events) == sorted(i.pk for i in items)
    assert {e.actor for e in events} == {lead}


# --- verdicts -----------------------------------------------------------------------------
def test_proposed_then_confirmed_verdict(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    case = proposed(open_case(activation, volunteer), volunteer)
    event = only(A.VERDICT, actor=volunteer, object_type="verification.case")
    assert event.object_id == str(case.pk)
    assert "proposed=verified" in event.summary
    cases.case_review(case=case, by=lead, approve=True, version=case.version)
    confirmed = AuditEvent.objects.filter(action=A.VERDICT, actor=lead)
    assert [e.summary for e in confirmed] == [
        f"case={case.number} confirmed=verified proposer={volunteer.pk}"
    ]


def test_unverifiable_closes_with_one_row(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = with_evidence(open_case(activation, volunteer), volunteer)
    cases.case_propose_verdict(
        case=case,
        by=volunteer,
        status="unverifiable",
        note="Rien",
        version=case.version,
    )
    assert "closed=unverifiable" in only(A.VERDICT, actor=volunteer).summary


# --- report publication and corrections ---------------------------------------------------
def test_report_publication_and_correction(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    coordinator = make_member(activation, Role.COORDINATOR).user
    report = reports.report_compose(activation=activation, by=lead)
    report = reports.report_submit(report=report, by=lead)
    report = reports.report_publish(report=report, by=coordinator)
    event = only(A.REPORT_PUBLICATION, actor=coordinator, object_id=str(report.pk))
    assert event.object_type == "reports.situationreport"
    correction = reports.report_correct(report=report, by=lead, change_note="Chiffres")
    events = AuditEvent.objects.filter(action=A.REPORT_PUBLICATION, actor=lead)
    assert [e.object_id for e in events] == [str(correction.pk)]


# --- exports ------------------------------------------------------------------------------
def test_map_export_request_and_download(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    make_map_item(activation)
    export = map_exports.export_request(
        activation=activation, by=coordinator, format="csv", pseudonymise=False
    )
    event = only(A.EXPORT, actor=coordinator, object_id=str(export.pk))
    assert "pseudonymised=False" in event.summary
    map_exports.export_build(export_id=export.pk)
    client.force_login(coordinator)
    response = client.get(
        reverse("mapping:export-download", args=[activation.slug, export.pk])
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    downloads = AuditEvent.objects.filter(
        action=A.EXPORT, summary__startswith="downloaded"
    )
    assert [(e.actor, e.object_id) for e in downloads] == [
        (coordinator, str(export.pk))
    ]
    no_personal_data(downloads[0], HANDLE)
    assert downloads[0].ip_address == "127.0.0.1"
    assert downloads[0].request_id  # RequestIdMiddleware's id


def test_map_export_download_api(activation):
    lead = make_member(activation, Role.TEAM_LEAD).user
    make_map_item(activation)
    export = map_exports.export_request(
        activation=activation, by=lead, format="geojson"
    )
    map_exports.export_build(export_id=export.pk)
    api = APIClient()
    api.force_authenticate(lead)
    response = api.get(
        reverse("api-map-export-download", args=[activation.slug, export.pk])
    )
    assert response.status_code == 200
    assert (
        AuditEvent.objects.filter(
            action=A.EXPORT, actor=lead, summary__startswith="downloaded"
        ).count()
        == 1
    )


@pytest.mark.parametrize("name", ["reports:report-pdf", "reports:report-json"])
def test_report_downloads(client, activation, name):
    lead = make_member(activation, Role.TEAM_LEAD).user
    coordinator = make_member(activation, Role.COORDINATOR).user
    liaison = make_member(activation, Role.LIAISON).user
    report = reports.report_compose(activation=activation, by=lead)
    report = reports.report_submit(report=report, by=lead)
    report = reports.report_publish(report=report, by=coordinator)
    client.force_login(liaison)
    response = client.get(
        reverse(name, args=[activation.slug, report.number, report.version])
    )
    assert response.status_code == 200
    event = only(A.EXPORT, actor=liaison, object_id=str(report.pk))
    assert event.summary.startswith("format=" + name.rsplit("-", 1)[1])


@pytest.mark.parametrize("name", ["api-report-pdf", "api-report-json"])
def test_report_downloads_api(activation, name):
    lead = make_member(activation, Role.TEAM_LEAD).user
    coordinator = make_member(activation, Role.COORDINATOR).user
    report = reports.report_compose(activation=activation, by=lead)
    report = reports.report_submit(report=report, by=lead)
    report = reports.report_publish(report=report, by=coordinator)
    api = APIClient()
    api.force_authenticate(lead)
    response = api.get(
        reverse(name, args=[activation.slug, report.number, report.version])
    )
    assert response.status_code == 200
    only(A.EXPORT, actor=lead, object_id=str(report.pk))


def test_after_action_pdf_and_log_csv(client, activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    client.force_login(coordinator)
    assert (
        client.get(
            reverse("closure:after-action-pdf", args=[activation.slug])
        ).status_code
        == 200
    )
    only(A.EXPORT, actor=coordinator, object_type="closure.afteraction")
    response = client.get(
        reverse("activations:log-export", args=[activation.slug]) + "?kind=note"
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    log = AuditEvent.objects.get(object_type="activations.log")
    assert log.actor == coordinator
    assert log.summary.endswith("filters=kind")


# --- permission changes -------------------------------------------------------------------
def test_activation_membership_added_changed_removed(activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    person = make_member(activation, Role.VOLUNTEER).user
    activations.activation_member_set(
        by=coordinator, activation=activation, user=person, role=Role.TEAM_LEAD
    )
    event = only(A.PERMISSION_CHANGE, actor=coordinator, activation=activation)
    assert event.summary == f"activation member user={person.pk} role=team_lead changed"
    activations.activation_member_remove(
        by=coordinator, activation=activation, user=person
    )
    summaries = list(
        AuditEvent.objects.filter(action=A.PERMISSION_CHANGE)
        .order_by("id")
        .values_list("summary", flat=True)
    )
    assert summaries[1] == f"activation member user={person.pk} removed"


def test_organisation_membership_changes(activation):
    team = activation.lead_team
    coordinator = make_member(activation, Role.COORDINATOR).user
    person = UserFactory()
    activations.organisation_member_set(
        organisation=team,
        user=person,
        role=OrganisationMember.Role.MEMBER,
        by=coordinator,
    )
    event = only(A.PERMISSION_CHANGE, actor=coordinator, organisation=team)
    assert event.activation is None
    assert event.summary.endswith("added")
    activations.organisation_member_remove(
        organisation=team, user=person, by=coordinator
    )
    assert (
        AuditEvent.objects.filter(
            action=A.PERMISSION_CHANGE, summary__endswith="removed", organisation=team
        ).count()
        == 1
    )


def test_organisation_member_page_passes_the_actor(client, activation):
    team = activation.lead_team
    coordinator = make_member(activation, Role.COORDINATOR).user
    person = UserFactory()
    client.force_login(coordinator)
    response = client.post(
        reverse("activations:organisation-member-add", args=[team.pk]),
        {"user": person.username, "role": "member", "title": ""},
    )
    assert response.status_code == 302
    event = only(A.PERMISSION_CHANGE)
    assert (event.actor, event.organisation) == (coordinator, team)


def test_agreement_status_change(activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    agreement = activation.agreement
    activations.agreement_set_status(
        agreement=agreement, status=Agreement.Status.SUSPENDED, by=coordinator
    )
    event = only(A.PERMISSION_CHANGE, actor=coordinator, object_id=str(agreement.pk))
    assert event.organisation_id == agreement.vost_team_id


# --- views of personal data ----------------------------------------------------------------
def test_triage_item_page(client, activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    cluster = _claimed(activation, volunteer)
    client.force_login(volunteer)
    response = client.get(
        reverse("monitoring:triage-item", args=[activation.slug, cluster.pk])
    )
    assert response.status_code == 200
    event = only(A.PERSONAL_DATA_VIEW, actor=volunteer, object_id=str(cluster.pk))
    no_personal_data(event, "@witness", cluster.representative.text)


def test_case_page(client, activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = open_case(activation, volunteer)
    client.force_login(volunteer)
    response = client.get(
        reverse("verification:case-detail", args=[activation.slug, case.number])
    )
    assert response.status_code == 200
    only(A.PERSONAL_DATA_VIEW, actor=volunteer, object_type="verification.case")


def test_escalation_page_seen_by_the_liaison(client, activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    liaison = make_member(activation, Role.LIAISON).user
    cluster = _claimed(activation, volunteer)
    triage.item_decide(
        activation=activation,
        cluster_id=cluster.pk,
        user=volunteer,
        token=cluster.claim_token,
        kind="urgent",
        category="request",
    )
    escalation = Escalation.objects.get(cluster=cluster)
    client.force_login(liaison)
    response = client.get(
        reverse("monitoring:escalation-detail", args=[activation.slug, escalation.pk])
    )
    assert response.status_code == 200
    only(A.PERSONAL_DATA_VIEW, actor=liaison, object_id=str(escalation.pk))


def test_search_page_is_one_row_per_page_not_per_post(client, activation):
    observer = make_member(activation, Role.OBSERVER).user
    for _ in range(3):
        make_item(activation, text="Pont effondré à Lavalette")
    client.force_login(observer)
    response = client.get(
        reverse("search:search", args=[activation.slug]), {"q": "pont"}
    )
    assert response.status_code == 200
    event = only(A.PERSONAL_DATA_VIEW, actor=observer)
    assert event.summary == "search results=3"
    # a search without results shows nobody's data: nothing recorded
    client.get(reverse("search:search", args=[activation.slug]), {"q": "zzzzqqq"})
    assert AuditEvent.objects.count() == 1


def test_post_list_page(client, activation):
    observer = make_member(activation, Role.OBSERVER).user
    make_item(activation)
    client.force_login(observer)
    assert (
        client.get(reverse("monitoring:post-list", args=[activation.slug])).status_code
        == 200
    )
    only(A.PERSONAL_DATA_VIEW, actor=observer, summary="post list page=1")


def test_search_api(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    make_item(activation, text="Pont effondré à Lavalette")
    api = APIClient()
    api.force_authenticate(volunteer)
    response = api.get(
        reverse("api-post-search", args=[activation.slug]), {"q": "pont"}
    )
    assert response.status_code == 200
    only(A.PERSONAL_DATA_VIEW, actor=volunteer, summary="search api results=1")


def test_a_decision_made_through_the_page_carries_the_address(
    client, activation, settings
):
    """With AuditContextMiddleware in MIDDLEWARE (after RequestIdMiddleware), the
    services' rows get the client's address without being handed the request."""
    if "audit.services.AuditContextMiddleware" not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [
            settings.MIDDLEWARE[0],
            "audit.services.AuditContextMiddleware",
            *settings.MIDDLEWARE[1:],
        ]
    volunteer = make_member(activation, Role.VOLUNTEER).user
    cluster = _claimed(activation, volunteer)
    client.force_login(volunteer)
    response = client.post(
        reverse("monitoring:triage-decide", args=[activation.slug, cluster.pk]),
        {"token": str(cluster.claim_token), "kind": "not_relevant"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code in (200, 302), response.content[:300]
    event = only(A.DECISION, actor=volunteer, object_id=str(cluster.pk))
    assert event.ip_address == "198.51.100.7"
    assert event.request_id == response["X-Request-ID"]
