"""The triage queue: claiming items under a lease, deciding on them, undo, bulk
decisions, the live counters, and teaching the classifier from decisions.

One queue item is one Cluster (near-copies of a message). "Next" claims the most
urgent open item the volunteer can read with ``FOR UPDATE SKIP LOCKED``: two people
racing for the queue each get a different row, never the same one. A claim is a
lease (``Activation.triage_lease_minutes``) with a random token; every decision
names the token it was made under, so a double click, a stale page or an expired
lease is refused with a clear message and overwrites nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from django.contrib.gis.measure import D
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import Activation, ActivationMember, Skill, VolunteerProfile
from activations.permissions import activation_role
from audit import services as audit
from mapping import sync as map_sync
from monitoring.models import Category, Cluster, Escalation, Post, TriageDecision
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

UNDO_WINDOW: Final = dt.timedelta(seconds=30)
SKIP_MEMORY: Final = dt.timedelta(minutes=30)  # a skipped item is not offered again
MAX_TAGS: Final = 10
MAX_NOTE: Final = 2000
MAX_BULK: Final = 500
URGENT_PRIORITY: Final = 0.75  # predicted priority from which an item counts as urgent
HIGH_PRIORITY: Final = 0.5
LOW_PRIORITY: Final = 0.2
HEAVY_POST_FIELDS: Final = ("representative__raw", "representative__minhash")
NEAR_KM: Final = 5  # "related items" are within this distance
RELATED_WINDOW: Final = dt.timedelta(hours=6)  # ... first seen this close in time
RELATED_SCAN: Final = 200  # ... among this many of the category, most urgent first
_TAG_RE: Final = re.compile(r"^[\w-]{1,40}$")
# skills that put some predicted categories first in a volunteer's "Next"
SKILL_CATEGORIES: Final[dict[str, tuple[str, ...]]] = {
    Skill.VERIFICATION: (Category.RUMOUR,),
    Skill.COMMUNICATION: (Category.OFFICIAL,),
}
LEADS: Final = frozenset(
    {ActivationMember.Role.COORDINATOR, ActivationMember.Role.TEAM_LEAD}
)

Kind = TriageDecision.Kind
OPEN_STATUSES: Final = (Cluster.Status.NEW, Cluster.Status.IN_TRIAGE)


# --- filters and who reads what ---------------------------------------------------------
@dataclass(frozen=True)
class QueueFilters:
    """What a team lead narrows the queue to (volunteers get their languages instead)."""

    keyword: str = ""
    source_id: int | None = None
    lang: str = ""
    category: str = ""
    priority: str = ""  # "urgent", "high", "normal", "low" or ""

    @property
    def active(self) -> bool:
        return any(
            (self.keyword, self.source_id, self.lang, self.category, self.priority)
        )


@dataclass(frozen=True)
class Reader:
    """What the queue needs to know about the person asking for work."""

    role: str | None
    languages: frozenset[str]  # empty: no language restriction
    skills: frozenset[str]

    @property
    def is_lead(self) -> bool:
        return self.role in LEADS


def reader_for(*, activation: Activation, user: User) -> Reader:
    """The user's role, the languages they read (none = all) and skills (one query
    when the role is already known)."""
    role = getattr(activation, "viewer_role", None) or activation_role(
        user=user, activation=activation
    )
    row = (
        VolunteerProfile.objects.filter(user=user)
        .annotate(codes=ArrayAgg("languages__language", default=Value([])))
        .values_list("skills", "codes")
        .first()
    )
    skills: frozenset[str] = frozenset(row[0]) if row else frozenset()
    languages: frozenset[str] = frozenset()
    if row is not None and role not in LEADS and Skill.TRANSLATION not in skills:
        languages = frozenset(code.lower() for code in row[1] if code)
    return Reader(role=role, languages=languages, skills=skills)


def _priority_q(level: str) -> Q:
    return {
        "urgent": Q(priority__gte=URGENT_PRIORITY),
        "high": Q(priority__gte=HIGH_PRIORITY, priority__lt=URGENT_PRIORITY),
        "normal": Q(priority__gte=LOW_PRIORITY, priority__lt=HIGH_PRIORITY),
        "low": Q(priority__lt=LOW_PRIORITY),
    }.get(level, Q())


def _filtered(queryset: QuerySet[Cluster], filters: QueueFilters) -> QuerySet[Cluster]:
    if filters.keyword:
        queryset = queryset.filter(representative__text__icontains=filters.keyword)
    if filters.source_id:
        queryset = queryset.filter(representative__source_id=filters.source_id)
    if filters.lang:
        queryset = queryset.filter(lang=filters.lang)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.priority:
        queryset = queryset.filter(_priority_q(filters.priority))
    return queryset


def _for_reader(queryset: QuerySet[Cluster], reader: Reader) -> QuerySet[Cluster]:
    if reader.languages:
        queryset = queryset.filter(Q(lang__in=sorted(reader.languages)) | Q(lang=""))
    return queryset


def _available(activation: Activation, now: dt.datetime) -> QuerySet[Cluster]:
    """Open items nobody holds: new, or claimed under a lease that has expired."""
    return Cluster.objects.filter(
        activation=activation,
        status__in=OPEN_STATUSES,
        representative__isnull=False,
    ).filter(Q(status=Cluster.Status.NEW) | Q(lease_expires_at__lt=now))


def _recent_skips(user: User, now: dt.datetime) -> QuerySet[TriageDecision]:
    return TriageDecision.objects.filter(
        user=user,
        cluster=OuterRef("pk"),
        kind=Kind.SKIP,
        undone_at__isnull=True,
        created_at__gte=now - SKIP_MEMORY,
    )


# --- claims -----------------------------------------------------------------------------
def _lease(activation: Activation, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(minutes=activation.triage_lease_minutes)


def item_current(*, activation: Activation, user: User) -> Cluster | None:
    """The item the user holds under a live lease in this activation, if any."""
    return (
        _with_post(Cluster.objects.all())
        .filter(
            activation=activation,
            status=Cluster.Status.IN_TRIAGE,
            claimed_by=user,
            lease_expires_at__gte=timezone.now(),
        )
        .order_by("lease_expires_at")
        .first()
    )


def _with_post(queryset: QuerySet[Cluster]) -> QuerySet[Cluster]:
    """Load the representative post and its source with the item, without the
    heavy columns nobody shows (the raw payload, the MinHash signature)."""
    return queryset.select_related("representative__source").defer(*HEAVY_POST_FIELDS)


@transaction.atomic
def item_claim_next(
    *,
    activation: Activation,
    user: User,
    filters: QueueFilters | None = None,
    reader: Reader | None = None,
) -> Cluster | None:
    """Give the user the most urgent open item they can read, under a fresh lease.

    Returns the item the user already holds if they hold one (one item at a time),
    None when nothing is left. Skipped items are not offered again for SKIP_MEMORY.
    """
    if not activation.is_open:
        raise DomainError(_("This activation is closed: there is nothing to triage."))
    now = timezone.now()
    current = item_current(activation=activation, user=user)
    if current is not None:
        return current
    reader = reader or reader_for(activation=activation, user=user)
    base = _for_reader(_available(activation, now), reader)
    base = _filtered(base, filters or QueueFilters()).filter(
        ~Exists(_recent_skips(user, now))
    )
    ordered = _with_post(base).order_by("-priority", "first_seen_at", "pk")
    preferred = tuple(
        category
        for skill, categories in SKILL_CATEGORIES.items()
        if skill in reader.skills
        for category in categories
    )
    picked = None
    if preferred:
        picked = (
            ordered.filter(category__in=preferred, priority__gte=HIGH_PRIORITY)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
    if picked is None:
        picked = ordered.select_for_update(skip_locked=True, of=("self",)).first()
    if picked is None:
        return None
    picked.status = Cluster.Status.IN_TRIAGE
    picked.claimed_by = user
    picked.claim_token = uuid.uuid4()
    picked.lease_expires_at = _lease(activation, now)
    picked.save(
        update_fields=[
            "status",
            "claimed_by",
            "claim_token",
            "lease_expires_at",
            "updated_at",
        ]
    )
    return picked


def _held(
    activation: Activation, cluster_id: int, user: User, token: uuid.UUID | str | None
) -> Cluster:
    """The item, locked, if the user still holds it under `token`; a clear error else."""
    cluster = (
        Cluster.objects.select_for_update(of=("self",))
        .select_related("decided_by", "claimed_by")
        .filter(activation=activation, pk=cluster_id)
        .first()
    )
    if cluster is None:
        raise DomainError(
            _("This item does not exist in this activation."), code="not_found"
        )
    if cluster.status == Cluster.Status.DONE:
        who = cluster.decided_by
        if who is not None and who.pk == user.pk:
            message = _("You have already decided on this item (%(decision)s).")
        else:
            message = _(
                "%(who)s already decided on this item at %(time)s (%(decision)s)."
            )
        raise ConflictError(
            message
            % {
                "who": who or _("someone"),
                "time": _clock(cluster.decided_at),
                "decision": _decision_label(cluster.decision),
            },
            code="already_decided",
        )
    now = timezone.now()
    if cluster.claimed_by_id != user.pk or str(cluster.claim_token) != str(token or ""):
        if (
            cluster.claimed_by_id is not None
            and cluster.claimed_by_id != user.pk
            and cluster.lease_expires_at
            and cluster.lease_expires_at >= now
        ):
            raise ConflictError(
                _("%(who)s is working on this item now.") % {"who": cluster.claimed_by},
                code="claimed_by_other",
            )
        raise ConflictError(
            _(
                "Your claim on this item has ended (expired or released); it went "
                "back to the queue. Take it again with Next."
            ),
            code="claim_lost",
        )
    if cluster.lease_expires_at is None or cluster.lease_expires_at < now:
        raise ConflictError(
            _(
                "Your claim on this item expired at %(time)s and it went back to the "
                "queue. Take it again with Next."
            )
            % {"time": _clock(cluster.lease_expires_at)},
            code="lease_expired",
        )
    return cluster


def _clock(value: dt.datetime | None) -> str:
    if value is None:
        return "?"
    return time_format(timezone.localtime(value), "H:i:s")


def _decision_label(value: str) -> str:
    try:
        return str(Kind(value).label)
    except ValueError:
        return value or "?"


@transaction.atomic
def item_renew(
    *, activation: Activation, cluster_id: int, user: User, token: uuid.UUID | str
) -> Cluster:
    """Extend the user's lease on the item they hold."""
    cluster = _held(activation, cluster_id, user, token)
    cluster.lease_expires_at = _lease(activation, timezone.now())
    cluster.save(update_fields=["lease_expires_at", "updated_at"])
    return cluster


