"""Closing an activation: what it requires, what it sets off (sources stopped, claims
released, retention purge scheduled, after-action review frozen), the purge itself
and the lessons learned."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import Activation, LogEntry
from activations.services._common import log
from closure.models import AfterActionReview, RetentionPurge
from closure.selectors import aar_compute
from mapping.models import MapItem
from monitoring import triage
from monitoring.models import Cluster, Post, Source
from monitoring.services import source_set_enabled
from verification.models import Case
from vost.exceptions import ConflictError, DomainError
from vost.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

MAX_LESSONS = 20_000


# --- the rule ---------------------------------------------------------------------
def _has_published_final_report(activation: Activation) -> bool | None:
    """True/False, or None when the reports app is not there to ask."""
    try:
        from reports.models import SituationReport  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return None
    return bool(
        SituationReport.objects.filter(
            activation=activation, status="published", is_final=True
        ).exists()
    )


def closing_blockers(activation: Activation) -> list[str]:
    """Why `activation` cannot be closed yet (translated); empty when it can."""
    blockers: list[str] = []
    published = _has_published_final_report(activation)
    if published is None:
        blockers.append(
            _(
                "Situation reports are not available, so no final report can be "
                "published yet."
            )
        )
    elif not published:
        blockers.append(
            _(
                "No published final report yet: publish the final situation report "
                "before closing."
            )
        )
    return blockers


def closing_check(activation: Activation) -> None:
    """Raise DomainError with every blocker, or return."""
    blockers = closing_blockers(activation)
    if blockers:
        raise DomainError(" ".join(blockers), code="cannot_close")


# --- what closing sets off -----------------------------------------------------------
def activation_closed(*, activation: Activation, by: User) -> RetentionPurge:
    """Called by activations.services.activation_transition in its transaction, after
    the status became closed: pause every enabled source, return every held queue
    item, schedule the retention purge and freeze the after-action review."""
    assert activation.closed_at is not None  # noqa: S101 - set by the transition
    for source in Source.objects.filter(activation=activation, is_enabled=True):
        source_set_enabled(
            by=by,
            source=source,
            enabled=False,
            reason=_("Activation closed."),
        )
    holders = (
        Cluster.objects.filter(
            activation=activation,
            status=Cluster.Status.IN_TRIAGE,
            claimed_by__isnull=False,
        )
        .values_list("claimed_by", flat=True)
        .distinct()
    )
    released = 0
    for holder in User.objects.filter(pk__in=list(holders)):
        released += len(
            triage.claims_release_for_user(activation=activation, user=holder)
        )
    purge = purge_schedule(activation=activation)
    aar_generate(activation=activation)
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.SYSTEM,
        text=_(
            "Closing: sources stopped, %(released)s held item(s) returned, "
            "collected data purged after %(due)s."
        )
        % {
            "released": released,
            "due": timezone.localtime(purge.due_at, activation.tz).strftime(
                "%Y-%m-%d %H:%M"
            ),
        },
    )
    return purge


@transaction.atomic
def purge_schedule(*, activation: Activation) -> RetentionPurge:
    """Schedule (or re-schedule) the purge at closed_at + the agreement's retention.
    Idempotent: one row per activation; a purge already done stays done."""
    if activation.closed_at is None:
        raise DomainError(_("Only a closed activation has a retention purge."))
    due_at = activation.closed_at + dt.timedelta(
        days=activation.agreement.retention_days
    )
    purge, created = RetentionPurge.objects.select_for_update().get_or_create(
        activation=activation, defaults={"due_at": due_at}
    )
    if not created and purge.status != RetentionPurge.Status.DONE:
        purge.due_at = due_at
        purge.status = RetentionPurge.Status.SCHEDULED
        purge.save(update_fields=["due_at", "status", "updated_at"])
    logger.info("activation %s: purge due at %s", activation.pk, due_at)
    return purge


@transaction.atomic
def purge_cancel(*, activation: Activation) -> RetentionPurge | None:
    """Cancel a scheduled purge (the activation was reopened); a done one stays done."""
    updated = RetentionPurge.objects.filter(
        activation=activation, status=RetentionPurge.Status.SCHEDULED
    ).update(status=RetentionPurge.Status.CANCELLED, updated_at=timezone.now())
    if updated:
        logger.info("activation %s: purge cancelled", activation.pk)
    return RetentionPurge.objects.filter(activation=activation).first()


def purges_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of scheduled purges whose time has come."""
    now = now or timezone.now()
    return list(
        RetentionPurge.objects.filter(
            status=RetentionPurge.Status.SCHEDULED, due_at__lte=now
        )
        .order_by("due_at")
        .values_list("pk", flat=True)
    )


def _promoted(activation: Activation) -> Q:
    """Posts a verification case needs: its own post, or any post of its item."""
    cases_of_item = Case.objects.filter(
        activation=activation, cluster=OuterRef("cluster")
    )
    cases_of_post = Case.objects.filter(post=OuterRef("pk"))
    return Q(Exists(cases_of_item)) | Q(Exists(cases_of_post))


