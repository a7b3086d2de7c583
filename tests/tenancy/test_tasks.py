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


@tenant_task(name="tests.count_members")
def count_members_task(tenant_id):
    SEEN.append({"task": "tenant", "setting": _db_tenant_setting(), "members": Membership.objects.count()})


@shared_task(name="tests.platform_probe")
def platform_probe_task():
    try:
        Membership.objects.count()
        scoped = "open"
    except ScopeError:
        scoped = "closed"
    SEEN.append({"task": "platform", "setting": _db_tenant_setting(), "scope": scoped})


@pytest.fixture(autouse=True)
def _clear_seen():
    SEEN.clear()


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
def test_two_tasks_in_a_row_on_one_worker_never_inherit_a_tenant(manager_a, live_worker):
    with live_worker():
        count_members_task.delay(manager_a.tenant.pk)
        platform_probe_task.delay()
        deadline = time.monotonic() + 30
        while len(SEEN) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [s["task"] for s in SEEN] == ["tenant", "platform"]
    assert SEEN[0]["members"] == 1
    if connection.vendor == "postgresql":
        assert SEEN[0]["setting"] == str(manager_a.tenant.pk)
    assert SEEN[1]["setting"] == ""
    assert SEEN[1]["scope"] == "closed"
