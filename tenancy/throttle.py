"""Rate limiting on the shared cache, failing open when the cache is gone.

- Login: after LOGIN_THROTTLE_FAILURES failed attempts for one e-mail address, or
  LOGIN_THROTTLE_IP_FAILURES (far more: colleagues share an address) from one client address, within
  the window, further attempts are refused without checking the password.
- `rate_limited(key, limit=…, window=…)`: any other per-key limit (the public survey's per-address limit).

When the cache (Redis) does not answer, counting moves to a small in-memory cache of this process and
a warning is logged (at most once a minute per process); `fallback_stats()` says how often that
happened. The fallback starts empty, so nobody is locked out by the outage, and it still counts, so
nobody gets unlimited attempts either: the limit then holds per web process instead of across all of
them. After a failure the shared cache is tried again RETRY_SECONDS later, not on every call, so a
down or unreachable Redis costs each request nothing.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

from tenancy.breaker import Breaker

log = logging.getLogger(__name__)

RETRY_SECONDS = 5

_fallback = LocMemCache("keystone-throttle-fallback", {"MAX_ENTRIES": 10_000})
_breaker = Breaker("cache", retry_seconds=RETRY_SECONDS, log=log,
                   message="Cache unreachable (%s, in %s): rate limits count in this process until it answers again.")
_stats = {"fallbacks": 0}


def fallback_stats() -> dict:
    """This process's count of cache calls answered by the fallback, and the last cache error."""
    return {"fallbacks": _stats["fallbacks"], "last_error": _breaker.last_error}


def reset() -> None:
    """Forget the fallback's counts and try the shared cache again at once (tests, an operator's shell)."""
    _fallback.clear()
    _breaker.reset()
    _stats["fallbacks"] = 0


def _call(method: str, *args, **kwargs):
    if _breaker.closed():
        try:
            return getattr(cache, method)(*args, **kwargs)
        except ValueError:  # incr of a missing key: an answer, not an outage
            raise
        except Exception as exc:  # noqa: BLE001 — whatever the backend raises when its server is gone
            _breaker.failed(exc, method)
    _stats["fallbacks"] += 1
    return getattr(_fallback, method)(*args, **kwargs)


def hit(key: str, window: int) -> int:
    """Counts one event under `key` in a window that starts with the first event; returns the count."""
    if _call("add", key, 1, window):
        return 1
    try:
        return _call("incr", key)
    except ValueError:  # expired (or moved to the fallback) between add and incr
        _call("add", key, 1, window)
        return 1


def rate_limited(key: str, *, limit: int, window: int) -> bool:
    """Counts this call; True once more than `limit` calls came within `window` seconds."""
    return hit(f"rate:{key}", window) > limit


def _email_key(email: str) -> str:
    return f"login-fail:email:{email.strip().lower()}"


def _ip_key(ip: str) -> str:
    return f"login-fail:ip:{ip}"


def is_locked_out(email: str, ip: str) -> bool:
    counts = _call("get_many", [_email_key(email), _ip_key(ip)])
    return (counts.get(_email_key(email), 0) >= settings.LOGIN_THROTTLE_FAILURES
            or counts.get(_ip_key(ip), 0) >= settings.LOGIN_THROTTLE_IP_FAILURES)


def record_failure(email: str, ip: str) -> None:
    for key in (_email_key(email), _ip_key(ip)):
        hit(key, settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def clear(email: str) -> None:
    _call("delete", _email_key(email))
