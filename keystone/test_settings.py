"""Settings for the test suite: the same as production's shape, with test speed-ups."""

import os

os.environ.setdefault("KEYSTONE_TESTING", "1")
os.environ.setdefault("DEBUG", "0")

from keystone.settings import *  # noqa: E402,F403

# Celery: tasks run on a real worker over Redis in the tests that say so (celery_worker marker);
# elsewhere they run eagerly in-process, still through the real task wrapper and serialisation.
CELERY_BROKER_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_STORE_EAGER_RESULT = False
