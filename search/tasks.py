"""Background work of the search app: the saved searches' alerts."""

from __future__ import annotations

import logging

from celery import shared_task

from search.models import SavedSearch

logger = logging.getLogger(__name__)


@shared_task(name="search.run_saved_searches", soft_time_limit=50, time_limit=60)
def run_saved_searches() -> int:
    """Beat, every minute: one check task per saved search whose alerts are on."""
    ids = list(
        SavedSearch.objects.filter(
            alerts_enabled=True,
            alerts_paused_at__isnull=True,
            activation__closed_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        check_saved_search.delay(pk)
    return len(ids)


@shared_task(name="search.check_saved_search", soft_time_limit=50, time_limit=60)
def check_saved_search(saved_search_id: int) -> int:
    """New matches of one saved search since its last check, alerted once."""
    from search import services

    return services.saved_search_check(saved_search_id=saved_search_id)
