"""Fault: a real worker's pool process is killed with SIGKILL in the middle of a recompute. The task is
delivered again (acks_late, reject_on_worker_lost) and, with a second delivery of the same outbox
message running at the same time, the result is exactly that of one run. The test holds the tenant's
recompute lock to stop the task in the middle of its transaction."""

import os
import re
import signal
from decimal import Decimal

import psycopg
import pytest
import redis
from django.db import connection

from accounts.models import Account
from ratings.models import RatingSnapshot
from ratings.services import LOCK_CLASS, ratings_recompute_soon
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import OutboxMessage
from tests.faults.conftest import wait_for
from tests.ratings.factories import AccountFactory, OpportunityFactory
from tests.ratings.helpers import activate_policy, pipeline_only, setup_ran

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _waiting_on_the_recompute_lock(observer) -> int:
    """How many database sessions wait for the tenant's recompute advisory lock."""
    return observer.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND classid = %s AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [LOCK_CLASS],
    ).fetchone()[0]


def _waiting_on_any_lock(observer) -> int:
    return observer.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    ).fetchone()[0]


def _received(worker) -> list[str]:
    """Task ids of the recomputes the worker received, in order (a redelivery repeats one)."""
    return re.findall(r"ratings\.recompute_ratings\[([0-9a-f-]+)\] received", worker.log()) or [""]


def _recomputes_finished(worker) -> int:
    return sum(1 for line in worker.log().splitlines() if "ratings.recompute_ratings[" in line and "succeeded" in line)


def test_a_recompute_killed_mid_run_is_redelivered_and_runs_once(redis_broker, worker_process, manager_a):
    tenant = manager_a.tenant
    values = {"Low": 10, "Mid": 40, "High": 90}
    for name, value in values.items():
        OpportunityFactory(account=AccountFactory(tenant=tenant, name=name), value=Decimal(value))
    with tenant_context(tenant.pk):
        activate_policy(manager_a, **pipeline_only())
    setup_ran(tenant)
    redis.Redis.from_url(redis_broker.url).flushall()  # the setup's own recomputes: counted as run above
    worker = worker_process(redis_broker.url, concurrency=2)

    params = connection.settings_dict
    holder = psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        dbname=params["NAME"],
        autocommit=True,
    )
    observer = psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        dbname=params["NAME"],
        autocommit=True,
    )
    try:
        # Hold the tenant's recompute lock: the task will stop inside its transaction, mid-recompute.
        holder.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, tenant.pk])
        with tenant_context(tenant.pk):
            ratings_recompute_soon(tenant_id=tenant.pk)
        assert wait_for(lambda: _waiting_on_the_recompute_lock(observer) == 1, 30), worker.log()[-3000:]
        with tenant_context(tenant.pk):
            message = OutboxMessage.objects.get(done_at__isnull=True)
        assert message.started_at is not None  # it is running (its "done" mark is not committed)

        for pid in worker.children():  # the pool processes; the worker's main process stays
            os.kill(pid, signal.SIGKILL)
        # The killed process's database session still waits for the lock (PostgreSQL notices the lost
        # client only when it has to answer) and holds the message's row, so nothing is committed.
        # The task is delivered again: it waits for that row.
        assert wait_for(lambda: _received(worker).count(_received(worker)[0]) == 2, 60), worker.log()[-3000:]
        assert wait_for(lambda: _waiting_on_any_lock(observer) == 2, 30), worker.log()[-3000:]
        # A second delivery of the same message (as the sweep would send it) at the same time.
        assert outbox._publish(tenant.pk, message.pk, message.task_name, message.args, message.kwargs)
        assert wait_for(lambda: _waiting_on_any_lock(observer) == 3, 30), worker.log()[-3000:]
        assert _recomputes_finished(worker) == 0
        holder.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, tenant.pk])
        assert wait_for(lambda: _recomputes_finished(worker) == 2, 30), worker.log()[-3000:]
    finally:
        holder.close()
        observer.close()
    assert "WorkerLostError" in worker.log()
    assert re.search(rf"Outbox message #{message.pk} was run (already|by another delivery)", worker.log())
    with tenant_context(tenant.pk):
        assert OutboxMessage.objects.get(pk=message.pk).done_at is not None
    with tenant_context(tenant.pk):
        assert dict(Account.objects.values_list("name", "rating")) == {"Low": "D", "Mid": "C", "High": "A"}
        # One run's worth of snapshots (one per account), not two: the killed run left nothing behind and
        # the second delivery did not run again.
        assert RatingSnapshot.objects.count() == len(values)
