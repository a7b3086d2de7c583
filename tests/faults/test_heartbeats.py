"""A real worker and a real beat write their heartbeats; a worker killed whole (SIGKILL of its main
process) is reported by /healthz/ready and on the admin's Settings page once it is silent too long."""

import os
import signal
import subprocess
import sys

import pytest
from django.test import Client

from tenancy.models import Heartbeat
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_worker_and_beat_heartbeats_and_a_dead_worker_shows(redis_broker, worker_process, admin_a, settings, tmp_path):
    worker = worker_process(redis_broker.url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "keystone.settings",
        "KEYSTONE_TESTING": "1",
        "REDIS_URL": redis_broker.url,
        "DATABASE_URL": worker.database_url,
        "KEYSTONE_VAR_DIR": str(tmp_path),
    }
    beat = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "keystone", "beat", "--loglevel=INFO"],
        env=env,
        stdout=open(tmp_path / "beat.log", "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: Heartbeat.objects.filter(kind="beat").exists(), 60, 0.3), (
            tmp_path / "beat.log"
        ).read_text()[-3000:]
        assert Heartbeat.objects.filter(kind="worker", name=worker.name).exists()
        checks = Client().get("/healthz/ready").json()["checks"]
        assert (checks["worker"], checks["beat"]) == ("ok", "ok")

        settings.HEALTH_HEARTBEAT_STALE_SECONDS = 2
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait(10)
        assert wait_for(
            lambda: Client().get("/healthz/ready").json()["checks"]["worker"].startswith("error: not seen"), 20, 0.5
        )
        page = admin_a.client.get(admin_a.url("settings/")).content.decode()
        assert "Worker:" in page and "not seen for a while" in page
        assert Client().get("/healthz").status_code == 200
    finally:
        os.killpg(beat.pid, signal.SIGKILL)
        beat.wait(10)
