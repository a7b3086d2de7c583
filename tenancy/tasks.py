"""Celery plumbing for tenant work: every task that touches tenant data is a `tenant_task`."""

import functools

from celery import shared_task
from django.core import management
from django.db import InterfaceError, OperationalError

from tenancy.context import TenantRequired, tenant_context

# A database that restarts or fails over under a running task: the task is tried again (the connection
# is replaced before the next try), up to DB_RETRIES times over about ten minutes.
DB_ERRORS = (OperationalError, InterfaceError)
DB_RETRIES = 8


def tenant_task(*, name: str, **options):
    """Declares a task whose first argument is a tenant id; the body runs inside tenant_context().

        @tenant_task(name="ratings.recompute")
        def recompute_ratings_task(tenant_id, account_id=None): ...

    A call without a tenant id raises TenantRequired; nothing falls back to a "current" tenant.
    Sent through the outbox (tenancy.outbox.enqueue_on_commit), the task runs once per recorded
    message; the body never sees the message id. A database error (PostgreSQL restarting) retries it.
    """
    options = {
        "autoretry_for": DB_ERRORS,
        "retry_backoff": 2,
        "retry_backoff_max": 120,
        "max_retries": DB_RETRIES,
        **options,
    }

    def decorator(body):
        @shared_task(name=name, **options)
        @functools.wraps(body)
        def task(tenant_id, *args, **kwargs):
            from tenancy.outbox import OUTBOX_KWARG, run_once

            if tenant_id in (None, "") or isinstance(tenant_id, bool):
                raise TenantRequired(f"Task {name} needs a tenant id as its first argument.")
            message_id = kwargs.pop(OUTBOX_KWARG, None)
            if message_id is not None:
                return run_once(tenant_id, message_id, lambda: body(tenant_id, *args, **kwargs))
            with tenant_context(tenant_id):
                return body(tenant_id, *args, **kwargs)

        return task

    return decorator


def for_each_tenant(task) -> int:
    """Beat's fan-out: queues `task` once per tenant (its first argument the tenant id) and returns how
    many. Tenant is platform data, not tenant-owned, so listing the ids needs no scope."""
    from tenancy.models import Tenant

    tenant_ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        task.delay(tenant_id)
    return len(tenant_ids)


@shared_task(name="tenancy.clear_expired_sessions")
def clear_expired_sessions_task():
    management.call_command("clearsessions")


@shared_task(name="tenancy.outbox_sweep", autoretry_for=DB_ERRORS, max_retries=2, retry_backoff=5)
def outbox_sweep_task():
    """Beat, every minute (and each worker once at start): sends what the outbox holds undelivered."""
    from tenancy.outbox import outbox_sweep

    return outbox_sweep()
