"""Helpers of the privacy tests: a verified item with a case, evidence, a map row
and a built export file, so that an erasure has everything to reach."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from activations.models import ActivationMember
from mapping.models import MapExport, MapItem
from mapping.sync import map_items_sync
from monitoring.models import Cluster, Post, TriageDecision
from tests.factories import make_item, make_member
from verification.models import Case, CaseEvent, Evidence

Role = ActivationMember.Role


def search_matches(post_id: int, words: str) -> bool:
    """Whether the generated search vector of the post matches `words` (French)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector @@ plainto_tsquery('public.vost_fr', %s) "
            "FROM monitoring_post WHERE id = %s",
            [words, post_id],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def verified_item(activation: Any, *, handle: str, text: str, copies: int = 1) -> Any:
    """A queue item triaged relevant, with a verified case opened from its post
    (claim copied from the text, location from the post), evidence linking to
    the post, and its map row built by mapping.sync."""
    cluster = make_item(
        activation,
        text=text,
        author_handle=handle,
        copies=copies,
        url=f"https://mastodon.example/@{handle.strip('@').split('@')[0]}/1",
        raw={"id": "109999", "content": f"<p>{text}</p>"},
        media=[{"type": "image", "url": "https://files.example/1.jpg"}],
        location=Point(3.88, 43.61, srid=4326),
        location_source=Post.LocationSource.PLATFORM,
    )
    lead = make_member(activation, Role.TEAM_LEAD).user
    post = cluster.representative
    Cluster.objects.filter(pk=cluster.pk).update(
        status=Cluster.Status.DONE,
        decision=TriageDecision.Kind.RELEVANT,
        decided_by=lead,
        decided_at=timezone.now(),
    )
    case = Case.objects.create(
        activation=activation,
        number=Case.objects.filter(activation=activation).count() + 1,
        cluster=cluster,
        post=post,
        claim=post.text[:280],
        status=Case.Status.VERIFIED,
        opened_by=lead,
        location=Point(3.88, 43.61, srid=4326),
        location_radius_m=50,
        location_source=Case.LocationSource.POST,
        place_name="Montpellier",
    )
    Evidence.objects.create(
        case=case,
        kind=Evidence.Kind.SOURCE_PROFILE,
        url=post.url,
        note=f"Profile checked: {post.url}",
        author=lead,
    )
    CaseEvent.objects.create(
        case=case,
        user=lead,
        kind=CaseEvent.Kind.OPENED,
        text=f"Opened: {post.text[:280]}",
        data={"claim": post.text[:280]},
    )
    map_items_sync([cluster.pk])
    cluster.refresh_from_db()
    return cluster


def built_export(activation: Any, *, content: str, minutes_ago: int = 0) -> MapExport:
    """A built export whose file holds `content`."""
    export = MapExport.objects.create(
        activation=activation,
        format=MapExport.Format.GEOJSON,
        status=MapExport.Status.DONE,
        finished_at=timezone.now(),
    )
    name = f"exports/{activation.pk}/test-{export.pk}.geojson"
    path = Path(settings.PRIVATE_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    MapExport.objects.filter(pk=export.pk).update(
        file_name=name,
        size_bytes=path.stat().st_size,
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )
    export.refresh_from_db()
    return export


def map_item_of(cluster: Any) -> MapItem | None:
    return MapItem.objects.filter(cluster=cluster).first()
