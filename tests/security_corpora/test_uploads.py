"""Upload attacks through every upload field.

Upload fields (grep of FileField / forms.FileField / request.FILES outside tests):
- reference layers: mapping LayerUploadForm (page) and the layer API (GeoJSON, KML,
  KMZ), parsed in memory by mapping.geoio, never stored as files;
- activation and agreement areas: vost.forms area_file (GeoJSON, KML, KMZ), parsed
  by vost.geo.area_from_upload, never stored;
- the signed agreement: Agreement.signed_document (PDF), the only upload stored,
  under MEDIA_ROOT, served only through activations:agreement-document.
CSV/gazetteer/post imports are command-line tools (ingest_file, load_gazetteer)
reading local paths, not uploads; evidence holds links, not files.

Attacks: polyglots, oversized files (just above each cap), path-traversal names
(as the upload's name and as zip members), zip bombs, symlink entries. Each one
is refused with a clear message or neutralised, is logged, and writes nothing
outside the storage root (MEDIA_ROOT, PRIVATE_ROOT and /tmp are scanned for files
named by the payloads).
"""

from __future__ import annotations

import io
import logging
import os
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activations.models import ActivationMember
from mapping.geoio.common import DEFAULT_LIMITS
from tests.factories import make_member

TMP = tempfile.gettempdir()  # /tmp here: where a traversal would land
MARK = "vostpwn"  # every hostile name carries it: the file-system scan looks for it
TRAVERSAL_NAMES = [
    f"../../../..{TMP}/{MARK}.geojson",
    f"{TMP}/{MARK}-abs.geojson",
    f"..\\..\\..\\{MARK}-win.geojson",
    f"{MARK}\x00.geojson",
    f"\u2025\u2025/\u2025\u2025/{MARK}-dots.geojson",  # two-dot leaders
    f"%2e%2e%2f%2e%2e%2f{MARK}-enc.geojson",
]
GEOJSON = (
    b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
    b'{"name":"Gymnase"},"geometry":{"type":"Point","coordinates":[3.88,43.61]}}]}'
)
KML = (
    b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
    b"<Document><Placemark><name>Gymnase</name><Point><coordinates>3.88,43.61"
    b"</coordinates></Point></Placemark></Document></kml>"
)


def _scan() -> set[str]:
    """Files named by a payload under the storage roots and /tmp."""
    found = set()
    roots = {Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_ROOT), Path(TMP)}
    for root in roots:
        if not root.exists():
            continue
        for dirpath, _dirs, files in os.walk(root):
            if "pytest-of" in dirpath or "bash_jobs" in dirpath:
                continue
            found |= {os.path.join(dirpath, f) for f in files if MARK in f}
    return found


@pytest.fixture
def clean_fs():
    before = _scan()
    yield
    new = _scan() - before
    assert not new, f"files written by hostile uploads: {sorted(new)}"


