"""Settings for the test suite: the same as production's shape, with test speed-ups."""

import os
import tempfile

os.environ.setdefault("KEYSTONE_TESTING", "1")
os.environ.setdefault("DEBUG", "0")
# pytest-xdist runs the suite in several processes at once (PYTEST_XDIST_WORKER is gw0, gw1, ...).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# The files the app writes (e-mail outbox, filesystem broker, file cache) go to a folder of this process
# alone, outside the checkout: two workers never read each other's mail and a run leaves nothing behind.
# A worker replaces the folder it inherited from the controller; a subprocess a test starts keeps its
# test's. tests/conftest.py removes the folder its process made.
_VAR_OWNER = XDIST_WORKER or "main"
TEST_VAR_DIR_MADE_HERE = os.environ.get("KEYSTONE_TEST_VAR_OWNER") != _VAR_OWNER
if TEST_VAR_DIR_MADE_HERE:
    os.environ["KEYSTONE_VAR_DIR"] = tempfile.mkdtemp(prefix=f"keystone-test-{_VAR_OWNER}-")
    os.environ["KEYSTONE_TEST_VAR_OWNER"] = _VAR_OWNER

from keystone.settings import *  # noqa: E402,F403

# Celery: tasks run on a real worker over Redis in the tests that say so (celery_worker marker);
# elsewhere they run eagerly in-process, still through the real task wrapper and serialisation.
CELERY_BROKER_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
if XDIST_WORKER:
    # Workers share one Redis database: a key prefix keeps each one's queues, unacked messages and
    # worker control channel apart.
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = f"keystone-test-{XDIST_WORKER}:"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_STORE_EAGER_RESULT = False
