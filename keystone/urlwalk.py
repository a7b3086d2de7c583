"""Every URL pattern of the project as a route string, and how to fill one in. Shared by the
cross-tenant walk (tests/test_tenant_walk.py) and the benchmark walker (bench/walk.py), so both
walk the same set of pages: whatever patterns exist when they run."""

import re

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

_KEYWORD = re.compile(r"<(?:(\w+):)?(\w+)>")


def route_of(pattern) -> str:
    """A path() route as is; a router's regex (^accounts/(?P<pk>[^/.]+)/$) as a route."""
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text).lstrip("^").rstrip("$")
    return text


def patterns(resolver=None, prefix=""):
    """(route, URLPattern) for every pattern, nested includes flattened."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, prefix + route_of(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + route_of(entry.pattern), entry


def tenant_routes() -> list[str]:
    """The routes under /t/<slug>/ and /api/v1/, sorted."""
    return sorted({route for route, _ in patterns() if route.startswith(("t/", "api/v1/"))})


def fill(route: str, values: dict) -> str:
    """The route with each <converter:keyword> replaced by values[keyword]."""
    return _KEYWORD.sub(lambda match: str(values[match.group(2)]), route)


def params(route: str) -> list[str]:
    """The keywords of a route, in order."""
    return [name for _, name in _KEYWORD.findall(route)]
