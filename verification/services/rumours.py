"""Every write on the rumour register: record a rumour, link queue items and cases,
follow its status, the counter-message the authority approves, where it was relayed.

Callers have already checked access (``verification.permissions_rumours``); the
functions here enforce the domain rules and raise ``DomainError`` (400),
``ConflictError`` (409: stale version, already done by someone else) or
``NotAllowed`` (403). Each is atomic, locks the rumour row it changes and writes a
``RumourEvent``; a refused change leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import notify_translated
from activations.models import Activation, ActivationMember, LogEntry
from activations.permissions import Action, activation_role, role_allows
from activations.selectors import members_with_roles
from activations.services._common import log
from monitoring.models import Cluster, Post
from verification.models import Case, Relay, Rumour, RumourEvent
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

Role = ActivationMember.Role
CounterStatus = Rumour.CounterStatus

MAX_CLAIM = 2000
MAX_COUNTER = 5000
MAX_NOTE = 2000
# A relay may be recorded a little ahead of the server's clock (phones drift).
RELAY_FUTURE_SLACK = dt.timedelta(minutes=5)


class EventKind(StrEnum):
    """What a RumourEvent records (RumourEvent.kind)."""

    CREATED = "created"
    STATUS = "status"
    ITEM_LINKED = "item_linked"
    ITEM_UNLINKED = "item_unlinked"
    CASE_LINKED = "case_linked"
    CASE_UNLINKED = "case_unlinked"
    COUNTER_SAVED = "counter_saved"
    COUNTER_SUBMITTED = "counter_submitted"
    COUNTER_WITHDRAWN = "counter_withdrawn"
    COUNTER_APPROVED = "counter_approved"
    COUNTER_REJECTED = "counter_rejected"
    RELAY = "relay"


EVENT_LABELS: dict[str, Any] = {
    EventKind.CREATED: gettext_lazy("Recorded"),
    EventKind.STATUS: gettext_lazy("Status changed"),
    EventKind.ITEM_LINKED: gettext_lazy("Item linked"),
    EventKind.ITEM_UNLINKED: gettext_lazy("Item unlinked"),
    EventKind.CASE_LINKED: gettext_lazy("Case linked"),
    EventKind.CASE_UNLINKED: gettext_lazy("Case unlinked"),
    EventKind.COUNTER_SAVED: gettext_lazy("Counter-message saved"),
    EventKind.COUNTER_SUBMITTED: gettext_lazy("Counter-message submitted"),
    EventKind.COUNTER_WITHDRAWN: gettext_lazy("Counter-message withdrawn"),
    EventKind.COUNTER_APPROVED: gettext_lazy("Counter-message approved"),
    EventKind.COUNTER_REJECTED: gettext_lazy("Counter-message rejected"),
    EventKind.RELAY: gettext_lazy("Relayed"),
}

# What the authority's liaison sees of the history (not the team's internals).
LIAISON_EVENT_KINDS = frozenset(
    {
        EventKind.STATUS,
        EventKind.COUNTER_SUBMITTED,
        EventKind.COUNTER_WITHDRAWN,
        EventKind.COUNTER_APPROVED,
        EventKind.COUNTER_REJECTED,
        EventKind.RELAY,
    }
)


class NotAllowed(DomainError):
    """The person's role does not allow this step (views check first; this is the
    service's own guard)."""

    code = "permission_denied"
    status_code = 403


# --- helpers ----------------------------------------------------------------------
def _locked(rumour: Rumour) -> Rumour:
    """The rumour's row, locked until the end of the transaction."""
    current = (
        Rumour.objects.select_for_update(of=("self",))
        .select_related("activation")
        .get(pk=rumour.pk)
    )
    return current


def _check_version(current: Rumour, version: int) -> None:
    if current.version != version:
        raise ConflictError(
            _(
                "Someone else changed this rumour meanwhile (R%(number)s). "
                "Reload the page, check their change and try again."
            )
            % {"number": current.number}
        )


