"""Watch mode: the daily digest of a watch activation's notable signals for its
coordinators, and turning a watch into a crisis activation in one step (same
activation: its sources, posts and log stay; sources go back to normal pace)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify_translated
from activations.models import Activation, ActivationMember, LogEntry
from activations.selectors import members_with_roles
from activations.services._common import log
from campaigns.models import WatchDigest
from monitoring.models import Category, Escalation, Post, Source, TriageDecision
from signals.models import EmergingSignal
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

DIGEST_WINDOW = dt.timedelta(hours=24)
# monitoring.models.Source.interval_seconds' default: a crisis polls at this pace.
NORMAL_INTERVAL_SECONDS = 120
OPEN = (Activation.Status.ACTIVE, Activation.Status.STANDBY)


@dataclass
class Digest:
    activation: Activation
    since: dt.datetime
    until: dt.datetime
    posts: int = 0
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    urgent: int = 0
    escalations: int = 0
    signals: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "top_categories": self.top_categories,
            "urgent": self.urgent,
            "escalations": self.escalations,
            "signals": self.signals,
        }

    def body(self) -> str:
        """The digest as text, in the active language."""
        lines = [
            _("Posts ingested in the last 24 hours: %(count)s") % {"count": self.posts},
            _("Urgent decisions: %(urgent)s; escalations: %(escalations)s")
            % {"urgent": self.urgent, "escalations": self.escalations},
        ]
        if self.top_categories:
            lines.append(
                _("Top categories: %(list)s")
                % {
                    "list": ", ".join(
                        f"{Category(code).label} ({count})"
                        for code, count in self.top_categories
                    )
                }
            )
        if self.signals:
            lines.append(
                _("Emerging signals: %(list)s") % {"list": "; ".join(self.signals)}
            )
        return "\n".join(lines)


def _emerging_signals(activation: Activation, since: dt.datetime) -> list[str]:
    """Up to five signals flagged in the window and not dismissed, with their
    explanation (what rose, how much, since when), most recent first."""
    rows = (
        EmergingSignal.objects.filter(activation=activation, last_flagged_at__gte=since)
        .exclude(status=EmergingSignal.Status.DISMISSED)
        .select_related("activation")
        .order_by("-last_flagged_at")[:5]
    )
    return [row.explanation() for row in rows]


def watch_digest_build(
    *, activation: Activation, now: dt.datetime | None = None
) -> Digest:
    """What happened in the last 24 hours of the activation."""
    until = now or timezone.now()
    since = until - DIGEST_WINDOW
    posts = Post.objects.filter(
        activation=activation, received_at__gte=since, received_at__lt=until
    )
    top = list(
        posts.exclude(category="")
        .exclude(category=Category.NOT_RELEVANT)
        .values("category")
        .annotate(n=Count("pk"))
        .order_by("-n", "category")[:5]
    )
    return Digest(
        activation=activation,
        since=since,
        until=until,
        posts=posts.count(),
        top_categories=[(row["category"], row["n"]) for row in top],
        urgent=TriageDecision.objects.filter(
            activation=activation,
            kind=TriageDecision.Kind.URGENT,
            created_at__gte=since,
            created_at__lt=until,
        ).count(),
        escalations=Escalation.objects.filter(
            activation=activation, created_at__gte=since, created_at__lt=until
        ).count(),
        signals=_emerging_signals(activation, since),
    )


def watch_digests_send(*, now: dt.datetime | None = None) -> int:
    """Beat, daily: the digest of every open watch activation to its coordinators,
    once per activation and day (a unique row). Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for activation in Activation.objects.filter(
        kind=Activation.Kind.WATCH, status__in=OPEN
    ):
        if watch_digest_send(activation=activation, now=now):
            sent += 1
    return sent


@transaction.atomic
def watch_digest_send(*, activation: Activation, now: dt.datetime) -> bool:
    digest = watch_digest_build(activation=activation, now=now)
    day = timezone.localtime(now, activation.tz).date()
    try:
        with transaction.atomic():
            WatchDigest.objects.create(
                activation=activation, day=day, summary=digest.as_dict()
            )
    except IntegrityError:
        logger.info("watch digest of %s for %s: already sent", activation.pk, day)
        return False
    title = activation.title
    notify_translated(
        users=members_with_roles(
            activation=activation, roles=[ActivationMember.Role.COORDINATOR]
        ),
        texts=lambda: (
            _("Daily watch digest: %(title)s") % {"title": title},
            digest.body(),
        ),
        kind="watch_digest",
        url=reverse("activations:activation-detail", args=[activation.slug]),
        activation=activation,
        email=True,
    )
    return True


@transaction.atomic
def watch_convert_to_crisis(*, activation: Activation, by: User) -> Activation:
    """Turn a watch into a crisis activation: same activation, so its sources,
    posts, decisions and log are kept; slow sources poll at the normal pace."""
    current = Activation.objects.select_for_update().get(pk=activation.pk)
    if current.kind == Activation.Kind.CRISIS:
        raise ConflictError(
            _("This activation is already a crisis activation."), code="converted"
        )
    if current.kind != Activation.Kind.WATCH:
        raise DomainError(
            _("Only a watch can be turned into a crisis activation."),
            code="not_watch",
        )
    if not current.is_open:
        raise DomainError(_("This watch is closed: reopen it first."), code="not_open")
    current.kind = Activation.Kind.CRISIS
    current.version += 1
    current.save(update_fields=["kind", "version", "updated_at"])
    faster = Source.objects.filter(
        activation=current, interval_seconds__gt=NORMAL_INTERVAL_SECONDS
    ).update(interval_seconds=NORMAL_INTERVAL_SECONDS, updated_at=timezone.now())
    log(
        activation=current,
        author=by,
        kind=LogEntry.Kind.DECISION,
        text=_(
            "Watch turned into a crisis activation by %(who)s; %(count)s sources "
            "now poll every %(seconds)s s."
        )
        % {
            "who": by.display_name,
            "count": faster,
            "seconds": NORMAL_INTERVAL_SECONDS,
        },
    )
    return current
