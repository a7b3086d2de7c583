"""What ratings contribute to the account page (keystone.account_page)."""

from django.template.loader import render_to_string

from ratings import selectors

TAB = ("Rating", "ratings:account")


def panel(request, account) -> str:
    """The effective rating, its cadence and the "why" breakdown."""
    context = {"panel": selectors.account_rating_panel(account=account, membership=request.membership)}
    return render_to_string("ratings/_account_rating.html", context, request=request)