def _reduce_promoted(activation: Activation, promoted: QuerySet[Post]) -> int:
    """Posts linked to a case keep what the reports need (text, place, time,
    category): raw payload, media, link and author data go, the handle becomes
    its pseudonym (so "several posts from one account" stays visible)."""
    reduced = 0
    rows = list(
        promoted.exclude(raw={}, media=[], url="", author_name="", author_id="")
        .only("pk", "platform", "author_handle")
        .order_by("pk")
    )
    for post in rows:
        handle = post.author_handle
        if not handle.startswith("account-"):
            handle = pseudonym(
                handle, activation_id=activation.pk, platform=post.platform
            )
        Post.objects.filter(pk=post.pk).update(
            raw={},
            media=[],
            url="",
            author_handle=handle,
            author_name="",
            author_id="",
            author_meta={},
            minhash=None,
        )
        reduced += 1
    return reduced


@transaction.atomic
def purge_run(*, purge_id: int, now: dt.datetime | None = None) -> RetentionPurge:
    """Run a due purge: the text, raw payload, media and author data of every post
    never promoted to a verification case are erased (the rows stay, so counts
    and medians survive), and the map's copies of them (author, link, summary);
    promoted posts keep only what reports need (see _reduce_promoted) and their
    map rows lose the author and the link. The search vector is generated from
    the text, so it follows. Idempotent: a purge not scheduled, not yet due, or
    already done is left alone."""
    now = now or timezone.now()
    purge = (
        RetentionPurge.objects.select_for_update()
        .select_related("activation")
        .get(pk=purge_id)
    )
    if purge.status != RetentionPurge.Status.SCHEDULED or purge.due_at > now:
        logger.info("purge %s not due or not scheduled (%s)", purge.pk, purge.status)
        return purge
    activation = purge.activation
    if activation.status not in {
        Activation.Status.CLOSED,
        Activation.Status.ARCHIVED,
    }:
        logger.warning("purge %s: activation %s is open", purge.pk, activation.pk)
        return purge
    posts = Post.objects.filter(activation=activation)
    to_purge = posts.exclude(_promoted(activation))
    purged = to_purge.update(
        text="",
        raw={},
        media=[],
        url="",
        author_handle="",
        author_name="",
        author_id="",
        author_meta={},
        minhash=None,
    )
    reduced = _reduce_promoted(activation, posts.filter(_promoted(activation)))
    promoted_clusters = Case.objects.filter(
        activation=activation, cluster__isnull=False
    ).values("cluster")
    map_cleared = (
        MapItem.objects.filter(activation=activation)
        .exclude(cluster__in=promoted_clusters)
        .update(author_handle="", post_url="", summary="")
    )
    # The map rows of promoted items keep their summary (reports use it), not
    # the author's handle nor the link to the post.
    map_reduced = (
        MapItem.objects.filter(activation=activation, cluster__in=promoted_clusters)
        .exclude(author_handle="", post_url="")
        .update(author_handle="", post_url="")
    )
    purge.status = RetentionPurge.Status.DONE
    purge.done_at = now
    purge.counts = {
        "posts_total": posts.count(),
        "posts_purged": purged,
        "posts_kept": posts.count() - purged,
        "posts_reduced": reduced,
        "map_items_cleared": map_cleared,
        "map_items_reduced": map_reduced,
    }
    purge.save(update_fields=["status", "done_at", "counts", "updated_at"])
    log(
        activation=activation,
        kind=LogEntry.Kind.SYSTEM,
        text=_(
            "Retention purge: %(purged)s post(s) erased, %(kept)s kept for "
            "verification cases."
        )
        % {"purged": purged, "kept": purge.counts["posts_kept"]},
    )
    logger.info("purge %s done: %s", purge.pk, purge.counts)
    return purge


# --- after-action review ---------------------------------------------------------------
@transaction.atomic
def aar_generate(
    *, activation: Activation, now: dt.datetime | None = None
) -> AfterActionReview:
    """Compute the figures and freeze them in the review (created if missing);
    lessons learned are kept."""
    figures = aar_compute(activation=activation, now=now)
    review, _created = AfterActionReview.objects.select_for_update().get_or_create(
        activation=activation
    )
    review.figures = figures
    review.generated_at = now or timezone.now()
    review.save(update_fields=["figures", "generated_at", "updated_at"])
    return review


@transaction.atomic
def aar_lessons_update(
    *,
    activation: Activation,
    by: User,
    lessons_learned: str,
    version: int | None = None,
) -> AfterActionReview:
    """Save the lessons learned (callers checked MANAGE or EDIT_REPORTS). With a
    version, a stale edit (someone saved meanwhile) is refused with ConflictError."""
    text = lessons_learned.strip()
    if len(text) > MAX_LESSONS:
        raise DomainError(
            _("Lessons learned are limited to %(max)s characters.")
            % {"max": MAX_LESSONS}
        )
    review, _created = AfterActionReview.objects.select_for_update().get_or_create(
        activation=activation
    )
    if review.lessons_learned == text:
        return review  # a double submission, or nothing changed: nothing to do
    if version is not None and version != review.version:
        raise ConflictError(
            _(
                "Someone else changed the lessons learned meanwhile. Reload the page "
                "and try again."
            )
        )
    review.lessons_learned = text
    review.lessons_updated_by = by
    review.version += 1
    review.save(
        update_fields=["lessons_learned", "lessons_updated_by", "version", "updated_at"]
    )
    log(
        activation=activation,
        author=by,
        kind=LogEntry.Kind.NOTE,
        text=_("Lessons learned of the after-action review updated."),
    )
    return review
