"""Celery plumbing for tenant work: every task that touches tenant data is a `tenant_task`."""

import functools

from celery import shared_task
from django.core import management

from tenancy.context import TenantRequired, tenant_context


def tenant_task(*, name: str, **options):
    """Declares a task whose first argument is a tenant id; the body runs inside tenant_context().

        @tenant_task(name="ratings.recompute")
        def recompute_ratings_task(tenant_id, account_id=None): ...

    A call without a tenant id raises TenantRequired; nothing falls back to a "current" tenant.
    """

    def decorator(body):
        @shared_task(name=name, **options)
        @functools.wraps(body)
        def task(tenant_id, *args, **kwargs):
            if tenant_id in (None, "") or isinstance(tenant_id, bool):
                raise TenantRequired(f"Task {name} needs a tenant id as its first argument.")
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
