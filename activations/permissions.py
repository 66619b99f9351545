"""The one place that decides who may see or do what in organisations and activations.

Views and API endpoints get objects only through the ``*_get_for_user`` functions
below: "missing" and "not yours" both raise Http404, a known object with the
wrong role raises PermissionDenied (403). List selectors start from
``*_visible_to`` querysets and only narrow them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Final

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import User
from activations.models import (
    Activation,
    ActivationMember,
    Agreement,
    Organisation,
    OrganisationMember,
)

Role = ActivationMember.Role
AnyUser = User | AnonymousUser


class Action(StrEnum):
    VIEW = "view"  # overview: status, area, objectives, who is on duty
    VIEW_LOG = "view_log"
    WRITE_LOG = "write_log"
    EXPORT_LOG = "export_log"
    VIEW_ROSTER = "view_roster"
    SIGN_UP = "sign_up"  # put oneself on a shift, check in and out
    MANAGE_ROSTER = "manage_roster"  # create shifts, assign people
    MANAGE_MEMBERS = "manage_members"
    MANAGE = "manage"  # edit, open, standby, close, archive
    VIEW_POSTS = "view_posts"  # incoming posts and sources (monitoring)
    MANAGE_SOURCES = "manage_sources"  # add, edit, pause, resume, poll sources
    # --- volunteer workspace (issue 5) ---
    TRIAGE = "triage"  # claim queue items and decide on them
    TRIAGE_BULK = "triage_bulk"  # decide on a selection, filter the whole queue
    VIEW_ESCALATIONS = "view_escalations"
    ACKNOWLEDGE_ESCALATION = "acknowledge_escalation"
    VIEW_CASES = "view_cases"
    VERIFY = "verify"  # open cases, add evidence, grade, locate, propose a verdict
    REVIEW_VERDICT = "review_verdict"  # second reviewer (team leads; volunteers
    # with the verification skill are allowed by the service)
    VIEW_RUMOURS = "view_rumours"
    MANAGE_RUMOURS = "manage_rumours"  # record, link, change status, draft counters
    APPROVE_COUNTER_MESSAGE = "approve_counter_message"  # the authority's call
    # --- operational map (issue 6) ---
    VIEW_MAP = "view_map"  # liaisons see verified items only
    MANAGE_LAYERS = "manage_layers"  # upload, edit, delete reference layers
    MANAGE_INCIDENTS = "manage_incidents"  # confirm, merge, split, dismiss incidents
    EXPORT_MAP = "export_map"  # GeoJSON/KML/CSV/GeoPackage exports
    # --- reports, liaison portal, relay, public help, closing (issue 7) ---
    VIEW_REPORTS = "view_reports"  # liaisons and observers: published reports only
    EDIT_REPORTS = "edit_reports"  # draft, compose, edit, submit for review
    PUBLISH_REPORTS = "publish_reports"
    ACKNOWLEDGE_REPORTS = "acknowledge_reports"  # the authority's receipt
    VIEW_RFI = "view_rfi"  # requests for information
    ASK_RFI = "ask_rfi"  # the authority asks
    ANSWER_RFI = "answer_rfi"  # the team answers
    VIEW_RELAY = "view_relay"
    MANAGE_RELAY = "manage_relay"  # drafts per channel, publish
    APPROVE_RELAY = "approve_relay"  # the authority's call, when the agreement asks
    SUBMIT_OFFICIAL_MESSAGE = "submit_official_message"
    VIEW_PUBLIC_HELP = "view_public_help"  # reply templates, mutual-aid board
    MANAGE_PUBLIC_HELP = "manage_public_help"
    MANAGE_REPLY_TEMPLATES = "manage_reply_templates"
    VIEW_AFTER_ACTION = "view_after_action"
    # --- situational awareness (issue 8): search uses VIEW_POSTS ---
    MANAGE_SAVED_SEARCHES = "manage_saved_searches"  # save, share, edit, delete
    VIEW_SIGNALS = "view_signals"  # emerging signals and blind spots
    REVIEW_SIGNALS = "review_signals"  # confirm or dismiss a signal
    VIEW_DASHBOARD = "view_dashboard"
    # --- data protection (issue 9) ---
    VIEW_PROCESSING_RECORD = "view_processing_record"  # every role
    MANAGE_PROCESSING_RECORD = "manage_processing_record"  # coordinators
    # --- trust (issue 9) ---
    VIEW_AUDIT = "view_audit"  # the audit trail: coordinators only


_VOLUNTEER: Final = frozenset(
    {
        Action.VIEW,
        Action.VIEW_LOG,
        Action.WRITE_LOG,
        Action.VIEW_ROSTER,
        Action.SIGN_UP,
        Action.VIEW_POSTS,
        Action.TRIAGE,
        Action.VIEW_ESCALATIONS,
        Action.VIEW_CASES,
        Action.VERIFY,
        Action.REVIEW_VERDICT,
        Action.VIEW_RUMOURS,
        Action.VIEW_MAP,
        Action.VIEW_REPORTS,
        Action.VIEW_RFI,
        Action.ANSWER_RFI,
        Action.VIEW_RELAY,
        Action.VIEW_PUBLIC_HELP,
        Action.MANAGE_PUBLIC_HELP,
        Action.VIEW_AFTER_ACTION,
        Action.MANAGE_SAVED_SEARCHES,
        Action.VIEW_SIGNALS,
        Action.REVIEW_SIGNALS,
        Action.VIEW_DASHBOARD,
        Action.VIEW_PROCESSING_RECORD,
    }
)

# The authority's own calls: a coordinator of the team does not make them.
_AUTHORITY_ONLY: Final = frozenset(
    {
        Action.APPROVE_COUNTER_MESSAGE,
        Action.APPROVE_RELAY,
        Action.ACKNOWLEDGE_REPORTS,
        Action.ASK_RFI,
    }
)

ROLE_ACTIONS: Final[Mapping[str, frozenset[Action]]] = {
    # Coordinators do everything but approve counter-messages: that is the authority's.
    Role.COORDINATOR: frozenset(Action) - _AUTHORITY_ONLY,
    Role.TEAM_LEAD: _VOLUNTEER
    | {
        Action.EXPORT_LOG,
        Action.TRIAGE_BULK,
        Action.MANAGE_RUMOURS,
        Action.MANAGE_LAYERS,
        Action.MANAGE_INCIDENTS,
        Action.EXPORT_MAP,
        Action.EDIT_REPORTS,
        Action.MANAGE_RELAY,
        Action.SUBMIT_OFFICIAL_MESSAGE,
        Action.MANAGE_REPLY_TEMPLATES,
    },
    Role.VOLUNTEER: _VOLUNTEER,
    # The authority's liaison sees the activation, never the team's internals
    # (nor the raw queue of posts): escalations to acknowledge and rumours'
    # counter-messages to approve.
    Role.LIAISON: frozenset(
        {
            Action.VIEW,
            Action.VIEW_ESCALATIONS,
            Action.ACKNOWLEDGE_ESCALATION,
            Action.VIEW_RUMOURS,
            Action.APPROVE_COUNTER_MESSAGE,
            Action.VIEW_MAP,
            Action.EXPORT_MAP,
            Action.VIEW_REPORTS,
            Action.ACKNOWLEDGE_REPORTS,
            Action.VIEW_RFI,
            Action.ASK_RFI,
            Action.VIEW_RELAY,
            Action.APPROVE_RELAY,
            Action.SUBMIT_OFFICIAL_MESSAGE,
            Action.VIEW_AFTER_ACTION,
            Action.VIEW_PROCESSING_RECORD,
        }
    ),
    Role.OBSERVER: frozenset(
        {
            Action.VIEW,
            Action.VIEW_LOG,
            Action.VIEW_ROSTER,
            Action.VIEW_POSTS,
            Action.VIEW_ESCALATIONS,
            Action.VIEW_CASES,
            Action.VIEW_RUMOURS,
            Action.VIEW_MAP,
            Action.VIEW_REPORTS,
            Action.VIEW_RFI,
            Action.VIEW_PUBLIC_HELP,
            Action.VIEW_AFTER_ACTION,
            Action.VIEW_SIGNALS,
            Action.VIEW_DASHBOARD,
            Action.VIEW_PROCESSING_RECORD,
        }
    ),
}


def role_allows(role: str | None, action: Action) -> bool:
    return role is not None and action in ROLE_ACTIONS[role]


# --- organisations ----------------------------------------------------------
def coordinated_teams(user: AnyUser) -> QuerySet[Organisation]:
    """VOST teams the user coordinates."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        kind=Organisation.Kind.VOST_TEAM,
        members__user=user,
        members__role=OrganisationMember.Role.COORDINATOR,
    )


