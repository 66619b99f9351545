"""Settings of the fault tests' worker and beat processes.

The test settings; beat runs only the source poller, each second. With
FAULTS_FAST_REDELIVERY=1 (the SIGKILL test only), a short Redis visibility timeout:
a task whose worker was killed (acks_late, unacknowledged) goes back to the queue
after 4 s instead of the production timeout (CELERY_TASK_TIME_LIMIT * 2 + 60 s),
which is right in production (a long batch must not be handed out twice) but would
make the test wait 20 minutes. Not for the other tests: Redis also hands out again
a retry that waits (countdown) longer than the visibility timeout.
"""

import os
from datetime import timedelta

from vost.settings_test import *  # noqa: F403

if os.environ.get("FAULTS_FAST_REDELIVERY") == "1":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 4,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
CELERY_BEAT_SCHEDULE = {
    "poll-due-sources": {
        "task": "monitoring.poll_due_sources",
        "schedule": timedelta(seconds=1),
    }
}
