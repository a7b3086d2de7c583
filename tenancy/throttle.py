"""Rate limiting on the shared cache, failing open when the cache is gone.

- Login: after LOGIN_THROTTLE_FAILURES failed attempts for one e-mail address, or
  LOGIN_THROTTLE_IP_FAILURES (far more: colleagues share an address) from one client address, within
  the window, further attempts are refused without checking the password.
- `rate_limited(key, limit=…, window=…)`: any other per-key limit (the public survey's per-address limit).

When the cache (Redis) does not answer, counting moves to a small in-memory cache of this process
(tenancy.shared_cache, which logs a warning at most once a minute per process). The fallback starts
empty, so nobody is locked out by the outage, and it still counts, so nobody gets unlimited attempts
either: the limit then holds per web process instead of across all of them.
"""

from django.conf import settings

from tenancy.shared_cache import call as _call
from tenancy.shared_cache import fallback_stats, reset  # noqa: F401 — the throttle's view of the cache


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
    return (
        counts.get(_email_key(email), 0) >= settings.LOGIN_THROTTLE_FAILURES
        or counts.get(_ip_key(ip), 0) >= settings.LOGIN_THROTTLE_IP_FAILURES
    )


def record_failure(email: str, ip: str) -> None:
    for key in (_email_key(email), _ip_key(ip)):
        hit(key, settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def clear(email: str) -> None:
    _call("delete", _email_key(email))