def _zip(members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _symlink_entry(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # unix
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def _bomb() -> bytes:
    """A KMZ whose KML inflates far past the cap (about 1000:1)."""
    big = b"<kml>" + b" " * (DEFAULT_LIMITS.max_uncompressed + 1024) + b"</kml>"
    return _zip([("doc.kml", big)])


POLYGLOTS = {
    "gif_js.geojson": b"GIF89a/*\x00\x00*/=1;alert(document.domain)//" + GEOJSON,
    "html.geojson": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "svg.kml": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(2)</script></svg>"
    ),
    "pdf_zip.kmz": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + _zip([("doc.kml", KML)]),
    "zip_is_html.kmz": b"PK\x03\x04<html><script>alert(1)</script>",
    "json_html_name.geojson": b'{"type":"FeatureCollection","features":[],'
    b'"name":"<script>alert(1)</script>"}',
}
HOSTILE_KMZ = {
    "traversal_member": _zip([(f"../../../..{TMP}/{MARK}.kml", KML)]),
    "absolute_member": _zip([(f"{TMP}/{MARK}-abs.kml", KML)]),
    "windows_member": _zip([(f"..\\..\\{MARK}-win.kml", KML)]),
    "symlink_member": _zip([_symlink_entry("doc.kml", "/etc/passwd")]),
    "symlink_dir_then_file": _zip(
        [_symlink_entry(f"{MARK}-link", TMP), (f"{MARK}-link/{MARK}.kml", KML)]
    ),
    "zip_bomb": _bomb(),
    "too_many_members": _zip(
        [(f"f{n}.kml", KML) for n in range(DEFAULT_LIMITS.max_kmz_entries + 1)]
    ),
    "nested_zip": _zip([("inner.kmz", _zip([("doc.kml", KML)]))]),
}


@pytest.fixture
def coordinator_client(client, activation):
    member = make_member(activation, ActivationMember.Role.COORDINATOR)
    client.force_login(member.user)
    return client


def _upload_layer(client, activation, name: str, data: bytes):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(
        reverse("mapping:layer-list", kwargs={"slug": activation.slug}),
        {
            "name": f"layer {len(data)} {name.encode().hex()[-12:]}",
            "kind": "other",
            "colour": "#6a3d9a",
            "file": upload,
        },
    )


def _refused(response) -> str:
    """The refusal of the file shown in the form (components/_form.html: the file
    field's error or a form-wide one), or ''."""
    import lxml.html

    if response.status_code != 400:
        return ""
    doc = lxml.html.document_fromstring(response.content)
    return " ".join(
        e.text_content().strip()
        for e in doc.xpath(
            "//*[contains(concat(' ', @class, ' '), ' form-errors ')]"
            " | //p[@id='id_file_error']"
        )
    )


# --- reference layers ----------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_polyglot_layers_are_refused_or_read_as_plain_data(
    coordinator_client, activation, caplog, clean_fs, name
):
    from mapping.models import ReferenceFeature, ReferenceLayer

    caplog.set_level(logging.WARNING)
    response = _upload_layer(coordinator_client, activation, name, POLYGLOTS[name])
    if response.status_code == 302:  # accepted: only as data, never as markup
        layer = ReferenceLayer.objects.get(activation=activation)
        for feature in ReferenceFeature.objects.filter(layer=layer):
            assert "<script" not in str(feature.properties) or name.startswith("json")
        return
    assert _refused(response), response.content[:500]
    assert not ReferenceLayer.objects.filter(activation=activation).exists()
    assert any("refused" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(HOSTILE_KMZ))
def test_hostile_kmz_archives_are_refused_and_nothing_is_extracted(
    coordinator_client, activation, caplog, clean_fs, name
):
    from mapping.models import ReferenceFeature, ReferenceLayer

    caplog.set_level(logging.WARNING)
    response = _upload_layer(
        coordinator_client, activation, "layer.kmz", HOSTILE_KMZ[name]
    )
    features = list(ReferenceFeature.objects.values_list("name", "properties"))
    assert "root:" not in str(features)
    if name in {
        "traversal_member",
        "absolute_member",
        "windows_member",
        "symlink_dir_then_file",
    }:
        # a member's path (or a link's) is only a name inside the archive, which is
        # read in memory, never extracted: read or refused, and nothing written
        assert response.status_code in {302, 400}
        if response.status_code == 400:
            assert _refused(response)
        return
    assert _refused(response), (name, response.status_code)
    assert not ReferenceLayer.objects.filter(activation=activation).exists()
    assert any("refused" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
@pytest.mark.parametrize("name", TRAVERSAL_NAMES)
def test_traversal_file_names_keep_only_a_harmless_base_name(
    coordinator_client, activation, clean_fs, name
):
    from mapping.models import ReferenceLayer

    response = _upload_layer(coordinator_client, activation, name, GEOJSON)
    if response.status_code == 400:
        assert _refused(response)
        return
    assert response.status_code == 302, response.content[:300]
    layer = ReferenceLayer.objects.get(activation=activation)
    assert "/" not in layer.source_name
    assert "\\" not in layer.source_name
    assert ".." not in layer.source_name
    assert "\x00" not in layer.source_name


@pytest.mark.django_db
def test_a_layer_just_above_the_cap_is_refused_with_its_size_and_nothing_stored(
    coordinator_client, activation, caplog, clean_fs
):
    from mapping.models import ReferenceLayer

    caplog.set_level(logging.WARNING)
    padding = b" " * (DEFAULT_LIMITS.max_bytes + 1 - len(GEOJSON))
    response = _upload_layer(
        coordinator_client, activation, "big.geojson", GEOJSON + padding
    )
    message = _refused(response)
    assert "too large" in message or "trop" in message, message
    assert not ReferenceLayer.objects.filter(activation=activation).exists()
    assert any("refused" in r.getMessage() for r in caplog.records)
    # one byte less is read
    response = _upload_layer(
        coordinator_client, activation, "ok.geojson", GEOJSON + padding[1:]
    )
    assert response.status_code == 302, _refused(response)


# --- areas -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data"),
    [
        *((n, d) for n, d in POLYGLOTS.items()),
        *((f"{n}.kmz", d) for n, d in HOSTILE_KMZ.items()),
    ],
    ids=[*POLYGLOTS, *HOSTILE_KMZ],
)
def test_area_files_refuse_polyglots_and_hostile_archives(name, data, clean_fs):
    from vost.geo import AreaFileError, area_from_upload

    try:
        area = area_from_upload(name=name, data=data)
    except AreaFileError as exc:
        error = str(exc)
    else:  # a polygon-less file cannot become an area; a member path is only a name
        error = ""
        assert area.valid
        assert name.startswith(("traversal", "absolute", "windows")), name
    assert error or name.startswith(("traversal", "absolute", "windows"))


