"""Every write on requests for information (RFI): the authority's liaison asks, the
team takes or assigns it and answers it with linked items; the asker closes or
withdraws it; overdue questions are reminded once.

Callers have already checked access (``activation_get_for_user``); the functions
here enforce the domain rules and raise ``DomainError`` (400), ``ConflictError``
(409: stale version, already answered by someone else) or ``NotAllowed`` (403).
Each is atomic and locks the row it changes; a refused change leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify_translated
from activations.models import Activation, ActivationMember, LogEntry
from activations.permissions import Action, activation_role, role_allows
from activations.services._common import log
from mapping.models import MapItem, Verification
from portal.models import RequestForInformation
from verification.models import Case
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

RFI = RequestForInformation
Role = ActivationMember.Role
Status = RequestForInformation.Status

MAX_QUESTION = 2000
MAX_ANSWER = 5000
MAX_LINKS = 50
MAX_DUE_AHEAD = dt.timedelta(days=14)
DEFAULT_DUE_IN = dt.timedelta(hours=1)
# The same question sent twice this close together is one question (double click).
DUPLICATE_WINDOW = dt.timedelta(minutes=2)


class NotAllowed(DomainError):
    """The person's role (or not being the asker) does not allow this step."""

    code = "permission_denied"
    status_code = 403


# --- helpers ----------------------------------------------------------------------------
def _locked(rfi: RFI) -> RFI:
    return (
        RFI.objects.select_for_update(of=("self",))
        .select_related("activation", "asked_by", "answered_by", "assigned_to")
        .get(pk=rfi.pk)
    )


def _check_version(current: RFI, version: int) -> None:
    if current.version != version:
        raise ConflictError(
            _(
                "Someone else changed this request meanwhile (RFI %(number)s). "
                "Reload the page, check their change and try again."
            )
            % {"number": current.number}
        )


def _save(current: RFI, *fields: str) -> RFI:
    current.version += 1
    current.save(update_fields=[*fields, "version", "updated_at"])
    return current


def when(activation: Activation, moment: dt.datetime | None) -> str:
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


def _require(user: User, activation: Activation, action: Action) -> None:
    role = activation_role(user=user, activation=activation)
    if not role_allows(role, action):
        raise NotAllowed(_("Your role in this activation does not allow this."))


def rfi_url(rfi: RFI) -> str:
    return reverse("portal:rfi-detail", args=[rfi.activation.slug, rfi.number])


def _team_to_notify(activation: Activation) -> list[User]:
    """Team leads and coordinators of the activation."""
    return [
        member.user
        for member in ActivationMember.objects.filter(
            activation=activation,
            role__in=[Role.TEAM_LEAD, Role.COORDINATOR],
            user__is_active=True,
        ).select_related("user")
    ]


def _already_answered(current: RFI) -> ConflictError:
    return ConflictError(
        _("This request was already answered by %(who)s at %(when)s.")
        % {
            "who": _name(current.answered_by),
            "when": when(current.activation, current.answered_at),
        },
        code="already_answered",
    )


def not_open_error(current: RFI) -> ConflictError:
    if current.status == Status.ANSWERED:
        return _already_answered(current)
    return ConflictError(
        _("This request is %(status)s: nothing to do any more.")
        % {"status": current.get_status_display().lower()},
        code="not_open",
    )


# --- asking -----------------------------------------------------------------------------
@transaction.atomic
def rfi_ask(
    *,
    activation: Activation,
    by: User,
    question: str,
    due_at: dt.datetime | None = None,
    priority: str = RFI.Priority.NORMAL,
) -> RFI:
    """The liaison asks the team a question, due at `due_at` (default: in one hour).

    The team leads and coordinators are notified (in-app and email). Sending the
    same question again within two minutes returns the first one (double submission).
    """
    _require(by, activation, Action.ASK_RFI)
    question = question.strip()
    if not question:
        raise DomainError(_("Write your question."), code="empty_question")
    if len(question) > MAX_QUESTION:
        raise DomainError(
            _("The question is at most %(limit)s characters.") % {"limit": MAX_QUESTION}
        )
    if priority not in RFI.Priority.values:
        raise DomainError(_("Unknown priority “%(p)s”.") % {"p": priority})
    now = timezone.now()
    if due_at is None:
        due_at = now + DEFAULT_DUE_IN
    if due_at <= now:
        raise DomainError(
            _("The due time must be in the future."), code="due_in_the_past"
        )
    if due_at > now + MAX_DUE_AHEAD:
        raise DomainError(
            _("The due time is at most %(days)s days ahead.")
            % {"days": MAX_DUE_AHEAD.days}
        )
    if not activation.is_open:
        raise DomainError(
            _("This activation is closed: no new request."), code="activation_closed"
        )
    # Numbers are per activation: lock the activation row so two questions sent at
    # the same moment do not take the same number (and a double click is seen).
    Activation.objects.select_for_update().filter(pk=activation.pk).first()
    duplicate = RFI.objects.filter(
        activation=activation,
        asked_by=by,
        question=question,
        status=Status.OPEN,
        asked_at__gte=now - DUPLICATE_WINDOW,
    ).first()
    if duplicate is not None:
        logger.info("RFI %s asked twice by user %s: kept one", duplicate.pk, by.pk)
        return duplicate
    last = RFI.objects.filter(activation=activation).aggregate(last=Max("number"))[
        "last"
    ]
    rfi = RFI.objects.create(
        activation=activation,
        number=(last or 0) + 1,
        question=question,
        priority=priority,
        asked_by=by,
        asked_at=now,
        due_at=due_at,
    )
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("Request for information RFI %(number)s asked by %(who)s: %(q)s")
        % {"number": rfi.number, "who": by.display_name, "q": _short(question)},
    )
    url = rfi_url(rfi)
    notify_translated(
        users=_team_to_notify(activation),
        texts=lambda: (
            _("RFI %(number)s from the authority: %(q)s")
            % {"number": rfi.number, "q": _short(question, 80)},
            _("%(who)s asks: %(q)s\nDue at %(due)s.")
            % {
                "who": by.display_name,
                "q": question,
                "due": when(activation, due_at),
            },
        ),
        kind="rfi_asked",
        url=url,
        activation=activation,
        level="warning" if priority == RFI.Priority.URGENT else "info",
        email=True,
    )
    logger.info(
        "RFI %s asked in activation %s by user %s", rfi.pk, activation.pk, by.pk
    )
    return rfi


