"""Celery tasks of the keyplayers app: thin wrappers over keyplayers.services.

- keyplayers.refresh_coverage_summary(tenant_id): recounts the dashboard's coverage figures (queued,
  debounced, by coverage_summary_refresh_soon after changes; see keyplayers.apps).
"""

from keyplayers.services import coverage_summary_refresh, summary_debounce_key
from tenancy import shared_cache
from tenancy.tasks import tenant_task


@tenant_task(name="keyplayers.refresh_coverage_summary")
def refresh_coverage_summary_task(tenant_id):
    shared_cache.call("delete", summary_debounce_key(tenant_id))  # a change from now on queues another run
    return coverage_summary_refresh().counts
