"""Celery tasks of the help to the population: thin, idempotent, time-limited."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="publichelp.expire_aid_entries", soft_time_limit=30, time_limit=60)
def expire_aid_entries() -> int:
    """Beat: open mutual-aid entries past their expiry become expired. Safe to repeat
    (one conditional UPDATE)."""
    from publichelp import services

    return services.aid_entries_expire()