def _release(cluster: Cluster) -> None:
    cluster.status = Cluster.Status.NEW
    cluster.claimed_by = None
    cluster.claim_token = None
    cluster.lease_expires_at = None
    cluster.save(
        update_fields=[
            "status",
            "claimed_by",
            "claim_token",
            "lease_expires_at",
            "updated_at",
        ]
    )


@transaction.atomic
def item_release(
    *, activation: Activation, cluster_id: int, user: User, token: uuid.UUID | str
) -> Cluster:
    """Hand the item back to the queue without deciding."""
    cluster = _held(activation, cluster_id, user, token)
    _release(cluster)
    return cluster


@transaction.atomic
def claims_release_for_user(*, activation: Activation, user: User) -> list[Cluster]:
    """Return every item the user holds in the activation to the queue (check-out)."""
    held = list(
        Cluster.objects.select_for_update(of=("self",))
        .select_related("representative")
        .filter(activation=activation, status=Cluster.Status.IN_TRIAGE, claimed_by=user)
        .order_by("pk")
    )
    for cluster in held:
        _release(cluster)
    return held


# --- decisions ------------------------------------------------------------------------
def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in tags:
        tag = raw.strip().lstrip("#").lower()
        if not tag:
            continue
        if not _TAG_RE.match(tag):
            raise DomainError(
                _(
                    "Tags are single words (letters, digits, - and _), at most 40 "
                    "characters: %(tag)s"
                )
                % {"tag": raw[:50]},
                code="invalid_tag",
            )
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise DomainError(
            _("At most %(n)s tags per item.") % {"n": MAX_TAGS}, code="invalid_tag"
        )
    return cleaned


