"""Verification cases: open, work (evidence, grade, location), and close with a verdict
that a second, different person confirms when it is "verified", "false" or
"misleading" (four-eyes).

Every change locks the case row (``select_for_update``), checks the version the
person was looking at when one is given (stale → ConflictError, nothing saved),
bumps ``version`` and writes a CaseEvent: the history is complete and never edited.
Callers have already checked the action through ``case_get_for_user``; the rules
that depend on the person (second reviewer, leads) are checked here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, Final

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify_translated
from activations.models import Activation, ActivationMember, LogEntry, Skill
from activations.permissions import Action, activation_role, role_allows
from activations.services._common import log
from audit import services as audit
from mapping import sync as map_sync
from monitoring.models import Cluster, Post
from verification.models import Case, CaseEvent, Credibility, Evidence, Reliability
from verification.permissions import case_can_review, case_is_lead
from vost.exceptions import ConflictError, DomainError

Role = ActivationMember.Role

# pg_advisory_xact_lock(namespace, activation id): numbering is per activation.
_NUMBER_LOCK: Final = 0x43415345  # "CASE"
MAX_CLAIM: Final = 2000
MAX_NOTE: Final = 5000
MAX_RADIUS_M: Final = 500_000
# Precision given to a location taken from the post, by how the post was located.
POST_RADIUS_M: Final[dict[str, int]] = {
    Post.LocationSource.PLATFORM: 100,
    Post.LocationSource.GEOPARSED: 5000,
    Post.LocationSource.OFFICIAL: 10_000,
}
DEFAULT_POST_RADIUS_M: Final = 5000


class CaseNotAllowed(DomainError):
    """The person's role or skills do not allow this change (answered as 403)."""

    code = "permission_denied"
    status_code = 403


# --- plumbing ---------------------------------------------------------------------
def _lock(case: Case, version: int | None) -> Case:
    """The case row, locked until the transaction ends; ConflictError when `version`
    is given and is not the current one."""
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("activation", "post", "proposed_by", "assigned_to")
        .get(pk=case.pk)
    )
    if version is not None and locked.version != version:
        raise ConflictError(
            _(
                "Someone changed case #%(number)s while you were looking at it. "
                "Nothing was saved: check the page again and redo your change."
            )
            % {"number": locked.number}
        )
    return locked


def _event(
    case: Case,
    *,
    by: User | None,
    kind: str,
    text: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, user=by, kind=kind, text=text, data=data or {}
    )


def _save(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    map_sync.schedule([case.cluster_id])


def _refuse_if_closed(case: Case) -> None:
    if case.status in Case.FINAL:
        raise DomainError(
            _("Case #%(number)s is closed (%(status)s); reopen it first.")
            % {"number": case.number, "status": case.get_status_display()},
            code="case_closed",
        )


def _begin(case: Case, *, by: User) -> list[str]:
    """Move an unverified case to "in progress" when work starts on it (and give it
    to whoever started if nobody has it). Returns the changed fields."""
    changed: list[str] = []
    if case.status == Case.Status.UNVERIFIED:
        case.status = Case.Status.IN_PROGRESS
        changed.append("status")
        _event(
            case,
            by=by,
            kind=CaseEvent.Kind.STATUS,
            text=_("Work started."),
            data={"old": Case.Status.UNVERIFIED, "new": Case.Status.IN_PROGRESS},
        )
    if case.assigned_to_id is None:
        case.assigned_to = by
        changed.append("assigned_to")
        _event(
            case,
            by=by,
            kind=CaseEvent.Kind.ASSIGNED,
            text=_("Assigned to %(name)s.") % {"name": by.display_name},
            data={"old": None, "new": by.pk},
        )
    return changed


def _clean_text(value: str, *, required: str, limit: int = MAX_NOTE) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(required, code="required")
    if len(text) > limit:
        raise DomainError(
            _("Keep it under %(limit)s characters.") % {"limit": limit},
            code="too_long",
        )
    return text


def _case_url(case: Case) -> str:
    return reverse("verification:case-detail", args=[case.activation.slug, case.number])


def _notify_translated(
    *,
    users: Iterable[User],
    kind: str,
    texts: Callable[[], tuple[str, str]],
    case: Case,
    level: str,
) -> None:
    """Notify `users` about `case`, with the (title, body) of `texts` in each
    user's language."""
    notify_translated(
        users=users,
        texts=texts,
        kind=kind,
        url=_case_url(case),
        activation=case.activation,
        level=level,
    )


def case_reviewers(
    *, activation: Activation, exclude: User | None = None
) -> list[User]:
    """Members who may confirm a verdict: coordinators, team leads, and volunteers
    with the verification skill (active accounts only), minus `exclude`."""
    members = (
        ActivationMember.objects.filter(activation=activation, user__is_active=True)
        .filter(
            Q(role__in=[Role.COORDINATOR, Role.TEAM_LEAD])
            | Q(
                role=Role.VOLUNTEER,
                user__volunteer_profile__skills__contains=[Skill.VERIFICATION],
            )
        )
        .select_related("user")
        .order_by("user__username")
    )
    return [m.user for m in members if exclude is None or m.user_id != exclude.pk]


# --- opening ------------------------------------------------------------------------
def _next_number(activation: Activation) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::int, %s::int)",
            [_NUMBER_LOCK, activation.pk],
        )
    last = Case.objects.filter(activation=activation).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


