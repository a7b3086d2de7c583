import functools

from django.http import Http404

from tenancy.roles import ADMINS, EDITORS, RoleRequired, url_objects_exist


def tenant_view(view=None, *, editor: bool = False, admin: bool = False):
    """Marks a view that runs under /t/<slug>/. The middleware has resolved the tenant and the
    membership; this drops the slug argument and refuses roles the view is not for: 403 naming the
    roles that can (tenancy.roles), or 404 when an object the URL names is not found in this tenant.
    Inside the view, objects are found with the access modules (tenancy.access.found, the same rule)."""
    roles = ADMINS if admin else EDITORS if editor else ()

    def decorate(fn):
        app = fn.__module__.split(".")[0]

        @functools.wraps(fn)
        def wrapper(request, *args, tenant_slug=None, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404("No such page.")
            if roles and membership.role not in roles:
                if not url_objects_exist(app, kwargs):
                    raise Http404("No such page.")
                raise RoleRequired(roles)
            return fn(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
