"""What plans contribute to the account page (keystone.account_page)."""

from django.template.loader import render_to_string
from django.utils import timezone

from plans import selectors

TAB = ("Plans & activity", "plans:account")


def tenant_timezone(request):
    tenant = getattr(request, "tenant", None)
    return tenant.zone if tenant is not None else timezone.get_current_timezone()


def panel(request, account) -> str:
    """Overdue actions, the active plan, open opportunities, recent calls and next visits."""
    with timezone.override(tenant_timezone(request)):
        activity = selectors.account_activity(account=account)
        return render_to_string("plans/_account_activity.html", {"activity": activity}, request=request)
