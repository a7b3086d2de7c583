"""The ratings app's dashboard panel: accounts of the current user due or overdue for contact."""

from django.utils import timezone

from ratings import selectors
from ratings.services import policy_defaults_ensure
from tenancy import shared_cache

WITHIN_DAYS = 14
ROWS = 8
TENANT_FIGURE_SECONDS = 300


def panels(request) -> list[dict]:
    """Dashboard panels: [{"template": "<app>/_panel.html", ...context}]. Four queries."""
    if getattr(request, "membership", None) is None:
        return []
    now = timezone.now()
    policy = policy_defaults_ensure()
    mine = selectors.contact_due(policy=policy, user=request.user, within_days=WITHIN_DAYS, now=now)
    counts = selectors.contact_due_counts(policy=policy, user=request.user, within_days=WITHIN_DAYS, now=now)
    # The tenant-wide figure reads every rated account: counted at most once per TENANT_FIGURE_SECONDS.
    tenant_overdue = shared_cache.tenant_figure(
        f"ratings-overdue:{policy.pk}",
        lambda: selectors.contact_due_counts(policy=policy, within_days=WITHIN_DAYS, now=now)["overdue"],
        TENANT_FIGURE_SECONDS,
    )["value"]
    return [
        {
            "template": "ratings/_panel.html",
            "rows": list(mine[:ROWS]),
            "counts": counts,
            "now": now,
            "within": WITHIN_DAYS,
            "tenant_overdue": tenant_overdue,
        }
    ]
