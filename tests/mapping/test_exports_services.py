"""Export services: requesting (rules, double submission), building (progress,
failure, idempotency), files, cleanup; and a real Celery worker end to end."""

import datetime as dt
import json
import os
import shutil
import time

import pytest
from django.db import transaction
from django.utils import timezone

from activations.models import ActivationMember, LogEntry
from mapping import exports as writers
from mapping import tasks
from mapping.models import MapExport, Verification
from mapping.services import exports as services
from tests.factories import ActivationFactory, make_member
from tests.mapping.exports_support import (
    export_state,
    make_export,
    make_incident,
    make_map_item,
)
from vost.exceptions import ConflictError, DomainError

Role = ActivationMember.Role


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    return settings.PRIVATE_ROOT


@pytest.fixture
def queued(monkeypatch):
    """Record the builds enqueued instead of sending them to a broker."""
    sent = []
    monkeypatch.setattr(tasks.build_export, "delay", sent.append)
    return sent


def _request(activation, by, **kwargs):
    return services.export_request(
        activation=activation, by=by, **{"format": "geojson", **kwargs}
    )


# --- request ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_request_is_queued_logged_and_built_after_commit(
    activation, queued, django_capture_on_commit_callbacks
):
    # given
    lead = make_member(activation, Role.TEAM_LEAD).user
    # when
    with django_capture_on_commit_callbacks(execute=True):
        export = _request(activation, lead, format="kml", include_incidents=False)
    # then
    assert (export.status, export.format, export.requested_by) == (
        "queued",
        "kml",
        lead,
    )
    assert (export.include_items, export.include_incidents) == (True, False)
    assert export.pseudonymise is True
    assert queued == [export.pk]
    entry = LogEntry.objects.get(activation=activation)
    assert entry.text == (
        "Map export requested: KML, verified items, authors pseudonymised."
    )
    assert entry.author == lead


@pytest.mark.django_db
def test_a_double_submission_gives_one_export(activation, queued):
    lead = make_member(activation, Role.TEAM_LEAD).user
    first = _request(activation, lead)
    second = _request(activation, lead)
    assert second.pk == first.pk
    assert MapExport.objects.count() == 1
    assert LogEntry.objects.filter(activation=activation).count() == 1


@pytest.mark.django_db
def test_other_parameters_or_a_later_request_make_a_new_export(activation, queued):
    lead = make_member(activation, Role.TEAM_LEAD).user
    first = _request(activation, lead)
    assert _request(activation, lead, format="csv").pk != first.pk
    MapExport.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=30)
    )
    assert _request(activation, lead).pk != first.pk
    assert MapExport.objects.count() == 3


@pytest.mark.django_db
def test_a_finished_export_is_not_returned_again(activation, queued):
    lead = make_member(activation, Role.TEAM_LEAD).user
    first = _request(activation, lead)
    MapExport.objects.filter(pk=first.pk).update(status="done")
    assert _request(activation, lead).pk != first.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.COORDINATOR, True),
        (Role.TEAM_LEAD, False),
        (Role.LIAISON, False),
    ],
)
def test_only_coordinators_may_name_authors(activation, queued, role, allowed):
    # given
    user = make_member(activation, role).user
    # when / then
    if allowed:
        export = _request(activation, user, pseudonymise=False)
        assert export.pseudonymise is False
        return
    with pytest.raises(DomainError, match="Only coordinators") as error:
        _request(activation, user, pseudonymise=False)
    assert error.value.code == "pseudonymise_required"
    assert export_state() == []
    assert not LogEntry.objects.filter(activation=activation).exists()
    assert queued == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format": "shp"}, "Unknown export format: shp."),
        (
            {"include_items": False, "include_incidents": False},
            "Choose what to export: verified items, incidents or both.",
        ),
    ],
)
def test_bad_requests_are_refused(activation, queued, kwargs, message):
    lead = make_member(activation, Role.TEAM_LEAD).user
    with pytest.raises(DomainError) as error:
        _request(activation, lead, **kwargs)
    assert error.value.message == message
    assert export_state() == []


