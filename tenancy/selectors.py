from django_scopes import scopes_disabled

from tenancy.context import current_tenant_id, user_context
from tenancy.models import Membership, Tenant


def memberships_of_user(user) -> list[Membership]:
    """All tenants a user belongs to, for the tenant picker and switcher.

    One of the few places that leaves the tenant scope (docs/architecture.md): it reads only the
    user's own rows, and on PostgreSQL the membership policy admits exactly those via app.user_id.
    """
    if not user.is_authenticated:
        return []
    with user_context(user.pk), scopes_disabled():
        return list(Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name"))


def tenant_currency() -> str:
    """The current tenant's currency: what new amounts start in and what money criteria count."""
    return Tenant.objects.filter(pk=current_tenant_id()).values_list("currency", flat=True).get()


def start_in_tenant_currency(form, kwargs: dict) -> None:
    """A form for a new amount (opportunity, financial period) starts in the tenant's currency, not the
    model's fallback, unless the caller chose one."""
    if "currency" in form.fields and not form.instance.pk and "currency" not in (kwargs.get("initial") or {}):
        form.initial["currency"] = tenant_currency()