def _save(current: Rumour, *fields: str) -> Rumour:
    """Write `fields` and bump the version (the row is locked by the caller)."""
    current.version += 1
    current.save(update_fields=[*fields, "version", "updated_at"])
    return current


def _event(rumour: Rumour, by: User | None, kind: EventKind, text: str) -> RumourEvent:
    return RumourEvent.objects.create(rumour=rumour, user=by, kind=kind, text=text)


def _when(activation: Activation, moment: dt.datetime | None) -> str:
    """A time as the people of the activation read it (its time zone)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, activation.tz)
    return (
        f"{formats.date_format(local, 'SHORT_DATETIME_FORMAT')} ({activation.timezone})"
    )


def _name(user: User | None) -> str:
    return user.display_name if user is not None else _("someone")


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean_text(text: str, *, limit: int, empty: str, too_long: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(empty)
    if len(text) > limit:
        raise DomainError(too_long % {"limit": limit})
    return text


def _detail_url(rumour: Rumour, activation: Activation) -> str:
    return reverse("verification:rumour-detail", args=[activation.slug, rumour.number])


def _notify_each_language(
    *,
    users: Iterable[User],
    kind: str,
    title: Callable[[], str],
    body: Callable[[], str],
    url: str,
    activation: Activation,
    level: str,
    email: bool,
) -> None:
    """Notify `users`, with title and body in each person's language."""
    notify_translated(
        users=users,
        texts=lambda: (title(), body()),
        kind=kind,
        url=url,
        activation=activation,
        level=level,
        email=email,
    )


def _members(activation: Activation, *roles: str) -> list[User]:
    return members_with_roles(activation=activation, roles=roles)


def _items_text(clusters: Iterable[Cluster]) -> str:
    return ", ".join(f"#{cluster.pk}" for cluster in clusters)


# --- recording, linking -------------------------------------------------------------
def _clusters_of(activation: Activation, cluster_ids: Iterable[int]) -> list[Cluster]:
    """The queue items `cluster_ids`, all of `activation` (DomainError otherwise)."""
    wanted = sorted({int(pk) for pk in cluster_ids})
    if not wanted:
        return []
    found = {
        cluster.pk: cluster
        for cluster in Cluster.objects.filter(pk__in=wanted).only("pk", "activation_id")
    }
    missing = [pk for pk in wanted if pk not in found]
    foreign = [
        pk for pk in wanted if pk in found and found[pk].activation_id != activation.pk
    ]
    if missing or foreign:
        raise DomainError(
            _("Queue item %(ids)s is not part of this activation.")
            % {"ids": ", ".join(f"#{pk}" for pk in missing + foreign)},
            code="item_not_in_activation",
        )
    return [found[pk] for pk in wanted]


def _earliest_post(cluster_ids: Iterable[int]) -> dt.datetime | None:
    ids = list(cluster_ids)
    if not ids:
        return None
    value: dt.datetime | None = Post.objects.filter(cluster_id__in=ids).aggregate(
        first=Min("posted_at")
    )["first"]
    if value is None:
        value = Cluster.objects.filter(pk__in=ids).aggregate(
            first=Min("first_seen_at")
        )["first"]
    return value


