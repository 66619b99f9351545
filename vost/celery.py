"""The Celery app: JSON only, late acks, tasks discovered in every installed app."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vost.settings")

app = Celery("vost")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes the database connection before and after every task
# unless CELERY_DB_REUSE_MAX is set: each ingest batch then paid for a new
# PostgreSQL backend (fork, password authentication, catalog caches and PostGIS
# loaded again), about a third of a core at 500 posts/s in the soak benchmark.
# Workers keep their connection as the web processes do instead: the fixup never
# closes it, and _recycle_connections below drops it when it is older than
# CONN_MAX_AGE or broken, and re-arms CONN_HEALTH_CHECKS for the next task.
app.conf.CELERY_DB_REUSE_MAX = 2**31
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _recycle_connections(task: Any = None, **kwargs: Any) -> None:
    """What Django does around each web request (request_started/finished)."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()