@transaction.atomic
def case_open(
    *,
    activation: Activation,
    by: User,
    claim: str,
    cluster: Cluster | None = None,
    category: str = "",
) -> Case:
    """Open a case, numbered per activation; for a queue item, idempotent: the item's
    existing case is returned unchanged. The post's location, if any, is taken as a
    first guess. Writes an "opened" event and a log entry."""
    post: Post | None = None
    if cluster is not None:
        # Lock the item: two "needs verification" at once must not open two cases.
        locked = (
            Cluster.objects.select_for_update(of=("self",))
            .select_related("representative")
            .filter(pk=cluster.pk, activation=activation)
            .first()
        )
        if locked is None:
            raise DomainError(
                _("This queue item does not belong to this activation."),
                code="invalid",
            )
        existing = Case.objects.filter(cluster=locked).first()
        if existing is not None:
            existing.activation = activation
            return existing
        post = locked.representative
        category = category or locked.category
        if not (claim or "").strip() and post is not None:
            claim = post.text[:280]
    text = _clean_text(
        claim,
        required=_("Say what has to be verified, in a sentence or two."),
        limit=MAX_CLAIM,
    )
    case = Case(
        activation=activation,
        number=_next_number(activation),
        cluster=cluster,
        post=post,
        claim=text,
        category=(category or "")[:20],
        status=Case.Status.UNVERIFIED,
        opened_by=by,
    )
    if post is not None and post.location is not None:
        case.location = Point(post.location.x, post.location.y, srid=4326)
        case.location_radius_m = POST_RADIUS_M.get(
            post.location_source, DEFAULT_POST_RADIUS_M
        )
        case.location_source = Case.LocationSource.POST
        case.place_name = post.place_name[:200]
    case.save()
    map_sync.schedule([case.cluster_id])
    _event(
        case,
        by=by,
        kind=CaseEvent.Kind.OPENED,
        text=text,
        data={"cluster": cluster.pk if cluster else None},
    )
    log(
        activation=activation,
        text=_("Verification case #%(number)s opened: %(claim)s")
        % {"number": case.number, "claim": text[:200]},
        kind=LogEntry.Kind.SYSTEM,
        author=by,
    )
    return case


# --- working on it --------------------------------------------------------------
@transaction.atomic
def case_start(*, case: Case, by: User, version: int | None = None) -> Case:
    """Unverified → in progress; the case goes to `by` if nobody has it."""
    case = _lock(case, version)
    _refuse_if_closed(case)
    if case.status != Case.Status.UNVERIFIED:
        raise ConflictError(
            _("Case #%(number)s is already in progress.") % {"number": case.number}
        )
    _save(case, *_begin(case, by=by))
    return case


