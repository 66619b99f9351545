"""Writes of the signals app: detection runs and the volunteers' review."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.services import notify_translated
from activations.models import Activation, ActivationMember
from activations.selectors import members_with_roles
from activations.services._common import log
from signals import detector, selectors
from signals.models import EmergingSignal
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

QUIET_AFTER = dt.timedelta(minutes=30)  # an open signal not flagged since then closes
DISMISS_COOLDOWN = dt.timedelta(
    hours=6
)  # a dismissed key stays quiet unless it doubles
MAX_NEW_PER_RUN = 20
_LOCK_NAMESPACE = 8_001  # pg advisory lock: one detection per activation at a time


@transaction.atomic
def signals_detect(
    *, activation: Activation, now: dt.datetime | None = None
) -> list[EmergingSignal]:
    """Flag the activation's bursts at ``now``: create a signal per new burst, update
    the open one of a key that is still rising, close those gone quiet.

    Idempotent: running twice at the same ``now`` changes nothing more; concurrent
    runs for one activation skip (advisory lock). Returns the signals touched."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, activation.pk]
        )
        if not cursor.fetchone()[0]:
            logger.info("signals: detection already running for %s", activation.slug)
            return []
    counts = selectors.key_counts(activation=activation, now=now)
    covered = detector.covered_baseline_buckets(
        history_start=selectors.history_start(activation=activation), now=now
    )
    bursts = detector.detect(counts, covered=covered)
    window_start = now - detector.BUCKET * detector.WINDOW_BUCKETS
    samples = selectors.sample_posts(
        activation=activation,
        keys={(b.kind, b.key) for b in bursts},
        since=window_start,
        now=now,
    )
    open_signals = {
        (s.kind, s.key): s
        for s in EmergingSignal.objects.select_for_update().filter(
            activation=activation, closed_at__isnull=True
        )
    }
    dismissed_peaks: dict[tuple[str, str], int] = {}
    for kind, key, peak in EmergingSignal.objects.filter(
        activation=activation,
        status=EmergingSignal.Status.DISMISSED,
        closed_at__gt=now - DISMISS_COOLDOWN,
    ).values_list("kind", "key", "peak_count"):
        dismissed_peaks[(kind, key)] = max(peak, dismissed_peaks.get((kind, key), 0))
    touched: list[EmergingSignal] = []
    created: list[EmergingSignal] = []
    for burst in bursts:
        pair = (burst.kind, burst.key)
        since = now - detector.BUCKET * (burst.since_bucket + 1)
        signal = open_signals.get(pair)
        if signal is None:
            if burst.count < 2 * dismissed_peaks.get(pair, 0):
                continue
            if len(created) >= MAX_NEW_PER_RUN:
                continue
            signal = EmergingSignal(
                activation=activation,
                kind=burst.kind,
                key=burst.key[:200],
                first_seen=now,
                since=since,
            )
            created.append(signal)
        signal.window_start = window_start
        signal.current_count = burst.count
        signal.baseline_rate = burst.rate
        signal.expected = burst.expected
        signal.ratio = burst.ratio
        signal.zscore = burst.z
        signal.peak_count = max(signal.peak_count, burst.count)
        signal.last_flagged_at = now
        signal.series = burst.series
        signal.sample_post_ids = samples.get(pair) or signal.sample_post_ids
        signal.save()
        touched.append(signal)
    flagged = {(b.kind, b.key) for b in bursts}
    for pair, signal in open_signals.items():
        if pair in flagged:
            continue
        if signal.last_flagged_at <= now - QUIET_AFTER:
            signal.closed_at = now
            signal.save(update_fields=["closed_at", "updated_at"])
        else:  # keep the sparkline moving while it cools down
            signal.series = detector.series_of(counts.get(pair, {}))
            signal.save(update_fields=["series", "updated_at"])
    if created:
        _notify_new(activation=activation, signals=created)
    return touched


def _notify_new(*, activation: Activation, signals: list[EmergingSignal]) -> None:
    leads = members_with_roles(
        activation=activation,
        roles=[ActivationMember.Role.COORDINATOR, ActivationMember.Role.TEAM_LEAD],
    )
    if not leads:
        return
    url = reverse("signals:list", args=[activation.slug])

    def texts() -> tuple[str, str]:
        return (
            ngettext(
                "%(count)d new emerging signal in %(activation)s",
                "%(count)d new emerging signals in %(activation)s",
                len(signals),
            )
            % {"count": len(signals), "activation": activation.title},
            "\n".join(signal.explanation() for signal in signals[:5]),
        )

    notify_translated(
        users=leads, texts=texts, kind="signal", url=url, activation=activation
    )


@transaction.atomic
def signal_review(
    *, activation: Activation, signal_id: int, user: User, decision: str
) -> EmergingSignal:
    """Confirm or dismiss a signal. The same decision again is a no-op (double
    submission); a dismissed signal cannot be confirmed (ConflictError)."""
    if decision not in (
        EmergingSignal.Status.CONFIRMED,
        EmergingSignal.Status.DISMISSED,
    ):
        logger.warning("signals: bad decision %r by %s", decision, user.pk)
        raise DomainError(_("Unknown decision."), code="invalid")
    try:
        signal = EmergingSignal.objects.select_for_update().get(
            activation=activation, pk=signal_id
        )
    except EmergingSignal.DoesNotExist:
        logger.warning("signals: %s reviewed missing signal %s", user.pk, signal_id)
        raise DomainError(_("This signal does not exist."), code="not_found") from None
    if signal.status == decision:
        return signal
    if signal.status == EmergingSignal.Status.DISMISSED:
        logger.warning(
            "signals: %s tried to confirm dismissed signal %s", user.pk, signal.pk
        )
        raise ConflictError(
            _("This signal was already dismissed."), code="already_dismissed"
        )
    now = timezone.now()
    signal.status = decision
    signal.reviewed_by = user
    signal.reviewed_at = now
    if decision == EmergingSignal.Status.DISMISSED:
        signal.closed_at = signal.closed_at or now
    signal.save()
    log(
        activation=activation,
        author=user,
        text=(
            _("Emerging signal confirmed: %(explanation)s")
            if decision == EmergingSignal.Status.CONFIRMED
            else _("Emerging signal dismissed: %(explanation)s")
        )
        % {"explanation": signal.explanation()},
    )
    return signal