def _category_for(kind: str, category: str, cluster: Cluster) -> str:
    if category and category not in Category.values:
        raise DomainError(_("Unknown category."), code="invalid_category")
    if kind == Kind.NOT_RELEVANT:
        return Category.NOT_RELEVANT
    if kind == Kind.RELEVANT:
        if not category or category == Category.NOT_RELEVANT:
            raise DomainError(
                _("Choose the category of a relevant item."), code="category_required"
            )
        return category
    if kind == Kind.URGENT:
        return category or (
            cluster.category
            if cluster.category and cluster.category != Category.NOT_RELEVANT
            else Category.REQUEST
        )
    return category or cluster.category


@transaction.atomic
def item_decide(
    *,
    activation: Activation,
    cluster_id: int,
    user: User,
    token: uuid.UUID | str | None,
    kind: str,
    category: str = "",
    tags: Sequence[str] = (),
    note: str = "",
) -> TriageDecision:
    """Record the user's decision on the item they hold (under `token`).

    Not relevant / relevant / urgent / needs verification close the item; urgent
    raises an escalation, needs verification opens a case. Skip hands it back and
    keeps it out of the user's "Next" for a while. Refused, with nothing changed,
    when the claim expired, someone else decided, or the form is wrong.
    """
    if kind not in Kind.values:
        raise DomainError(_("Unknown decision."), code="invalid_decision")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(
            _("The note is too long (at most %(n)s characters).") % {"n": MAX_NOTE},
            code="invalid_note",
        )
    clean_tags = _clean_tags(tags)
    cluster = _held(activation, cluster_id, user, token)
    decision = TriageDecision(
        activation=activation,
        cluster=cluster,
        user=user,
        kind=kind,
        category="" if kind == Kind.SKIP else _category_for(kind, category, cluster),
        tags=clean_tags,
        note=note,
        previous_status=Cluster.Status.IN_TRIAGE,
        previous_category=cluster.category,
        previous_decision=cluster.decision,
    )
    decision.save()
    audit.record(
        action=audit.Action.DECISION,
        actor=user,
        activation=activation,
        obj=cluster,
        summary=f"decision={decision.pk} kind={kind} category={decision.category}",
    )
    # The decider sees their own figure move at once; an escalation shows to all.
    counts_forget(
        activation_id=activation.pk, user_id=user.pk, team=kind == Kind.URGENT
    )
    if kind == Kind.SKIP:
        _release(cluster)
        return decision
    _close(cluster, decision)
    map_sync.schedule([cluster.pk])
    if kind == Kind.URGENT:
        from monitoring import escalations

        escalations.escalation_raise(
            cluster=cluster, by=user, decision=decision, note=note
        )
    elif kind == Kind.VERIFY:
        from verification.services import cases

        cases.case_open(
            activation=activation,
            by=user,
            claim=note or _claim_from(cluster),
            cluster=cluster,
            category=decision.category,
        )
    _schedule_learning(activation.pk)
    return decision


