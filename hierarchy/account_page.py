"""What the hierarchy contributes to the account page (keystone.account_page)."""

from django.template.loader import render_to_string

TAB = ("Relationship map", "hierarchy:account")
DEFERRED = True  # its own request after the page loads (keystone.account_page)


def panel(request, account) -> str:
    """The relationship map, roll-up, playbook, alerts and level history: the hierarchy page's panel."""
    from django.urls import reverse

    from hierarchy.views import _client_page, account_panel_context

    # Drawn by the deferred panel's own request: its forms return to the account page that holds it.
    page_url = reverse("accounts:detail", args=[request.tenant.slug, account.pk])
    if getattr(request, "htmx", None):
        page_url = _client_page(request, page_url)
    context = account_panel_context(request, account, page_url=page_url)
    return render_to_string("hierarchy/account.html#panel", context, request=request)
