"""Settings of the Celery worker processes started by test_crash_safety.py.

The test settings, plus a short Redis visibility timeout so that a task whose
worker was SIGKILLed is handed to the next worker within seconds, not the
production timeout. The broker URL and database name come from the environment
the test gives the process (a private Redis database, the pytest database).
"""

from vost.settings_test import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 4,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