def _close(cluster: Cluster, decision: TriageDecision) -> None:
    cluster.status = Cluster.Status.DONE
    cluster.decision = decision.kind
    cluster.category = decision.category
    cluster.decided_by = decision.user
    cluster.decided_at = decision.created_at
    cluster.claimed_by = None
    cluster.claim_token = None
    cluster.lease_expires_at = None
    cluster.save(
        update_fields=[
            "status",
            "decision",
            "category",
            "decided_by",
            "decided_at",
            "claimed_by",
            "claim_token",
            "lease_expires_at",
            "updated_at",
        ]
    )


def _claim_from(cluster: Cluster) -> str:
    text = " ".join(
        (cluster.representative.text if cluster.representative else "").split()
    )
    return text[:300] or _("Item %(id)s") % {"id": cluster.pk}


def _schedule_learning(activation_id: int) -> None:
    """Have the classifier learn the decision once it can no longer be undone: at
    most one task per activation per undo window (the beat backstop,
    learn_pending_decisions, picks up whatever a window's task left)."""
    from monitoring import tasks

    def enqueue() -> None:
        try:
            first = cache.add(
                f"triage:learn-scheduled:{activation_id}",
                1,
                timeout=int(UNDO_WINDOW.total_seconds()),
            )
        except Exception:  # the cache is an optimisation; never lose the task for it
            logger.warning(
                "cache unavailable; scheduling learning anyway", exc_info=True
            )
            first = True
        if first:
            tasks.learn_decisions.apply_async(
                args=(activation_id,), countdown=UNDO_WINDOW.total_seconds() + 5
            )

    transaction.on_commit(enqueue)


