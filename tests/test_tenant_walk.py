"""Walks every URL pattern under /t/<slug>/ and /api/v1/: another tenant's ids are a 404, with the
same body as an id that does not exist. Each app's tests/<app>/walk.py says how to make an object for
each URL keyword it uses; a keyword nobody can make fails the walk, so new URLs cannot slip past."""

import importlib
import pkgutil

import pytest

import tests
from keystone.urlwalk import fill as _fill
from keystone.urlwalk import params as _params
from keystone.urlwalk import tenant_routes
from tenancy.models import Role
from tests.conftest import api_client_for, same_page

pytestmark = pytest.mark.django_db


def _walk_objects():
    objects = {}
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:  # only the apps' packages have a walk.py (and importing a test module runs it)
            continue
        try:
            walk = importlib.import_module(f"tests.{module.name}.walk")
        except ModuleNotFoundError:
            continue
        objects.update(walk.OBJECTS)
    return objects


ROUTES = tenant_routes()


@pytest.mark.parametrize("route", [r for r in ROUTES if set(_params(r)) - {"tenant_slug", "format"}])
def test_other_tenants_ids_are_404_everywhere(route, tenant_a, tenant_b, make_member):
    objects = _walk_objects()
    me = make_member(tenant_a, Role.ADMIN)
    them = make_member(tenant_b, Role.ADMIN)
    params = [p for p in _params(route) if p not in {"tenant_slug", "format"}]
    missing = [p for p in params if p not in objects]
    assert not missing, f"{route}: add {missing} to a tests/<app>/walk.py"
    theirs = {p: objects[p](them) for p in params}
    nothing = {p: 2_000_000_000 for p in params}
    mine = {"tenant_slug": tenant_a.slug, "format": "json"}
    if route.startswith("api/"):
        client = api_client_for(me)
        for method in ("get", "patch", "delete"):
            other = getattr(client, method)("/" + _fill(route, theirs | mine))
            absent = getattr(client, method)("/" + _fill(route, nothing | mine))
            if absent.status_code == 405:
                continue
            assert other.status_code == absent.status_code == 404, (method, route)
            assert other.content == absent.content
    else:
        for method in ("get", "post"):
            other = getattr(me.client, method)("/" + _fill(route, theirs | mine))
            absent = getattr(me.client, method)("/" + _fill(route, nothing | mine))
            if absent.status_code == 405:
                continue
            assert other.status_code == absent.status_code == 404, (method, route, other.status_code)
            assert same_page(other, absent)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.startswith("t/")])
def test_every_tenant_page_of_another_tenant_is_404(route, tenant_a, tenant_b, make_member):
    objects = _walk_objects()
    me = make_member(tenant_a, Role.ADMIN)
    them = make_member(tenant_b, Role.ADMIN)
    params = {p: objects[p](them) for p in _params(route) if p in objects}
    url = "/" + _fill(route, params | {"tenant_slug": tenant_b.slug, "format": "json"})
    assert me.client.get(url).status_code == 404