# --- taking, assigning ----------------------------------------------------------------
@transaction.atomic
def rfi_assign(*, rfi: RFI, by: User, assignee: User | None, version: int) -> RFI:
    """Give the open request to a team member who may answer (None: unassign).

    Taking it oneself is ``assignee=by``.
    """
    current = _locked(rfi)
    activation = current.activation
    _require(by, activation, Action.ANSWER_RFI)
    if current.status != Status.OPEN:
        raise not_open_error(current)
    _check_version(current, version)
    if assignee is not None:
        role = activation_role(user=assignee, activation=activation)
        if not role_allows(role, Action.ANSWER_RFI) or not assignee.is_active:
            raise DomainError(
                _("%(who)s is not a team member who may answer.")
                % {"who": assignee.display_name},
                code="not_a_team_member",
            )
    if current.assigned_to_id == (assignee.pk if assignee else None):
        return current
    current.assigned_to = assignee
    _save(current, "assigned_to")
    if assignee is not None and assignee.pk != by.pk:
        notify_translated(
            users=[assignee],
            texts=lambda: (
                _("RFI %(number)s is yours to answer") % {"number": current.number},
                _("%(who)s gave you this request: %(q)s\nDue at %(due)s.")
                % {
                    "who": by.display_name,
                    "q": current.question,
                    "due": when(activation, current.due_at),
                },
            ),
            kind="rfi_assigned",
            url=rfi_url(current),
            activation=activation,
        )
    logger.info("RFI %s assigned to %s by user %s", current.pk, assignee, by.pk)
    return current


def rfi_take(*, rfi: RFI, by: User, version: int) -> RFI:
    """Take the request oneself."""
    return rfi_assign(rfi=rfi, by=by, assignee=by, version=version)


# --- answering ---------------------------------------------------------------------------
def _items_of(activation: Activation, item_ids: Iterable[int]) -> list[MapItem]:
    wanted = sorted({int(pk) for pk in item_ids})
    if len(wanted) > MAX_LINKS:
        raise DomainError(
            _("Link at most %(limit)s items.") % {"limit": MAX_LINKS},
            code="too_many_links",
        )
    if not wanted:
        return []
    found = {
        item.pk: item
        for item in MapItem.objects.filter(pk__in=wanted, activation=activation)
    }
    foreign = [pk for pk in wanted if pk not in found]
    if foreign:
        raise DomainError(
            _("Map item %(ids)s is not part of this activation.")
            % {"ids": ", ".join(f"#{pk}" for pk in foreign)},
            code="item_not_in_activation",
        )
    unverified = [
        pk for pk in wanted if found[pk].verification != Verification.VERIFIED
    ]
    if unverified:
        raise DomainError(
            _(
                "Map item %(ids)s is not verified: only verified items go to the authority."
            )
            % {"ids": ", ".join(f"#{pk}" for pk in unverified)},
            code="item_not_verified",
        )
    return [found[pk] for pk in wanted]


def _cases_of(activation: Activation, numbers: Iterable[int]) -> list[Case]:
    wanted = sorted({int(n) for n in numbers})
    if len(wanted) > MAX_LINKS:
        raise DomainError(
            _("Link at most %(limit)s cases.") % {"limit": MAX_LINKS},
            code="too_many_links",
        )
    if not wanted:
        return []
    found = {
        case.number: case
        for case in Case.objects.filter(activation=activation, number__in=wanted)
    }
    missing = [n for n in wanted if n not in found]
    if missing:
        raise DomainError(
            _("Case %(numbers)s is not part of this activation.")
            % {"numbers": ", ".join(f"#{n}" for n in missing)},
            code="case_not_in_activation",
        )
    return [found[n] for n in wanted]


