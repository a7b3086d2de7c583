"""Celery tasks of the hierarchy app: thin calls into services, taking ids, tenant first."""

from celery import shared_task

from hierarchy import services
from tenancy.tasks import for_each_tenant, tenant_task


@tenant_task(name="hierarchy.contact_departures_scan")
def contact_departures_scan_task(tenant_id, contact_ids=None):
    """Alerts for contacts who left while holding a level-4+ relationship, and those accounts' stored
    levels: the nightly safety net behind accounts' contacts_left announcement (a message lost with a
    crashed worker, a bulk UPDATE)."""
    return services.contact_departures_scan(contact_ids=contact_ids)


@tenant_task(name="hierarchy.account_levels_refresh")
def account_levels_refresh_task(tenant_id, account_ids=None):
    from accounts.models import Account

    ids = account_ids if account_ids is not None else list(Account.objects.values_list("pk", flat=True))
    return services.account_levels_refresh(account_ids=ids)


@shared_task(name="hierarchy.contact_departures_scan_all")
def contact_departures_scan_all_task():
    """Beat entry point: one scan task per tenant."""
    return for_each_tenant(contact_departures_scan_task)