@transaction.atomic
def rumour_create(
    *,
    activation: Activation,
    by: User,
    claim: str,
    first_seen_at: dt.datetime | None = None,
    cluster_ids: Iterable[int] = (),
    notes: str = "",
) -> Rumour:
    """Record a rumour with the next number of the activation (R1, R2…), linked to
    the given queue items. First seen defaults to the earliest linked post, else now."""
    claim = _clean_text(
        claim,
        limit=MAX_CLAIM,
        empty=_("Write the claim in one or two sentences."),
        too_long=_("The claim is at most %(limit)s characters."),
    )
    notes = notes.strip()
    clusters = _clusters_of(activation, cluster_ids)
    now = timezone.now()
    if first_seen_at is not None and first_seen_at > now + RELAY_FUTURE_SLACK:
        raise DomainError(_("“First seen” cannot be in the future."))
    if first_seen_at is None:
        first_seen_at = _earliest_post(c.pk for c in clusters) or now
    # Numbers are per activation: lock the activation row so that two people
    # recording at the same moment do not both take the same number.
    Activation.objects.select_for_update().filter(pk=activation.pk).first()
    last = Rumour.objects.filter(activation=activation).aggregate(last=Max("number"))[
        "last"
    ]
    rumour = Rumour.objects.create(
        activation=activation,
        number=(last or 0) + 1,
        claim=claim,
        first_seen_at=first_seen_at,
        created_by=by,
        notes=notes,
    )
    if clusters:
        rumour.clusters.add(*clusters)
    _event(
        rumour,
        by,
        EventKind.CREATED,
        _("Rumour recorded: %(claim)s") % {"claim": _short(claim, 300)},
    )
    if clusters:
        _event(
            rumour,
            by,
            EventKind.ITEM_LINKED,
            _("Queue items linked: %(items)s.") % {"items": _items_text(clusters)},
        )
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("Rumour R%(number)s recorded: %(claim)s")
        % {"number": rumour.number, "claim": _short(claim)},
    )
    logger.info(
        "rumour %s recorded in activation %s by user %s",
        rumour.pk,
        activation.pk,
        by.pk,
    )
    return rumour


@transaction.atomic
def rumour_link_items(
    *, rumour: Rumour, by: User, cluster_ids: Iterable[int]
) -> Rumour:
    """Link queue items (clusters) of the same activation, whatever their platform.

    Idempotent: items already linked are left as they are. "First seen" moves back
    when a linked post is older than it.
    """
    current = _locked(rumour)
    clusters = _clusters_of(current.activation, cluster_ids)
    if not clusters:
        raise DomainError(_("Give at least one queue item to link."))
    linked = set(current.clusters.values_list("pk", flat=True))
    new = [cluster for cluster in clusters if cluster.pk not in linked]
    if not new:
        return current
    current.clusters.add(*new)
    _event(
        current,
        by,
        EventKind.ITEM_LINKED,
        _("Queue items linked: %(items)s.") % {"items": _items_text(new)},
    )
    earliest = _earliest_post(c.pk for c in new)
    if earliest is not None and earliest < current.first_seen_at:
        current.first_seen_at = earliest
        current.save(update_fields=["first_seen_at", "updated_at"])
    return current


@transaction.atomic
def rumour_unlink_item(*, rumour: Rumour, by: User, cluster_id: int) -> Rumour:
    """Remove one linked queue item (the history keeps that it was linked)."""
    current = _locked(rumour)
    if not current.clusters.filter(pk=cluster_id).exists():
        raise DomainError(
            _("Queue item #%(id)s is not linked to this rumour.") % {"id": cluster_id},
            code="not_linked",
        )
    current.clusters.remove(cluster_id)
    _event(
        current,
        by,
        EventKind.ITEM_UNLINKED,
        _("Queue item #%(id)s unlinked.") % {"id": cluster_id},
    )
    return current


@transaction.atomic
def rumour_link_case(*, rumour: Rumour, by: User, case: Case) -> Rumour:
    """Link a verification case of the same activation (idempotent)."""
    current = _locked(rumour)
    if case.activation_id != current.activation_id:
        raise DomainError(
            _("This case is not part of this activation."),
            code="case_not_in_activation",
        )
    if current.cases.filter(pk=case.pk).exists():
        return current
    current.cases.add(case)
    _event(
        current,
        by,
        EventKind.CASE_LINKED,
        _("Case #%(number)s linked.") % {"number": case.number},
    )
    return current


@transaction.atomic
def rumour_unlink_case(*, rumour: Rumour, by: User, case: Case) -> Rumour:
    current = _locked(rumour)
    if not current.cases.filter(pk=case.pk).exists():
        raise DomainError(
            _("Case #%(number)s is not linked to this rumour.")
            % {"number": case.number},
            code="not_linked",
        )
    current.cases.remove(case)
    _event(
        current,
        by,
        EventKind.CASE_UNLINKED,
        _("Case #%(number)s unlinked.") % {"number": case.number},
    )
    return current


