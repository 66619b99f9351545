"""Background work of the situation reports."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="reports.remind_due_reports", soft_time_limit=60, time_limit=90)
def remind_due_reports() -> int:
    """Remind team leads of reports due within 30 min (beat, every 5 min; idempotent:
    one reminder per activation and due time)."""
    from reports import services

    return services.reports_remind_due()