@transaction.atomic
def decision_undo(*, activation: Activation, decision_id: int, user: User) -> Cluster:
    """Take back the user's own decision within UNDO_WINDOW: the item is theirs again
    under a fresh lease, its escalation withdrawn or its empty case removed."""
    decision = (
        TriageDecision.objects.select_for_update()
        .filter(activation=activation, pk=decision_id)
        .first()
    )
    if decision is None or decision.user_id != user.pk:
        raise DomainError(_("You can only undo your own decisions."), code="not_yours")
    if decision.undone_at is not None:
        raise ConflictError(
            _("This decision was already undone."), code="already_undone"
        )
    now = timezone.now()
    if now - decision.created_at > UNDO_WINDOW:
        raise DomainError(
            _("Too late to undo: a decision can be undone for 30 seconds."),
            code="undo_expired",
        )
    cluster = Cluster.objects.select_for_update(of=("self",)).get(
        pk=decision.cluster_id
    )
    if decision.kind == Kind.SKIP:
        if cluster.status != Cluster.Status.NEW:
            raise ConflictError(
                _("Someone else has taken this item since you skipped it."),
                code="taken",
            )
    elif (
        cluster.status != Cluster.Status.DONE
        or cluster.decided_at != decision.created_at
        or cluster.decided_by_id != user.pk
    ):
        raise ConflictError(
            _("This item has changed since your decision; it cannot be undone."),
            code="changed",
        )
    if decision.kind == Kind.URGENT:
        _withdraw_escalation(cluster, user)
    elif decision.kind == Kind.VERIFY:
        _remove_fresh_case(cluster, user)
    decision.undone_at = now
    decision.save(update_fields=["undone_at"])
    audit.record(
        action=audit.Action.DECISION,
        actor=user,
        activation=activation,
        obj=cluster,
        summary=f"undo decision={decision.pk} kind={decision.kind}",
    )
    map_sync.schedule([cluster.pk])
    counts_forget(
        activation_id=activation.pk,
        user_id=user.pk,
        team=decision.kind == Kind.URGENT,
    )
    # The item taken after the decision goes back: one item at a time.
    for other in (
        Cluster.objects.select_for_update(of=("self",))
        .filter(activation=activation, status=Cluster.Status.IN_TRIAGE, claimed_by=user)
        .exclude(pk=cluster.pk)
    ):
        _release(other)
    cluster.status = Cluster.Status.IN_TRIAGE
    cluster.decision = decision.previous_decision
    cluster.category = decision.previous_category or cluster.category
    cluster.decided_by = None
    cluster.decided_at = None
    cluster.claimed_by = user
    cluster.claim_token = uuid.uuid4()
    cluster.lease_expires_at = _lease(activation, now)
    cluster.save(
        update_fields=[
            "status",
            "decision",
            "category",
            "decided_by",
            "decided_at",
            "claimed_by",
            "claim_token",
            "lease_expires_at",
            "updated_at",
        ]
    )
    return cluster


def _withdraw_escalation(cluster: Cluster, user: User) -> None:
    from monitoring import escalations

    live = (
        Escalation.objects.select_for_update()
        .filter(
            cluster=cluster,
            status__in=[Escalation.Status.OPEN, Escalation.Status.ACKNOWLEDGED],
        )
        .first()
    )
    if live is None:
        return
    if live.status == Escalation.Status.ACKNOWLEDGED:
        raise ConflictError(
            _("The escalation has already been acknowledged; it cannot be undone."),
            code="acknowledged",
        )
    escalations.escalation_cancel(
        escalation=live,
        by=user,
        reason=_("Decision undone by %(user)s.") % {"user": user},
    )


def _remove_fresh_case(cluster: Cluster, user: User) -> None:
    from verification.models import Case

    case = Case.objects.select_for_update().filter(cluster=cluster).first()
    if case is None:
        return
    if (
        case.opened_by_id != user.pk
        or case.status != Case.Status.UNVERIFIED
        or case.evidence.exists()
    ):
        raise ConflictError(
            _("Work has started on the verification case; it cannot be undone."),
            code="case_started",
        )
    case.delete()


# --- bulk decisions (team leads) ----------------------------------------------------------
@dataclass
class BulkResult:
    decided: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # cluster id -> why


@transaction.atomic
def items_bulk_decide(
    *,
    activation: Activation,
    user: User,
    cluster_ids: Sequence[int],
    kind: str,
    category: str = "",
) -> BulkResult:
    """Mark a selection not relevant, or relevant with a category (team leads).

    Items someone else holds under a live lease, or already decided, are left as
    they are and reported; the rest are decided in one transaction.
    """
    if kind not in (Kind.NOT_RELEVANT, Kind.RELEVANT):
        raise DomainError(
            _("Bulk actions can only mark items not relevant or set their category."),
            code="invalid_decision",
        )
    if kind == Kind.RELEVANT and category in ("", Category.NOT_RELEVANT):
        raise DomainError(
            _("Choose the category of a relevant item."), code="category_required"
        )
    if category and category not in Category.values:
        raise DomainError(_("Unknown category."), code="invalid_category")
    ids = sorted({int(pk) for pk in cluster_ids})
    if not ids:
        raise DomainError(_("Select at least one item."), code="empty_selection")
    if len(ids) > MAX_BULK:
        raise DomainError(
            _("At most %(n)s items at once.") % {"n": MAX_BULK}, code="too_many"
        )
    now = timezone.now()
    result = BulkResult()
    rows = {
        c.pk: c
        for c in Cluster.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("decided_by", "claimed_by")
        .filter(activation=activation, pk__in=ids)
    }
    for pk in ids:
        cluster = rows.get(pk)
        if cluster is None:
            result.refused[pk] = _("not found, or being changed right now")
            continue
        if cluster.status == Cluster.Status.DONE:
            result.refused[pk] = _("already decided by %(who)s") % {
                "who": cluster.decided_by or _("someone")
            }
            continue
        if (
            cluster.status == Cluster.Status.IN_TRIAGE
            and cluster.claimed_by_id not in (None, user.pk)
            and cluster.lease_expires_at is not None
            and cluster.lease_expires_at >= now
        ):
            result.refused[pk] = _("%(who)s is working on it") % {
                "who": cluster.claimed_by
            }
            continue
        decision = TriageDecision.objects.create(
            activation=activation,
            cluster=cluster,
            user=user,
            kind=kind,
            category=_category_for(kind, category, cluster),
            bulk=True,
            previous_status=cluster.status,
            previous_category=cluster.category,
            previous_decision=cluster.decision,
            created_at=now,
        )
        _close(cluster, decision)
        result.decided.append(pk)
    if result.decided:
        audit.record_many(
            action=audit.Action.DECISION,
            actor=user,
            activation=activation,
            objects=[rows[pk] for pk in result.decided],
            summary=f"bulk kind={kind} category={category}",
        )
        map_sync.schedule(result.decided)
        counts_forget(activation_id=activation.pk, user_id=user.pk)
        _schedule_learning(activation.pk)
    return result


