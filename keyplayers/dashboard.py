"""The key players' dashboard panel: the tenant's coverage figures, read from the stored summary
(one query, whatever the tenant's size) and shown "as of" the time they were counted."""


def panels(request) -> list[dict]:
    """Dashboard panels: [{"template": "<app>/_panel.html", ...context}]."""
    from keyplayers import services

    summary = services.coverage_summary_current(tenant_id=request.tenant.pk)
    return [{"template": "keyplayers/_panel.html", "counts": summary.counts, "as_of": summary.computed_at}]
