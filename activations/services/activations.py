"""Activations: request, edit (optimistic locking), lifecycle, supporting teams."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import (
    Activation,
    Agreement,
    LogEntry,
    Organisation,
)
from activations.services._common import _clean, log
from activations.services.agreements import agreement_check_covers
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)


ACTIVATION_FIELDS = frozenset(
    {
        "title",
        "kind",
        "missions",
        "area",
        "objectives",
        "escalation_criteria",
        "report_cadence_hours",
        "triage_lease_minutes",
        "escalation_renotify_minutes",
        "languages",
        "timezone",
        "requester_name",
        "requester_contact",
    }
)


@transaction.atomic
def activation_create(
    *,
    by: User,
    agreement: Agreement,
    slug: str,
    open_now: bool = False,
    **fields: Any,
) -> Activation:
    """Record a request for activation under an agreement (and open it at once if asked)."""
    unknown = set(fields) - ACTIVATION_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields {sorted(unknown)}")
    agreement_check_covers(
        agreement=agreement,
        missions=fields.get("missions", []),
        area=fields.get("area"),
    )
    activation = Activation(
        slug=slug,
        agreement=agreement,
        lead_team=agreement.vost_team,
        authority=agreement.authority,
        **fields,
    )
    _clean(activation)
    try:
        with transaction.atomic():
            activation.save()
    except IntegrityError as exc:
        raise DomainError(
            _("An activation with this short name already exists.")
        ) from exc
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.STATUS,
        text=_("Activation requested by %(authority)s under agreement %(ref)s.")
        % {"authority": agreement.authority, "ref": agreement.reference},
    )
    if open_now:
        activation = activation_transition(
            by=by,
            activation=activation,
            to=Activation.Status.ACTIVE,
            version=activation.version,
        )
    return activation


def _bump(activation: Activation, version: int, **changes: Any) -> Activation:
    """Conditional UPDATE on the version: the second of two concurrent edits is refused."""
    updated = Activation.objects.filter(pk=activation.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if updated != 1:
        raise ConflictError(
            _(
                "Someone else changed this activation meanwhile. Reload the page and try again."
            )
        )
    activation.refresh_from_db()
    return activation


@transaction.atomic
def activation_update(
    *, by: User, activation: Activation, version: int, **fields: Any
) -> Activation:
    """Edit an activation's details; re-checks the agreement when missions or area change."""
    unknown = set(fields) - ACTIVATION_FIELDS
    if unknown:
        raise TypeError(f"unexpected fields {sorted(unknown)}")
    candidate = Activation.objects.get(pk=activation.pk)
    for name, value in fields.items():
        setattr(candidate, name, value)
    _clean(candidate, exclude=["slug"])
    if "missions" in fields or "area" in fields:
        agreement_check_covers(
            agreement=candidate.agreement,
            missions=candidate.missions,
            area=candidate.area,
        )
    activation = _bump(activation, version, **fields)
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.DECISION,
        text=_("Activation details updated: %(fields)s.")
        % {"fields": ", ".join(sorted(fields))},
    )
    return activation


ACTIVATION_TRANSITIONS: dict[str, frozenset[str]] = {
    Activation.Status.REQUESTED: frozenset(
        {Activation.Status.ACTIVE, Activation.Status.CLOSED}
    ),
    Activation.Status.ACTIVE: frozenset(
        {Activation.Status.STANDBY, Activation.Status.CLOSED}
    ),
    Activation.Status.STANDBY: frozenset(
        {Activation.Status.ACTIVE, Activation.Status.CLOSED}
    ),
    Activation.Status.CLOSED: frozenset({Activation.Status.ARCHIVED}),
    Activation.Status.ARCHIVED: frozenset(),
}


@transaction.atomic
def activation_transition(
    *, by: User, activation: Activation, to: str, version: int, reason: str = ""
) -> Activation:
    """Move along requested → active ⇄ standby → closed → archived, checking each step's rule."""
    current = Activation.objects.select_for_update().get(pk=activation.pk)
    if to not in ACTIVATION_TRANSITIONS[current.status]:
        raise DomainError(
            _("An activation cannot go from “%(old)s” to “%(new)s”.")
            % {"old": current.get_status_display(), "new": Activation.Status(to).label}
        )
    changes: dict[str, Any] = {"status": to}
    if to == Activation.Status.ACTIVE:
        agreement_check_covers(
            agreement=current.agreement, missions=current.missions, area=current.area
        )
        if current.activated_at is None:
            changes["activated_at"] = timezone.now()
    if to == Activation.Status.CLOSED:
        if not reason.strip():
            raise DomainError(_("Say why the activation is closed."))
        # Closing needs a published final report (closure owns the rule); imported
        # here because closure's services build on these ones.
        from closure.services import closing_check

        closing_check(current)
        changes["closed_at"] = timezone.now()
        changes["close_reason"] = reason.strip()
    old_status = current.status  # _bump refreshes `current`
    activation = _bump(current, version, **changes)
    text = _("Status: %(old)s → %(new)s.") % {
        "old": Activation.Status(old_status).label,
        "new": Activation.Status(to).label,
    }
    if reason.strip():
        text += " " + _("Reason: %(reason)s") % {"reason": reason.strip()}
    log(activation=activation, author=by, kind=LogEntry.Kind.STATUS, text=text)
    if to == Activation.Status.CLOSED:
        from closure.services import activation_closed

        activation_closed(activation=activation, by=by)
    logger.info(
        "activation %s: %s -> %s by user %s", activation.pk, old_status, to, by.pk
    )
    return activation


@transaction.atomic
def activation_supporting_team_add(
    *, by: User, activation: Activation, team: Organisation
) -> None:
    """A supporting team needs its own agreement in force with the same authority."""
    if team.kind != Organisation.Kind.VOST_TEAM or team.pk == activation.lead_team_id:
        raise DomainError(_("Only another VOST team can support an activation."))
    agreements = Agreement.objects.filter(
        vost_team=team, authority=activation.authority_id
    )
    for agreement in agreements:
        try:
            agreement_check_covers(
                agreement=agreement, missions=activation.missions, area=activation.area
            )
        except DomainError:
            continue
        activation.supporting_teams.add(team)
        log(
            activation=activation,
            author=by,
            kind=LogEntry.Kind.MEMBERSHIP,
            text=_("%(team)s supports the activation (agreement %(ref)s).")
            % {"team": team, "ref": agreement.reference},
        )
        return
    raise DomainError(
        _(
            "%(team)s has no agreement in force with %(authority)s covering these missions and this area."
        )
        % {"team": team, "authority": activation.authority}
    )
