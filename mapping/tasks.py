"""Background work of the map: thin wrappers that load by id and call a service."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="mapping.build_export", acks_late=True)
def build_export(export_id: int) -> None:
    from mapping.services import exports

    exports.export_build(export_id=export_id)


@shared_task(name="mapping.propose_incidents")
def propose_incidents() -> None:
    """Redo the incident proposals of every open activation (beat, every 2 min)."""
    from mapping.services import incidents

    incidents.incidents_propose_all()


@shared_task(name="mapping.cleanup_exports")
def cleanup_exports() -> None:
    """Delete map exports older than 7 days, with their files (beat, hourly)."""
    from mapping.services import exports

    exports.exports_cleanup()
