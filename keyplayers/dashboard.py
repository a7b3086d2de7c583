"""The key players' dashboard panel: the tenant's coverage figures, read from the stored summary
(one query, whatever the tenant's size) and shown "as of" the time they were counted."""

import datetime as dt

from django.utils import timezone

# A summary older than this is refreshed in the background when the dashboard is viewed: it catches
# the changes no signal announces (see keyplayers.apps). The page never waits for the count.
MAX_AGE = dt.timedelta(minutes=10)


def panels(request) -> list[dict]:
    """Dashboard panels: [{"template": "<app>/_panel.html", ...context}]."""
    from keyplayers import services
    from keyplayers.selectors import coverage_summary

    summary = coverage_summary()
    if summary is None:  # the tenant's first view: count now (once), then keep it up to date
        summary = services.coverage_summary_refresh()
    elif timezone.now() - summary.computed_at > MAX_AGE:
        services.coverage_summary_refresh_soon(tenant_id=request.tenant.pk)
    return [{"template": "keyplayers/_panel.html", "counts": summary.counts, "as_of": summary.computed_at}]
