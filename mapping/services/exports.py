"""Map exports: request one (queued), build it in the background, find its file,
clean up old ones.

The file lives in ``settings.PRIVATE_ROOT/exports/<activation id>/<uuid>.<ext>``,
never under MEDIA_ROOT: only the download views read it, after the access check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activations.models import Activation, ActivationMember
from activations.permissions import activation_role
from activations.services._common import log
from audit import services as audit
from mapping import exports as writers
from mapping import tasks
from mapping.models import MapExport
from mapping.selectors.exports import PENDING, export_incidents, export_items
from vost.exceptions import ConflictError, DomainError

logger = logging.getLogger(__name__)

Role = ActivationMember.Role
# The same request again this soon, while the first is not built: a double click.
DOUBLE_SUBMIT_WINDOW = dt.timedelta(seconds=10)
# At most this many exports queued or running per activation (recent ones).
MAX_PENDING = 5
PENDING_HORIZON = dt.timedelta(hours=1)
# A running export without progress for this long lost its worker: build it again.
STALE_AFTER = dt.timedelta(minutes=15)
KEEP_FOR = dt.timedelta(days=7)
EXPORTS_DIR = "exports"


def _ogr2ogr() -> str:
    return str(getattr(settings, "VOST_OGR2OGR", "ogr2ogr"))


def _ogr2ogr_timeout() -> float:
    return float(getattr(settings, "VOST_OGR2OGR_TIMEOUT", 300))


def _describe(export: MapExport) -> str:
    if export.include_items and export.include_incidents:
        what = _("verified items and incidents")
    elif export.include_items:
        what = _("verified items")
    else:
        what = _("incidents")
    authors = _("authors pseudonymised") if export.pseudonymise else _("authors named")
    return f"{export.get_format_display()}, {what}, {authors}"


@transaction.atomic
def export_request(
    *,
    activation: Activation,
    by: User,
    format: str,
    include_items: bool = True,
    include_incidents: bool = True,
    pseudonymise: bool = True,
) -> MapExport:
    """Queue an export of the activation's verified items and/or incidents; the
    caller has checked EXPORT_MAP. Only coordinators may name the authors
    (``pseudonymise=False``). The same request by the same person while the first
    is still queued or running, within DOUBLE_SUBMIT_WINDOW, returns that one.
    Built by the task mapping.build_export once the transaction commits."""
    if format not in MapExport.Format.values:
        raise DomainError(
            _("Unknown export format: %(format)s.") % {"format": format},
            code="invalid",
        )
    if not include_items and not include_incidents:
        raise DomainError(
            _("Choose what to export: verified items, incidents or both."),
            code="invalid",
        )
    role = getattr(activation, "viewer_role", None) or activation_role(
        user=by, activation=activation
    )
    if not pseudonymise and role != Role.COORDINATOR:
        raise DomainError(
            _(
                "Only coordinators can export the authors' handles and the links "
                "to their posts; leave the authors pseudonymised."
            ),
            code="pseudonymise_required",
        )
    # Serialise this person's requests: two clicks in flight cannot both miss
    # each other's row.
    User.objects.select_for_update().filter(pk=by.pk).first()
    now = timezone.now()
    same = (
        MapExport.objects.filter(
            activation=activation,
            requested_by=by,
            format=format,
            include_items=include_items,
            include_incidents=include_incidents,
            pseudonymise=pseudonymise,
            status__in=PENDING,
            created_at__gte=now - DOUBLE_SUBMIT_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    if same is not None:
        logger.info("map export %s requested again, returning it", same.pk)
        return same
    pending = MapExport.objects.filter(
        activation=activation,
        status__in=PENDING,
        created_at__gte=now - PENDING_HORIZON,
    ).count()
    if pending >= MAX_PENDING:
        raise ConflictError(
            _(
                "%(count)s exports are already being prepared for this activation; "
                "wait until one is ready."
            )
            % {"count": pending},
            code="too_many_exports",
        )
    export = MapExport(
        activation=activation,
        requested_by=by,
        format=format,
        include_items=include_items,
        include_incidents=include_incidents,
        pseudonymise=pseudonymise,
    )
    export.full_clean()
    export.save()
    log(
        activation=activation,
        text=_("Map export requested: %(what)s.") % {"what": _describe(export)},
        author=by,
    )
    audit.record(
        action=audit.Action.EXPORT,
        actor=by,
        activation=activation,
        obj=export,
        summary=f"requested format={format} items={include_items} "
        f"incidents={include_incidents} pseudonymised={pseudonymise}",
    )
    logger.info("map export requested: %s by user %s", export.pk, by.pk)
    export_id = export.pk
    transaction.on_commit(lambda: tasks.build_export.delay(export_id))
    return export


def _set(export_id: int, **fields: object) -> None:
    # A plain UPDATE, committed at once: pages polling the export see it.
    MapExport.objects.filter(pk=export_id).update(updated_at=timezone.now(), **fields)


def export_build(*, export_id: int) -> MapExport | None:
    """Build a queued export's file (the task mapping.build_export); not atomic:
    status and progress are committed as it goes. Safe to repeat: an export done,
    failed, gone or running elsewhere is left alone (None); one running without
    progress for STALE_AFTER lost its worker and is built again. Any error marks
    it failed with a readable message and removes the partial file."""
    now = timezone.now()
    claimed = MapExport.objects.filter(
        Q(status=MapExport.Status.QUEUED)
        | Q(status=MapExport.Status.RUNNING, updated_at__lt=now - STALE_AFTER),
        pk=export_id,
    ).update(status=MapExport.Status.RUNNING, done=0, error="", updated_at=now)
    if claimed != 1:
        logger.info("map export %s is not waiting to be built, skipping", export_id)
        return None
    export = MapExport.objects.select_related("activation").get(pk=export_id)
    activation = export.activation
    ext = writers.EXTENSIONS[export.format]
    key = uuid.uuid4().hex
    file_name = f"{EXPORTS_DIR}/{activation.pk}/{key}.{ext}"
    target = Path(settings.PRIVATE_ROOT) / file_name
    # Same directory (an atomic rename at the end), same extension (GDAL wants it).
    partial = target.with_name(f"{key}.part.{ext}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        items = export_items(activation=activation) if export.include_items else None
        incidents = (
            export_incidents(activation=activation)
            if export.include_incidents
            else None
        )
        total = (items.count() if items is not None else 0) + (
            incidents.count() if incidents is not None else 0
        )
        _set(export_id, total=total)
        writers.write_export(
            export.format,
            partial,
            meta=writers.ExportMeta.of(activation, pseudonymise=export.pseudonymise),
            items=items.iterator(chunk_size=writers.common.CHUNK_SIZE)
            if items is not None
            else None,
            incidents=(
                incidents.iterator(chunk_size=writers.common.CHUNK_SIZE)
                if incidents is not None
                else None
            ),
            progress=lambda done: _set(export_id, done=done),
            ogr2ogr=_ogr2ogr(),
            timeout=_ogr2ogr_timeout(),
        )
        partial.replace(target)
        size = target.stat().st_size
    except Exception as exc:
        partial.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        if isinstance(exc, writers.ExportError):
            logger.error("map export %s failed: %s", export_id, exc)
            message = str(exc)
        else:
            logger.exception("map export %s failed", export_id)
            message = _(
                "The export failed because of an unexpected error (%(error)s). Try "
                "again; if it fails again, ask an administrator to look at the "
                "server log."
            ) % {"error": type(exc).__name__}
        _set(
            export_id,
            status=MapExport.Status.FAILED,
            error=message,
            file_name="",
            size_bytes=0,
            finished_at=timezone.now(),
        )
    else:
        finished = timezone.now()
        _set(
            export_id,
            status=MapExport.Status.DONE,
            file_name=file_name,
            size_bytes=size,
            done=total,
            finished_at=finished,
        )
        logger.info("map export %s built: %s rows, %s bytes", export_id, total, size)
    export.refresh_from_db()
    return export


def export_file_path(export: MapExport) -> Path:
    """The file of a built export; FileNotFoundError if it has none (any more)."""
    root = (Path(settings.PRIVATE_ROOT) / EXPORTS_DIR).resolve()
    if not export.file_name:
        raise FileNotFoundError(f"export {export.pk} has no file")
    path = (Path(settings.PRIVATE_ROOT) / export.file_name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise FileNotFoundError(f"export {export.pk}: no file at {export.file_name}")
    return path


@dataclass(frozen=True)
class ExportFile:
    handle: IO[bytes]
    filename: str
    content_type: str


def export_download_name(export: MapExport) -> str:
    """``vost-<slug>-<date>[-exercise].<ext>``: safe in any header or file system."""
    activation = export.activation
    day = timezone.localtime(export.created_at, activation.tz).strftime("%Y-%m-%d")
    exercise = "-exercise" if activation.is_exercise else ""
    return f"vost-{activation.slug}-{day}{exercise}.{writers.EXTENSIONS[export.format]}"


def export_open(export: MapExport) -> ExportFile:
    """The built export's file, open for reading; FileNotFoundError if not built."""
    if export.status != MapExport.Status.DONE:
        raise FileNotFoundError(f"export {export.pk} is {export.status}")
    return ExportFile(
        handle=export_file_path(export).open("rb"),
        filename=export_download_name(export),
        content_type=writers.CONTENT_TYPES[export.format],
    )


def exports_cleanup(*, older_than: dt.timedelta = KEEP_FOR) -> int:
    """Delete exports (rows and files) requested more than ``older_than`` ago, and
    what builds killed half way left behind; returns how many exports. Safe to
    repeat; for a periodic task."""
    cutoff = timezone.now() - older_than
    old = list(MapExport.objects.filter(created_at__lt=cutoff))
    for export in old:
        with contextlib.suppress(FileNotFoundError):
            export_file_path(export).unlink(missing_ok=True)
    MapExport.objects.filter(pk__in=[e.pk for e in old]).delete()
    root = Path(settings.PRIVATE_ROOT) / EXPORTS_DIR
    for stray in [*root.glob("*/*.part.*"), *root.glob("*/.gpkg-*")]:
        if stray.stat().st_mtime < cutoff.timestamp():
            if stray.is_dir():
                shutil.rmtree(stray, ignore_errors=True)
            else:
                stray.unlink(missing_ok=True)
    if old:
        logger.info("deleted %s old map exports", len(old))
    return len(old)
