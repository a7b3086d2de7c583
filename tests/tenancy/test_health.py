"""Health: /healthz (liveness) apart from /healthz/ready (cache, broker, heartbeats, outbox); the
heartbeats of worker and beat; the admin's Settings page; the compose healthcheck command."""

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tenancy import health
from tenancy.context import tenant_context
from tenancy.models import Heartbeat, OutboxMessage

pytestmark = pytest.mark.django_db


def _ready(**params):
    response = Client().get("/healthz/ready", params)
    return response.status_code, response.json()


def test_ready_is_ok_with_fresh_heartbeats_and_no_waiting_outbox(settings):
    health.heartbeat("celery@w1", Heartbeat.Kind.WORKER)
    health.heartbeat("beat", Heartbeat.Kind.BEAT)
    status, body = _ready()
    assert status == 200 and body["status"] == "ok", body
    assert body["checks"] == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "worker": "ok",
        "beat": "ok",
        "outbox": "ok",
    }


def test_ready_says_degraded_when_worker_or_beat_are_silent_or_work_waits(tenant_a, settings):
    settings.HEALTH_OUTBOX_STALE_SECONDS = 300
    health.heartbeat("celery@w1", Heartbeat.Kind.WORKER)
    status, body = _ready()
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["beat"] == "error: never seen" and body["checks"]["worker"] == "ok"
    with tenant_context(tenant_a.pk):
        OutboxMessage.objects.create(
            tenant_id=tenant_a.pk, task_name="ratings.recompute_ratings", args=[1], not_before=timezone.now()
        )
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        status, body = _ready()
        assert body["checks"]["worker"].startswith("error: not seen for 6")
        assert body["checks"]["outbox"].startswith("error: oldest waiting message is 6")
        assert body["details"]["outbox"]["oldest_age_seconds"] >= 600
        assert _ready(strict="1")[0] == 503  # for monitors that read only the status code
    assert Client().get("/healthz").status_code == 200  # liveness does not care


def test_admin_settings_page_shows_when_worker_or_beat_were_not_seen(admin_a):
    health.heartbeat("celery@w1", Heartbeat.Kind.WORKER)
    page = admin_a.client.get(admin_a.url("settings/")).content.decode()
    assert "Worker:\n      last seen 0" in page and "Beat:\n      never seen" in page
    assert page.count("not seen for a while") == 1
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        page = admin_a.client.get(admin_a.url("settings/")).content.decode()
    assert page.count("not seen for a while") == 2


def test_heartbeat_check_command_for_the_compose_healthchecks():
    with pytest.raises(CommandError, match="No worker heartbeat"):
        call_command("heartbeat_check", "worker")
    health.heartbeat("celery@w1", Heartbeat.Kind.WORKER)
    call_command("heartbeat_check", "worker", "--name", "celery@w1")
    with pytest.raises(CommandError, match="No worker heartbeat from celery@other"):
        call_command("heartbeat_check", "worker", "--name", "celery@other")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        with pytest.raises(CommandError, match="last seen 6"):
            call_command("heartbeat_check", "worker")


def test_the_heartbeat_thread_writes_until_stopped(transactional_db):
    stop = health.start_heartbeat("celery@thread", Heartbeat.Kind.WORKER, interval=0.05)
    try:
        deadline = timezone.now() + dt.timedelta(seconds=10)
        while not Heartbeat.objects.filter(name="celery@thread").exists() and timezone.now() < deadline:
            pass
        first = Heartbeat.objects.get(name="celery@thread").seen_at
        while Heartbeat.objects.get(name="celery@thread").seen_at == first and timezone.now() < deadline:
            pass
        assert Heartbeat.objects.get(name="celery@thread").seen_at > first
    finally:
        stop.set()
