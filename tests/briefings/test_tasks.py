"""The digest job on a real Celery worker over Redis, and beat's schedule."""

import datetime as dt
import time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from briefings.tasks import deliver_due_task, send_briefing_digests_task
from tests.briefings.world import build_world
from tests.plans.factories import AccountFactory, make_visit


def test_beat_sends_briefings_every_15_minutes():
    from celery.schedules import crontab

    entry = django_settings.CELERY_BEAT_SCHEDULE["briefings-every-15-minutes"]
    assert entry["task"] == send_briefing_digests_task.name == "briefings.send_briefing_digests"
    assert entry["schedule"] == crontab(minute="*/15")


@pytest.mark.django_db
def test_the_fan_out_queues_one_run_per_tenant(tenant_a, tenant_b, executive_a, manager_a, smtp):
    build_world(tenant=tenant_a, executive=executive_a, manager=manager_a)
    assert send_briefing_digests_task.delay().get() == 2  # eager in tests: each tenant's run happened too
    assert len(smtp.messages) == 1


def test_the_task_needs_a_tenant():
    from tenancy.context import TenantRequired

    with pytest.raises(TenantRequired):
        deliver_due_task.run(None)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_visit_scheduled_inside_the_window_is_sent_by_the_worker(tenant_a, executive_a, manager_a, smtp, live_worker):
    """The visit's commit queues the tenant's run (visit_changed → on_commit → Redis); the worker sends."""
    account = AccountFactory(tenant=tenant_a, name="Worker Test Ltd")
    with live_worker():
        make_visit(
            account=account,
            organiser=manager_a.user,
            attendees=[executive_a.user, manager_a.user],
            start=timezone.now() + dt.timedelta(hours=10),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not smtp.messages:
            time.sleep(0.2)
        time.sleep(1)  # nothing more arrives
    assert [m["To"] for m in smtp.messages] == [executive_a.user.email]
    assert "Worker Test Ltd" in smtp.messages[0]["Subject"]
