"""Walks every URL pattern under /t/<slug>/ and /api/v1/: another tenant's ids are a 404, with the
same body as an id that does not exist. Each app's tests/<app>/walk.py says how to make an object for
each URL keyword it uses; a keyword nobody can make fails the walk, so new URLs cannot slip past."""

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

import tests
from tenancy.models import Role
from tests.conftest import api_client_for, same_page

pytestmark = pytest.mark.django_db


def _walk_objects():
    objects = {}
    for module in pkgutil.iter_modules(tests.__path__):
        try:
            walk = importlib.import_module(f"tests.{module.name}.walk")
        except ModuleNotFoundError:
            continue
        objects.update(walk.OBJECTS)
    return objects


def _route(pattern) -> str:
    """A path() route as is; a router's regex (^accounts/(?P<pk>[^/.]+)/$) as a route."""
    import re

    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text).lstrip("^").rstrip("$")
    return text


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + _route(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _route(entry.pattern), entry


def _fill(route, values):
    import re

    def replace(match):
        return str(values[match.group(2)])

    return re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)


def _params(route):
    import re

    return [name for _, name in re.findall(r"<(?:(\w+):)?(\w+)>", route)]


ROUTES = sorted({route for route, _ in _patterns() if route.startswith(("t/", "api/v1/"))})


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