@transaction.atomic
def case_assign(
    *, case: Case, by: User, assignee: User | None, version: int | None = None
) -> Case:
    """Give the case to `assignee` (None: to nobody). Anyone working on cases may take
    one for themselves; giving it to someone else, or taking it from someone, is for
    coordinators and team leads. The assignee must be able to verify."""
    case = _lock(case, version)
    _refuse_if_closed(case)
    activation = case.activation
    if case.assigned_to_id == (assignee.pk if assignee else None):
        return case  # nothing to change (a double click)
    if not case_is_lead(user=by, activation=activation):
        # self-service: take a free case, or let go of one's own
        takes_free = (
            assignee is not None
            and assignee.pk == by.pk
            and case.assigned_to_id in (None, by.pk)
        )
        lets_go = assignee is None and case.assigned_to_id == by.pk
        if not (takes_free or lets_go):
            raise CaseNotAllowed(
                _(
                    "Only a coordinator or a team lead can give a case to someone "
                    "else or take it from them."
                )
            )
    if assignee is not None and not role_allows(
        activation_role(user=assignee, activation=activation), Action.VERIFY
    ):
        raise DomainError(
            _("%(name)s cannot work on verification cases in this activation.")
            % {"name": assignee.display_name},
            code="invalid",
        )
    old = case.assigned_to_id
    case.assigned_to = assignee
    _event(
        case,
        by=by,
        kind=CaseEvent.Kind.ASSIGNED,
        text=(
            _("Assigned to %(name)s.") % {"name": assignee.display_name}
            if assignee
            else _("Nobody is assigned any more.")
        ),
        data={"old": old, "new": assignee.pk if assignee else None},
    )
    _save(case, "assigned_to")
    return case


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    message = _("Give a web address starting with http:// or https://.")
    if not url.lower().startswith(("http://", "https://")) or len(url) > 1000:
        raise DomainError(message, code="invalid_url")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise DomainError(message, code="invalid_url") from None
    return url


@transaction.atomic
def evidence_add(
    *,
    case: Case,
    by: User,
    kind: str,
    finding: str = Evidence.Finding.INCONCLUSIVE,
    url: str = "",
    note: str,
) -> Evidence:
    """Record one check made on the case (what, where, what it showed)."""
    case = _lock(case, None)
    _refuse_if_closed(case)
    if kind not in Evidence.Kind.values:
        raise DomainError(_("Choose what kind of check this is."), code="invalid")
    if finding not in Evidence.Finding.values:
        raise DomainError(_("Choose what the check showed."), code="invalid")
    link = _check_url(url)
    text = _clean_text(note, required=_("Describe what you checked and found."))
    evidence = Evidence.objects.create(
        case=case, kind=kind, finding=finding, url=link, note=text, author=by
    )
    changed = _begin(case, by=by)
    _event(
        case,
        by=by,
        kind=CaseEvent.Kind.EVIDENCE,
        text=f"{evidence.get_kind_display()} — {evidence.get_finding_display()}: {text}",
        data={"evidence": evidence.pk, "kind": kind, "finding": finding, "url": link},
    )
    _save(case, *changed)
    return evidence


@transaction.atomic
def case_grade(
    *,
    case: Case,
    by: User,
    reliability: str,
    credibility: int,
    version: int | None,
) -> Case:
    """Set the Admiralty grade (source reliability A to F, information credibility 1 to 6)."""
    case = _lock(case, version)
    _refuse_if_closed(case)
    if reliability not in Reliability.values:
        raise DomainError(_("Choose the reliability of the source (A to F)."))
    try:
        credibility = int(credibility)
    except (TypeError, ValueError):
        credibility = 0
    if credibility not in Credibility.values:
        raise DomainError(_("Choose the credibility of the information (1 to 6)."))
    if case.reliability == reliability and case.credibility == credibility:
        return case
    old = case.grade
    case.reliability, case.credibility = reliability, credibility
    changed = _begin(case, by=by)
    _event(
        case,
        by=by,
        kind=CaseEvent.Kind.GRADE,
        text=_("Grade %(grade)s.") % {"grade": case.grade},
        data={"old": old, "new": case.grade},
    )
    _save(case, "reliability", "credibility", *changed)
    return case