# --- status ------------------------------------------------------------------------
@transaction.atomic
def rumour_set_status(
    *, rumour: Rumour, by: User, status: str, version: int, note: str = ""
) -> Rumour:
    """Move the rumour to `status` (detected, verifying, confirmed, debunked).

    Any move is allowed (a debunked rumour can come back) but each is recorded in
    the history and the activation log; `version` is the one the person saw.
    """
    if status not in Rumour.Status.values:
        raise DomainError(_("Unknown status “%(status)s”.") % {"status": status})
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(
            _("The note is at most %(limit)s characters.") % {"limit": MAX_NOTE}
        )
    current = _locked(rumour)
    _check_version(current, version)
    if current.status == status:
        raise DomainError(
            _("The rumour is already “%(status)s”.")
            % {"status": current.get_status_display()},
            code="unchanged",
        )
    old = Rumour.Status(current.status).label
    current.status = status
    _save(current, "status")
    text = _("Status: %(old)s → %(new)s.") % {
        "old": old,
        "new": Rumour.Status(status).label,
    }
    if note:
        text += " " + _("Note: %(note)s") % {"note": note}
    _event(current, by, EventKind.STATUS, text)
    log(
        activation=current.activation,
        author=by,
        kind=LogEntry.Kind.STATUS,
        text=_("Rumour R%(number)s: %(change)s")
        % {"number": current.number, "change": _short(text, 400)},
    )
    return current


# --- counter-message -------------------------------------------------------------------
def _already_decided(current: Rumour) -> ConflictError:
    """The refusal of a second decision, naming the first one."""
    if current.counter_status == CounterStatus.APPROVED:
        template = _(
            "This counter-message was already approved by %(who)s at %(when)s."
        )
    else:
        template = _(
            "This counter-message was already rejected by %(who)s at %(when)s."
        )
    return ConflictError(
        template
        % {
            "who": _name(current.counter_decided_by),
            "when": _when(current.activation, current.counter_decided_at),
        },
        code="already_decided",
    )


@transaction.atomic
def counter_message_save(
    *, rumour: Rumour, by: User, text: str, version: int
) -> Rumour:
    """Save the counter-message draft. Refused while it waits for the authority or
    once approved: withdraw it first (its approval then no longer holds)."""
    text = _clean_text(
        text,
        limit=MAX_COUNTER,
        empty=_("Write the counter-message."),
        too_long=_("The counter-message is at most %(limit)s characters."),
    )
    current = _locked(rumour)
    if current.counter_status == CounterStatus.SUBMITTED:
        raise ConflictError(
            _(
                "The counter-message was submitted by %(who)s at %(when)s and waits "
                "for the authority: withdraw it before changing it."
            )
            % {
                "who": _name(current.counter_submitted_by),
                "when": _when(current.activation, current.counter_submitted_at),
            },
            code="counter_locked",
        )
    if current.counter_status == CounterStatus.APPROVED:
        raise ConflictError(
            _(
                "The counter-message was approved by %(who)s at %(when)s: withdraw "
                "it before changing it (it will need a new approval)."
            )
            % {
                "who": _name(current.counter_decided_by),
                "when": _when(current.activation, current.counter_decided_at),
            },
            code="counter_locked",
        )
    _check_version(current, version)
    if (
        text == current.counter_message
        and current.counter_status == CounterStatus.DRAFT
    ):
        return current  # nothing changed: no new version, no event
    current.counter_message = text
    current.counter_status = CounterStatus.DRAFT
    _save(current, "counter_message", "counter_status")
    _event(current, by, EventKind.COUNTER_SAVED, text)
    return current


