from tenancy.selectors import memberships_of_user


def tenancy(request):
    """The current tenant and membership, and (lazily) the user's other tenants for the switcher."""
    user = getattr(request, "user", None)
    return {
        "tenant": getattr(request, "tenant", None),
        "membership": getattr(request, "membership", None),
        "my_memberships": (lambda: memberships_of_user(user)) if user is not None else list,
    }
