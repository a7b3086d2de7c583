"""The tenant's members as other apps need them: the people to choose from (forms, API fields) and the
check a service makes before it records someone as an owner, attendee or team member. Both read the
scoped Membership table, so another tenant's user is simply not a member."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery

from tenancy.models import Membership, User


def member_users() -> QuerySet[User]:
    """The tenant's active members, each with `.role`, by name."""
    role = Membership.objects.filter(user_id=OuterRef("pk")).values("role")[:1]
    return (
        User.objects.filter(pk__in=Membership.objects.values("user_id"), is_active=True)
        .annotate(role=Subquery(role))
        .order_by("full_name", "email")
    )


def member_roles(users: Iterable[User | None]) -> dict[int, str]:
    """{user id: role} for those of `users` who are members of the tenant."""
    ids = {user.pk for user in users if user is not None}
    if not ids:
        return {}
    return dict(Membership.objects.filter(user_id__in=ids).values_list("user_id", "role"))


def require_members(users: Iterable[User | None], field: str) -> dict[int, str]:
    """Every user given (None is no one) must be a member of the tenant; returns their roles."""
    users = list(users)
    roles = member_roles(users)
    strangers = sorted({str(user) for user in users if user is not None and user.pk not in roles})
    if strangers:
        verb = "is not a member" if len(strangers) == 1 else "are not members"
        raise ValidationError({field: f"{', '.join(strangers)} {verb} of this tenant."})
    return roles
