import functools

from django.http import Http404

from tenancy.roles import ADMINS, EDITORS, RoleRequired, url_objects_exist


def tenant_view(view=None, *, editor: bool = False, admin: bool = False):
    """Marks a view that runs under /t/<slug>/. The middleware has resolved the tenant and the
    membership; this drops the slug argument and refuses roles the view is not for: 403 naming the
    roles that can (tenancy.roles), or 404 when an object the URL names is not found in this tenant."""

    def decorate(fn):
        app = fn.__module__.split(".")[0]

        @functools.wraps(fn)
        def wrapper(request, *args, tenant_slug=None, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404("No such page.")
            if admin and not membership.is_admin:
                _refuse(app, kwargs, ADMINS)
            if editor and not membership.can_edit:
                _refuse(app, kwargs, EDITORS)
            return fn(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def _refuse(app: str, kwargs: dict, roles) -> None:
    if url_objects_exist(app, kwargs):
        raise RoleRequired(roles)
    raise Http404("No such page.")
