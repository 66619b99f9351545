"""Reads of the privacy app: the record of processing as a document, the data
held about one account handle across an organisation's activations, the
organisation's requests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Min, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import Activation, Organisation
from activations.permissions import coordinated_teams
from mapping.models import MapExport, MapItem
from monitoring.models import Post
from privacy.models import EDITABLE, ProcessingRecord, SubjectRequest
from publichelp.models import AidEntry
from verification.models import Case
from vost.exceptions import DomainError

PLATFORMS = ("mastodon", "bluesky", "x")
_X = re.compile(r"^[a-z0-9_]{1,15}$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")
_MASTODON_USER = re.compile(r"^[a-z0-9_][a-z0-9_.-]{0,62}$")
_DID = re.compile(r"^did:(plc|web):[a-z0-9._:%-]{1,200}$")
_PROFILE_URL = re.compile(r"^https?://([^/\s]+)/@([^/\s@]+)/?$")
LIST_LIMIT = 200


def handle_normalise(*, platform: str, handle: str) -> str:
    """The handle as the hub stores it (lower case, no leading @); Mastodon:
    user@instance (a profile URL is accepted). DomainError when malformed."""
    if platform not in PLATFORMS:
        raise DomainError(
            _("Unknown platform: %(platform)s.") % {"platform": platform[:40]},
            code="invalid",
        )
    value = handle.strip().lower()
    if platform == "mastodon":
        url = _PROFILE_URL.match(value)
        if url:
            value = f"{url.group(2)}@{url.group(1)}"
        value = value.lstrip("@")
        user, _sep, host = value.partition("@")
        if _MASTODON_USER.match(user) and _DOMAIN.match(host):
            return f"{user}@{host}"
        message = _(
            "A Mastodon account is written user@instance, e.g. jeanne@mastodon.social."
        )
    elif platform == "bluesky":
        value = value.lstrip("@")
        if (_DOMAIN.match(value) and len(value) <= 253) or _DID.match(value):
            return value
        message = _(
            "A Bluesky account is a handle such as jeanne.bsky.social, or a did."
        )
    else:
        value = value.lstrip("@")
        if _X.match(value):
            return value
        message = _("An X account is 1 to 15 letters, digits or underscores.")
    raise DomainError(message, code="invalid_handle")


# --- the record of processing ----------------------------------------------------
def retention_text(activation: Activation) -> str:
    """Retention as the agreement sets it (always computed, never edited)."""
    return _(
        "Collected posts are purged %(days)s days after the activation closes "
        "(agreement %(reference)s): text, raw data, media, link and author of posts "
        "never linked to a verification case are erased; posts linked to a case "
        "keep only their text, place and time, with the author replaced by a "
        "pseudonym. Posts deleted on their platform are erased within one hour. "
        "Map exports are deleted after 7 days."
    ) % {
        "days": activation.agreement.retention_days,
        "reference": activation.agreement.reference,
    }


def record_document(
    *, activation: Activation, record: ProcessingRecord
) -> dict[str, Any]:
    """The record as one JSON document (what the JSON export and the PDF show)."""
    agreement = activation.agreement
    return {
        "activation": {
            "slug": activation.slug,
            "title": activation.title,
            "status": activation.status,
            "kind": activation.kind,
            "missions": list(activation.missions or []),
            "closed_at": activation.closed_at,
        },
        "agreement": {
            "reference": agreement.reference,
            "valid_from": agreement.valid_from,
            "valid_until": agreement.valid_until,
            "retention_days": agreement.retention_days,
        },
        **{name: getattr(record, name) for name in EDITABLE},
        "retention": retention_text(activation),
        "version": record.version,
        "updated_at": record.updated_at,
    }


# --- data-subject requests -------------------------------------------------------
def requests_list(*, organisation: Organisation) -> QuerySet[SubjectRequest]:
    return (
        SubjectRequest.objects.filter(organisation=organisation)
        .select_related("opened_by", "approved_by", "completed_by")
        .order_by("-created_at")
    )


def request_get(*, organisation: Organisation, number: int) -> SubjectRequest | None:
    return requests_list(organisation=organisation).filter(number=number).first()


def organisation_for_requests(*, user: User, organisation_id: int) -> Organisation:
    """The VOST team whose requests `user` handles (its coordinators); Http404
    for anybody else (missing and not yours look the same)."""
    from django.http import Http404

    team = coordinated_teams(user).filter(pk=organisation_id).first()
    if team is None:
        raise Http404
    return team


def _handle_q(handle: str, field: str = "author_handle") -> Q:
    return Q(**{f"{field}__iexact": handle}) | Q(**{f"{field}__iexact": f"@{handle}"})


@dataclass
class Findings:
    """What the hub holds about one handle across an organisation's activations."""

    posts: QuerySet[Post]  # authored (and mentioning, if asked)
    represented_clusters: list[int]
    cases: QuerySet[Case]
    map_items: QuerySet[MapItem]
    aid_entries: QuerySet[AidEntry]
    exports: QuerySet[MapExport]

    def summary(self) -> dict[str, Any]:
        by_activation: dict[str, int] = {}
        for slug in self.posts.values_list("activation__slug", flat=True):
            by_activation[slug] = by_activation.get(slug, 0) + 1
        return {
            "posts": self.posts.count(),
            "posts_by_activation": by_activation,
            "clusters": len(self.represented_clusters),
            "cases": self.cases.count(),
            "map_items": self.map_items.count(),
            "aid_entries": self.aid_entries.count(),
            "exports": self.exports.count(),
        }


