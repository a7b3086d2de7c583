"""What the hierarchy contributes to the account page (accounts.sections), and the panel's context, which the
hierarchy's own account page shares."""

from django.template.loader import render_to_string
from django.urls import reverse

from hierarchy import charts, selectors, services
from tenancy.htmx import vary_on

TAB = ("Relationship map", "hierarchy:account")
DEFERRED = True  # its own request after the page loads (accounts.sections)


def panel(request, account) -> str:
    """The relationship map, roll-up, playbook, alerts and level history: the hierarchy page's panel."""
    # Drawn by the deferred panel's own request: its forms return to the account page that holds it.
    page_url = reverse("accounts:detail", args=[request.tenant.slug, account.pk])
    vary_on(request, "HX-Request")  # client_page adds HX-Current-URL
    if getattr(request, "htmx", None):
        page_url = client_page(request, page_url)
    context = account_panel_context(request, account, page_url=page_url)
    return render_to_string("hierarchy/account.html#panel", context, request=request)


def client_page(request, fallback: str) -> str:
    """The page the browser shows (htmx's HX-Current-URL) when it is this site and under this tenant;
    `fallback` otherwise. An htmx request to an endpoint of the panel (assess, a section refresh) is not
    the page itself, so links and forms it renders return to the page that holds the panel."""
    vary_on(request, "HX-Current-URL")
    current = request.htmx.current_url_abs_path if request.htmx else None  # None unless same origin
    if current and current.startswith(f"/t/{request.tenant.slug}/"):
        return current
    return fallback


def account_panel_context(request, account, *, page_url: str | None = None) -> dict:
    """Everything the account panel shows, on the hierarchy page and the account page.
    page_url: the page the panel is shown on, where its Acknowledge and Add relationship forms return
    (the request's own page unless the caller knows better)."""
    model = services.hierarchy_defaults_ensure()
    hmap = selectors.relationship_map(account=account, model=model)
    history = selectors.account_history(account=account, months=18, model=model)
    return {
        "account": account,
        "hmap": hmap,
        "levels_summary": hmap.levels_summary,
        "history_chart": charts.account_level_chart(history, len(hmap.levels) or 5),
        "can_edit": request.membership.can_edit,
        "page_url": page_url or request.get_full_path(),
    }
