"""Tasks and tenants: a task gets its tenant from its arguments only, and never inherits one."""

import time

import pytest
from django.db import connection
from django_scopes import ScopeError
from celery import shared_task

from tenancy.context import TenantRequired
from tenancy.models import Membership
from tenancy.tasks import tenant_task

SEEN: list[dict] = []


def _db_tenant_setting():
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('app.tenant_id', true), '')")
        return cursor.fetchone()[0]


def _backend_pid():
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@tenant_task(name="tests.count_members")
def count_members_task(tenant_id):
    SEEN.append(
        {
            "task": "tenant",
            "setting": _db_tenant_setting(),
            "members": Membership.objects.count(),
            "pid": _backend_pid(),
        }
    )


@shared_task(name="tests.platform_probe")
def platform_probe_task():
    try:
        Membership.objects.count()
        scoped = "open"
    except ScopeError:
        scoped = "closed"
    SEEN.append({"task": "platform", "setting": _db_tenant_setting(), "scope": scoped, "pid": _backend_pid()})


@shared_task(name="tests.close_db_connection")
def close_db_connection_task():
    connection.close()  # the worker thread's connection, so the test database can be dropped
    SEEN.append({"task": "closed"})


@pytest.fixture(autouse=True)
def _clear_seen():
    SEEN.clear()


@pytest.fixture
def worker_keeps_its_connection(monkeypatch):
    """Celery's Django fixup closes the connection around every task unless CELERY_DB_REUSE_MAX says
    otherwise; keep it, so consecutive tasks share one connection, as web requests do (CONN_MAX_AGE),
    and a setting left on the session (set_config(..., false)) would show up in the next task."""
    from keystone.celery import app

    fixup = next(f for f in app._fixups if hasattr(f, "worker_fixup"))
    monkeypatch.setattr(fixup.worker_fixup, "db_reuse_max", 10**6)


@pytest.mark.django_db
def test_task_without_tenant_raises():
    with pytest.raises(TenantRequired):
        count_members_task.delay(None)
    with pytest.raises(TenantRequired):
        count_members_task.apply(args=[""]).get()


@pytest.mark.django_db
def test_eager_task_runs_in_its_tenant(manager_a, manager_b):
    count_members_task.delay(manager_a.tenant.pk)
    assert SEEN[0]["members"] == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_two_tasks_in_a_row_on_one_worker_never_inherit_a_tenant(manager_a, live_worker, worker_keeps_its_connection):
    with live_worker():
        count_members_task.delay(manager_a.tenant.pk)
        platform_probe_task.delay()
        close_db_connection_task.delay()
        deadline = time.monotonic() + 30
        while len(SEEN) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [s["task"] for s in SEEN] == ["tenant", "platform", "closed"]
    assert SEEN[0]["members"] == 1
    if connection.vendor == "postgresql":
        assert SEEN[0]["setting"] == str(manager_a.tenant.pk)
        assert SEEN[0]["pid"] == SEEN[1]["pid"]  # one connection: the second task really could inherit
    assert SEEN[1]["setting"] == ""
    assert SEEN[1]["scope"] == "closed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_tenant_setting_is_gone_from_the_connection_once_the_context_commits(manager_a):
    if connection.vendor != "postgresql":
        pytest.skip("app.tenant_id is a PostgreSQL setting")
    from tenancy.context import tenant_context, user_context

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with tenant_context(manager_a.tenant.pk, user_id=manager_a.user.pk):
        assert _db_tenant_setting() == str(manager_a.tenant.pk)
    with user_context(manager_a.user.pk):
        pass
    assert not connection.in_atomic_block  # committed: the next statement is a transaction of its own
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid(), coalesce(current_setting('app.tenant_id', true), ''), "
            "coalesce(current_setting('app.user_id', true), '')"
        )
        assert cursor.fetchone() == (pid, "", "")