def organisations_visible_to(user: AnyUser) -> QuerySet[Organisation]:
    """Own organisations, partners of teams the user coordinates, and those they manage."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    teams = coordinated_teams(user).values("pk")
    return Organisation.objects.filter(
        Q(members__user=user)
        | Q(managed_by__in=teams)
        | Q(agreements_as_authority__vost_team__in=teams)
    ).distinct()


def organisation_can_manage(user: AnyUser, organisation: Organisation) -> bool:
    teams = set(coordinated_teams(user).values_list("pk", flat=True))
    if organisation.kind == Organisation.Kind.VOST_TEAM:
        return organisation.pk in teams
    return organisation.managed_by_id in teams


def organisation_get_for_user(
    *, user: AnyUser, organisation_id: int, manage: bool = False
) -> Organisation:
    """The organisation if the user may see it (404 otherwise); 403 if `manage` and they may not."""
    organisation = organisations_visible_to(user).filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404
    if manage and not organisation_can_manage(user, organisation):
        raise PermissionDenied
    return organisation


# --- agreements ---------------------------------------------------------------
def agreements_visible_to(user: AnyUser) -> QuerySet[Agreement]:
    """Agreements of teams the user coordinates, and of authorities the user belongs to."""
    if not user.is_authenticated:
        return Agreement.objects.none()
    return Agreement.objects.filter(
        Q(vost_team__in=coordinated_teams(user).values("pk"))
        | Q(authority__members__user=user)
    ).distinct()


def agreement_can_manage(user: AnyUser, agreement: Agreement) -> bool:
    return coordinated_teams(user).filter(pk=agreement.vost_team_id).exists()


def agreement_get_for_user(
    *, user: AnyUser, agreement_id: int, manage: bool = False
) -> Agreement:
    agreement = (
        agreements_visible_to(user)
        .select_related("vost_team", "authority")
        .filter(pk=agreement_id)
        .first()
    )
    if agreement is None:
        raise Http404
    if manage and not agreement_can_manage(user, agreement):
        raise PermissionDenied
    return agreement


# --- activations ----------------------------------------------------------------
def activation_role(*, user: AnyUser, activation: Activation) -> str | None:
    """The user's role in the activation: their membership, or coordinator of the lead team."""
    if not user.is_authenticated:
        return None
    member = ActivationMember.objects.filter(activation=activation, user=user).first()
    if member is not None:
        return member.role
    if coordinated_teams(user).filter(pk=activation.lead_team_id).exists():
        return Role.COORDINATOR
    return None