@transaction.atomic
def counter_message_submit(*, rumour: Rumour, by: User, version: int) -> Rumour:
    """Send the draft to the authority: its liaisons get an in-app alert and an email."""
    current = _locked(rumour)
    if current.counter_status == CounterStatus.SUBMITTED:
        raise ConflictError(
            _("This counter-message was already submitted by %(who)s at %(when)s.")
            % {
                "who": _name(current.counter_submitted_by),
                "when": _when(current.activation, current.counter_submitted_at),
            },
            code="already_submitted",
        )
    if current.counter_status == CounterStatus.APPROVED:
        raise _already_decided(current)
    if current.counter_status == CounterStatus.REJECTED:
        raise DomainError(
            _(
                "The authority rejected this counter-message (%(who)s, %(when)s): "
                "change it and save the draft before submitting it again."
            )
            % {
                "who": _name(current.counter_decided_by),
                "when": _when(current.activation, current.counter_decided_at),
            },
            code="rejected",
        )
    if current.counter_status != CounterStatus.DRAFT or not current.counter_message:
        raise DomainError(_("Save a counter-message draft before submitting it."))
    _check_version(current, version)
    current.counter_status = CounterStatus.SUBMITTED
    current.counter_submitted_by = by
    current.counter_submitted_at = timezone.now()
    current.counter_decided_by = None
    current.counter_decided_at = None
    current.counter_decision_note = ""
    _save(
        current,
        "counter_status",
        "counter_submitted_by",
        "counter_submitted_at",
        "counter_decided_by",
        "counter_decided_at",
        "counter_decision_note",
    )
    _event(
        current,
        by,
        EventKind.COUNTER_SUBMITTED,
        _("Counter-message submitted to the authority."),
    )
    activation = current.activation
    number, claim = current.number, _short(current.claim)
    _notify_each_language(
        users=_members(activation, Role.LIAISON),
        kind="counter_message",
        title=lambda: (
            _("Counter-message to approve: rumour R%(number)s") % {"number": number}
        ),
        body=lambda: _("Claim: %(claim)s") % {"claim": claim},
        url=_detail_url(current, activation),
        activation=activation,
        level="action",
        email=True,
    )
    return current


@transaction.atomic
def counter_message_withdraw(*, rumour: Rumour, by: User, version: int) -> Rumour:
    """Take a submitted or approved counter-message back to draft, to change it."""
    current = _locked(rumour)
    if current.counter_status not in {CounterStatus.SUBMITTED, CounterStatus.APPROVED}:
        raise DomainError(
            _("Only a submitted or approved counter-message can be withdrawn."),
            code="nothing_to_withdraw",
        )
    _check_version(current, version)
    was_approved = current.counter_status == CounterStatus.APPROVED
    current.counter_status = CounterStatus.DRAFT
    _save(current, "counter_status")
    _event(
        current,
        by,
        EventKind.COUNTER_WITHDRAWN,
        _("Counter-message withdrawn after its approval: it needs a new one.")
        if was_approved
        else _("Counter-message withdrawn before the authority's decision."),
    )
    return current


