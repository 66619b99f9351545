"""The trail itself: append-only in the database, what a row holds, the context
it takes from the request, and that it rides the caller's transaction."""

from __future__ import annotations

import pytest
from django.db import InternalError, ProgrammingError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory

from activations.models import ActivationMember
from audit import services
from audit.models import MAX_SUMMARY, AuditEvent
from monitoring import triage
from tests.factories import AuthorityFactory, UserFactory, make_item, make_member
from vost.exceptions import DomainError
from vost.logging import _request_id

Role = ActivationMember.Role
REFUSED = (
    InternalError,
    ProgrammingError,
)  # 'insufficient_privilege' raised by the trigger


def _event(activation, user=None):
    return services.record(
        action=services.Action.EXPORT,
        actor=user,
        activation=activation,
        object_type="mapping.mapexport",
        object_id=7,
        summary="requested format=csv",
    )


# --- append-only, enforced by PostgreSQL ------------------------------------------------
def test_orm_update_of_a_row_is_refused(activation, user):
    event = _event(activation, user)
    event.summary = "rewritten"
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).summary == "requested format=csv"


def test_orm_delete_and_queryset_update_are_refused(activation, user):
    event = _event(activation, user)
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        event.delete()
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="someone")
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk, actor_label=user.username).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET summary = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_update_and_delete_are_refused(activation, user, sql):
    event = _event(activation, user)
    with (
        pytest.raises(REFUSED, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(
        pk=event.pk, summary="requested format=csv"
    ).exists()


def test_truncate_still_works_for_test_suites_and_administrators(activation, user):
    _event(activation, user)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the insert's FK checks
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 0


def test_an_actor_with_events_cannot_be_deleted(activation, user):
    _event(activation, user)
    with pytest.raises(ProtectedError):
        user.delete()


# --- what a row holds ------------------------------------------------------------------
def test_row_freezes_the_username_and_belongs_to_the_lead_team(activation, user):
    event = _event(activation, user)
    user.username = "renamed"
    user.save()
    event.refresh_from_db()
    assert event.actor_label != "renamed"
    assert event.actor_id == user.pk
    assert event.organisation_id == activation.lead_team_id
    assert event.object_ref == "mapping.mapexport:7"


def test_an_authoritys_event_belongs_to_the_team_that_manages_it(db, user):
    authority = AuthorityFactory()
    event = services.record(
        action=services.Action.PERMISSION_CHANGE, actor=user, organisation=authority
    )
    assert event.organisation_id == authority.managed_by_id is not None


def test_summary_is_one_line_and_bounded(activation):
    event = services.record(
        action=services.Action.DECISION,
        actor=None,
        activation=activation,
        summary="a\nb\t" + "x" * 1000,
    )
    assert event.summary.startswith("a b x")
    assert len(event.summary) == MAX_SUMMARY
    assert event.actor_label == ""  # the system


def test_unknown_action_is_a_programming_error(activation):
    with pytest.raises(ValueError, match="unknown audit action"):
        services.record(action="login_failure", actor=None, activation=activation)
    assert AuditEvent.objects.count() == 0


def test_request_context_fills_address_and_request_id(activation, user):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    request.user = user
    token = _request_id.set("abcdef0123456789")
    try:
        event = services.record_request(
            request, action=services.Action.EXPORT, activation=activation
        )
    finally:
        _request_id.reset(token)
    assert event.ip_address == "192.0.2.10"
    assert event.request_id == "abcdef0123456789"
    assert event.actor == user


def test_missing_request_context_never_raises(activation, user):
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    event = services.record_request(
        request, action=services.Action.EXPORT, activation=activation
    )
    assert event.ip_address is None
    assert event.request_id == ""
    assert event.actor is None  # no user on the request: the system


def test_middleware_hands_the_address_to_services_without_a_request(activation, user):
    seen = []

    def view(request):
        seen.append(
            services.record(
                action=services.Action.DECISION, actor=user, activation=activation
            )
        )
        return None

    middleware = services.AuditContextMiddleware(view)
    middleware(RequestFactory().get("/", REMOTE_ADDR="2001:db8::1"))
    assert seen[0].ip_address == "2001:db8::1"
    assert services.current_client_ip() is None  # cleared after the request


# --- the caller's transaction -------------------------------------------------------------
def test_a_refused_decision_leaves_no_audit_row(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    other = make_member(activation, Role.VOLUNTEER).user
    make_item(activation)
    cluster = triage.item_claim_next(activation=activation, user=volunteer)
    with pytest.raises(DomainError):
        triage.item_decide(
            activation=activation,
            cluster_id=cluster.pk,
            user=other,  # does not hold it: refused as a conflict
            token=cluster.claim_token,
            kind="relevant",
            category="infrastructure",
        )
    assert AuditEvent.objects.count() == 0


def test_a_decision_rolled_back_after_its_audit_row_takes_the_row_along(activation):
    volunteer = make_member(activation, Role.VOLUNTEER).user
    make_item(activation)
    cluster = triage.item_claim_next(activation=activation, user=volunteer)

    class Crash(Exception):
        pass

    def decide_then_crash():
        with transaction.atomic():
            triage.item_decide(
                activation=activation,
                cluster_id=cluster.pk,
                user=volunteer,
                token=cluster.claim_token,
                kind="not_relevant",
            )
            seen.append(AuditEvent.objects.count())
            raise Crash("the database went away before COMMIT")

    seen = []
    with pytest.raises(Crash):
        decide_then_crash()
    assert seen == [1]
    assert AuditEvent.objects.count() == 0


def test_outside_a_request_there_is_no_address(activation):
    stranger = UserFactory()
    event = services.record(
        action=services.Action.DATA_SUBJECT_REQUEST,
        actor=stranger,
        activation=activation,
    )
    assert event.ip_address is None
    assert event.request_id == ""
