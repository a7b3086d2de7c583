"""Health: liveness apart from readiness, and heartbeats of the Celery worker and beat.

- `liveness()` — the process serves and the database answers. What `/healthz`, load balancers and
  the compose healthcheck of `web` use: a cache or broker outage must not take every web node out.
- `readiness()` — liveness plus the services Keystone degrades without: the cache, the broker, when a
  worker and beat were last seen, the oldest outbox message still waiting and the given-up ones.
  `/healthz/ready` answers "ok", or "degraded" (still 200: pages are served) with what is wrong, or
  503 when the database is down.
- Heartbeats: each worker and beat write `Heartbeat(name, kind, seen_at)` every HEARTBEAT_SECONDS
  from a thread of their own (keystone/celery.py starts it), so a worker is seen even while the broker
  is down, and a silent one is noticed by the readiness check and the admin's Settings page.
"""

import datetime as dt
import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.db.models import Max
from django.utils import timezone

from tenancy.models import Heartbeat

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _error(exc: Exception) -> str:
    return f"error: {exc.__class__.__name__}"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 — any failure is reported, not raised
        return _error(exc)


def _cache() -> str:
    try:
        cache.set("healthz", "1", 10)
        return "ok" if cache.get("healthz") == "1" else "error: value not kept"
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


def _broker() -> str:
    from celery import current_app as app  # the project's app (keystone.celery), set up at start-up

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


def last_seen() -> dict[str, dt.datetime | None]:
    """When any worker and beat last wrote their heartbeat (None: never)."""
    rows = dict(Heartbeat.objects.values_list("kind").annotate(seen=Max("seen_at")))
    return {kind: rows.get(kind) for kind in Heartbeat.Kind.values}


def stale_after() -> int:
    return _setting("HEALTH_HEARTBEAT_STALE_SECONDS", 3 * 60)


def _seen(at: dt.datetime | None, now: dt.datetime) -> tuple[str, dict]:
    if at is None:
        return "error: never seen", {"last_seen": None}
    age = int((now - at).total_seconds())
    return ("ok" if age <= stale_after() else f"error: not seen for {age}s"), {"last_seen": at.isoformat()}


def jobs_status() -> list[dict]:
    """For the admin's Settings page: when the worker and beat were last seen, and whether that is too long ago."""
    now, seen = timezone.now(), last_seen()
    return [
        {
            "label": label,
            "last_seen": seen[kind],
            "stale": seen[kind] is None or (now - seen[kind]).total_seconds() > stale_after(),
        }
        for kind, label in Heartbeat.Kind.choices
    ]


def liveness() -> tuple[dict, int]:
    database = _database()
    healthy = database == "ok"
    return {"status": "ok" if healthy else "down", "database": database}, 200 if healthy else 503


def readiness() -> tuple[dict, int]:
    from tenancy import outbox

    now = timezone.now()
    body, status = liveness()
    checks = {"database": body["database"], "cache": _cache(), "broker": _broker()}
    details = {}
    if checks["database"] == "ok":
        seen = last_seen()
        for kind in Heartbeat.Kind.values:
            checks[kind], details[kind] = _seen(seen[kind], now)
        oldest, failed = outbox.oldest_waiting(), outbox.failed_count()
        age = int((now - oldest).total_seconds()) if oldest else 0
        checks["outbox"] = (
            "ok"
            if age <= _setting("HEALTH_OUTBOX_STALE_SECONDS", 5 * 60)
            else (f"error: oldest waiting message is {age}s old")
        )
        if failed:
            checks["outbox"] = (
                f"error: {failed} message(s) given up"
                if checks["outbox"] == "ok"
                else (f"{checks['outbox']}; {failed} given up")
            )
        details["outbox"] = {
            "oldest_waiting": oldest.isoformat() if oldest else None,
            "oldest_age_seconds": age,
            "given_up": failed,
        }
    state = "down" if status != 200 else ("ok" if all(v == "ok" for v in checks.values()) else "degraded")
    return {"status": state, "checks": checks, "details": details}, status


# --- Heartbeats -------------------------------------------------------------------------------------


def heartbeat(name: str, kind: str) -> None:
    Heartbeat.objects.update_or_create(name=name[:200], defaults={"kind": kind, "seen_at": timezone.now()})


def start_heartbeat(name: str, kind: str, interval: int = HEARTBEAT_SECONDS) -> threading.Event:
    """Writes the heartbeat now and every `interval` seconds from a daemon thread; set the returned
    event to stop. A failed write (the database restarting) is logged and tried again next time."""
    stop = threading.Event()

    def run():
        while True:
            try:
                close_old_connections()
                heartbeat(name, kind)
            except Exception:  # noqa: BLE001
                log.warning("Could not write the %s heartbeat of %s.", kind, name, exc_info=True)
            finally:
                connection.close()  # this thread's own connection; never held between beats
            if stop.wait(interval):
                return

    threading.Thread(target=run, name=f"heartbeat-{kind}", daemon=True).start()
    return stop
