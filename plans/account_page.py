"""What plans contribute to the account page (accounts.sections)."""

from django.template.loader import render_to_string

from accounts.access import can_see_money
from plans import selectors

TAB = ("Plans & activity", "plans:account")
DEFERRED = True  # its own request after the page loads (accounts.sections)


def panel(request, account) -> str:
    """Overdue actions, the active plan, open opportunities, recent calls and next visits (in the tenant's
    time zone, which the tenant middleware has activated)."""
    return render_to_string(
        "plans/_account_activity.html",
        {
            "activity": selectors.account_activity(account=account),
            "money_visible": can_see_money(membership=request.membership, account=account),
        },
        request=request,
    )
