"""The shared cache (Redis), failing open: every use of the cache goes through here.

When the cache does not answer, calls go to a small in-memory cache of this process and a warning is
logged (at most once a minute per process); `fallback_stats()` says how often that happened. After a
failure the shared cache is tried again RETRY_SECONDS later, not on every call, so a down or
unreachable Redis costs each request nothing. What each use does meanwhile: docs/architecture.md.
"""

import logging

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.utils import timezone

from tenancy.breaker import Breaker
from tenancy.context import current_tenant_id

log = logging.getLogger(__name__)

RETRY_SECONDS = 5

_fallback = LocMemCache("keystone-cache-fallback", {"MAX_ENTRIES": 10_000})
_breaker = Breaker(
    "cache",
    retry_seconds=RETRY_SECONDS,
    log=log,
    message="Cache unreachable (%s, in %s): using this process's memory until it answers again.",
)
_stats = {"fallbacks": 0}


def fallback_stats() -> dict:
    """This process's count of cache calls answered by the fallback, and the last cache error."""
    return {"fallbacks": _stats["fallbacks"], "last_error": _breaker.last_error}


def reset() -> None:
    """Forget the fallback's contents and try the shared cache again at once (tests, an operator's shell)."""
    _fallback.clear()
    _breaker.reset()
    _stats["fallbacks"] = 0


def call(method: str, *args, **kwargs):
    """cache.<method>(*args, **kwargs) on the shared cache, or on this process's fallback when it is gone."""
    if _breaker.closed():
        try:
            return getattr(cache, method)(*args, **kwargs)
        except ValueError:  # incr of a missing key: an answer, not an outage
            raise
        except Exception as exc:  # noqa: BLE001 — whatever the backend raises when its server is gone
            _breaker.failed(exc, method)
    _stats["fallbacks"] += 1
    return getattr(_fallback, method)(*args, **kwargs)


def add(key: str, value, timeout: int) -> bool:
    return call("add", key, value, timeout)


def get_or_set(key: str, default, timeout: int):
    return call("get_or_set", key, default, timeout)


# --- Tenant-wide figures -------------------------------------------------------------------------------


def _figure_key(name: str) -> str:
    return f"figure:{current_tenant_id()}:{name}"


def tenant_figure(name: str, compute, seconds: int) -> dict:
    """{"value": compute(), "as_of": when it was counted} for the current tenant, kept `seconds`: for
    figures that read the whole tenant (a distribution over 100,000 accounts), too costly for every view.
    Pages show "as of"; a write that changes the figure calls tenant_figure_changed()."""
    return get_or_set(_figure_key(name), lambda: {"value": compute(), "as_of": timezone.now()}, seconds)


def tenant_figure_changed(name: str) -> None:
    """The figure is counted afresh on the next view, once the current transaction commits."""
    key = _figure_key(name)
    transaction.on_commit(lambda: call("delete", key), robust=True)
