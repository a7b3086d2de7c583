"""A service that is down is skipped for a few seconds instead of being waited for on every call.

    cache_breaker = Breaker("cache", retry_seconds=5, log=log, message="… %s …")
    if cache_breaker.closed():
        try: ...
        except ConnectionError as exc: cache_breaker.failed(exc)

Used by tenancy.throttle (the cache) and tenancy.outbox (the broker). Per process; a warning is logged
at most once per WARN_EVERY_SECONDS however often the service fails.
"""

import logging
import threading
import time

WARN_EVERY_SECONDS = 60


class Breaker:
    def __init__(self, name: str, *, retry_seconds: float, log: logging.Logger, message: str):
        self.name, self.retry_seconds, self.log, self.message = name, retry_seconds, log, message
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Try the service again at once (and warn again on the next failure)."""
        with self._lock:
            self._down_until, self._warned_at, self.last_error = 0.0, -WARN_EVERY_SECONDS, ""

    def closed(self) -> bool:
        """True while the service may be tried (no failure in the last retry_seconds)."""
        return time.monotonic() >= self._down_until

    def failed(self, exc: Exception, *details) -> None:
        """Record a failure: skip the service for retry_seconds; warn (message % (exc, *details))."""
        now = time.monotonic()
        with self._lock:
            self._down_until = now + self.retry_seconds
            self.last_error = f"{exc.__class__.__name__}: {exc}"
            warn = now - self._warned_at >= WARN_EVERY_SECONDS
            if warn:
                self._warned_at = now
        if warn:
            self.log.warning(self.message, self.last_error, *details)