@transaction.atomic
def case_locate(
    *,
    case: Case,
    by: User,
    point: Point | None,
    radius_m: int | None,
    source: str,
    place_name: str = "",
    version: int | None,
) -> Case:
    """Set where the claim happened (a point with a precision radius), or clear it
    with ``point=None``."""
    case = _lock(case, version)
    _refuse_if_closed(case)
    old = {
        "point": list(case.location.coords) if case.location else None,
        "radius_m": case.location_radius_m,
        "source": case.location_source,
        "place_name": case.place_name,
    }
    if point is None:
        if case.location is None:
            return case
        case.location, case.location_radius_m = None, None
        case.location_source, case.place_name = "", ""
        text = _("Location cleared.")
    else:
        lon, lat = float(point.x), float(point.y)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise DomainError(
                _(
                    "This point is off the map: longitude must be between -180 and "
                    "180, latitude between -90 and 90."
                ),
                code="invalid_point",
            )
        if radius_m is None or not 1 <= int(radius_m) <= MAX_RADIUS_M:
            raise DomainError(
                _("Give the precision as a radius between 1 m and %(max)s m.")
                % {"max": MAX_RADIUS_M},
                code="invalid_radius",
            )
        if source not in Case.LocationSource.values:
            raise DomainError(_("Say where the location comes from."), code="invalid")
        name = (place_name or "").strip()[:200]
        case.location = Point(lon, lat, srid=4326)
        case.location_radius_m = int(radius_m)
        case.location_source = source
        case.place_name = name
        text = _("Located %(where)s (± %(radius)s m, %(source)s).") % {
            "where": name or f"{lat:.5f}, {lon:.5f}",
            "radius": case.location_radius_m,
            "source": case.get_location_source_display(),
        }
    changed = _begin(case, by=by)
    _event(
        case,
        by=by,
        kind=CaseEvent.Kind.LOCATION,
        text=text,
        data={
            "old": old,
            "new": {
                "point": list(case.location.coords) if case.location else None,
                "radius_m": case.location_radius_m,
                "source": case.location_source,
                "place_name": case.place_name,
            },
        },
    )
    _save(
        case,
        "location",
        "location_radius_m",
        "location_source",
        "place_name",
        *changed,
    )
    return case


# --- verdicts ---------------------------------------------------------------------
def _close(case: Case, *, status: str, at: dt.datetime) -> None:
    case.status = status
    case.closed_at = at


def _log_verdict(case: Case, *, by: User, text: str) -> None:
    log(activation=case.activation, text=text, kind=LogEntry.Kind.DECISION, author=by)


def _audit_verdict(case: Case, *, by: User, summary: str) -> None:
    """The verdict's row in the audit trail (same transaction)."""
    audit.record(
        action=audit.Action.VERDICT,
        actor=by,
        activation=case.activation,
        obj=case,
        summary=f"case={case.number} {summary}",
    )