# --- what the workspace shows ----------------------------------------------------------------
@dataclass(frozen=True)
class QueueCounts:
    waiting: int  # open items nobody holds (at most COUNT_CAP)
    urgent_waiting: int  # of which predicted urgent (at most COUNT_CAP)
    in_triage: int  # held under a live lease
    decided_last_hour: int
    mine_last_hour: int
    open_escalations: int
    waiting_more: bool = False  # more than COUNT_CAP wait: show "5000+"
    urgent_more: bool = False


# Counting is bounded: during a surge the open queue grows by hundreds of items a
# second (200,000 after ten minutes of the soak benchmark), and counting all of
# it for every counters snapshot cost 64 ms a second of the database's time.
# Above COUNT_CAP the workspace shows "5000+", which says as much to a volunteer.
COUNT_CAP: Final = 5000

_COUNTS_SQL: Final = """
SELECT (
    SELECT count(*) FROM (
        SELECT 1 FROM monitoring_cluster
        WHERE activation_id = %(activation)s AND representative_id IS NOT NULL
          AND (status = 'new'
               OR (status = 'in_triage' AND lease_expires_at < %(now)s))
        LIMIT %(cap)s
    ) AS w
) AS waiting, (
    SELECT count(*) FROM (
        SELECT 1 FROM monitoring_cluster
        WHERE activation_id = %(activation)s AND representative_id IS NOT NULL
          AND status IN ('new', 'in_triage') AND priority >= %(urgent)s
          AND (status = 'new' OR lease_expires_at < %(now)s)
        LIMIT %(cap)s
    ) AS u
) AS urgent, (
    SELECT count(*) FROM monitoring_cluster
    WHERE activation_id = %(activation)s AND representative_id IS NOT NULL
      AND status = 'in_triage' AND lease_expires_at >= %(now)s
) AS held, d.decided, d.mine, e.open_escalations
FROM (
    SELECT count(*) AS decided, count(*) FILTER (WHERE user_id = %(user)s) AS mine
    FROM monitoring_triagedecision
    WHERE activation_id = %(activation)s AND created_at >= %(hour_ago)s
      AND undone_at IS NULL AND kind <> 'skip'
) AS d, (
    SELECT count(*) AS open_escalations FROM monitoring_escalation
    WHERE activation_id = %(activation)s AND status = 'open'
) AS e
"""


def _queue_counts(team: tuple[int, int, int, int, int], mine: int) -> QueueCounts:
    """QueueCounts from the team's figures (counted up to COUNT_CAP + 1) and the
    user's own."""
    waiting, urgent, held, decided, escalations = team
    return QueueCounts(
        waiting=min(waiting, COUNT_CAP),
        urgent_waiting=min(urgent, COUNT_CAP),
        in_triage=held,
        decided_last_hour=decided,
        mine_last_hour=mine,
        open_escalations=escalations,
        waiting_more=waiting > COUNT_CAP,
        urgent_more=urgent > COUNT_CAP,
    )


# Every open workspace polls the counters every few seconds: the team-wide
# figures are shared for COUNTS_MAX_AGE seconds, the user's own for longer
# (their decisions forget them at once, see counts_forget_mine).
# A poll every 4 s (views_triage.COUNTS_REFRESH_SECONDS) served figures at most
# 1 s old shows a change within 4 + 1 s: the "within 5 s".
COUNTS_MAX_AGE: Final = 1
_MINE_MAX_AGE: Final = 120


def _team_counts_key(activation_id: int) -> str:
    return f"triage:counts:v2:{activation_id}"  # v2: counted up to COUNT_CAP + 1


