"""Erasing a post everywhere: its content and author, the copies other parts of
the hub made of it, the exports that may contain it and the caches.

The monitoring.Post row stays as a tombstone (platform, external id, times,
category, cluster): cases, clusters, triage decisions and the activation log
keep their links, clustering never picks it up again (it keeps its cluster), and
ingesting the same post again is a duplicate. A PostErasure row says it was
erased, when and why.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Notification, User
from activations.models import Activation, LogEntry
from activations.services._common import log
from audit import services as audit
from mapping.models import MapExport, MapItem
from mapping.sync import map_items_sync
from monitoring.models import Cluster, ClusterBand, Post
from privacy.models import ErasureReason, PostErasure, SubjectRequest
from publichelp.models import AidEntry
from verification.models import Case, CaseEvent, Evidence

logger = logging.getLogger(__name__)

# What replaces a copy of an erased post's text (in a case's claim, an aid entry).
REMOVED = "[removed]"
# Dashboard windows cached by dashboards.selectors.dashboard_snapshot.
_DASHBOARD_WINDOWS = (24, 72)


@dataclass
class ErasureCounts:
    """What one erasure touched (stored on the PostErasure row)."""

    reposts: int = 0
    cases: int = 0
    evidence: int = 0
    case_events: int = 0
    aid_entries: int = 0
    map_items: int = 0
    notifications: int = 0
    exports_withdrawn: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reposts": self.reposts,
            "cases": self.cases,
            "evidence": self.evidence,
            "case_events": self.case_events,
            "aid_entries": self.aid_entries,
            "map_items": self.map_items,
            "notifications": self.notifications,
            "exports_withdrawn": self.exports_withdrawn,
        }


def is_erased(post: Post) -> bool:
    return PostErasure.objects.filter(post=post).exists()


def _copied(snippet: str, value: str) -> bool:
    """Whether `value` holds a copy of `snippet` (stripped, at least 8 characters)."""
    snippet = snippet.strip()
    return len(snippet) >= 8 and snippet in value


def _scrub(value: str, snippets: Iterable[str]) -> str:
    for snippet in snippets:
        snippet = snippet.strip()
        if len(snippet) >= 8 and snippet in value:
            value = value.replace(snippet, REMOVED)
    return value


def _scrub_json(value: Any, snippets: list[str]) -> Any:
    text = json.dumps(value, ensure_ascii=False)
    scrubbed = _scrub(text, [json.dumps(s, ensure_ascii=False)[1:-1] for s in snippets])
    return json.loads(scrubbed) if scrubbed != text else value


def _withdraw_exports(
    *, activation: Activation, since: dt.datetime, now: dt.datetime
) -> list[int]:
    """Mark the activation's built exports that may hold the post (built after it
    came in) as withdrawn and delete their files once the transaction commits."""
    exports = list(
        MapExport.objects.select_for_update()
        .filter(
            activation=activation,
            include_items=True,
            status=MapExport.Status.DONE,
            created_at__gte=since - dt.timedelta(minutes=1),
        )
        .exclude(file_name="")
    )
    if not exports:
        return []
    root = Path(settings.PRIVATE_ROOT)
    files = [root / e.file_name for e in exports]
    MapExport.objects.filter(pk__in=[e.pk for e in exports]).update(
        status=MapExport.Status.FAILED,
        error=_(
            "Withdrawn: it contained a post that was deleted on its platform or "
            "erased on request. Make a new export."
        ),
        file_name="",
        size_bytes=0,
        updated_at=now,
    )

    def unlink() -> None:
        for path in files:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                logger.exception("could not delete withdrawn export file %s", path)

    transaction.on_commit(unlink)
    return [e.pk for e in exports]


def _scrub_notifications(activation: Activation, text: str) -> int:
    """Replace the lines of in-app notifications that quote the post (emails
    already sent cannot be recalled)."""
    needle = text.strip()[:60]
    if len(needle) < 8:
        return 0
    changed = 0
    for note in Notification.objects.filter(
        activation=activation, body__contains=needle
    ):
        body = "\n".join(
            f"- {REMOVED}" if needle in line else line for line in note.body.split("\n")
        )
        Notification.objects.filter(pk=note.pk).update(body=body)
        changed += 1
    return changed


def _forget_caches(activation_id: int) -> None:
    keys = [f"dashboards:figures:{activation_id}:{h}" for h in _DASHBOARD_WINDOWS]

    def forget() -> None:
        try:
            cache.delete_many(keys)
        except Exception:  # an outage: the snapshot expires on its own in seconds
            logger.warning("cache unavailable; dashboard snapshot kept", exc_info=True)

    transaction.on_commit(forget)


def _recluster(cluster: Cluster, erased_ids: set[int]) -> None:
    """Take the erased posts out of what the cluster shows: another living post
    becomes its representative and the size counts the living ones."""
    living = (
        Post.objects.filter(cluster=cluster, erasure__isnull=True)
        .exclude(pk__in=erased_ids)
        .order_by("posted_at", "pk")
    )
    size = living.count()
    fields = ["size", "updated_at"]
    cluster.size = size
    if cluster.representative_id in erased_ids or cluster.representative_id is None:
        cluster.representative = living.first()
        fields.append("representative")
    cluster.save(update_fields=fields)
    if size == 0:
        # No content left to match new posts against.
        ClusterBand.objects.filter(cluster=cluster).delete()


@transaction.atomic
def erase_post(
    post: Post,
    reason: str,
    *,
    request: SubjectRequest | None = None,
    by: User | None = None,
    now: dt.datetime | None = None,
) -> PostErasure:
    """Remove `post` everywhere (see the module's docstring); its reposts go with
    it. Idempotent: a post already erased returns its PostErasure unchanged."""
    if reason not in ErasureReason.values:
        raise ValueError(f"unknown erasure reason {reason!r}")
    now = now or timezone.now()
    locked = (
        Post.objects.select_for_update(of=("self",))
        .select_related("activation")
        .get(pk=post.pk)
    )
    existing = PostErasure.objects.filter(post=locked).first()
    if existing is not None:
        logger.info("post %s already erased (%s)", locked.pk, existing.reason)
        return existing
    counts = ErasureCounts()
    activation = locked.activation
    snippets = [locked.text[:280], locked.text, locked.url]
    snippets = [s for s in snippets if s.strip()]
    was_shown = False  # its content could be in a map item, a case or an export
    if locked.cluster_id is not None:
        cluster = Cluster.objects.select_for_update(of=("self",)).get(
            pk=locked.cluster_id
        )
        was_shown = cluster.representative_id == locked.pk
    # 1. the post itself
    Post.objects.filter(pk=locked.pk).update(
        text="",
        raw={},
        media=[],
        url="",
        author_handle="",
        author_name="",
        author_id="",
        author_meta={},
        minhash=None,
        location=None,
        location_source="",
        place_name="",
    )
    erasure = PostErasure.objects.create(
        post=locked,
        activation=activation,
        reason=reason,
        erased_at=now,
        request=request,
    )
    # 2. reposts of it carry its content: they go too
    for repost in Post.objects.filter(repost_of=locked, erasure__isnull=True):
        erase_post(repost, reason, request=request, by=by, now=now)
        counts.reposts += 1
    # 3. its cluster shows another post (or none)
    clusters = {locked.cluster_id} if locked.cluster_id else set()
    if locked.cluster_id is not None:
        _recluster(Cluster.objects.get(pk=locked.cluster_id), erased_ids={locked.pk})
    # 4. cases' copies: the claim made from its text, the location from its geotag,
    #    evidence links to it, the case history quoting it
    of_post = Q(post=locked)
    if was_shown:  # the case of its item was opened from it
        of_post |= Q(cluster_id=locked.cluster_id)
    cases = Case.objects.select_for_update(of=("self",)).filter(of_post)
    for case in cases:
        fields = []
        if any(_copied(s, case.claim) for s in snippets):
            case.claim = _scrub(case.claim, snippets) or REMOVED
            fields.append("claim")
        if case.post_id == locked.pk and case.location_source == (
            Case.LocationSource.POST
        ):
            case.location = None
            case.location_radius_m = None
            case.location_source = ""
            case.place_name = ""
            fields += ["location", "location_radius_m", "location_source", "place_name"]
        if fields:
            case.save(update_fields=[*fields, "updated_at"])
            counts.cases += 1
        for evidence in Evidence.objects.filter(case=case):
            url = "" if locked.url and evidence.url == locked.url else evidence.url
            note = _scrub(evidence.note, snippets)
            if (url, note) != (evidence.url, evidence.note):
                Evidence.objects.filter(pk=evidence.pk).update(url=url, note=note)
                counts.evidence += 1
        for event in CaseEvent.objects.filter(case=case):
            text, data = _scrub(event.text, snippets), _scrub_json(event.data, snippets)
            if text != event.text or data != event.data:
                CaseEvent.objects.filter(pk=event.pk).update(text=text, data=data)
                counts.case_events += 1
        was_shown = True
    # 5. mutual-aid entries recorded from it
    for entry in AidEntry.objects.filter(source_post=locked):
        description = (
            REMOVED
            if any(_copied(entry.description[:100], s) for s in snippets)
            else _scrub(entry.description, snippets)
        )
        AidEntry.objects.filter(pk=entry.pk).update(
            source_url="", description=description[:500], updated_at=now
        )
        counts.aid_entries += 1
    # 6. the map's read model, rebuilt now from what is left
    if clusters:
        counts.map_items = MapItem.objects.filter(cluster_id__in=clusters).count()
        map_items_sync(clusters)
    # 7. exports that may contain it
    if was_shown:
        counts.exports_withdrawn = _withdraw_exports(
            activation=activation, since=locked.received_at, now=now
        )
    # 8. in-app notifications quoting it (saved-search alerts quote 140 characters)
    counts.notifications = _scrub_notifications(activation, locked.text)
    # 9. caches (the search vector is generated from the text: it followed)
    _forget_caches(activation.pk)
    erasure.counts = counts.as_dict()
    erasure.save(update_fields=["counts"])
    log(
        activation=activation,
        kind=LogEntry.Kind.SYSTEM,
        text=_("Post %(id)s erased (%(reason)s).")
        % {"id": locked.pk, "reason": erasure.get_reason_display()},
    )
    _audit(erasure, by=by)
    logger.info(
        "post %s erased (%s): %s", locked.pk, reason, json.dumps(erasure.counts)
    )
    return erasure


def _audit(erasure: PostErasure, *, by: User | None) -> None:
    """Erasures asked by a data subject go into the audit trail (codes and ids
    only). Platform deletions are in the activation log and PostErasure rows;
    the audit trail has no action for system erasures yet."""
    if erasure.request_id is None:
        return
    audit.record(
        action=audit.Action.DATA_SUBJECT_REQUEST,
        actor=by,
        activation=erasure.activation,
        obj=erasure.post,
        summary=f"erased request={erasure.request_id} reason={erasure.reason}",
    )


# --- deletions reported by the platforms ------------------------------------------
@dataclass(frozen=True)
class Deletion:
    """A platform says this post is gone. `external_id` is our key (X: tweet id,
    Bluesky: at:// URI, Mastodon: status URI); for Mastodon streaming events,
    which carry the instance's local id, `local_id` and `host` instead."""

    platform: str
    external_id: str = ""
    local_id: str = ""
    host: str = ""


def posts_for_deletion(deletion: Deletion) -> list[Post]:
    """The posts (in every activation) a deletion notice is about, not yet erased."""
    posts = Post.objects.filter(platform=deletion.platform, erasure__isnull=True)
    if deletion.external_id:
        return list(posts.filter(external_id=deletion.external_id))
    if deletion.local_id:
        found = posts.filter(raw__id=deletion.local_id)
        if deletion.host:
            found = found.filter(
                Q(source__params__instance__iendswith=f"//{deletion.host}")
                | Q(source__params__instance__iendswith=f"//{deletion.host}/")
            )
        return list(found)
    return []


def deletions_honour(
    deletions: Iterable[Deletion], *, reason: str = ErasureReason.PLATFORM_DELETED
) -> int:
    """Erase every post these deletion notices are about; returns how many. One
    failing post is logged and the others still go (each in its transaction)."""
    erased = 0
    for deletion in deletions:
        for post in posts_for_deletion(deletion):
            try:
                erase_post(post, reason)
            except Exception:
                logger.exception("could not erase post %s for %s", post.pk, deletion)
                continue
            erased += 1
    return erased