@pytest.mark.django_db
def test_too_many_exports_in_progress_are_refused(activation, queued):
    lead = make_member(activation, Role.TEAM_LEAD).user
    for _ in range(services.MAX_PENDING):
        make_export(activation, lead, status="running", format="csv")
    before = export_state()
    with pytest.raises(ConflictError, match="already being prepared"):
        _request(activation, lead)
    assert export_state() == before


# --- build --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_build_writes_the_file_with_verified_items_only(activation, private_root):
    # given
    kept = make_map_item(activation)
    make_map_item(activation, verification=Verification.FALSE)
    make_incident(activation, 1)
    export = make_export(activation)
    # when
    built = services.export_build(export_id=export.pk)
    # then
    assert built.status == MapExport.Status.DONE
    assert (built.total, built.done, built.progress) == (2, 2, 100)
    assert built.finished_at is not None
    assert built.error == ""
    path = services.export_file_path(built)
    assert path.parent == (private_root / "exports" / str(activation.pk)).resolve()
    assert path.suffix == ".geojson"
    assert built.size_bytes == path.stat().st_size > 0
    features = json.loads(path.read_bytes())["features"]
    assert [f["id"] for f in features] == [f"item-{kept.pk}", features[1]["id"]]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no leftovers


@pytest.mark.django_db
def test_build_reports_progress_every_chunk(activation, private_root, monkeypatch):
    # given five items, chunks of two, and a spy on the progress updates
    for minute in range(5):
        make_map_item(activation, minutes=minute)
    export = make_export(activation, include_incidents=False, format="csv")
    monkeypatch.setattr(writers.common, "CHUNK_SIZE", 2)
    seen = []
    real_set = services._set

    def spy(export_id, **fields):
        real_set(export_id, **fields)
        row = MapExport.objects.get(pk=export_id)  # what a polling page reads
        seen.append((row.status, row.total, row.done))

    monkeypatch.setattr(services, "_set", spy)
    # when
    services.export_build(export_id=export.pk)
    # then
    assert seen == [
        ("running", 5, 0),
        ("running", 5, 2),
        ("running", 5, 4),
        ("running", 5, 5),
        ("done", 5, 5),
    ]


@pytest.mark.django_db
def test_a_build_is_not_redone(activation, private_root):
    # given a built export
    make_map_item(activation)
    export = make_export(activation)
    services.export_build(export_id=export.pk)
    export.refresh_from_db()
    before = export_state()
    # when the task is delivered again
    assert services.export_build(export_id=export.pk) is None
    assert services.export_build(export_id=123456) is None
    # then
    assert export_state() == before
    assert services.export_file_path(export).is_file()


@pytest.mark.django_db
def test_a_running_export_is_left_alone_unless_its_worker_died(
    activation, private_root
):
    export = make_export(activation, status="running")
    assert services.export_build(export_id=export.pk) is None
    MapExport.objects.filter(pk=export.pk).update(
        updated_at=timezone.now() - services.STALE_AFTER - dt.timedelta(seconds=1)
    )
    assert services.export_build(export_id=export.pk).status == "done"


@pytest.mark.django_db
def test_without_ogr2ogr_a_geopackage_fails_clearly(
    activation, private_root, settings, caplog
):
    # given
    settings.VOST_OGR2OGR = "/nonexistent/ogr2ogr"
    make_map_item(activation)
    export = make_export(activation, format="gpkg")
    # when
    built = services.export_build(export_id=export.pk)
    # then
    assert built.status == MapExport.Status.FAILED
    assert "ogr2ogr" in built.error
    assert "gdal-bin" in built.error
    assert (built.file_name, built.size_bytes) == ("", 0)
    assert built.finished_at is not None
    assert [p for p in private_root.rglob("*") if p.is_file()] == []
    assert f"map export {export.pk} failed" in caplog.text
    with pytest.raises(FileNotFoundError):
        services.export_open(built)
    # and a repeat of the task leaves it failed
    assert services.export_build(export_id=export.pk) is None