def _mine_counts_key(activation_id: int, user_id: int) -> str:
    return f"triage:counts:{activation_id}:mine:{user_id}"


def counts_forget(
    *, activation_id: int, user_id: int | None = None, team: bool = True
) -> None:
    """Drop the cached counters once the transaction commits: the team's (unless
    not ``team``) and the user's own if given."""
    keys = [_team_counts_key(activation_id)] if team else []
    if user_id is not None:
        keys.append(_mine_counts_key(activation_id, user_id))

    def forget() -> None:
        try:
            cache.delete_many(keys)
        except Exception:  # stale counters for two seconds: not worth failing for
            logger.warning("cache unavailable; counters not refreshed", exc_info=True)

    transaction.on_commit(forget)


def queue_counts(
    *, activation: Activation, user: User, shared: bool = False
) -> QueueCounts:
    """The workspace's live figures, in one query.

    With ``shared``, the team-wide figures may be up to COUNTS_MAX_AGE seconds
    old (one query per activation every COUNTS_MAX_AGE seconds however many
    workspaces poll); the user's own count is kept until they decide again.
    """
    team_key = _team_counts_key(activation.pk)
    mine_key = _mine_counts_key(activation.pk, user.pk)
    now = timezone.now()
    if shared:
        cached = cache.get_many([team_key, mine_key])
        if team_key in cached:
            if mine_key in cached:
                mine = cached[mine_key]
            else:
                # after the user's own decision: their count alone (an index
                # range on their decisions), not the team's figures again
                mine = (
                    TriageDecision.objects.filter(
                        user=user,
                        activation=activation,
                        created_at__gte=now - dt.timedelta(hours=1),
                        undone_at__isnull=True,
                    )
                    .exclude(kind=TriageDecision.Kind.SKIP)
                    .count()
                )
                cache.set(mine_key, mine, _MINE_MAX_AGE)
            return _queue_counts(cached[team_key], mine)
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNTS_SQL,
            {
                "now": now,
                "urgent": URGENT_PRIORITY,
                "activation": activation.pk,
                "user": user.pk,
                "hour_ago": now - dt.timedelta(hours=1),
                "cap": COUNT_CAP + 1,
            },
        )
        row = cursor.fetchone()
    waiting, urgent, held, decided, mine, escalations = row
    team = (waiting, urgent, held, decided, escalations)
    if shared:
        cache.set(team_key, team, COUNTS_MAX_AGE)
        cache.set(mine_key, mine, _MINE_MAX_AGE)
    return _queue_counts(team, mine)


def queue_list(
    *,
    activation: Activation,
    filters: QueueFilters | None = None,
    include_held: bool = True,
) -> QuerySet[Cluster]:
    """Open items for the team lead's table, most urgent first (slice it)."""
    now = timezone.now()
    queryset = Cluster.objects.filter(
        activation=activation, status__in=OPEN_STATUSES, representative__isnull=False
    )
    if not include_held:
        queryset = queryset.filter(
            Q(status=Cluster.Status.NEW) | Q(lease_expires_at__lt=now)
        )
    return (
        _filtered(queryset, filters or QueueFilters())
        .select_related("representative__source", "claimed_by")
        .defer(*HEAVY_POST_FIELDS)
        .order_by("-priority", "first_seen_at", "pk")
    )


def my_claims(*, activation: Activation, user: User) -> QuerySet[Cluster]:
    """Items the user holds under a live lease."""
    return (
        Cluster.objects.filter(
            activation=activation,
            status=Cluster.Status.IN_TRIAGE,
            claimed_by=user,
            lease_expires_at__gte=timezone.now(),
        )
        .select_related("representative")
        .order_by("lease_expires_at")
    )


