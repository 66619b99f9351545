"""XXE corpus through every XML input of the application.

XML inputs (grep of lxml/etree/feedparser/xmlschema/ElementTree outside tests):
- CAP alerts, CAP index feeds (Atom/RSS) and EDXL-DE: monitoring/connectors/cap*.py,
  read by the CAP connector (source_poll) and by `ingest_file --format cap`;
- RSS/Atom feeds: monitoring/connectors/rss.py (feedparser), by source_poll and
  `ingest_file --format rss`;
- KML, and KML inside KMZ: vost/geofiles.py, read for reference layers (the upload
  page, mapping/geoio) and for activation/agreement areas (vost/geo.py).
Not inputs: mapping/exports/kml.py and reports/svgmap.py write XML; the HTML
cleaner of monitoring/pipeline/text.py parses HTML (no DTD processing).

Every payload of corpus/xxe.txt, in four encodings, must be refused with a clear
error or read with nothing expanded: /etc/passwd never appears (result, database
rows, response), the local HTTP server is never contacted, entity bombs do not
expand, and the good documents fed alongside are kept.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from activations.models import ActivationMember
from tests.factories import make_member
from tests.monitoring.feeds_support import (
    ReplayAdapter,
    Reply,
    local_server,
    use_adapter,
)

CORPUS = Path(__file__).parent / "corpus" / "xxe.txt"
CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"
PASSWD = Path("/etc/passwd")
# what a leak would look like: the first line of /etc/passwd, the local server's
# answer, and the expansion of the bombs and of the internal entity
LEAK_MARKERS = ("root:x:0:0", "root:", "reached", "lollollol", "A" * 200, "lolexpanded")


@dataclass(frozen=True)
class Payload:
    name: str
    prolog: str
    slot: str


def corpus() -> list[Payload]:
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, prolog, slot = (part.strip() for part in line.split("|||"))
        out.append(Payload(name, prolog, slot))
    return out


PAYLOADS = corpus()
ENCODINGS = ("utf-8", "utf-16", "utf-16-be", "utf-7")


def _fill(text: str, *, base: str, root: str) -> str:
    return (
        text.replace("{base}", base)
        .replace("{root}", root)
        .replace("{big}", "A" * 20_000)
        .replace("{refs}", "&a;" * 2_000)
    )


def encode(xml: str, encoding: str) -> bytes:
    declared = {"utf-8": "UTF-8", "utf-16": "UTF-16", "utf-16-be": "UTF-16BE"}.get(
        encoding, "UTF-7"
    )
    return f'<?xml version="1.0" encoding="{declared}"?>\n{xml}'.encode(encoding)


def documents(body: str, root: str, base: str) -> Iterator[tuple[str, bytes]]:
    """(label, bytes) for every payload and encoding around `body` ({slot} marks where)."""
    number = 0
    for payload in PAYLOADS:
        slot = _fill(payload.slot, base=base, root=root)
        xml = (
            _fill(payload.prolog, base=base, root=root)
            + "\n"
            + body.replace("{slot}", slot)
        )
        for encoding in ENCODINGS:
            number += 1  # {n}: unique ids, so that no document is a duplicate
            yield (
                f"{payload.name}/{encoding}",
                encode(xml.replace("{n}", str(number)), encoding),
            )


def assert_no_leak(label: str, *texts: object) -> None:
    blob = " ".join(
        t if isinstance(t, str) else json.dumps(t, default=str) for t in texts
    )
    first_line = PASSWD.read_text().splitlines()[0] if PASSWD.exists() else "root:x:0:0"
    for marker in (*LEAK_MARKERS, first_line):
        assert marker not in blob, f"{label}: {marker!r} leaked"


def attempt(func: Callable[[], Any]) -> tuple[Any, ValueError | None]:
    """(result, None) or (None, the ValueError it raised: a refusal)."""
    try:
        return func(), None
    except ValueError as exc:
        return None, exc


def cap_alert(identifier: str, slot: str = "{slot}") -> str:
    return (
        f'<alert xmlns="{CAP12}"><identifier>{identifier}-{slot}</identifier>'
        "<sender>prefecture@example.fr</sender><sent>2025-10-14T06:00:00+02:00</sent>"
        "<status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
        "<info><language>fr-FR</language><category>Met</category>"
        f"<event>Crue {slot}</event><urgency>Immediate</urgency>"
        "<severity>Severe</severity><certainty>Observed</certainty>"
        f"<headline>Crue du Lez {slot}</headline><description>{slot}</description>"
        "</info></alert>"
    )


RSS = (
    '<rss version="2.0"><channel><title>Préfecture</title>'
    "<link>https://pref.example.fr/</link><description>d</description>"
    "<item><title>Titre {slot}</title><link>https://pref.example.fr/1</link>"
    "<guid>hostile-{n}</guid><description>{slot}</description>"
    "<pubDate>Tue, 14 Oct 2025 06:00:00 +0200</pubDate></item>"
    "<item><title>Route coupée à Lattes</title><link>https://pref.example.fr/2</link>"
    "<guid>good-{n}</guid><description>Déviation par la D986</description>"
    "<pubDate>Tue, 14 Oct 2025 06:10:00 +0200</pubDate></item>"
    "</channel></rss>"
)
KML_POINT = (
    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
    "<name>{slot}</name><description>{slot}</description>"
    "<Point><coordinates>3.88,43.61</coordinates></Point></Placemark></Document></kml>"
)
KML_AREA = (
    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
    "<name>{slot}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
    "3.8,43.6 3.9,43.6 3.9,43.7 3.8,43.7 3.8,43.6"
    "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"
)


def kmz(kml: bytes, name: str = "doc.kml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, kml)
    return buffer.getvalue()


# --- CAP ---------------------------------------------------------------------------
def test_cap_file_import_refuses_or_neutralises_every_payload():
    from monitoring.connectors.cap import parse_file

    with local_server() as (base, hits):
        for label, data in documents(cap_alert("LEZ"), "alert", base):
            result, error = attempt(lambda data=data: parse_file(data, fmt="cap"))
            if error is not None:
                assert str(error), label  # refused with a reason
                assert_no_leak(label, str(error))
                continue
            assert_no_leak(
                label,
                [(p.text, p.raw) for p in result.posts],
                [(r.reason, r.excerpt) for r in result.rejected],
            )
        assert hits.paths == []


@pytest.mark.django_db
def test_cap_feed_poll_rejects_the_hostile_alert_and_keeps_the_good_ones(
    monkeypatch, activation
):
    from monitoring import services
    from monitoring.models import Post, Rejection, Source

    index_url = "https://alerts.example.fr/cap/34.atom"
    good_1, hostile, good_2 = (
        f"https://alerts.example.fr/cap/{n}.xml" for n in ("G1", "H", "G2")
    )
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:idx</id><title>CAP</title>'
        "<updated>2025-10-14T08:15:00+02:00</updated>"
        + "".join(
            f"<entry><id>urn:e:{n}</id><updated>2025-10-14T0{n}:00:00+02:00</updated>"
            f'<title>e{n}</title><link href="{url}"/></entry>'
            for n, url in ((1, good_1), (2, hostile), (3, good_2))
        )
        + "</feed>"
    ).encode()
    with local_server() as (base, hits):
        cases = list(documents(cap_alert("LEZ-H{n}"), "alert", base))
        for number, (label, data) in enumerate(cases):
            adapter = ReplayAdapter(
                {
                    index_url: Reply(index),
                    good_1: Reply(encode(cap_alert(f"G1-{number}", "ok"), "utf-8")),
                    hostile: Reply(data),
                    good_2: Reply(encode(cap_alert(f"G2-{number}", "ok"), "utf-8")),
                }
            )
            use_adapter(monkeypatch, adapter)
            source = Source.objects.create(
                activation=activation,
                platform="cap",
                name=f"CAP {number}",
                params={"url": index_url, "languages": ["fr"]},
            )
            services.source_poll(source=source)
            posts = Post.objects.filter(source=source)
            ids = " ".join(posts.values_list("external_id", flat=True))
            assert f"G1-{number}" in ids, (label, ids)
            assert f"G2-{number}" in ids, (label, ids)
            rejections = Rejection.objects.filter(source=source)
            hostile_posts = [p for p in posts if "LEZ-H" in p.external_id]
            if not hostile_posts:
                assert rejections.exists(), f"{label}: dropped without a reason"
            assert_no_leak(
                label,
                list(posts.values_list("text", "raw", "author_name", "place_name")),
                list(rejections.values_list("reason", "excerpt")),
            )
        assert hits.paths == []


# --- RSS / Atom ----------------------------------------------------------------------
@pytest.mark.django_db
def test_rss_feed_poll_refuses_or_neutralises_every_payload(monkeypatch, activation):
    from monitoring import services
    from monitoring.models import Post, Rejection, Source

    feed_url = "https://pref.example.fr/flux.rss"
    with local_server() as (base, hits):
        for number, (label, data) in enumerate(documents(RSS, "rss", base)):
            use_adapter(monkeypatch, ReplayAdapter({feed_url: Reply(data)}))
            source = Source.objects.create(
                activation=activation,
                platform="rss",
                name=f"RSS {number}",
                params={"url": feed_url},
            )
            services.source_poll(source=source)
            source.refresh_from_db()
            posts = Post.objects.filter(source=source)
            assert_no_leak(
                label,
                list(posts.values_list("text", "raw", "author_name", "url")),
                list(
                    Rejection.objects.filter(source=source).values_list(
                        "reason", "excerpt"
                    )
                ),
                source.last_error,
            )
            if posts.exists():  # read: the good item is kept beside the hostile one
                assert any(
                    "Route coupée" in t for t in posts.values_list("text", flat=True)
                ), label
            else:  # refused: the source says why
                assert source.last_error or Rejection.objects.filter(source=source), (
                    f"{label}: nothing stored and no reason given"
                )
        assert hits.paths == []


# --- KML / KMZ --------------------------------------------------------------------------
def _coordinator_client(client, activation):
    member = make_member(activation, ActivationMember.Role.COORDINATOR)
    client.force_login(member.user)
    return client


@pytest.mark.django_db
def test_reference_layer_upload_refuses_hostile_kml_and_kmz(client, activation, caplog):
    from mapping.models import ReferenceFeature, ReferenceLayer

    _coordinator_client(client, activation)
    url = reverse("mapping:layer-list", kwargs={"slug": activation.slug})
    with local_server() as (base, hits):
        for label, data in documents(KML_POINT, "kml", base):
            for file_name, content in (("layer.kml", data), ("layer.kmz", kmz(data))):
                upload = io.BytesIO(content)
                upload.name = file_name
                response = client.post(
                    url,
                    {
                        "name": f"{label} {file_name}",
                        "kind": "other",
                        "colour": "#6a3d9a",
                        "file": upload,
                    },
                )
                body = response.content.decode()
                assert_no_leak(
                    f"{label} {file_name}",
                    body,
                    list(ReferenceFeature.objects.values_list("name", "properties")),
                )
                if response.status_code == 400:
                    assert 'id="id_file_error"' in body or "form-errors" in body, label
                else:  # accepted: then nothing was expanded (checked above)
                    assert response.status_code == 302, (label, response.status_code)
        assert hits.paths == []
    assert not ReferenceLayer.objects.filter(name__startswith="billion").exists()


def test_area_files_refuse_hostile_kml_and_kmz():
    from vost.geo import AreaFileError, area_from_upload

    with local_server() as (base, hits):
        for label, data in documents(KML_AREA, "kml", base):
            for name, content in (("area.kml", data), ("area.kmz", kmz(data))):
                _area, error = attempt(
                    lambda name=name, content=content: area_from_upload(
                        name=name, data=content
                    )
                )
                if error is not None:
                    assert isinstance(error, AreaFileError), (label, error)
                    assert str(error), label
                    assert_no_leak(label, str(error))
        assert hits.paths == []


def test_doctype_is_refused_with_a_clear_message_in_every_encoding():
    """The common case, stated plainly: a DOCTYPE gets a message that names it."""
    from monitoring.connectors.cap import parse_file
    from vost.geo import AreaFileError, area_from_upload

    doctype = '<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    for encoding in ("utf-8", "utf-16", "utf-16-be"):
        with pytest.raises(ValueError, match="DTD not allowed"):
            parse_file(encode(doctype + cap_alert("X", "&xxe;"), encoding), fmt="cap")
        kml = encode(doctype.replace("alert", "kml") + KML_AREA, encoding)
        with pytest.raises(AreaFileError, match="DOCTYPE"):
            area_from_upload(name="a.kml", data=kml)