def test_an_area_file_just_above_its_cap_is_refused():
    from vost.geo import MAX_BYTES, AreaFileError, area_from_upload

    with pytest.raises(AreaFileError, match="too large"):
        area_from_upload(name="area.geojson", data=b" " * (MAX_BYTES + 1))


# --- the signed agreement (the one stored upload) ----------------------------------------
@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        *TRAVERSAL_NAMES,
        f"{MARK}.html",
        f"{MARK}.svg",
        f"{MARK}.pdf.html",
        f"{MARK}.php",
    ],
)
def test_signed_agreement_is_stored_under_a_generated_pdf_name(
    activation, media_root, clean_fs, name
):
    from activations.services.agreements import agreement_save

    polyglot = PDF + b"<html><script>alert(document.cookie)</script></html>"
    agreement = agreement_save(
        agreement=activation.agreement,
        document=SimpleUploadedFile(name, polyglot, content_type="text/html"),
    )
    stored = Path(agreement.signed_document.path).resolve()
    assert stored.is_relative_to(media_root.resolve())
    assert stored.suffix == ".pdf"
    assert MARK not in stored.name
    assert stored.read_bytes() == polyglot


@pytest.mark.django_db
def test_signed_agreement_download_is_an_attachment_served_as_pdf(
    client, activation, media_root
):
    from activations.services.agreements import agreement_save

    member = make_member(activation, ActivationMember.Role.COORDINATOR)
    client.force_login(member.user)
    agreement_save(
        agreement=activation.agreement,
        document=SimpleUploadedFile("x.html", PDF + b"<script>alert(1)</script>"),
    )
    response = client.get(
        reverse("activations:agreement-document", args=[activation.agreement.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.get("X-Content-Type-Options") == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("big.pdf", PDF + b" " * (10 * 1024 * 1024 + 1 - len(PDF)), "at most 10 MB"),
        ("fake.pdf", b"<html><script>alert(1)</script>", "must be a PDF"),
        ("gif.pdf", b"GIF89a" + PDF, "must be a PDF"),
    ],
)
def test_signed_agreement_refuses_oversized_and_non_pdf_files_and_stores_nothing(
    activation, media_root, name, data, message
):
    from activations.services.agreements import agreement_save
    from vost.exceptions import DomainError

    with pytest.raises(DomainError, match=message):
        agreement_save(
            agreement=activation.agreement,
            document=SimpleUploadedFile(name, data),
        )
    activation.agreement.refresh_from_db()
    assert not activation.agreement.signed_document
    assert not any(media_root.rglob("*")) if media_root.exists() else True


def test_the_scan_would_see_a_file_written_outside_the_roots():
    """The file-system check itself can fail: a file named by a payload is found."""
    handle, path = tempfile.mkstemp(prefix=f"{MARK}-probe-", dir=TMP)
    os.close(handle)
    try:
        assert path in _scan()
    finally:
        os.unlink(path)