@pytest.mark.django_db
def test_an_unexpected_error_removes_the_partial_file(
    activation, private_root, monkeypatch, caplog
):
    # given a writer that dies half way
    make_map_item(activation)
    export = make_export(activation, format="csv")

    def broken(path, **kwargs):
        path.write_text("kind,id\nitem,")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(writers, "write_csv", broken)
    # when
    built = services.export_build(export_id=export.pk)
    # then
    assert built.status == MapExport.Status.FAILED
    assert "unexpected error (RuntimeError)" in built.error
    assert "disk on fire" not in built.error  # details go to the log only
    assert "disk on fire" in caplog.text
    assert [p for p in private_root.rglob("*") if p.is_file()] == []


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs ogr2ogr")
def test_a_geopackage_build(activation, private_root):
    make_map_item(activation)
    make_incident(activation, 1)
    export = make_export(activation, format="gpkg")
    built = services.export_build(export_id=export.pk)
    assert built.status == MapExport.Status.DONE, built.error
    file = services.export_open(built)
    with file.handle:
        assert file.handle.read(16) == b"SQLite format 3\x00"
    assert file.content_type == "application/geopackage+sqlite3"
    assert (
        file.filename
        == f"vost-{activation.slug}-{timezone.localdate(built.created_at, activation.tz):%Y-%m-%d}.gpkg"
    )


@pytest.mark.django_db
def test_a_file_name_outside_the_exports_folder_is_never_opened(
    activation, private_root
):
    (private_root / "secret.txt").parent.mkdir(parents=True)
    (private_root / "secret.txt").write_text("x")
    export = make_export(activation, status="done", file_name="exports/../secret.txt")
    with pytest.raises(FileNotFoundError):
        services.export_open(export)


@pytest.mark.django_db
def test_cleanup_deletes_old_exports_and_their_files(activation, private_root):
    # given an old built export and a recent one
    make_map_item(activation)
    old, recent = make_export(activation), make_export(activation, format="csv")
    for export in (old, recent):
        services.export_build(export_id=export.pk)
    old.refresh_from_db()
    old_path = services.export_file_path(old)
    MapExport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=8)
    )
    # and what a killed build left behind, old and recent
    folder = old_path.parent
    stale_part, fresh_part = folder / "a.part.csv", folder / "b.part.csv"
    stale_tmp = folder / ".gpkg-abc"
    for path in (stale_part, fresh_part):
        path.write_text("kind,id\n")
    stale_tmp.mkdir()
    (stale_tmp / "items.geojson").write_text("{")
    long_ago = (timezone.now() - dt.timedelta(days=8)).timestamp()
    for path in (stale_part, stale_tmp):
        os.utime(path, (long_ago, long_ago))
    # when
    assert services.exports_cleanup() == 1
    # then
    assert list(MapExport.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not old_path.exists()
    assert (stale_part.exists(), stale_tmp.exists(), fresh_part.exists()) == (
        False,
        False,
        True,
    )
    recent.refresh_from_db()
    assert services.export_file_path(recent).is_file()
    assert services.exports_cleanup() == 0


# --- a real worker --------------------------------------------------------------------------
@pytest.mark.celery_worker
def test_a_real_worker_builds_an_export_end_to_end(celery_worker, private_root):
    # given (committed: the worker has its own connection)
    activation = ActivationFactory(kind="exercise")
    lead = make_member(activation, Role.TEAM_LEAD).user
    for minute in range(3):
        make_map_item(activation, minutes=minute)
    # when the request commits, its build goes through Redis to the worker
    with transaction.atomic():
        export = _request(activation, lead, format="kml")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in {"done", "failed"}:
            break
        time.sleep(0.2)
    # then
    assert export.status == MapExport.Status.DONE, export.error
    assert (export.total, export.done) == (3, 3)
    content = services.export_file_path(export).read_bytes()
    assert b'<name xmlns="http://www.opengis.net/kml/2.2">EXERCISE - ' in content
    assert content.count(b"<Placemark") == 3
    # a second delivery of the same task changes nothing
    before = export_state()
    tasks.build_export.delay(export.pk).get(timeout=30)
    assert export_state() == before