@transaction.atomic
def rfi_answer(
    *,
    rfi: RFI,
    by: User,
    answer: str,
    version: int,
    map_item_ids: Iterable[int] = (),
    case_numbers: Iterable[int] = (),
) -> RFI:
    """Answer the open request with text and linked items of the same activation
    (verified map items by id, cases by number); the asker is notified.

    A second answer (double submission, two people at once) is refused with who
    answered and when.
    """
    current = _locked(rfi)
    activation = current.activation
    _require(by, activation, Action.ANSWER_RFI)
    if current.status != Status.OPEN:
        raise not_open_error(current)
    answer = answer.strip()
    if not answer:
        raise DomainError(_("Write the answer."), code="empty_answer")
    if len(answer) > MAX_ANSWER:
        raise DomainError(
            _("The answer is at most %(limit)s characters.") % {"limit": MAX_ANSWER}
        )
    items = _items_of(activation, map_item_ids)
    cases = _cases_of(activation, case_numbers)
    _check_version(current, version)
    now = timezone.now()
    current.answer = answer
    current.answered_by = by
    current.answered_at = now
    current.status = Status.ANSWERED
    _save(current, "answer", "answered_by", "answered_at", "status")
    current.map_items.set(items)
    current.cases.set(cases)
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("RFI %(number)s answered by %(who)s.")
        % {"number": current.number, "who": by.display_name},
    )
    asker = current.asked_by
    notify_translated(
        users=[asker],
        texts=lambda: (
            _("Your question RFI %(number)s is answered") % {"number": current.number},
            _("%(who)s answered: %(answer)s")
            % {"who": by.display_name, "answer": answer},
        ),
        kind="rfi_answered",
        url=rfi_url(current),
        activation=activation,
        email=True,
    )
    logger.info("RFI %s answered by user %s", current.pk, by.pk)
    return current


# --- closing, withdrawing -------------------------------------------------------------
def _asker_only(current: RFI, by: User) -> None:
    if current.asked_by_id != by.pk:
        raise NotAllowed(
            _("Only the person who asked (%(who)s) may do this.")
            % {"who": _name(current.asked_by)}
        )


@transaction.atomic
def rfi_close(*, rfi: RFI, by: User, version: int) -> RFI:
    """The asker closes the request (answered, or no longer needed)."""
    current = _locked(rfi)
    _asker_only(current, by)
    if current.status not in (Status.OPEN, Status.ANSWERED):
        raise not_open_error(current)
    _check_version(current, version)
    current.status = Status.CLOSED
    current.closed_at = timezone.now()
    _save(current, "status", "closed_at")
    log(
        activation=current.activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("RFI %(number)s closed by %(who)s.")
        % {"number": current.number, "who": by.display_name},
    )
    return current


@transaction.atomic
def rfi_withdraw(*, rfi: RFI, by: User, version: int) -> RFI:
    """The asker withdraws a question not answered yet; whoever had it is told."""
    current = _locked(rfi)
    _asker_only(current, by)
    if current.status != Status.OPEN:
        raise not_open_error(current)
    _check_version(current, version)
    current.status = Status.WITHDRAWN
    current.closed_at = timezone.now()
    _save(current, "status", "closed_at")
    log(
        activation=current.activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("RFI %(number)s withdrawn by %(who)s.")
        % {"number": current.number, "who": by.display_name},
    )
    if current.assigned_to is not None:
        notify_translated(
            users=[current.assigned_to],
            texts=lambda: (
                _("RFI %(number)s was withdrawn") % {"number": current.number},
                _("The authority no longer needs an answer to: %(q)s")
                % {"q": current.question},
            ),
            kind="rfi_withdrawn",
            url=rfi_url(current),
            activation=current.activation,
        )
    return current


# --- overdue reminders ------------------------------------------------------------------
def rfi_remind_overdue(*, now: dt.datetime | None = None) -> int:
    """Remind once about each open request past its due time: the person it is
    assigned to, else the team leads and coordinators. Returns how many.

    Safe to repeat: a conditional UPDATE marks each one reminded before notifying.
    """
    now = now or timezone.now()
    reminded = 0
    candidates = RFI.objects.filter(
        status=Status.OPEN, due_at__lt=now, reminded_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(candidates[:500]):
        with transaction.atomic():
            won = RFI.objects.filter(
                pk=pk, status=Status.OPEN, reminded_at__isnull=True
            ).update(reminded_at=now)
            if won != 1:
                continue
            rfi = RFI.objects.select_related("activation", "assigned_to").get(pk=pk)
            users = (
                [rfi.assigned_to]
                if rfi.assigned_to is not None
                else _team_to_notify(rfi.activation)
            )
            notify_translated(
                users=users,
                texts=lambda rfi=rfi: (  # type: ignore[misc]
                    _("RFI %(number)s is overdue") % {"number": rfi.number},
                    _("Due at %(due)s: %(q)s")
                    % {"due": when(rfi.activation, rfi.due_at), "q": rfi.question},
                ),
                kind="rfi_overdue",
                url=rfi_url(rfi),
                activation=rfi.activation,
                level="warning",
                email=True,
            )
            reminded += 1
    if reminded:
        logger.info("%s overdue RFIs reminded", reminded)
    return reminded
