"""Celery tasks of the ratings app: thin wrappers over ratings.services.

- ratings.recompute_ratings(tenant_id, account_id=None): one tenant (or one of its accounts), inside
  the tenant's scope (tenant_task). Queued nightly per tenant, on policy activation, and debounced
  after changes to an account's assessments, call reports, financials, opportunities or key players.
- ratings.recompute_all_tenants(): platform task run nightly by beat; lists the tenant ids (Tenant is
  not tenant-owned, so no scope is needed or opened) and queues one recompute per tenant.
- ratings.expire_overrides(tenant_id) / ratings.expire_overrides_all_tenants(): clear ended manual
  ratings between nightly runs (beat: hourly, keystone.settings CELERY_BEAT_SCHEDULE).

A task without arguments is a platform run that fans out per tenant: each one needs its beat entry
(tests/ratings/test_tasks.py checks it).
"""

from celery import shared_task

from ratings.services import overrides_expire, ratings_recompute
from tenancy.tasks import for_each_tenant, tenant_task


@tenant_task(name="ratings.recompute_ratings")
def recompute_ratings_task(tenant_id, account_id=None):
    return ratings_recompute(account_id=account_id).as_dict()


@shared_task(name="ratings.recompute_all_tenants")
def recompute_all_tenants_task():
    return for_each_tenant(recompute_ratings_task)


@tenant_task(name="ratings.expire_overrides")
def expire_overrides_task(tenant_id):
    return overrides_expire()


@shared_task(name="ratings.expire_overrides_all_tenants")
def expire_overrides_all_tenants_task():
    return for_each_tenant(expire_overrides_task)