def activation_roles(
    *, user: AnyUser, activations: Iterable[Activation]
) -> dict[int, str]:
    """The user's role in each of `activations` (as activation_role, in two queries)."""
    activations = list(activations)
    if not user.is_authenticated or not activations:
        return {}
    roles: dict[int, str] = dict(
        ActivationMember.objects.filter(
            user=user, activation__in=[a.pk for a in activations]
        ).values_list("activation_id", "role")
    )
    teams = set(coordinated_teams(user).values_list("pk", flat=True))
    for activation in activations:
        if activation.pk not in roles and activation.lead_team_id in teams:
            roles[activation.pk] = Role.COORDINATOR
    return roles


def activations_visible_to(user: AnyUser) -> QuerySet[Activation]:
    if not user.is_authenticated:
        return Activation.objects.none()
    return Activation.objects.filter(
        Q(members__user=user) | Q(lead_team__in=coordinated_teams(user).values("pk"))
    ).distinct()


@functools.cache
def _access_sql() -> str:
    """The activation of a slug with the user's membership role and whether they
    coordinate its lead team (what the annotated queryset below asks)."""
    return f"""
        SELECT a.*,
               (SELECT m.role FROM {ActivationMember._meta.db_table} m
                WHERE m.activation_id = a.id AND m.user_id = %(user)s
                LIMIT 1) AS member_role,
               EXISTS (
                   SELECT 1 FROM {OrganisationMember._meta.db_table} om
                   JOIN {Organisation._meta.db_table} o ON o.id = om.organisation_id
                   WHERE om.organisation_id = a.lead_team_id AND o.kind = %(team)s
                     AND om.user_id = %(user)s AND om.role = %(coordinator)s
               ) AS coordinates_lead_team
        FROM {Activation._meta.db_table} a
        WHERE a.slug = %(slug)s
    """  # noqa: S608 (table names from the models, values bound as parameters)


