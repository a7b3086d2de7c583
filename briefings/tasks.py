"""Celery tasks of briefings: thin wrappers over briefings.services.

- briefings.send_briefing_digests(): beat, every 15 minutes; lists the tenants and queues one
  delivery run per tenant (Tenant is not tenant-owned: no scope needed for the list).
- briefings.deliver_due(tenant_id): one tenant's run (plan, claim, send, mark). It opens the tenant's
  context itself, several times: each claim and each mark commits on its own, and no transaction is
  open while the mail server is talking. Queued also after every change to a visit (apps.py).
"""

from celery import shared_task

from briefings.services import deliveries_run
from tenancy.context import TenantRequired
from tenancy.tasks import for_each_tenant


@shared_task(name="briefings.deliver_due")
def deliver_due_task(tenant_id):
    if tenant_id in (None, "") or isinstance(tenant_id, bool):
        raise TenantRequired("briefings.deliver_due needs a tenant id.")
    return deliveries_run(tenant_id=int(tenant_id)).as_dict()


@shared_task(name="briefings.send_briefing_digests")
def send_briefing_digests_task():
    return for_each_tenant(deliver_due_task)
