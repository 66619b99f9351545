"""Verification case services: opening, working, the four-eyes verdict, history."""

import threading

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from accounts.models import Notification
from activations.models import ActivationMember, LogEntry
from monitoring.models import Post
from tests.factories import ActivationFactory, make_item, make_member
from tests.verification.cases_support import (
    case_state,
    open_case,
    proposed,
    set_skills,
    with_evidence,
)
from verification.models import Case, CaseEvent, Evidence
from verification.services import cases as services
from vost.exceptions import ConflictError, DomainError

pytestmark = pytest.mark.django_db
Role = ActivationMember.Role


# --- opening ---------------------------------------------------------------------------
def test_open_numbers_cases_per_activation_and_takes_the_post(activation):
    # given
    volunteer = make_member(activation, Role.VOLUNTEER).user
    cluster = make_item(activation, category="infrastructure")
    # when
    first = services.case_open(
        activation=activation, by=volunteer, claim=" Pont effondré ", cluster=cluster
    )
    second = services.case_open(activation=activation, by=volunteer, claim="Autre")
    other = services.case_open(
        activation=ActivationFactory(), by=volunteer, claim="Ailleurs"
    )
    # then
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.post == cluster.representative
    assert first.claim == "Pont effondré"
    assert first.category == "infrastructure"
    assert first.status == Case.Status.UNVERIFIED
    assert first.opened_by == volunteer
    assert first.location.coords == (3.88, 43.61)
    assert first.location_source == Case.LocationSource.POST
    assert first.location_radius_m == 5000  # geoparsed: a town, not a street
    assert first.place_name == "Montpellier"
    assert second.post is None
    assert second.location is None
    assert [e.kind for e in first.events.all()] == [CaseEvent.Kind.OPENED]
    assert LogEntry.objects.filter(
        activation=activation, text__startswith="Verification case #1 opened"
    ).exists()


def test_a_platform_geotag_gives_a_tight_radius(activation):
    cluster = make_item(activation, location_source=Post.LocationSource.PLATFORM)
    by = make_member(activation, Role.VOLUNTEER).user
    case = services.case_open(activation=activation, by=by, claim="x", cluster=cluster)
    assert case.location_radius_m == 100


def test_open_is_idempotent_per_item(activation):
    # given
    by = make_member(activation, Role.VOLUNTEER).user
    cluster = make_item(activation)
    first = services.case_open(activation=activation, by=by, claim="A", cluster=cluster)
    before = case_state()
    # when
    again = services.case_open(activation=activation, by=by, claim="B", cluster=cluster)
    # then
    assert again.pk == first.pk
    assert again.claim == "A"
    assert case_state() == before


def test_open_without_claim_takes_the_post_text(activation):
    by = make_member(activation, Role.VOLUNTEER).user
    cluster = make_item(activation, text="Digue rompue à Palavas")
    case = services.case_open(activation=activation, by=by, claim="", cluster=cluster)
    assert case.claim == "Digue rompue à Palavas"


def test_open_refuses_an_item_of_another_activation_and_an_empty_claim(activation):
    by = make_member(activation, Role.VOLUNTEER).user
    foreign = make_item(ActivationFactory())
    before = case_state()
    with pytest.raises(DomainError):
        services.case_open(activation=activation, by=by, claim="x", cluster=foreign)
    with pytest.raises(DomainError):
        services.case_open(activation=activation, by=by, claim="   ")
    assert case_state() == before


