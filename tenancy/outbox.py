"""The outbox: work that a write starts is recorded in the write's own transaction, so a broker that is
down (or a message the broker loses) never loses it.

    from tenancy.outbox import enqueue_on_commit

    @transaction.atomic
    def visit_schedule(...):
        ...
        enqueue_on_commit("briefings.send_briefing", visit.tenant_id, visit.pk,
                          dedupe_key=f"briefing:{visit.pk}", countdown=0)

- `enqueue_on_commit(task_name, tenant_id, *args, dedupe_key="", countdown=0, **kwargs)` inserts one
  `OutboxMessage` row (inside the current tenant's transaction; it opens `tenant_context(tenant_id)` if
  none is open) and, after commit, sends `task_name(tenant_id, *args, **kwargs)` to the broker. A
  rolled-back write sends nothing. `args`/`kwargs` must be JSON (ids, never objects). The task must be a
  `tenancy.tasks.tenant_task`: it receives the message id in the reserved keyword `_outbox` and
  handles it itself (see `run_once`), the body never sees it.
- `dedupe_key`: while a message with the same key (per tenant) has not started, a second call records
  nothing and joins it (the debounce): that message's run starts after this write is committed, so
  it sees the change. Once a run has started, the next call records a new message.
- `countdown`: the message is due that many seconds after the write (debounce window).
- Exactly once in effect: the task marks the message done in the same transaction as its work
  (`run_once`); a second delivery of a done message does nothing, and two deliveries at the same time
  run it once (the second waits for the first's row lock, then finds it done). A worker killed mid-run
  rolls its transaction back, so the message stays due and its redelivery runs it.
- `outbox_sweep()` (beat, every minute, and once when a worker starts) sends what is due and was never
  sent (the broker was down), and again what was sent more than OUTBOX_REDELIVER_AFTER_SECONDS ago and is
  still not done (the broker lost it). A message that failed OUTBOX_MAX_ATTEMPTS times is given up
  (`failed_at`, `last_error`), logged, and shown by the readiness check.
"""

import datetime as dt
import logging
from itertools import groupby

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.db.models.functions import Now
from django.utils import timezone

from tenancy.breaker import Breaker
from tenancy.context import TenantRequired, active_tenant_id, platform_read, tenant_context
from tenancy.models import OutboxMessage

log = logging.getLogger(__name__)

OUTBOX_KWARG = "_outbox"
BROKER_RETRY_SECONDS = 10

_broker = Breaker(
    "broker",
    retry_seconds=BROKER_RETRY_SECONDS,
    log=log,
    message="Broker unreachable (%s) sending %s #%s: kept in the outbox, the sweep sends it when the broker is back.",
)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# --- Recording (inside the write's transaction) -----------------------------------------------------


def enqueue_on_commit(task_name: str, tenant_id: int, *args, dedupe_key: str = "", countdown: int = 0, **kwargs) -> int:
    """Records `task_name(tenant_id, *args, **kwargs)` in this transaction and sends it after commit.
    Returns the message id (the waiting one it joined, with a dedupe_key)."""
    if OUTBOX_KWARG in kwargs:
        raise ValueError(f"{OUTBOX_KWARG!r} is reserved for the outbox.")
    tenant_id = int(getattr(tenant_id, "pk", tenant_id))
    active = active_tenant_id()
    if active is not None and active != tenant_id:
        raise TenantRequired(f"enqueue_on_commit for tenant {tenant_id} inside tenant {active}'s context.")
    if active is None:
        with tenant_context(tenant_id):
            return enqueue_on_commit(task_name, tenant_id, *args, dedupe_key=dedupe_key, countdown=countdown, **kwargs)
    message_id, created = _record(task_name, tenant_id, list(args), kwargs, dedupe_key, countdown)
    if created:
        transaction.on_commit(
            lambda: _send_recorded(tenant_id, message_id, task_name, list(args), kwargs, countdown), robust=True
        )
    return message_id


WAITING_WITHIN = dt.timedelta(hours=1)


def _waiting(within: dt.timedelta):
    # Not done, not given up on, and recent: a message lost for longer is the sweep's business, and a
    # page saying "being updated" for hours would be wrong.
    return OutboxMessage.objects.filter(
        done_at__isnull=True, failed_at__isnull=True, created_at__gte=timezone.now() - within
    )


def waiting(*dedupe_keys: str, within: dt.timedelta = WAITING_WITHIN) -> bool:
    """Whether work recorded under one of these keys (in the current tenant) is still to be done: pages
    say "being updated" meanwhile."""
    return _waiting(within).filter(dedupe_key__in=dedupe_keys).exists()


def waiting_keys(prefix: str, within: dt.timedelta = WAITING_WITHIN) -> set[str]:
    """The keys starting with `prefix` whose work is still to be done, in one query: a list marks every
    row that is being updated without asking once per row (the waiting messages are few)."""
    return set(_waiting(within).filter(dedupe_key__startswith=prefix).values_list("dedupe_key", flat=True))


def _record(task_name, tenant_id, args, kwargs, dedupe_key, countdown) -> tuple[int, bool]:
    fields = {
        "tenant_id": tenant_id,
        "task_name": task_name,
        "args": args,
        "kwargs": kwargs,
        "dedupe_key": dedupe_key,
        "not_before": timezone.now() + dt.timedelta(seconds=countdown),
    }
    for _ in range(3):
        if dedupe_key:
            # Lock the waiting message until this write commits: its run cannot start before then.
            waiting = (
                OutboxMessage.objects.select_for_update()
                .filter(dedupe_key=dedupe_key, started_at__isnull=True)
                .values_list("pk", flat=True)
                .first()
            )
            if waiting is not None:
                return waiting, False
        try:
            with transaction.atomic():
                return OutboxMessage.objects.create(**fields).pk, True
        except IntegrityError:
            continue  # another write recorded the same key at the same moment: join it
    raise RuntimeError(f"Could not record or join the outbox message {dedupe_key!r}.")