@transaction.atomic
def case_propose_verdict(
    *, case: Case, by: User, status: str, note: str, version: int | None
) -> Case:
    """Propose a verdict. "Unverifiable" closes the case at once; "verified", "false"
    and "misleading" wait for a second, different reviewer, who is notified."""
    case = _lock(case, version)
    _refuse_if_closed(case)
    if case.awaiting_review:
        raise ConflictError(
            _(
                "A verdict (%(status)s) proposed by %(name)s is already waiting for "
                "review: withdraw it or wait for the review."
            )
            % {
                "status": case.get_proposed_status_display(),
                "name": case.proposed_by.display_name if case.proposed_by else "?",
            }
        )
    if status not in Case.FINAL:
        raise DomainError(
            _("Choose a verdict: verified, false, misleading or unverifiable."),
            code="invalid",
        )
    if not case.evidence.exists():
        raise DomainError(
            _("Add at least one piece of evidence before proposing a verdict."),
            code="no_evidence",
        )
    reasoning = _clean_text(
        note, required=_("Explain the verdict in a sentence or two.")
    )
    now = timezone.now()
    changed = _begin(case, by=by)
    label = Case.Status(status).label
    if status == Case.Status.UNVERIFIABLE:
        old = case.status
        _close(case, status=status, at=now)
        case.proposed_status, case.proposed_by, case.proposed_at = "", None, None
        case.proposal_note, case.reviewed_by = reasoning, None
        _event(
            case,
            by=by,
            kind=CaseEvent.Kind.STATUS,
            text=_("Closed as unverifiable: %(note)s") % {"note": reasoning},
            data={"old": old, "new": status},
        )
        _save(
            case,
            "status",
            "closed_at",
            "proposed_status",
            "proposed_by",
            "proposed_at",
            "proposal_note",
            "reviewed_by",
            *changed,
        )
        _log_verdict(
            case,
            by=by,
            text=_("Verification case #%(number)s closed as unverifiable.")
            % {"number": case.number},
        )
        _audit_verdict(case, by=by, summary=f"closed={status}")
        return case
    case.proposed_status, case.proposed_by, case.proposed_at = status, by, now
    case.proposal_note, case.reviewed_by = reasoning, None
    _event(
        case,
        by=by,
        kind=CaseEvent.Kind.PROPOSED,
        text=f"{label}: {reasoning}",
        data={"proposed": status},
    )
    _save(
        case,
        "proposed_status",
        "proposed_by",
        "proposed_at",
        "proposal_note",
        "reviewed_by",
        *changed,
    )
    _audit_verdict(case, by=by, summary=f"proposed={status}")
    _notify_translated(
        users=case_reviewers(activation=case.activation, exclude=by),
        kind="case_review",
        texts=lambda: (
            _("Case #%(number)s: a verdict waits for your review")
            % {"number": case.number},
            _("%(name)s proposes “%(status)s”: %(claim)s")
            % {
                "name": by.display_name,
                "status": Case.Status(status).label,
                "claim": case.claim[:300],
            },
        ),
        case=case,
        level="action",
    )
    return case


@transaction.atomic
def case_review(
    *, case: Case, by: User, approve: bool, note: str = "", version: int | None
) -> Case:
    """Second review of a proposed verdict: confirm it (the case closes) or send it
    back with a note (the case is in progress again). The reviewer differs from the
    proposer and is a coordinator, a team lead or has the verification skill."""
    case = _lock(case, version)
    if not case.awaiting_review or case.proposed_by is None:
        raise ConflictError(
            _(
                "No verdict is waiting for review on case #%(number)s: it was "
                "reviewed or withdrawn meanwhile."
            )
            % {"number": case.number}
        )
    if case.proposed_by_id == by.pk:
        raise DomainError(
            _(
                "You proposed this verdict; a second, different reviewer must "
                "confirm it."
            ),
            code="same_reviewer",
        )
    if not case_can_review(user=by, activation=case.activation):
        raise CaseNotAllowed(
            _(
                "Only a coordinator, a team lead or a volunteer with the "
                "verification skill can review a verdict."
            )
        )
    proposer = case.proposed_by
    proposed = Case.Status(case.proposed_status)
    number = case.number
    now = timezone.now()
    remark = (note or "").strip()[:MAX_NOTE]
    if approve:
        old = case.status
        _close(case, status=proposed, at=now)
        case.reviewed_by = by
        # The proposal is no longer pending; proposed_by/at and the reasoning stay
        # as the record (the database checks that reviewer ≠ proposer).
        case.proposed_status = ""
        _event(
            case,
            by=by,
            kind=CaseEvent.Kind.CONFIRMED,
            text=f"{proposed.label}" + (f": {remark}" if remark else ""),
            data={"old": old, "new": proposed.value, "proposed_by": proposer.pk},
        )
        _save(case, "status", "closed_at", "reviewed_by", "proposed_status")
        _audit_verdict(
            case, by=by, summary=f"confirmed={proposed.value} proposer={proposer.pk}"
        )
        _log_verdict(
            case,
            by=by,
            text=_(
                "Verification case #%(number)s: verdict “%(status)s” confirmed by "
                "%(reviewer)s (proposed by %(proposer)s)."
            )
            % {
                "number": case.number,
                "status": proposed.label,
                "reviewer": by.display_name,
                "proposer": proposer.display_name,
            },
        )
    else:
        remark = _clean_text(
            note, required=_("Say why you send the verdict back, so it can be fixed.")
        )
        case.status = Case.Status.IN_PROGRESS
        case.proposed_status, case.proposed_by, case.proposed_at = "", None, None
        case.proposal_note = ""
        _event(
            case,
            by=by,
            kind=CaseEvent.Kind.REJECTED,
            text=f"{proposed.label}: {remark}",
            data={"proposed": proposed.value, "proposed_by": proposer.pk},
        )
        _save(
            case,
            "status",
            "proposed_status",
            "proposed_by",
            "proposed_at",
            "proposal_note",
        )
        _audit_verdict(
            case, by=by, summary=f"sent_back={proposed.value} proposer={proposer.pk}"
        )

    def texts() -> tuple[str, str]:
        names = {"name": by.display_name, "status": proposed.label, "note": remark}
        if approve:
            return (
                _("Case #%(number)s: your verdict was confirmed") % {"number": number},
                _("%(name)s confirmed “%(status)s”.") % names,
            )
        return (
            _("Case #%(number)s: your verdict was sent back") % {"number": number},
            _("%(name)s sent “%(status)s” back: %(note)s") % names,
        )

    _notify_translated(
        users=[proposer], kind="case_reviewed", texts=texts, case=case, level="info"
    )
    return case