def subject_findings(
    *,
    organisation: Organisation,
    platform: str,
    handle: str,
    include_mentions: bool = False,
) -> Findings:
    """Everything about `handle` (normalised) in the organisation's activations
    (those it leads): posts not erased, their clusters, cases, map items, aid
    entries and the exports that may contain them."""
    activations = Activation.objects.filter(lead_team=organisation)
    wanted = _handle_q(handle)
    if include_mentions:
        wanted |= Q(text__icontains=f"@{handle}") | Q(raw__mentions__contains=[handle])
    posts = Post.objects.filter(
        activation__in=activations, platform=platform, erasure__isnull=True
    ).filter(wanted)
    represented = list(
        posts.filter(cluster__representative=F("pk")).values_list(
            "cluster_id", flat=True
        )
    )
    cases = Case.objects.filter(
        Q(post__in=posts) | Q(cluster_id__in=represented)
    ).distinct()
    map_items = MapItem.objects.filter(
        Q(cluster_id__in=represented)
        | (Q(activation__in=activations, platform=platform) & _handle_q(handle))
    ).distinct()
    aid_entries = AidEntry.objects.filter(source_post__in=posts)
    first = posts.filter(cluster_id__in=represented).aggregate(t=Min("received_at"))
    exports = MapExport.objects.none()
    if first["t"] is not None:
        exports = MapExport.objects.filter(
            activation__in=posts.filter(cluster_id__in=represented).values(
                "activation"
            ),
            include_items=True,
            status=MapExport.Status.DONE,
            created_at__gte=first["t"],
        )
    return Findings(
        posts=posts.order_by("posted_at", "pk"),
        represented_clusters=represented,
        cases=cases,
        map_items=map_items,
        aid_entries=aid_entries,
        exports=exports,
    )


def subject_data(findings: Findings) -> dict[str, Any]:
    """The data itself, for an access request's JSON download."""
    return {
        "posts": [
            {
                "activation": p.activation.slug,
                "platform": p.platform,
                "external_id": p.external_id,
                "url": p.url,
                "author_handle": p.author_handle,
                "author_name": p.author_name,
                "author_id": p.author_id,
                "author_meta": p.author_meta,
                "text": p.text,
                "lang": p.lang,
                "posted_at": p.posted_at,
                "received_at": p.received_at,
                "media": p.media,
                "location": (
                    [p.location.x, p.location.y] if p.location is not None else None
                ),
                "place_name": p.place_name,
                "category": p.category,
            }
            for p in findings.posts.select_related("activation")[:10_000]
        ],
        "verification_cases": [
            {
                "activation": c.activation.slug,
                "number": c.number,
                "claim": c.claim,
                "status": c.status,
                "place_name": c.place_name,
            }
            for c in findings.cases.select_related("activation")
        ],
        "map_items": [
            {
                "activation": m.activation.slug,
                "summary": m.summary,
                "place_name": m.place_name,
                "observed_at": m.observed_at,
                "author_handle": m.author_handle,
                "post_url": m.post_url,
            }
            for m in findings.map_items.select_related("activation")
        ],
        "mutual_aid_entries": [
            {
                "activation": a.activation.slug,
                "kind": a.kind,
                "description": a.description,
                "place_name": a.place_name,
                "source_url": a.source_url,
            }
            for a in findings.aid_entries.select_related("activation")
        ],
        "map_exports": [
            {"activation": e.activation.slug, "id": e.pk, "created_at": e.created_at}
            for e in findings.exports.select_related("activation")
        ],
    }