# --- Sending ----------------------------------------------------------------------------------------


def broker_retry_now() -> None:
    """Forget a recent broker failure: the next send tries the broker again (tests; after an outage)."""
    _broker.reset()


def _publish(tenant_id: int, message_id: int, task_name: str, args: list, kwargs: dict, countdown: int = 0) -> bool:
    """Hands one message to the broker; False (and logged) when the broker does not take it."""
    from kombu.exceptions import OperationalError as BrokerError

    if not _broker.closed():
        return False  # failed a moment ago: no request waits for it again, the sweep will send
    try:
        _task(task_name).apply_async(
            args=[tenant_id, *args],
            kwargs={**kwargs, OUTBOX_KWARG: message_id},
            countdown=countdown or None,
            retry=False,
        )
    except (BrokerError, ConnectionError, OSError) as exc:
        _broker.failed(exc, task_name, message_id)
        return False
    return True


def _task(task_name: str):
    """The registered task (its apps' tasks modules are imported on first use, as the worker does)."""
    from celery.exceptions import NotRegistered

    from celery import current_app as app  # the project's app (keystone.celery), set up at start-up

    try:
        return app.tasks[task_name]
    except NotRegistered:
        app.loader.import_default_modules()
        return app.tasks[task_name]


def _send_recorded(tenant_id, message_id, task_name, args, kwargs, countdown) -> None:
    if _publish(tenant_id, message_id, task_name, args, kwargs, countdown):
        with tenant_context(tenant_id):
            OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(sent_at=Now())


def outbox_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Sends the due messages that were never sent, and again those sent long ago and still not done.
    Safe to run twice at once (rows are locked, SKIP LOCKED) and repeatedly (a done message is not sent;
    a message sent twice runs once). Also deletes done messages older than OUTBOX_KEEP_DAYS."""
    now = now or timezone.now()
    lost = now - dt.timedelta(seconds=_setting("OUTBOX_REDELIVER_AFTER_SECONDS", 600))
    sent = []
    with platform_read("outbox"):
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(done_at__isnull=True, failed_at__isnull=True)
            .filter(Q(sent_at__isnull=True, not_before__lte=now) | Q(sent_at__lt=lost))
            .order_by("created_at")
            .values("pk", "tenant_id", "task_name", "args", "kwargs")[:batch]
        )
        for row in due:
            if not _publish(row["tenant_id"], row["pk"], row["task_name"], row["args"], row["kwargs"]):
                break  # the broker is down: the rest waits for the next sweep
            sent.append(row)
        for tenant_id, rows in groupby(sorted(sent, key=lambda r: r["tenant_id"]), key=lambda r: r["tenant_id"]):
            with tenant_context(tenant_id):
                OutboxMessage.objects.filter(pk__in=[r["pk"] for r in rows]).update(sent_at=now)
        OutboxMessage.objects.filter(done_at__lt=now - dt.timedelta(days=_setting("OUTBOX_KEEP_DAYS", 7))).delete()
    if sent:
        log.info("Outbox sweep sent %d message(s).", len(sent))
    return len(sent)


def oldest_waiting() -> dt.datetime | None:
    """When the oldest message that is neither done nor given up was recorded (all tenants)."""
    with platform_read("outbox"):
        return OutboxMessage.objects.filter(done_at__isnull=True, failed_at__isnull=True).aggregate(
            oldest=Min("created_at")
        )["oldest"]


def failed_count() -> int:
    with platform_read("outbox"):
        return OutboxMessage.objects.filter(failed_at__isnull=False, done_at__isnull=True).count()


# --- Running (inside the task) ----------------------------------------------------------------------


def run_once(tenant_id: int, message_id: int, run):
    """Runs `run()` (the task body) for outbox message `message_id` at most once to completion:
    marks it started (a write from now on records a new message), then, in the body's own
    transaction, marks it done first — a second delivery waits for that row lock and then skips."""
    with tenant_context(tenant_id):
        started = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True, failed_at__isnull=True).update(
            started_at=Now(), attempts=F("attempts") + 1
        )
    if not started:
        log.info("Outbox message #%s was run already (or is gone): nothing to run.", message_id)
        return None
    try:
        with tenant_context(tenant_id):
            if not OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(done_at=Now()):
                log.info("Outbox message #%s was run by another delivery meanwhile: nothing to run.", message_id)
                return None
            return run()
    except Exception as exc:
        _record_failure(tenant_id, message_id, exc)
        raise


def _record_failure(tenant_id: int, message_id: int, exc: Exception) -> None:
    from celery.exceptions import Retry

    if isinstance(exc, Retry):
        return
    try:
        with tenant_context(tenant_id):
            message = OutboxMessage.objects.filter(pk=message_id).values("attempts", "task_name").first()
            if message is None:
                return
            give_up = message["attempts"] >= _setting("OUTBOX_MAX_ATTEMPTS", 5)
            OutboxMessage.objects.filter(pk=message_id).update(
                last_error=f"{exc.__class__.__name__}: {exc}"[:2000], failed_at=Now() if give_up else None
            )
        if give_up:
            log.error(
                "Outbox message #%s (%s) failed %s times: given up.",
                message_id,
                message["task_name"],
                message["attempts"],
            )
    except Exception:  # noqa: BLE001 — the database may be what failed; the sweep sends the message again
        log.warning("Could not record the failure of outbox message #%s.", message_id, exc_info=True)
