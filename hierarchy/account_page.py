"""What the hierarchy contributes to the account page (keystone.account_page)."""

from django.template.loader import render_to_string

TAB = ("Relationship map", "hierarchy:account")


def panel(request, account) -> str:
    """The relationship map, roll-up, playbook, alerts and level history: the hierarchy page's panel."""
    from hierarchy.views import account_panel_context

    return render_to_string("hierarchy/account.html#panel", account_panel_context(request, account), request=request)