def decision_last_undoable(
    *, activation: Activation, user: User
) -> TriageDecision | None:
    """The user's last decision (not a bulk one) still inside the undo window."""
    return (
        TriageDecision.objects.filter(
            activation=activation,
            user=user,
            bulk=False,
            undone_at__isnull=True,
            created_at__gt=timezone.now() - UNDO_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )


@dataclass(frozen=True)
class ItemView:
    cluster: Cluster
    post: Post
    copies: list[Post]
    related: list[Cluster]
    decisions: list[TriageDecision]


def item_view(*, cluster: Cluster, copies: int = 20, related: int = 5) -> ItemView:
    """What the item page shows: the representative post, other copies, decisions so
    far, and related items (same category, within NEAR_KM, first seen within
    RELATED_WINDOW of it, most urgent first)."""
    post = Post.objects.select_related("source").get(
        pk=cluster.representative_id or 0  # item_get() only returns items with one
    )
    others = list(
        Post.objects.filter(cluster=cluster)
        .exclude(pk=post.pk)
        .select_related("source")
        .order_by("posted_at")[:copies]
    )
    near: list[Cluster] = []
    if post.location is not None:
        # Walk the item's category most urgent first (cluster_related_idx) and
        # look at RELATED_SCAN candidates at most: in a busy activation thousands
        # of items share the category, the area and the hours, and measuring the
        # distance to each of them cost 90 ms a page (soak benchmark).
        candidates = (
            Cluster.objects.filter(
                activation_id=cluster.activation_id,
                category=cluster.category,
                first_seen_at__gte=cluster.first_seen_at - RELATED_WINDOW,
                first_seen_at__lte=cluster.first_seen_at + RELATED_WINDOW,
            )
            .exclude(pk=cluster.pk)
            .order_by("-priority", "-first_seen_at")
            .values("pk")[:RELATED_SCAN]
        )
        near = list(
            Cluster.objects.filter(
                pk__in=candidates,
                representative__location__distance_lte=(post.location, D(km=NEAR_KM)),
            )
            .select_related("representative")
            .defer(*HEAVY_POST_FIELDS)
            .order_by("-priority", "-first_seen_at")[:related]
        )
    decisions = list(
        TriageDecision.objects.filter(cluster=cluster)
        .select_related("user")
        .order_by("-created_at")[:10]
    )
    return ItemView(
        cluster=cluster, post=post, copies=others, related=near, decisions=decisions
    )


def item_get(*, activation: Activation, cluster_id: int) -> Cluster | None:
    return (
        Cluster.objects.select_related(
            "representative__source", "claimed_by", "decided_by"
        )
        .filter(activation=activation, pk=cluster_id, representative__isnull=False)
        .first()
    )


def handover_prefill(*, activation: Activation, user: User) -> str:
    """A handover note listing what the user still has in progress."""
    lines: list[str] = []
    for cluster in my_claims(activation=activation, user=user):
        text = " ".join(
            (cluster.representative.text if cluster.representative else "").split()
        )
        lines.append(
            _("- queue item %(id)s: %(text)s") % {"id": cluster.pk, "text": text[:80]}
        )
    from verification.models import Case

    open_cases = Case.objects.filter(
        activation=activation,
        assigned_to=user,
        status__in=[Case.Status.UNVERIFIED, Case.Status.IN_PROGRESS],
    ).order_by("number")
    for case in open_cases:
        lines.append(
            _("- case #%(number)s (%(status)s): %(claim)s")
            % {
                "number": case.number,
                "status": case.get_status_display(),
                "claim": " ".join(case.claim.split())[:80],
            }
        )
    if not lines:
        return ""
    return _("In progress:") + "\n" + "\n".join(lines)


# --- the classifier learns from decisions -------------------------------------------------------
LEARN_BATCH: Final = 1000


def decisions_learn(*, activation_id: int, now: dt.datetime | None = None) -> int:
    """Teach the activation's classifier the decisions older than the undo window
    that it has not learnt yet; returns how many. Safe to run concurrently (rows are
    taken with SKIP LOCKED) and repeatedly (each decision is learnt once)."""
    from monitoring.pipeline.classify import classifier_learn

    now = now or timezone.now()
    learnt = 0
    while True:
        with transaction.atomic():
            batch = list(
                TriageDecision.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    activation_id=activation_id,
                    learnt_at__isnull=True,
                    undone_at__isnull=True,
                    created_at__lte=now - UNDO_WINDOW,
                )
                .exclude(kind=Kind.SKIP)
                .select_related("cluster__representative")
                .order_by("created_at")[:LEARN_BATCH]
            )
            if not batch:
                return learnt
            texts: list[str] = []
            labels: list[str] = []
            langs: list[str] = []
            for decision in batch:
                post = decision.cluster.representative
                label = decision.category
                if post is None or not post.text or label not in Category.values:
                    continue
                texts.append(post.text)
                labels.append(label)
                langs.append(post.lang)
            if texts:
                classifier_learn(
                    activation_id=activation_id, texts=texts, labels=labels, langs=langs
                )
            TriageDecision.objects.filter(pk__in=[d.pk for d in batch]).update(
                learnt_at=now
            )
            learnt += len(texts)
        if len(batch) < LEARN_BATCH:
            return learnt


def activations_with_decisions_to_learn(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return sorted(
        set(
            TriageDecision.objects.filter(
                learnt_at__isnull=True,
                undone_at__isnull=True,
                created_at__lte=now - UNDO_WINDOW,
            )
            .exclude(kind=Kind.SKIP)
            .values_list("activation_id", flat=True)
            .distinct()
        )
    )