def activation_get_for_user(
    *, user: AnyUser, slug: str, action: Action = Action.VIEW, related: bool = True
) -> Activation:
    """The activation, if the user has a role in it allowing `action`.

    Missing and not-a-member both raise Http404; a member without the right raises
    PermissionDenied. The role is attached as ``activation.viewer_role``. With
    ``related=False`` the agreement, lead team and authority are not read with it
    (they load on first use): for the API and the workspace's counters, which
    rarely need them and are most of the traffic.
    """
    if not user.is_authenticated:
        raise Http404
    # One query: the activation with the user's membership role and whether they
    # coordinate its lead team (every page and API call, and the workspace's
    # counters every few seconds, start here).
    activation: Activation | None
    if related:
        activation = (
            Activation.objects.select_related("agreement", "lead_team", "authority")
            .filter(slug=slug)
            .annotate(
                member_role=Subquery(
                    ActivationMember.objects.filter(
                        activation=OuterRef("pk"), user=user
                    ).values("role")[:1]
                ),
                coordinates_lead_team=Exists(
                    OrganisationMember.objects.filter(
                        organisation=OuterRef("lead_team"),
                        organisation__kind=Organisation.Kind.VOST_TEAM,
                        user=user,
                        role=OrganisationMember.Role.COORDINATOR,
                    )
                ),
            )
            .first()
        )
    else:
        # The same question in hand-written SQL: building and compiling the
        # queryset above costs about 1.4 ms of CPU, a third of a counters poll.
        found = list(
            Activation.objects.raw(
                _access_sql(),
                {
                    "slug": slug,
                    "user": user.pk,
                    "team": Organisation.Kind.VOST_TEAM.value,
                    "coordinator": OrganisationMember.Role.COORDINATOR.value,
                },
            )
        )
        activation = found[0] if found else None
    if activation is None:
        raise Http404
    # both ways of asking put the two answers on the activation
    role: str | None = getattr(activation, "member_role", None) or (
        Role.COORDINATOR
        if getattr(activation, "coordinates_lead_team", False)
        else None
    )
    if role is None:
        raise Http404
    if not role_allows(role, action):
        raise PermissionDenied
    activation.viewer_role = role  # type: ignore[attr-defined]
    return activation


def activation_allowed_actions(
    *, user: AnyUser, activation: Activation
) -> frozenset[Action]:
    role = getattr(activation, "viewer_role", None) or activation_role(
        user=user, activation=activation
    )
    return ROLE_ACTIONS[role] if role else frozenset()


def vost_team_can_create(user: AnyUser) -> bool:
    """Only staff create VOST teams; a team's coordinators record its authorities."""
    return user.is_authenticated and user.is_staff


# --- the REST API's face of the same rules -------------------------------------
class IsActivationMember(BasePermission):
    """DRF permission calling ``activation_get_for_user`` for the URL's ``slug``.

    The view maps HTTP methods to actions in ``activation_actions``; a method not
    listed needs Action.VIEW (a member then gets 405, a stranger 404). Missing and
    not-a-member raise Http404, the wrong role PermissionDenied. The activation,
    with its ``viewer_role``, is left on ``view.activation``.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not isinstance(user, User) or not user.is_authenticated:
            return False  # DRF answers 401
        actions: Mapping[str, Action] = getattr(view, "activation_actions", {})
        method = request.method or "GET"
        if method == "HEAD":  # Django answers HEAD with the GET handler
            method = "GET"
        view.activation = activation_get_for_user(  # type: ignore[attr-defined]
            user=user,
            slug=view.kwargs["slug"],
            action=actions.get(method, Action.VIEW),
            related=False,
        )
        return True
