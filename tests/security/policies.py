"""Who may use each URL: one declaration per URL name, checked by the security tests.

Adding a URL anywhere without a line in POLICIES fails tests/security/test_coverage.py.
A declaration says who may GET the URL (``get``) and who may use its unsafe methods
(``post``: POST, and for REST views every PUT/PATCH/DELETE they implement), each as
a set of principals (see tests/security/world.py):

    anonymous, outsider (logged in, no membership), staff, team_member (member of the
    lead team without a role in the activation), authority_member (liaison of the
    authority without a role in the activation) and the five activation roles
    coordinator, team_lead, volunteer, liaison, observer.

``get=None`` means the URL takes no GET (it answers 405 or refuses); ``post=None``
that it takes no unsafe method. ``act(Action.X)`` is every activation role whose
rights include X (activations/permissions.py ROLE_ACTIONS), the usual case.
URL arguments are filled from the world's objects: ``slug`` is the activation's,
other arguments follow ARGUMENTS below unless the policy's ``objects`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from activations.permissions import ROLE_ACTIONS, Action
from tests.security.world import (
    ACTIVATION_ROLES,
    ANONYMOUS,
    PRINCIPALS,
)

Principals = frozenset[str]

EVERYONE: Principals = frozenset(PRINCIPALS)
LOGGED_IN: Principals = EVERYONE - {ANONYMOUS}
NOBODY: Principals = frozenset()
# Coordinator of the lead team (the activation coordinator is one: make_member).
TEAM_COORDINATOR: Principals = frozenset({"coordinator"})


def act(action: Action) -> Principals:
    """The activation roles allowed `action`."""
    return frozenset(r for r in ACTIVATION_ROLES if action in ROLE_ACTIONS[r])


def roles(*names: str) -> Principals:
    unknown = set(names) - set(PRINCIPALS)
    assert not unknown, f"unknown principals {unknown}"
    return frozenset(names)


@dataclass(frozen=True)
class Policy:
    get: Principals | None
    post: Principals | None = None
    # argument -> object key in the world (overrides ARGUMENTS)
    objects: Mapping[str, str] = field(default_factory=dict)
    # Public on purpose (vost.permissions.public): kept in line with test_url_access.
    public: bool = False
    # Per unsafe method, when it differs from `post`.
    methods: Mapping[str, Principals] = field(default_factory=dict)
    # Left out of the generated requests, with the reason (tested elsewhere).
    skip: str = ""
    note: str = ""

    def allowed(self, method: str) -> Principals | None:
        """Who may use `method` (None: the URL does not take it)."""
        if method in {"GET", "HEAD"}:
            return self.get
        return self.methods.get(method, self.post)


# --- how URL arguments are filled ----------------------------------------------------
# argument name -> (object key in world.Side.objects, how to turn it into the value).
def pk_of(obj: Any) -> str:
    return str(obj.pk)


def _number(obj: Any) -> str:
    return str(obj.number)


def _version(obj: Any) -> str:
    return str(obj.version)


def _layer_collection(obj: Any) -> str:
    return f"layer-{obj.pk}"


def _raw(obj: Any) -> str:
    return str(obj)


Converter = Callable[[Any], str]
ARGUMENTS: dict[str, tuple[str, Converter]] = {
    "organisation_id": ("organisation", pk_of),
    "agreement_id": ("agreement", pk_of),
    "contact_id": ("agreement_contact", pk_of),
    "shift_id": ("shift", pk_of),
    "assignment_id": ("assignment", pk_of),
    "user_id": ("member", pk_of),
    "source_id": ("source", pk_of),
    "cluster_id": ("cluster", pk_of),
    "decision_id": ("decision", pk_of),
    "escalation_id": ("escalation", pk_of),
    "layer_id": ("layer", pk_of),
    "export_id": ("export", pk_of),
    "message_id": ("message", pk_of),
    "task_id": ("task", pk_of),
    "entry_id": ("aid_entry", pk_of),
    "template_id": ("template", pk_of),
    "saved_id": ("saved_search", pk_of),
    "signal_id": ("signal", pk_of),
    "team_id": ("team", pk_of),
    "invitation_id": ("invitation", pk_of),
    "application_id": ("application", pk_of),
    "record_id": ("training_record", pk_of),
    "collection_id": ("layer", _layer_collection),
    "feature_id": ("layer_feature", pk_of),
    "version": ("report", _version),
    "token": ("invitation_token", _raw),
    "token_id": ("api_token", pk_of),
}
# Arguments whose object depends on the URL (given per policy in `objects`):
# number (case, rumour, incident, report, rfi), entry_id (log entry), pk.
CONVERTERS: dict[str, Converter] = {"number": _number}
# The URL arguments naming an object: what the IDOR tests swap between A and B
# (every argument but the slug and the public links' uidb64).
ID_ARGUMENTS = frozenset(ARGUMENTS) | {"number", "pk", "entry_id"}

POLICIES: dict[str, Policy] = {
    "home": Policy(get=LOGGED_IN),
    "healthz": Policy(get=EVERYONE, public=True),
    "readyz": Policy(
        get=EVERYONE,
        public=True,
        skip="asks the Celery worker (2 s, 503 without one): tests/vost/test_health.py",
    ),
    "accounts:login": Policy(get=EVERYONE, post=EVERYONE, public=True),
    "accounts:logout": Policy(
        get=None,
        post=LOGGED_IN,
        skip="signing out sends everyone to the login page by design (tests/accounts)",
    ),
    "accounts:profile": Policy(get=LOGGED_IN, post=LOGGED_IN),
    "accounts:two-factor": Policy(get=LOGGED_IN),
    "accounts:two-factor-setup": Policy(get=LOGGED_IN, post=LOGGED_IN),
    "accounts:two-factor-verify": Policy(get=LOGGED_IN, post=LOGGED_IN),
    "accounts:two-factor-backup-codes": Policy(get=None, post=LOGGED_IN),
    "accounts:two-factor-disable": Policy(get=None, post=LOGGED_IN),
    "accounts:api-tokens": Policy(get=LOGGED_IN, post=LOGGED_IN),
    "accounts:api-token-revoke": Policy(get=None, post=roles("volunteer")),
    "accounts:password-change": Policy(get=LOGGED_IN, post=LOGGED_IN),
    "accounts:password-change-done": Policy(get=LOGGED_IN),
    "accounts:password-reset": Policy(get=EVERYONE, post=EVERYONE, public=True),
    "accounts:password-reset-done": Policy(get=EVERYONE, public=True),
    "accounts:password-reset-confirm": Policy(
        get=EVERYONE,
        post=EVERYONE,
        objects={"uidb64": "password_reset", "token": "password_reset"},
        public=True,
    ),
    "accounts:password-reset-complete": Policy(get=EVERYONE, public=True),
    "accounts:set-language": Policy(get=None, post=EVERYONE, public=True),
    "accounts:notifications": Policy(get=LOGGED_IN),
    "accounts:notifications-mark-read": Policy(get=None, post=LOGGED_IN),
    "activations:organisation-list": Policy(get=LOGGED_IN),
    "activations:organisation-create": Policy(
        get=roles("staff", "coordinator"), post=roles("staff", "coordinator")
    ),
    "activations:organisation-detail": Policy(
        get=roles("authority_member", "coordinator", "liaison")
    ),
    "activations:organisation-edit": Policy(
        get=TEAM_COORDINATOR, post=TEAM_COORDINATOR
    ),
    "activations:organisation-contact-create": Policy(
        get=TEAM_COORDINATOR, post=TEAM_COORDINATOR
    ),
    "activations:organisation-contact-edit": Policy(
        get=TEAM_COORDINATOR,
        post=TEAM_COORDINATOR,
        objects={"contact_id": "organisation_contact"},
    ),
    "activations:organisation-contact-delete": Policy(
        get=None, post=TEAM_COORDINATOR, objects={"contact_id": "organisation_contact"}
    ),
    "activations:organisation-member-add": Policy(get=None, post=TEAM_COORDINATOR),
    "activations:organisation-member-remove": Policy(
        get=None,
        post=NOBODY,
        note="without a member named in the form every answer is 403/404; the coordinator's right is tested in tests/activations/test_partners_views.py",
    ),
    "activations:agreement-list": Policy(get=LOGGED_IN),
    "activations:agreement-create": Policy(get=TEAM_COORDINATOR, post=TEAM_COORDINATOR),
    "activations:agreement-detail": Policy(
        get=roles("authority_member", "coordinator", "liaison")
    ),
    "activations:agreement-edit": Policy(get=TEAM_COORDINATOR, post=TEAM_COORDINATOR),
    "activations:agreement-status": Policy(get=None, post=TEAM_COORDINATOR),
    "activations:agreement-document": Policy(
        get=roles("authority_member", "coordinator", "liaison")
    ),
    "activations:agreement-contact-create": Policy(
        get=TEAM_COORDINATOR, post=TEAM_COORDINATOR
    ),
    "activations:agreement-contact-edit": Policy(
        get=TEAM_COORDINATOR, post=TEAM_COORDINATOR
    ),
    "activations:agreement-contact-delete": Policy(get=None, post=TEAM_COORDINATOR),
    "activations:activation-list": Policy(get=LOGGED_IN),
    "activations:activation-create": Policy(
        get=act(Action.MANAGE), post=act(Action.MANAGE)
    ),
    "activations:activation-detail": Policy(get=act(Action.VIEW)),
    "activations:activation-edit": Policy(
        get=act(Action.MANAGE), post=act(Action.MANAGE)
    ),
    "activations:activation-transition": Policy(get=None, post=act(Action.MANAGE)),
    "activations:activation-members": Policy(
        get=act(Action.MANAGE_MEMBERS), post=act(Action.MANAGE_MEMBERS)
    ),
    "activations:activation-member-remove": Policy(
        get=None, post=act(Action.MANAGE_MEMBERS)
    ),
    "activations:activation-team-add": Policy(
        get=None, post=act(Action.MANAGE_MEMBERS)
    ),
    "activations:roster": Policy(get=act(Action.VIEW_ROSTER)),
    "activations:roster-shift-create": Policy(
        get=act(Action.MANAGE_ROSTER), post=act(Action.MANAGE_ROSTER)
    ),
    "activations:roster-shift-edit": Policy(
        get=act(Action.MANAGE_ROSTER), post=act(Action.MANAGE_ROSTER)
    ),
    "activations:roster-shift-sign-up": Policy(get=None, post=act(Action.SIGN_UP)),
    "activations:roster-shift-assign": Policy(get=None, post=act(Action.MANAGE_ROSTER)),
    "activations:roster-assignment-withdraw": Policy(
        get=None, post=roles("coordinator", "volunteer")
    ),
    "activations:roster-assignment-check-in": Policy(get=None, post=roles("volunteer")),
    "activations:roster-assignment-check-out": Policy(
        get=roles("volunteer"), post=roles("volunteer")
    ),
    "activations:coverage": Policy(get=act(Action.VIEW_ROSTER)),
    "activations:my-shifts": Policy(get=LOGGED_IN),
    "activations:volunteer-profile": Policy(get=LOGGED_IN, post=LOGGED_IN),
    "activations:volunteer-charter-accept": Policy(get=None, post=LOGGED_IN),
    "activations:log": Policy(get=act(Action.VIEW_LOG), post=act(Action.WRITE_LOG)),
    "activations:log-export": Policy(get=act(Action.EXPORT_LOG)),
    "monitoring:source-list": Policy(get=act(Action.VIEW_POSTS)),
    "monitoring:source-create": Policy(
        get=act(Action.MANAGE_SOURCES), post=act(Action.MANAGE_SOURCES)
    ),
    "monitoring:source-edit": Policy(
        get=act(Action.MANAGE_SOURCES), post=act(Action.MANAGE_SOURCES)
    ),
    "monitoring:source-state": Policy(get=None, post=act(Action.MANAGE_SOURCES)),
    "monitoring:source-poll": Policy(get=None, post=act(Action.MANAGE_SOURCES)),
    "monitoring:post-list": Policy(get=act(Action.VIEW_POSTS)),
    "monitoring:triage": Policy(get=act(Action.TRIAGE)),
    "monitoring:triage-counts": Policy(get=act(Action.TRIAGE)),
    "monitoring:triage-next": Policy(get=None, post=act(Action.TRIAGE)),
    "monitoring:triage-undo": Policy(get=None, post=act(Action.TRIAGE)),
    "monitoring:triage-bulk": Policy(get=None, post=act(Action.TRIAGE_BULK)),
    "monitoring:triage-item": Policy(get=act(Action.TRIAGE)),
    "monitoring:triage-decide": Policy(get=None, post=act(Action.TRIAGE)),
    "monitoring:triage-renew": Policy(get=None, post=act(Action.TRIAGE)),
    "monitoring:triage-release": Policy(get=None, post=act(Action.TRIAGE)),
    "monitoring:escalation-list": Policy(get=act(Action.VIEW_ESCALATIONS)),
    "monitoring:escalation-detail": Policy(get=act(Action.VIEW_ESCALATIONS)),
    "monitoring:escalation-acknowledge": Policy(
        get=None, post=act(Action.ACKNOWLEDGE_ESCALATION)
    ),
    "verification:case-list": Policy(get=act(Action.VIEW_CASES)),
    "verification:case-create": Policy(get=act(Action.VERIFY), post=act(Action.VERIFY)),
    "verification:case-detail": Policy(
        get=act(Action.VIEW_CASES), objects={"number": "case"}
    ),
    "verification:case-start": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "verification:case-assign": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "verification:case-evidence-add": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "verification:case-grade": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "verification:case-locate": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "verification:case-propose": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "verification:case-review": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "verification:case-withdraw": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "verification:case-reopen": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "verification:rumour-list": Policy(get=act(Action.VIEW_RUMOURS)),
    "verification:rumour-create": Policy(
        get=act(Action.MANAGE_RUMOURS), post=act(Action.MANAGE_RUMOURS)
    ),
    "verification:rumour-detail": Policy(
        get=act(Action.VIEW_RUMOURS), objects={"number": "rumour"}
    ),
    "verification:rumour-status": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "verification:rumour-link": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "verification:rumour-unlink": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "verification:rumour-counter-save": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "verification:rumour-counter-submit": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "verification:rumour-counter-withdraw": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "verification:rumour-counter-decide": Policy(
        get=None, post=act(Action.APPROVE_COUNTER_MESSAGE), objects={"number": "rumour"}
    ),
    "verification:rumour-relay-add": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "mapping:map": Policy(get=act(Action.VIEW_MAP)),
    "mapping:map-data": Policy(get=act(Action.VIEW_MAP)),
    "mapping:map-item": Policy(
        get=act(Action.VIEW_MAP), objects={"cluster_id": "map_item_cluster"}
    ),
    "mapping:layer-list": Policy(
        get=act(Action.VIEW_MAP), post=act(Action.MANAGE_LAYERS)
    ),
    "mapping:layer-detail": Policy(
        get=act(Action.VIEW_MAP), post=act(Action.MANAGE_LAYERS)
    ),
    "mapping:layer-geojson": Policy(get=act(Action.VIEW_MAP)),
    "mapping:incident-list": Policy(get=act(Action.VIEW_MAP)),
    "mapping:incidents-propose": Policy(get=None, post=act(Action.MANAGE_INCIDENTS)),
    "mapping:incidents-geojson": Policy(get=act(Action.VIEW_MAP)),
    "mapping:incident-detail": Policy(
        get=act(Action.VIEW_MAP), objects={"number": "incident"}
    ),
    "mapping:incident-confirm": Policy(
        get=None, post=act(Action.MANAGE_INCIDENTS), objects={"number": "incident"}
    ),
    "mapping:incident-dismiss": Policy(
        get=None, post=act(Action.MANAGE_INCIDENTS), objects={"number": "incident"}
    ),
    "mapping:incident-split": Policy(
        get=None, post=act(Action.MANAGE_INCIDENTS), objects={"number": "incident"}
    ),
    "mapping:incident-merge": Policy(
        get=None, post=act(Action.MANAGE_INCIDENTS), objects={"number": "incident"}
    ),
    "mapping:export-list": Policy(
        get=act(Action.EXPORT_MAP), post=act(Action.EXPORT_MAP)
    ),
    "mapping:export-download": Policy(get=act(Action.EXPORT_MAP)),
    "ogc:landing": Policy(get=act(Action.VIEW_MAP)),
    "ogc:conformance": Policy(get=act(Action.VIEW_MAP)),
    "ogc:api": Policy(get=act(Action.VIEW_MAP)),
    "ogc:api-docs": Policy(get=act(Action.VIEW_MAP)),
    "ogc:api-docs-script": Policy(get=act(Action.VIEW_MAP)),
    "ogc:collections": Policy(get=act(Action.VIEW_MAP)),
    "ogc:collection": Policy(get=act(Action.VIEW_MAP)),
    "ogc:items": Policy(get=act(Action.VIEW_MAP)),
    "ogc:item": Policy(get=act(Action.VIEW_MAP)),
    "reports:report-list": Policy(get=act(Action.VIEW_REPORTS)),
    "reports:report-compose": Policy(get=None, post=act(Action.EDIT_REPORTS)),
    "reports:report-latest": Policy(
        get=act(Action.VIEW_REPORTS), objects={"number": "report"}
    ),
    "reports:report-detail": Policy(
        get=act(Action.VIEW_REPORTS), objects={"number": "report"}
    ),
    "reports:report-edit": Policy(
        get=act(Action.EDIT_REPORTS),
        post=act(Action.EDIT_REPORTS),
        objects={"number": "report"},
    ),
    "reports:report-refresh": Policy(
        get=None, post=act(Action.EDIT_REPORTS), objects={"number": "report"}
    ),
    "reports:report-submit": Policy(
        get=None, post=act(Action.EDIT_REPORTS), objects={"number": "report"}
    ),
    "reports:report-return": Policy(
        get=None, post=act(Action.PUBLISH_REPORTS), objects={"number": "report"}
    ),
    "reports:report-publish": Policy(
        get=None, post=act(Action.PUBLISH_REPORTS), objects={"number": "report"}
    ),
    "reports:report-correct": Policy(
        get=None, post=act(Action.EDIT_REPORTS), objects={"number": "report"}
    ),
    "reports:report-acknowledge": Policy(
        get=None, post=act(Action.ACKNOWLEDGE_REPORTS), objects={"number": "report"}
    ),
    "reports:report-map": Policy(
        get=act(Action.VIEW_MAP), objects={"number": "report"}
    ),
    "reports:report-pdf": Policy(
        get=act(Action.VIEW_REPORTS), objects={"number": "report"}
    ),
    "reports:report-json": Policy(
        get=act(Action.VIEW_REPORTS), objects={"number": "report"}
    ),
    "portal:home": Policy(get=LOGGED_IN),
    "portal:activation": Policy(get=act(Action.VIEW), post=act(Action.ASK_RFI)),
    "portal:rfi-list": Policy(get=act(Action.VIEW_RFI)),
    "portal:rfi-detail": Policy(get=act(Action.VIEW_RFI), objects={"number": "rfi"}),
    "portal:rfi-answer": Policy(
        get=None, post=act(Action.ANSWER_RFI), objects={"number": "rfi"}
    ),
    "portal:rfi-assign": Policy(
        get=None, post=act(Action.ANSWER_RFI), objects={"number": "rfi"}
    ),
    "portal:rfi-close": Policy(
        get=None, post=act(Action.ASK_RFI), objects={"number": "rfi"}
    ),
    "relay:message-list": Policy(get=act(Action.VIEW_RELAY)),
    "relay:message-create": Policy(get=None, post=act(Action.SUBMIT_OFFICIAL_MESSAGE)),
    "relay:outbox": Policy(get=act(Action.VIEW_RELAY)),
    "relay:settings": Policy(
        get=act(Action.MANAGE_RELAY), post=act(Action.MANAGE_RELAY)
    ),
    "relay:message-detail": Policy(get=act(Action.VIEW_RELAY)),
    "relay:message-drafts": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "relay:task-edit": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "relay:task-request-approval": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "relay:task-approve": Policy(get=None, post=act(Action.APPROVE_RELAY)),
    "relay:task-publish": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "relay:task-link": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "relay:task-cancel": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "publichelp:home": Policy(get=act(Action.VIEW_PUBLIC_HELP)),
    "publichelp:entry-new": Policy(
        get=act(Action.MANAGE_PUBLIC_HELP), post=act(Action.MANAGE_PUBLIC_HELP)
    ),
    "publichelp:entry-detail": Policy(get=act(Action.VIEW_PUBLIC_HELP)),
    "publichelp:entry-match": Policy(get=None, post=act(Action.MANAGE_PUBLIC_HELP)),
    "publichelp:entry-status": Policy(get=None, post=act(Action.MANAGE_PUBLIC_HELP)),
    "publichelp:replies": Policy(get=act(Action.VIEW_PUBLIC_HELP)),
    "publichelp:replies-manage": Policy(
        get=act(Action.MANAGE_REPLY_TEMPLATES), post=act(Action.MANAGE_REPLY_TEMPLATES)
    ),
    "publichelp:reply-new": Policy(
        get=act(Action.MANAGE_REPLY_TEMPLATES), post=act(Action.MANAGE_REPLY_TEMPLATES)
    ),
    "publichelp:reply-edit": Policy(
        get=act(Action.MANAGE_REPLY_TEMPLATES), post=act(Action.MANAGE_REPLY_TEMPLATES)
    ),
    "publichelp:reply-customise": Policy(
        get=None, post=act(Action.MANAGE_REPLY_TEMPLATES)
    ),
    "publichelp:reply-active": Policy(
        get=None, post=act(Action.MANAGE_REPLY_TEMPLATES)
    ),
    "closure:after-action": Policy(get=act(Action.VIEW_AFTER_ACTION)),
    "closure:lessons-update": Policy(get=None, post=act(Action.EDIT_REPORTS)),
    "closure:after-action-pdf": Policy(get=act(Action.VIEW_AFTER_ACTION)),
    "search:search": Policy(get=act(Action.VIEW_POSTS)),
    "search:saved-create": Policy(get=None, post=act(Action.MANAGE_SAVED_SEARCHES)),
    "search:saved-update": Policy(get=None, post=act(Action.MANAGE_SAVED_SEARCHES)),
    "search:saved-delete": Policy(get=None, post=act(Action.MANAGE_SAVED_SEARCHES)),
    "search:saved-follow": Policy(get=None, post=act(Action.VIEW_POSTS)),
    "signals:list": Policy(get=act(Action.VIEW_SIGNALS)),
    "signals:blind-spots": Policy(get=act(Action.VIEW_SIGNALS)),
    "signals:confirm": Policy(get=None, post=act(Action.REVIEW_SIGNALS)),
    "signals:dismiss": Policy(get=None, post=act(Action.REVIEW_SIGNALS)),
    "dashboards:dashboard": Policy(get=act(Action.VIEW_DASHBOARD)),
    "campaigns:list": Policy(get=roles("authority_member", "coordinator", "liaison")),
    "campaigns:message-create": Policy(get=TEAM_COORDINATOR, post=TEAM_COORDINATOR),
    "campaigns:message-edit": Policy(
        get=TEAM_COORDINATOR,
        post=TEAM_COORDINATOR,
        objects={"pk": "prevention_message"},
    ),
    "campaigns:message-approve": Policy(
        get=None, post=TEAM_COORDINATOR, objects={"pk": "prevention_message"}
    ),
    "campaigns:campaign-create": Policy(get=TEAM_COORDINATOR, post=TEAM_COORDINATOR),
    "campaigns:campaign-detail": Policy(
        get=roles("authority_member", "coordinator", "liaison"),
        objects={"pk": "campaign"},
    ),
    "campaigns:campaign-approve": Policy(
        get=None, post=roles("authority_member", "liaison"), objects={"pk": "campaign"}
    ),
    "campaigns:campaign-withdraw": Policy(
        get=None, post=roles("authority_member", "liaison"), objects={"pk": "campaign"}
    ),
    "campaigns:campaign-cancel": Policy(
        get=None, post=TEAM_COORDINATOR, objects={"pk": "campaign"}
    ),
    "campaigns:post-link": Policy(
        get=None, post=TEAM_COORDINATOR, objects={"pk": "scheduled_post"}
    ),
    "campaigns:watch-convert": Policy(get=TEAM_COORDINATOR, post=TEAM_COORDINATOR),
    "onboarding:home": Policy(get=TEAM_COORDINATOR),
    "onboarding:my-training": Policy(get=LOGGED_IN),
    "onboarding:invite": Policy(get=None, post=TEAM_COORDINATOR),
    "onboarding:invitation-revoke": Policy(get=None, post=TEAM_COORDINATOR),
    "onboarding:application-approve": Policy(get=None, post=TEAM_COORDINATOR),
    "onboarding:application-reject": Policy(get=None, post=TEAM_COORDINATOR),
    "onboarding:training": Policy(get=TEAM_COORDINATOR, post=TEAM_COORDINATOR),
    "onboarding:training-edit": Policy(get=TEAM_COORDINATOR, post=TEAM_COORDINATOR),
    "onboarding:readiness": Policy(get=TEAM_COORDINATOR),
    "onboarding:apply": Policy(
        get=EVERYONE, post=EVERYONE, objects={"organisation_id": "team"}, public=True
    ),
    "onboarding:apply-sent": Policy(
        get=EVERYONE, objects={"organisation_id": "team"}, public=True
    ),
    "onboarding:accept": Policy(get=EVERYONE, post=EVERYONE, public=True),
    "audit:activation-audit": Policy(get=act(Action.MANAGE)),
    "audit:activation-audit-csv": Policy(get=act(Action.MANAGE)),
    "audit:team-audit": Policy(get=TEAM_COORDINATOR),
    "audit:team-audit-csv": Policy(get=TEAM_COORDINATOR),
    "privacy:record": Policy(get=act(Action.VIEW)),
    "privacy:record-edit": Policy(get=None, post=act(Action.MANAGE)),
    "privacy:record-json": Policy(get=act(Action.VIEW)),
    "privacy:record-print": Policy(get=act(Action.VIEW)),
    "privacy:record-pdf": Policy(get=act(Action.VIEW)),
    "privacy:requests": Policy(
        get=TEAM_COORDINATOR,
        post=TEAM_COORDINATOR,
        objects={"organisation_id": "team", "number": "subject_request"},
    ),
    "privacy:request-detail": Policy(
        get=TEAM_COORDINATOR,
        objects={"organisation_id": "team", "number": "subject_request"},
    ),
    "privacy:request-find": Policy(
        get=None,
        post=TEAM_COORDINATOR,
        objects={"organisation_id": "team", "number": "subject_request"},
    ),
    "privacy:request-approve": Policy(
        get=None,
        post=TEAM_COORDINATOR,
        objects={"organisation_id": "team", "number": "subject_request"},
    ),
    "privacy:request-complete": Policy(
        get=None,
        post=TEAM_COORDINATOR,
        objects={"organisation_id": "team", "number": "subject_request"},
    ),
    "privacy:request-refuse": Policy(
        get=None,
        post=TEAM_COORDINATOR,
        objects={"organisation_id": "team", "number": "subject_request"},
    ),
    "privacy:request-data": Policy(
        get=NOBODY,
        objects={"organisation_id": "team", "number": "subject_request"},
        note="404 for everyone until an access request is completed (no data yet)",
    ),
    "api-me": Policy(get=LOGGED_IN, post=LOGGED_IN),
    "api-notification-list": Policy(get=LOGGED_IN),
    "api-notification-mark-read": Policy(get=None, post=LOGGED_IN),
    "api-organisation-list": Policy(
        get=LOGGED_IN,
        post=LOGGED_IN,
        note="POST validates first: who may create what depends on kind and managed_by",
    ),
    "api-organisation-detail": Policy(
        get=roles("authority_member", "coordinator", "liaison"), post=TEAM_COORDINATOR
    ),
    "api-organisation-contacts": Policy(
        get=roles("authority_member", "coordinator", "liaison"), post=TEAM_COORDINATOR
    ),
    "api-agreement-list": Policy(get=LOGGED_IN, post=TEAM_COORDINATOR),
    "api-agreement-detail": Policy(
        get=roles("authority_member", "coordinator", "liaison"), post=TEAM_COORDINATOR
    ),
    "api-agreement-status": Policy(get=None, post=TEAM_COORDINATOR),
    "api-activation-list": Policy(get=LOGGED_IN, post=act(Action.MANAGE)),
    "api-activation-detail": Policy(get=act(Action.VIEW), post=act(Action.MANAGE)),
    "api-activation-transition": Policy(get=None, post=act(Action.MANAGE)),
    "api-activation-members": Policy(
        get=act(Action.VIEW_ROSTER), post=act(Action.MANAGE_MEMBERS)
    ),
    "api-activation-member": Policy(get=None, post=act(Action.MANAGE_MEMBERS)),
    "api-activation-supporting-teams": Policy(
        get=None, post=act(Action.MANAGE_MEMBERS)
    ),
    "api-shift-list": Policy(
        get=act(Action.VIEW_ROSTER), post=act(Action.MANAGE_ROSTER)
    ),
    "api-coverage": Policy(get=act(Action.VIEW_ROSTER)),
    "api-shift-detail": Policy(
        get=act(Action.VIEW_ROSTER), post=act(Action.MANAGE_ROSTER)
    ),
    "api-shift-signup": Policy(
        get=None,
        post=act(Action.SIGN_UP),
        methods={"DELETE": roles("volunteer")},
        note="DELETE withdraws one's own sign-up",
    ),
    "api-shift-assign": Policy(get=None, post=act(Action.MANAGE_ROSTER)),
    "api-assignment-check-in": Policy(get=None, post=act(Action.SIGN_UP)),
    "api-assignment-check-out": Policy(get=None, post=act(Action.SIGN_UP)),
    "api-my-shifts": Policy(get=LOGGED_IN),
    "api-log": Policy(get=act(Action.VIEW_LOG), post=act(Action.WRITE_LOG)),
    "api-log-entry": Policy(
        get=act(Action.VIEW_LOG), objects={"entry_id": "log_entry"}
    ),
    "api-post-list": Policy(get=act(Action.VIEW_POSTS)),
    "api-source-list": Policy(
        get=act(Action.VIEW_POSTS), post=act(Action.MANAGE_SOURCES)
    ),
    "api-source-detail": Policy(
        get=act(Action.VIEW_POSTS), post=act(Action.MANAGE_SOURCES)
    ),
    "api-triage-next": Policy(get=None, post=act(Action.TRIAGE)),
    "api-triage-item-list": Policy(get=act(Action.TRIAGE_BULK)),
    "api-triage-item-detail": Policy(get=act(Action.TRIAGE)),
    "api-triage-renew": Policy(get=None, post=act(Action.TRIAGE)),
    "api-triage-release": Policy(get=None, post=act(Action.TRIAGE)),
    "api-triage-decide": Policy(get=None, post=act(Action.TRIAGE)),
    "api-triage-undo": Policy(get=None, post=act(Action.TRIAGE)),
    "api-triage-bulk": Policy(get=None, post=act(Action.TRIAGE_BULK)),
    "api-triage-counts": Policy(get=act(Action.TRIAGE)),
    "api-escalation-list": Policy(get=act(Action.VIEW_ESCALATIONS)),
    "api-escalation-detail": Policy(get=act(Action.VIEW_ESCALATIONS)),
    "api-escalation-acknowledge": Policy(
        get=None, post=act(Action.ACKNOWLEDGE_ESCALATION)
    ),
    "api-case-list": Policy(get=act(Action.VIEW_CASES), post=act(Action.VERIFY)),
    "api-case-detail": Policy(get=act(Action.VIEW_CASES), objects={"number": "case"}),
    "api-case-start": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "api-case-assign": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "api-case-evidence-add": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "api-case-grade": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "api-case-locate": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "api-case-propose": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "api-case-review": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "api-case-withdraw": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "api-case-reopen": Policy(
        get=None, post=act(Action.VERIFY), objects={"number": "case"}
    ),
    "api-rumour-list": Policy(
        get=act(Action.VIEW_RUMOURS), post=act(Action.MANAGE_RUMOURS)
    ),
    "api-rumour-detail": Policy(
        get=act(Action.VIEW_RUMOURS), objects={"number": "rumour"}
    ),
    "api-rumour-status": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "api-rumour-link": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "api-rumour-unlink": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "api-rumour-counter-save": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "api-rumour-counter-submit": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "api-rumour-counter-withdraw": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "api-rumour-counter-decide": Policy(
        get=None, post=act(Action.APPROVE_COUNTER_MESSAGE), objects={"number": "rumour"}
    ),
    "api-rumour-relay-add": Policy(
        get=None, post=act(Action.MANAGE_RUMOURS), objects={"number": "rumour"}
    ),
    "api-map-data": Policy(get=act(Action.VIEW_MAP)),
    "api-map-layer-list": Policy(
        get=act(Action.VIEW_MAP), post=act(Action.MANAGE_LAYERS)
    ),
    "api-map-layer-detail": Policy(
        get=act(Action.VIEW_MAP), post=act(Action.MANAGE_LAYERS)
    ),
    "api-map-layer-geojson": Policy(get=act(Action.VIEW_MAP)),
    "api-map-incident-list": Policy(get=act(Action.VIEW_MAP)),
    "api-map-incident-propose": Policy(get=None, post=act(Action.MANAGE_INCIDENTS)),
    "api-map-incident-detail": Policy(
        get=act(Action.VIEW_MAP), objects={"number": "incident"}
    ),
    "api-map-incident-confirm": Policy(
        get=None, post=act(Action.MANAGE_INCIDENTS), objects={"number": "incident"}
    ),
    "api-map-incident-dismiss": Policy(
        get=None, post=act(Action.MANAGE_INCIDENTS), objects={"number": "incident"}
    ),
    "api-map-incident-merge": Policy(
        get=None, post=act(Action.MANAGE_INCIDENTS), objects={"number": "incident"}
    ),
    "api-map-incident-split": Policy(
        get=None, post=act(Action.MANAGE_INCIDENTS), objects={"number": "incident"}
    ),
    "api-map-export-list": Policy(
        get=act(Action.EXPORT_MAP), post=act(Action.EXPORT_MAP)
    ),
    "api-map-export-detail": Policy(get=act(Action.EXPORT_MAP)),
    "api-map-export-download": Policy(get=act(Action.EXPORT_MAP)),
    "api-report-list": Policy(get=act(Action.VIEW_REPORTS)),
    "api-report-compose": Policy(get=None, post=act(Action.EDIT_REPORTS)),
    "api-report-detail": Policy(
        get=act(Action.VIEW_REPORTS),
        post=act(Action.EDIT_REPORTS),
        objects={"number": "report"},
    ),
    "api-report-submit": Policy(
        get=None, post=act(Action.EDIT_REPORTS), objects={"number": "report"}
    ),
    "api-report-publish": Policy(
        get=None, post=act(Action.PUBLISH_REPORTS), objects={"number": "report"}
    ),
    "api-report-correct": Policy(
        get=None, post=act(Action.EDIT_REPORTS), objects={"number": "report"}
    ),
    "api-report-acknowledge": Policy(
        get=None, post=act(Action.ACKNOWLEDGE_REPORTS), objects={"number": "report"}
    ),
    "api-report-pdf": Policy(
        get=act(Action.VIEW_REPORTS), objects={"number": "report"}
    ),
    "api-report-json": Policy(
        get=act(Action.VIEW_REPORTS), objects={"number": "report"}
    ),
    "api-rfi-list": Policy(get=act(Action.VIEW_RFI), post=act(Action.ASK_RFI)),
    "api-rfi-detail": Policy(get=act(Action.VIEW_RFI), objects={"number": "rfi"}),
    "api-rfi-answer": Policy(
        get=None, post=act(Action.ANSWER_RFI), objects={"number": "rfi"}
    ),
    "api-rfi-assign": Policy(
        get=None, post=act(Action.ANSWER_RFI), objects={"number": "rfi"}
    ),
    "api-rfi-close": Policy(
        get=None, post=act(Action.ASK_RFI), objects={"number": "rfi"}
    ),
    "api-rfi-withdraw": Policy(
        get=None, post=act(Action.ASK_RFI), objects={"number": "rfi"}
    ),
    "api-relay-message-list": Policy(
        get=act(Action.VIEW_RELAY), post=act(Action.SUBMIT_OFFICIAL_MESSAGE)
    ),
    "api-relay-message-detail": Policy(get=act(Action.VIEW_RELAY)),
    "api-relay-task-list": Policy(get=act(Action.VIEW_RELAY)),
    "api-relay-task-draft": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "api-relay-task-request-approval": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "api-relay-task-approve": Policy(get=None, post=act(Action.APPROVE_RELAY)),
    "api-relay-task-publish": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "api-relay-task-link": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "api-relay-task-cancel": Policy(get=None, post=act(Action.MANAGE_RELAY)),
    "api-help-entry-list": Policy(
        get=act(Action.VIEW_PUBLIC_HELP), post=act(Action.MANAGE_PUBLIC_HELP)
    ),
    "api-help-entry-detail": Policy(get=act(Action.VIEW_PUBLIC_HELP)),
    "api-help-entry-matches": Policy(get=act(Action.VIEW_PUBLIC_HELP)),
    "api-help-entry-match": Policy(get=None, post=act(Action.MANAGE_PUBLIC_HELP)),
    "api-help-entry-status": Policy(get=None, post=act(Action.MANAGE_PUBLIC_HELP)),
    "api-help-reply-list": Policy(get=act(Action.VIEW_PUBLIC_HELP)),
    "api-after-action": Policy(
        get=act(Action.VIEW_AFTER_ACTION), post=act(Action.EDIT_REPORTS)
    ),
    "api-after-action-pdf": Policy(get=act(Action.VIEW_AFTER_ACTION)),
    "api-post-search": Policy(get=act(Action.VIEW_POSTS)),
    "api-saved-search-list": Policy(
        get=act(Action.VIEW_POSTS), post=act(Action.MANAGE_SAVED_SEARCHES)
    ),
    "api-saved-search-detail": Policy(
        get=act(Action.VIEW_POSTS), post=act(Action.MANAGE_SAVED_SEARCHES)
    ),
    "api-saved-search-follow": Policy(get=None, post=act(Action.VIEW_POSTS)),
    "api-signal-list": Policy(get=act(Action.VIEW_SIGNALS)),
    "api-signal-blind-spots": Policy(get=act(Action.VIEW_SIGNALS)),
    "api-signal-confirm": Policy(get=None, post=act(Action.REVIEW_SIGNALS)),
    "api-signal-dismiss": Policy(get=None, post=act(Action.REVIEW_SIGNALS)),
    "api-dashboard": Policy(get=act(Action.VIEW_DASHBOARD)),
    "api-campaign-list": Policy(
        get=roles("authority_member", "coordinator", "liaison")
    ),
    "api-campaign-detail": Policy(
        get=roles("authority_member", "coordinator", "liaison"),
        objects={"pk": "campaign"},
    ),
    "api-activation-audit": Policy(get=act(Action.MANAGE)),
    "api-team-audit": Policy(get=TEAM_COORDINATOR, objects={"organisation_id": "team"}),
    "api-privacy-record": Policy(get=act(Action.VIEW), post=act(Action.MANAGE)),
    "api-schema": Policy(get=LOGGED_IN),
    "api-docs": Policy(get=LOGGED_IN),
}