@pytest.mark.django_db(transaction=True)
def test_concurrent_opens_of_one_item_make_one_case_and_distinct_numbers():
    # given
    activation = ActivationFactory()
    by = make_member(activation, Role.VOLUNTEER).user
    shared = make_item(activation)
    others = [make_item(activation) for _ in range(4)]
    results, errors = [], []

    def worker(cluster):
        try:
            case = services.case_open(
                activation=activation, by=by, claim="x", cluster=cluster
            )
            results.append((cluster.pk, case.pk, case.number))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [
        threading.Thread(target=worker, args=(c,)) for c in [shared] * 4 + others
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert errors == []
    assert Case.objects.filter(cluster=shared).count() == 1
    assert sorted(Case.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]


# --- working on it ------------------------------------------------------------------------
def test_start_moves_to_in_progress_and_assigns_the_volunteer(activation):
    case = open_case(activation)
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = services.case_start(case=case, by=volunteer, version=case.version)
    assert case.status == Case.Status.IN_PROGRESS
    assert case.assigned_to == volunteer
    assert case.version == 2
    with pytest.raises(ConflictError):  # a double click
        services.case_start(case=case, by=volunteer, version=case.version)


def test_evidence_needs_a_note_and_an_http_link(activation):
    # given
    case = open_case(activation)
    by = make_member(activation, Role.VOLUNTEER).user
    before = case_state()
    # when / then
    for url in ("javascript:alert(1)", "ftp://x.org/a", "data:text/html,hi", "http://"):
        with pytest.raises(DomainError) as refused:
            services.evidence_add(case=case, by=by, kind="other", url=url, note="n")
        assert "http" in refused.value.message
    with pytest.raises(DomainError):
        services.evidence_add(case=case, by=by, kind="other", note="  ")
    with pytest.raises(DomainError):
        services.evidence_add(case=case, by=by, kind="astrology", note="n")
    assert case_state() == before


def test_evidence_is_recorded_and_starts_the_work(activation):
    case = open_case(activation)
    by = make_member(activation, Role.VOLUNTEER).user
    evidence = services.evidence_add(
        case=case,
        by=by,
        kind=Evidence.Kind.REVERSE_IMAGE,
        finding=Evidence.Finding.CONTRADICTS,
        url="https://tineye.com/search/abc",
        note="Photo de 2019 (Aude)",
    )
    case.refresh_from_db()
    assert evidence.author == by
    assert evidence.url == "https://tineye.com/search/abc"
    assert case.status == Case.Status.IN_PROGRESS
    assert case.assigned_to == by
    assert case.version == 2
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["opened", "status", "assigned", "evidence"]


def test_grade_and_stale_version(activation):
    # given
    case = open_case(activation)
    by = make_member(activation, Role.VOLUNTEER).user
    stale = case.version
    case = services.case_grade(
        case=case, by=by, reliability="B", credibility=2, version=case.version
    )
    assert case.grade == "B2"
    before = case_state()
    # when someone submits the page they loaded before that change
    with pytest.raises(ConflictError):
        services.case_grade(
            case=case, by=by, reliability="E", credibility=5, version=stale
        )
    # then
    assert case_state() == before
    with pytest.raises(DomainError):
        services.case_grade(
            case=case, by=by, reliability="G", credibility=2, version=case.version
        )
    with pytest.raises(DomainError):
        services.case_grade(
            case=case, by=by, reliability="A", credibility=7, version=case.version
        )
    assert case_state() == before


def test_locate_checks_the_point_and_radius(activation):
    case = open_case(activation)
    by = make_member(activation, Role.VOLUNTEER).user
    before = case_state()
    for point, radius in (
        (Point(200, 43), 100),
        (Point(3, 95), 100),
        (Point(3, 43), 0),
    ):
        with pytest.raises(DomainError):
            services.case_locate(
                case=case,
                by=by,
                point=point,
                radius_m=radius,
                source="map",
                version=case.version,
            )
    assert case_state() == before
    case = services.case_locate(
        case=case,
        by=by,
        point=Point(3.9, 43.56, srid=4326),
        radius_m=250,
        source="map",
        place_name="Lattes",
        version=case.version,
    )
    assert case.location.coords == (3.9, 43.56)
    assert (case.location_radius_m, case.location_source) == (250, "map")
    event = case.events.get(kind="location")
    assert event.data["old"]["place_name"] == "Montpellier"
    assert event.data["new"]["point"] == [3.9, 43.56]
    case = services.case_locate(
        case=case, by=by, point=None, radius_m=None, source="map", version=case.version
    )
    assert case.location is None
    assert case.place_name == ""


def test_assign_rules(activation):
    case = open_case(activation)
    alice = make_member(activation, Role.VOLUNTEER).user
    bob = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    liaison = make_member(activation, Role.LIAISON).user
    # a volunteer takes a free case
    case = services.case_assign(
        case=case, by=alice, assignee=alice, version=case.version
    )
    assert case.assigned_to == alice
    before = case_state()
    # … but cannot take it from Alice, nor give it away
    with pytest.raises(DomainError):
        services.case_assign(case=case, by=bob, assignee=bob, version=case.version)
    with pytest.raises(DomainError):
        services.case_assign(case=case, by=alice, assignee=bob, version=case.version)
    # nobody can give it to a liaison
    with pytest.raises(DomainError):
        services.case_assign(case=case, by=lead, assignee=liaison, version=case.version)
    assert case_state() == before
    # a team lead reassigns
    case = services.case_assign(case=case, by=lead, assignee=bob, version=case.version)
    assert case.assigned_to == bob


# --- the four-eyes verdict -------------------------------------------------------------------
def test_a_proposal_needs_evidence_and_reasoning(activation):
    case = open_case(activation)
    by = make_member(activation, Role.VOLUNTEER).user
    before = case_state()
    with pytest.raises(DomainError) as refused:
        services.case_propose_verdict(
            case=case, by=by, status="verified", note="sûr", version=case.version
        )
    assert "evidence" in refused.value.message
    assert case_state() == before
    case = with_evidence(case, by)
    before = case_state()
    with pytest.raises(DomainError):
        services.case_propose_verdict(
            case=case, by=by, status="verified", note=" ", version=case.version
        )
    with pytest.raises(DomainError):
        services.case_propose_verdict(
            case=case, by=by, status="in_progress", note="x", version=case.version
        )
    assert case_state() == before


def test_proposing_verified_waits_and_notifies_the_reviewers(activation):
    # given
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    coordinator = make_member(activation, Role.COORDINATOR).user
    skilled = make_member(activation, Role.VOLUNTEER).user  # factory: has the skill
    unskilled = make_member(activation, Role.VOLUNTEER).user
    set_skills(unskilled, ["monitoring"])
    observer = make_member(activation, Role.OBSERVER).user
    case = open_case(activation, volunteer)
    # when
    case = proposed(case, volunteer)
    # then
    assert case.status == Case.Status.IN_PROGRESS
    assert case.proposed_status == Case.Status.VERIFIED
    assert case.proposed_by == volunteer
    assert case.awaiting_review
    notified = set(
        Notification.objects.filter(kind="case_review").values_list("user", flat=True)
    )
    assert notified == {lead.pk, coordinator.pk, skilled.pk}
    assert volunteer.pk not in notified
    assert unskilled.pk not in notified
    assert observer.pk not in notified
    note = Notification.objects.get(user=lead, kind="case_review")
    assert note.level == "action"
    assert note.url == f"/a/{activation.slug}/cases/{case.number}/"
    assert note.title == f"Case #{case.number}: a verdict waits for your review"


def test_a_second_proposal_is_refused_while_one_waits(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = proposed(open_case(activation, volunteer), volunteer)
    before = case_state()
    with pytest.raises(ConflictError):
        services.case_propose_verdict(
            case=case, by=volunteer, status="false", note="x", version=case.version
        )
    assert case_state() == before


def test_the_proposer_cannot_confirm_their_own_verdict(activation):
    # given
    lead = make_member(activation, Role.TEAM_LEAD).user
    case = proposed(open_case(activation, lead), lead)
    before = case_state()
    # when
    with pytest.raises(DomainError) as refused:
        services.case_review(
            case=case, by=lead, approve=True, note="", version=case.version
        )
    # then
    assert refused.value.message == (
        "You proposed this verdict; a second, different reviewer must confirm it."
    )
    assert case_state() == before


def test_a_volunteer_without_the_skill_cannot_review(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = proposed(open_case(activation, volunteer), volunteer)
    reviewer = make_member(activation, Role.VOLUNTEER).user
    set_skills(reviewer, ["monitoring", "geolocation"])
    before = case_state()
    with pytest.raises(services.CaseNotAllowed) as refused:
        services.case_review(
            case=case, by=reviewer, approve=True, note="", version=case.version
        )
    assert refused.value.status_code == 403
    assert case_state() == before


@pytest.mark.parametrize("role", [Role.OBSERVER, Role.LIAISON])
def test_observers_and_liaisons_cannot_review(activation, role):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = proposed(open_case(activation, volunteer), volunteer)
    before = case_state()
    with pytest.raises(services.CaseNotAllowed):
        services.case_review(
            case=case,
            by=make_member(activation, role).user,
            approve=True,
            note="",
            version=case.version,
        )
    assert case_state() == before


def test_a_volunteer_with_the_verification_skill_confirms(activation):
    # given
    volunteer = make_member(activation, Role.VOLUNTEER).user
    reviewer = make_member(activation, Role.VOLUNTEER).user
    set_skills(reviewer, ["verification"])
    case = proposed(open_case(activation, volunteer), volunteer, status="false")
    # when
    case = services.case_review(
        case=case, by=reviewer, approve=True, note="Vu.", version=case.version
    )
    # then
    assert case.status == Case.Status.FALSE
    assert case.reviewed_by == reviewer
    assert case.proposed_by == volunteer  # kept as the record
    assert case.closed_at is not None
    assert not case.awaiting_review


def test_a_team_lead_confirms_and_the_proposer_is_told(activation):
    # given
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    set_skills(lead, [])  # a lead reviews whatever their skills
    case = proposed(open_case(activation, volunteer), volunteer)
    # when
    case = services.case_review(
        case=case, by=lead, approve=True, note="", version=case.version
    )
    # then
    assert case.status == Case.Status.VERIFIED
    assert case.reviewed_by == lead
    note = Notification.objects.get(user=volunteer, kind="case_reviewed")
    assert note.title == f"Case #{case.number}: your verdict was confirmed"
    assert LogEntry.objects.filter(
        activation=activation,
        kind=LogEntry.Kind.DECISION,
        text__contains="verdict “Verified” confirmed",
    ).exists()
    assert list(case.events.values_list("kind", flat=True))[-2:] == [
        "proposed",
        "confirmed",
    ]
    # and a second click on "confirm" changes nothing
    before = case_state()
    with pytest.raises(ConflictError):
        services.case_review(
            case=case, by=lead, approve=True, note="", version=case.version
        )
    assert case_state() == before


def test_sending_back_needs_a_note_and_reopens_the_work(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    case = proposed(open_case(activation, volunteer), volunteer, status="misleading")
    before = case_state()
    with pytest.raises(DomainError):
        services.case_review(
            case=case, by=lead, approve=False, note="  ", version=case.version
        )
    assert case_state() == before
    case = services.case_review(
        case=case,
        by=lead,
        approve=False,
        note="Il manque la géolocalisation.",
        version=case.version,
    )
    assert case.status == Case.Status.IN_PROGRESS
    assert not case.awaiting_review
    assert case.proposed_by is None
    assert case.reviewed_by is None
    event = case.events.get(kind="rejected")
    assert event.user == lead
    assert "géolocalisation" in event.text
    note = Notification.objects.get(user=volunteer, kind="case_reviewed")
    assert "géolocalisation" in note.body


def test_a_stale_review_changes_nothing(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    case = proposed(open_case(activation, volunteer), volunteer)
    stale = case.version
    with_evidence(case, volunteer)  # new evidence after the reviewer loaded the page
    before = case_state()
    with pytest.raises(ConflictError):
        services.case_review(case=case, by=lead, approve=True, note="", version=stale)
    assert case_state() == before


def test_unverifiable_closes_at_once_without_a_reviewer(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    case = proposed(open_case(activation, volunteer), volunteer, status="unverifiable")
    assert case.status == Case.Status.UNVERIFIABLE
    assert case.closed_at is not None
    assert not case.awaiting_review
    assert case.reviewed_by is None
    assert not Notification.objects.filter(kind="case_review").exists()
    # a closed case takes no more changes until reopened
    before = case_state()
    with pytest.raises(DomainError):
        services.evidence_add(case=case, by=volunteer, kind="other", note="n")
    assert case_state() == before


def test_withdraw_and_reopen(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    other = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    case = proposed(open_case(activation, volunteer), volunteer)
    before = case_state()
    with pytest.raises(services.CaseNotAllowed):
        services.case_withdraw_proposal(case=case, by=other, version=case.version)
    assert case_state() == before
    case = services.case_withdraw_proposal(
        case=case, by=volunteer, version=case.version
    )
    assert not case.awaiting_review
    case = services.case_propose_verdict(
        case=case, by=volunteer, status="verified", note="ok", version=case.version
    )
    case = services.case_review(
        case=case, by=lead, approve=True, note="", version=case.version
    )
    before = case_state()
    with pytest.raises(services.CaseNotAllowed):
        services.case_reopen(case=case, by=volunteer, note="non", version=case.version)
    assert case_state() == before
    case = services.case_reopen(
        case=case, by=lead, note="Nouvelle vidéo", version=case.version
    )
    assert case.status == Case.Status.IN_PROGRESS
    assert case.closed_at is None
    assert case.reviewed_by is None
    assert case.proposed_by is None
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-4:] == ["withdrawn", "proposed", "confirmed", "status"]


def test_history_is_complete(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    case = open_case(activation, volunteer)
    case = services.case_grade(
        case=case, by=volunteer, reliability="C", credibility=3, version=case.version
    )
    case = proposed(case, volunteer)
    case = services.case_review(
        case=case, by=lead, approve=True, note="OK", version=case.version
    )
    events = list(case.events.values_list("kind", "user"))
    assert events == [
        ("opened", volunteer.pk),
        ("status", volunteer.pk),
        ("assigned", volunteer.pk),
        ("grade", volunteer.pk),
        ("evidence", volunteer.pk),
        ("proposed", volunteer.pk),
        ("confirmed", lead.pk),
    ]
