from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import clear_expired_sessions
from vost.celery import app


def test_celery_speaks_json_only_and_acks_late():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def test_visibility_timeout_outlasts_the_longest_task():
    app.loader.import_default_modules()
    limits = [
        task.time_limit or app.conf.task_time_limit
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    ]
    assert limits, "no project task registered"
    assert app.conf.broker_transport_options["visibility_timeout"] > max(limits)


def test_every_project_task_has_time_limits_and_a_stable_name():
    app.loader.import_default_modules()
    project_tasks = {n: t for n, t in app.tasks.items() if not n.startswith("celery.")}
    for name, task in project_tasks.items():
        assert task.soft_time_limit, f"{name} has no soft_time_limit"
        assert task.time_limit, f"{name} has no time_limit"
        assert task.soft_time_limit < task.time_limit <= settings.CELERY_TASK_TIME_LIMIT
        assert name == f"{task.__module__.split('.')[0]}.{task.__name__}"


def _sessions(expired: int, live: int) -> None:
    now = timezone.now()
    for i in range(expired):
        Session.objects.create(
            session_key=f"expired{i:033d}",
            session_data="",
            expire_date=now - timedelta(days=1),
        )
    for i in range(live):
        Session.objects.create(
            session_key=f"live{i:036d}",
            session_data="",
            expire_date=now + timedelta(days=1),
        )


@pytest.mark.celery_worker
def test_a_real_worker_clears_expired_sessions_and_a_repeat_is_harmless(celery_worker):
    # given
    _sessions(expired=3, live=2)
    # when the task goes through Redis to the worker, twice (at-least-once delivery)
    clear_expired_sessions.delay().get(timeout=30)
    clear_expired_sessions.delay().get(timeout=30)
    # then only the live sessions remain
    assert sorted(Session.objects.values_list("session_key", flat=True)) == [
        f"live{0:036d}",
        f"live{1:036d}",
    ]
