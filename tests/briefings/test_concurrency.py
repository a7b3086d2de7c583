"""Exactly once under real concurrency on PostgreSQL: two delivery runs at the same moment (two beat
processes, or beat and a visit change), and a worker process killed between its claim and the send."""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.utils import timezone

from briefings.models import BriefingDelivery
from briefings.schedule import STALE_CLAIM
from briefings.services import deliveries_run
from tenancy.context import tenant_context
from tenancy.models import Role
from tests.briefings.world import build_world
from tests.plans.factories import AccountFactory, make_visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _no_instant_delivery():
    """Commits are real here, so scheduling a visit would send its briefing at once (the visit_changed
    receiver): these tests start the runs themselves."""
    from briefings.apps import _visit_changed
    from plans.services import visit_changed

    visit_changed.disconnect(dispatch_uid="briefings.visit_changed")
    yield
    visit_changed.connect(_visit_changed, dispatch_uid="briefings.visit_changed")


def test_two_runs_at_once_send_one_email_per_recipient(tenant_a, executive_a, manager_a, make_member, smtp):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency on the real database")
    second_executive = make_member(tenant_a, Role.EXECUTIVE)
    build_world(tenant=tenant_a, executive=executive_a, manager=manager_a)
    make_visit(
        account=AccountFactory(tenant=tenant_a),
        organiser=manager_a.user,
        attendees=[executive_a.user, second_executive.user],
        start=timezone.now() + dt.timedelta(hours=8),
    )
    smtp.delay = 0.3  # each SMTP exchange takes a while, so the two runs overlap for real
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run():
        try:
            barrier.wait()
            reports.append(deliveries_run(tenant_id=tenant_a.pk))
        except Exception as exc:  # noqa: BLE001 — surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.sent for r in reports) == 3
    assert len(smtp.to(executive_a.user.email)) == 2  # two visits, one e-mail each
    assert len(smtp.to(second_executive.user.email)) == 1
    with tenant_context(tenant_a.pk):
        assert sorted(BriefingDelivery.objects.values_list("status", flat=True)) == ["sent"] * 3


CRASHING_WORKER = """
import os, signal, sys
import django
django.setup()
from django.core.mail.message import EmailMessage
from briefings.services import deliveries_run

def die(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # killed after the claim committed, before the send

EmailMessage.send = die
deliveries_run(tenant_id=int(sys.argv[1]))
"""


def test_a_killed_worker_process_is_recovered_exactly_once(tenant_a, executive_a, manager_a, smtp, settings):
    """A real process claims the briefing and is SIGKILLed before sending; the next run after the claim
    went stale sends it, once."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database a second process can reach")
    build_world(tenant=tenant_a, executive=executive_a, manager=manager_a)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "keystone.test_settings",
        "DATABASE_URL": _url_of(connection.settings_dict),
    }
    worker = subprocess.run(
        [sys.executable, "-c", CRASHING_WORKER, str(tenant_a.pk)],
        env=env,
        timeout=120,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert worker.returncode == -signal.SIGKILL, worker.stderr[-2000:]
    with tenant_context(tenant_a.pk):
        [row] = BriefingDelivery.objects.all()
    assert row.status == "sending" and row.attempts == 1 and smtp.messages == []
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 0  # the claim is fresh: its worker may still be alive
    later = timezone.now() + STALE_CLAIM + dt.timedelta(seconds=5)
    assert deliveries_run(tenant_id=tenant_a.pk, now=later).sent == 1
    assert deliveries_run(tenant_id=tenant_a.pk, now=later + dt.timedelta(minutes=30)).sent == 0
    assert len(smtp.to(executive_a.user.email)) == 1


def _url_of(db: dict) -> str:
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
