import functools

from django.http import Http404

from tenancy.models import Role

_RANK = {Role.VIEWER: 0, Role.EXECUTIVE: 1, Role.MANAGER: 2, Role.ADMIN: 3}


def tenant_view(view=None, *, editor: bool = False, admin: bool = False):
    """Marks a view that runs under /t/<slug>/. The middleware has resolved the tenant and the
    membership; this drops the slug argument and refuses (404) roles the view is not for."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(request, *args, tenant_slug=None, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404("No such page.")
            if admin and not membership.is_admin:
                raise Http404("No such page.")
            if editor and not membership.can_edit:
                raise Http404("No such page.")
            return fn(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
