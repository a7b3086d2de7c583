from django_scopes import scopes_disabled

from tenancy.context import user_context
from tenancy.models import Membership


def memberships_of_user(user) -> list[Membership]:
    """All tenants a user belongs to, for the tenant picker and switcher.

    One of the few places that leaves the tenant scope (docs/architecture.md): it reads only the
    user's own rows, and on PostgreSQL the membership policy admits exactly those via app.user_id.
    """
    if not user.is_authenticated:
        return []
    with user_context(user.pk), scopes_disabled():
        return list(Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name"))
