"""Authors are pseudonymised for liaisons: every page and endpoint a liaison can
open (swept from the URL configuration) is rendered over an activation whose
verified item, escalation, rumour, report, request for information and map
export all come from a post whose author handle, name and link carry a unique
marker; the marker never appears, and the keyed pseudonym does where an author
is shown (OGC API, map export)."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from pypdf import PdfReader

from activations.models import ActivationMember
from mapping.models import MapExport, MapItem
from mapping.services import exports as export_services
from monitoring.escalations import escalation_raise
from monitoring.models import Post
from portal import services as portal
from tests.closure.helpers import publish_final_report
from tests.factories import make_member
from tests.privacy.support import verified_item
from verification.services import rumours
from vost.pseudonyms import pseudonym

Role = ActivationMember.Role
MARKER = "zzmarkerq7x"
HANDLE = f"@{MARKER}@mastodon.example"

pytestmark = pytest.mark.django_db

QUERIES = {
    "map/data/": "?bbox=-180,-85,180,85&zoom=12",
    "/items": "?limit=100",
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _fill(route, values):
    """The route with its converters replaced, or None when a value is unknown."""
    missing = False

    def sub(match):
        nonlocal missing
        name = match.group(1)
        key = next((k for k in values if route_matches(route, k, name)), None)
        if key is None:
            missing = True
            return ""
        return str(values[key])

    path = re.sub(r"<(?:\w+:)?(\w+)>", sub, route)
    return None if missing else "/" + path


def route_matches(route, key, name):
    """A key of `values` is "name" or "fragment|name" (name inside routes
    containing the fragment)."""
    fragment, _sep, wanted = key.rpartition("|")
    return wanted == name and (not fragment or fragment in route)


def _text(body: bytes) -> str:
    """The body as text; a PDF's text is extracted (its streams are compressed)."""
    if body.startswith(b"%PDF"):
        return "\n".join(
            page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages
        )
    return body.decode("utf-8", "replace")


@pytest.fixture
def world(activation):
    coordinator = make_member(activation, Role.COORDINATOR).user
    lead = make_member(activation, Role.TEAM_LEAD).user
    liaison = make_member(activation, Role.LIAISON).user
    cluster = verified_item(
        activation, handle=HANDLE, text="Le pont de Lattes est effondré"
    )
    post = cluster.representative
    Post.objects.filter(pk=post.pk).update(
        author_name=f"Jeanne {MARKER.title()}",
        author_meta={"followers": 12, "profile": f"https://x.example/{MARKER}"},
    )
    assert MARKER in MapItem.objects.get(cluster=cluster).author_handle
    escalation = escalation_raise(cluster=cluster, by=lead, note="Pont effondré")
    rumour = rumours.rumour_create(
        activation=activation,
        by=lead,
        claim="Le barrage aurait cédé",
        cluster_ids=[cluster.pk],
    )
    rumour = rumours.counter_message_save(
        rumour=rumour, by=lead, text="Le barrage tient.", version=rumour.version
    )
    rumour = rumours.counter_message_submit(
        rumour=rumour, by=lead, version=rumour.version
    )
    report = publish_final_report(activation, by=coordinator)
    rfi = portal.rfi_ask(activation=activation, by=liaison, question="Le pont ?")
    map_item = MapItem.objects.get(cluster=cluster)
    rfi = portal.rfi_answer(
        rfi=rfi,
        by=lead,
        answer="Oui, vérifié.",
        version=rfi.version,
        map_item_ids=[map_item.pk],
        case_numbers=[1],
    )
    export = export_services.export_request(
        activation=activation, by=liaison, format=MapExport.Format.GEOJSON
    )
    export_services.export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == MapExport.Status.DONE
    return {
        "activation": activation,
        "liaison": liaison,
        "values": {
            "slug": activation.slug,
            "cases|number": 1,
            "rumours|number": rumour.number,
            "rfi|number": rfi.number,
            "reports|number": report.number,
            "version": report.version,
            "cluster_id": cluster.pk,
            "escalation_id": escalation.pk,
            "export_id": export.pk,
            "collection_id": "verified-items",
        },
        "pseudonym": pseudonym(
            HANDLE, activation_id=activation.pk, platform="mastodon"
        ),
    }


def test_no_liaison_view_shows_the_author(client, world):
    client.force_login(world["liaison"])
    seen: dict[str, str] = {}
    for route in _routes(get_resolver().url_patterns):
        if "<slug" not in route and not route.startswith("portal/"):
            continue
        path = _fill(route, world["values"])
        if path is None:
            continue
        query = next((q for frag, q in QUERIES.items() if path.endswith(frag)), "")
        response = client.get(path + query)
        if response.status_code != 200:
            continue
        body = b"".join(response) if response.streaming else response.content
        seen[path] = _text(body)
    slug = world["activation"].slug
    # the sweep reached what a liaison reads
    expected = [
        f"/portal/{slug}/",
        f"/a/{slug}/map/",
        f"/a/{slug}/map/data/",
        f"/a/{slug}/escalations/",
        f"/a/{slug}/escalations/{world['values']['escalation_id']}/",
        f"/a/{slug}/rumours/1/",
        f"/a/{slug}/reports/1/v1/",
        f"/a/{slug}/reports/1/v1.json",
        f"/a/{slug}/reports/1/v1.pdf",
        f"/a/{slug}/privacy/record.pdf",
        f"/a/{slug}/rfi/1/",
        f"/a/{slug}/map/exports/{world['values']['export_id']}/download/",
        f"/ogc/{slug}/collections/verified-items/items",
        f"/api/v1/activations/{slug}/map/data/",
        f"/api/v1/activations/{slug}/rumours/1/",
        f"/api/v1/activations/{slug}/escalations/",
        f"/a/{slug}/after-action/",
        f"/a/{slug}/privacy/record/",
    ]
    missing = [p for p in expected if p not in seen]
    assert not missing, f"not rendered for the liaison: {missing}"
    # The one exception: an escalation (a life-safety item) keeps the link to the
    # original post for the authority (vital interests); never the handle itself.
    for path in [p for p in seen if "/escalations" in p]:
        seen[path] = re.sub(r'(href="|"url": ?")https://[^"]*"', r'\1"', seen[path])
    leaks = [p for p, body in seen.items() if MARKER in body.lower()]
    assert not leaks, f"the author's handle, name or link shown to a liaison: {leaks}"
    assert world["pseudonym"] in seen[f"/ogc/{slug}/collections/verified-items/items"]
    assert (
        world["pseudonym"]
        in seen[f"/a/{slug}/map/exports/{world['values']['export_id']}/download/"]
    )
    escalation = f"/a/{slug}/escalations/{world['values']['escalation_id']}/"
    assert world["pseudonym"] in seen[escalation]
    assert world["pseudonym"] in seen[f"/api/v1/activations/{slug}/escalations/"]
    # the PDFs were read (their text, not compressed bytes)
    assert "Lattes" in seen[f"/a/{slug}/reports/1/v1.pdf"]
    assert len(seen) >= 30


def test_the_team_still_sees_the_author(client, world):
    """The sweep can fail: a team lead's triage item shows the handle."""
    lead = make_member(world["activation"], Role.TEAM_LEAD).user
    client.force_login(lead)
    slug = world["activation"].slug
    page = client.get(f"/a/{slug}/cases/1/").content.decode()
    assert MARKER in page.lower()
