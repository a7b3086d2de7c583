from django_scopes import scopes_disabled

from tenancy.context import current_tenant_id, user_context
from tenancy.models import AuditAction, AuditEntry, Membership, Tenant


def memberships_of_user(user) -> list[Membership]:
    """All tenants a user belongs to, for the tenant picker and switcher.

    One of the few places that leaves the tenant scope (docs/architecture.md): it reads only the
    user's own rows, and on PostgreSQL the membership policy admits exactly those via app.user_id.
    """
    if not user.is_authenticated:
        return []
    with user_context(user.pk), scopes_disabled():
        return list(Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name"))


def audit_entries(
    *,
    kind: str = "",
    action: str = "",
    actor_id: int | None = None,
    target_type: str = "",
    target_id: int | None = None,
    since=None,
    until=None,
):
    """The tenant's audit trail, newest first, narrowed by any of: a kind of object (the action's prefix,
    e.g. "account"), one action, who, one object, a time range [since, until). Reads one table; the
    actor's address is stored on the row, so a page of entries is one query whatever it holds."""
    entries = AuditEntry.objects.order_by("-created_at", "-id")
    if kind:
        entries = entries.filter(action__startswith=f"{kind}.")
    if action:
        entries = entries.filter(action=action)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id is not None:
        entries = entries.filter(target_id=target_id)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries


def audit_kinds() -> list[tuple[str, str]]:
    """The kinds of change the trail holds (the actions' prefixes), for a filter."""
    labels = {
        "member": "Members",
        "invitation": "Invitations",
        "tenant": "Tenant settings",
        "hierarchy": "Hierarchy model and levels",
        "guidance": "Guidance matrix",
        "coverage": "Coverage settings",
        "rating_policy": "Rating policy",
        "manual_rating": "Manual ratings",
        "account": "Account owner, status and classification",
        "team": "Account teams",
    }
    prefixes = dict.fromkeys(value.split(".")[0] for value in AuditAction.values)
    return [(prefix, labels.get(prefix, prefix)) for prefix in prefixes]


def tenant_currency() -> str:
    """The current tenant's currency: what new amounts start in and what money criteria count."""
    return Tenant.objects.filter(pk=current_tenant_id()).values_list("currency", flat=True).get()


def start_in_tenant_currency(form, kwargs: dict) -> None:
    """A form for a new amount (opportunity, financial period) starts in the tenant's currency, not the
    model's fallback, unless the caller chose one."""
    if "currency" in form.fields and not form.instance.pk and "currency" not in (kwargs.get("initial") or {}):
        form.initial["currency"] = tenant_currency()