@transaction.atomic
def counter_message_decide(
    *, rumour: Rumour, by: User, approve: bool, note: str = "", version: int
) -> Rumour:
    """The authority's liaison approves or rejects the submitted counter-message.

    Only a liaison may decide, only once: a second decision is refused with who
    decided and when, and nothing changes. Rejecting needs remarks. The submitter
    and the team leads are told.
    """
    current = _locked(rumour)
    activation = current.activation
    role = activation_role(user=by, activation=activation)
    if not role_allows(role, Action.APPROVE_COUNTER_MESSAGE):
        raise NotAllowed(
            _("Only the authority's liaison can approve or reject a counter-message.")
        )
    if current.counter_status in {CounterStatus.APPROVED, CounterStatus.REJECTED}:
        raise _already_decided(current)
    if current.counter_status != CounterStatus.SUBMITTED:
        raise DomainError(
            _("There is no counter-message waiting for a decision."),
            code="not_submitted",
        )
    _check_version(current, version)
    note = note.strip()
    if not approve and not note:
        raise DomainError(_("Say what should change: remarks are needed to reject."))
    if len(note) > MAX_NOTE:
        raise DomainError(
            _("The remarks are at most %(limit)s characters.") % {"limit": MAX_NOTE}
        )
    current.counter_status = (
        CounterStatus.APPROVED if approve else CounterStatus.REJECTED
    )
    current.counter_decided_by = by
    current.counter_decided_at = timezone.now()
    current.counter_decision_note = note
    _save(
        current,
        "counter_status",
        "counter_decided_by",
        "counter_decided_at",
        "counter_decision_note",
    )
    if approve:
        text = _("Counter-message approved by the authority.")
    else:
        text = _("Counter-message rejected by the authority.")
    if note:
        text += " " + _("Remarks: %(note)s") % {"note": note}
    _event(
        current,
        by,
        EventKind.COUNTER_APPROVED if approve else EventKind.COUNTER_REJECTED,
        text,
    )
    number = current.number
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.DECISION,
        text=(
            _("Rumour R%(number)s: counter-message approved by %(who)s.")
            if approve
            else _("Rumour R%(number)s: counter-message rejected by %(who)s.")
        )
        % {"number": number, "who": by.display_name},
    )
    recipients = {user.pk: user for user in _members(activation, Role.TEAM_LEAD)}
    if current.counter_submitted_by is not None:
        recipients[current.counter_submitted_by.pk] = current.counter_submitted_by
    recipients.pop(by.pk, None)
    _notify_each_language(
        users=recipients.values(),
        kind="counter_message_decision",
        title=(
            (
                lambda: (
                    _("Counter-message approved: rumour R%(number)s")
                    % {"number": number}
                )
            )
            if approve
            else (
                lambda: (
                    _("Counter-message rejected: rumour R%(number)s")
                    % {"number": number}
                )
            )
        ),
        body=lambda: note,
        url=_detail_url(current, activation),
        activation=activation,
        level="action",
        email=True,
    )
    return current


# --- relays ------------------------------------------------------------------------------
@transaction.atomic
def relay_record(
    *,
    rumour: Rumour,
    by: User,
    channel: str,
    link: str,
    relayed_at: dt.datetime | None = None,
    note: str = "",
) -> Relay:
    """Record where the approved counter-message was published (once per channel
    and link)."""
    if channel not in Relay.Channel.values:
        raise DomainError(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    link = link.strip()
    if not link.lower().startswith(("http://", "https://")) or len(link) > 1000:
        raise DomainError(
            _("Give the link to the published message (an http or https address)."),
            code="invalid_link",
        )
    note = note.strip()
    if len(note) > 300:
        raise DomainError(_("The note is at most 300 characters."))
    now = timezone.now()
    relayed_at = relayed_at or now
    if relayed_at > now + RELAY_FUTURE_SLACK:
        raise DomainError(_("The publication time cannot be in the future."))
    current = _locked(rumour)
    if current.counter_status != CounterStatus.APPROVED:
        raise DomainError(
            _(
                "A relay can only be recorded once the authority has approved the counter-message."
            ),
            code="not_approved",
        )
    relay = Relay(
        rumour=current,
        channel=channel,
        link=link,
        relayed_at=relayed_at,
        recorded_by=by,
        note=note,
    )
    duplicate = _("This publication is already recorded (%(channel)s, %(link)s).") % {
        "channel": Relay.Channel(channel).label,
        "link": link,
    }
    if Relay.objects.filter(rumour=current, channel=channel, link=link).exists():
        raise DomainError(duplicate, code="duplicate_relay")
    try:
        with transaction.atomic():  # savepoint: the unique constraint is the last word
            relay.save()
    except IntegrityError:
        raise DomainError(duplicate, code="duplicate_relay") from None
    _event(
        current,
        by,
        EventKind.RELAY,
        _("Relayed on %(channel)s: %(link)s")
        % {"channel": Relay.Channel(channel).label, "link": link},
    )
    log(
        activation=current.activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("Rumour R%(number)s: counter-message relayed on %(channel)s (%(link)s).")
        % {
            "number": current.number,
            "channel": Relay.Channel(channel).label,
            "link": link,
        },
    )
    return relay