@transaction.atomic
def case_withdraw_proposal(*, case: Case, by: User, version: int | None) -> Case:
    """Take back a verdict still waiting for review (its proposer, or a lead)."""
    case = _lock(case, version)
    if not case.awaiting_review:
        raise ConflictError(
            _("No verdict is waiting for review on case #%(number)s.")
            % {"number": case.number}
        )
    if case.proposed_by_id != by.pk and not case_is_lead(
        user=by, activation=case.activation
    ):
        raise CaseNotAllowed(
            _("Only whoever proposed the verdict, or a lead, can withdraw it.")
        )
    proposed = Case.Status(case.proposed_status)
    case.proposed_status, case.proposed_by, case.proposed_at = "", None, None
    case.proposal_note = ""
    _event(
        case,
        by=by,
        kind=CaseEvent.Kind.WITHDRAWN,
        text=str(proposed.label),
        data={"proposed": proposed.value},
    )
    _save(case, "proposed_status", "proposed_by", "proposed_at", "proposal_note")
    return case


@transaction.atomic
def case_reopen(*, case: Case, by: User, note: str, version: int | None) -> Case:
    """Back to "in progress" from a verdict (coordinators and team leads), with why."""
    case = _lock(case, version)
    if not case_is_lead(user=by, activation=case.activation):
        raise CaseNotAllowed(
            _("Only a coordinator or a team lead can reopen a closed case.")
        )
    if case.status not in Case.FINAL:
        raise ConflictError(
            _("Case #%(number)s is not closed.") % {"number": case.number}
        )
    reason = _clean_text(note, required=_("Say why the case is reopened."))
    old = case.status
    case.status = Case.Status.IN_PROGRESS
    case.closed_at, case.reviewed_by = None, None
    case.proposed_status, case.proposed_by, case.proposed_at = "", None, None
    case.proposal_note = ""
    _event(
        case,
        by=by,
        kind=CaseEvent.Kind.STATUS,
        text=_("Reopened: %(note)s") % {"note": reason},
        data={"old": old, "new": Case.Status.IN_PROGRESS},
    )
    _save(
        case,
        "status",
        "closed_at",
        "reviewed_by",
        "proposed_status",
        "proposed_by",
        "proposed_at",
        "proposal_note",
    )
    _audit_verdict(case, by=by, summary=f"reopened was={old}")
    log(
        activation=case.activation,
        text=_("Verification case #%(number)s reopened (was “%(status)s”): %(note)s")
        % {
            "number": case.number,
            "status": Case.Status(old).label,
            "note": reason[:200],
        },
        kind=LogEntry.Kind.DECISION,
        author=by,
    )
    return case
