"""The Celery application: configured from Django settings (CELERY_*), JSON only, late acks."""

import logging
import os

from celery import Celery
from celery.signals import beat_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keystone.settings")

app = Celery("keystone")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


_heartbeats = []


@worker_ready.connect
def _worker_started(sender=None, **kwargs):
    """A worker writes its heartbeat (tenancy.health) and, having (re)started, sends at once what the
    outbox holds undelivered rather than a minute later."""
    from tenancy.health import start_heartbeat
    from tenancy.models import Heartbeat
    from tenancy.tasks import outbox_sweep_task

    _heartbeats.append(start_heartbeat(getattr(sender, "hostname", None) or "worker", Heartbeat.Kind.WORKER))

    try:
        outbox_sweep_task.delay()
    except Exception:  # noqa: BLE001 — the broker may be down again; beat's sweep follows
        logging.getLogger(__name__).warning("Could not queue the outbox sweep at worker start.", exc_info=True)


@worker_shutdown.connect
def _worker_stopped(**kwargs):
    while _heartbeats:
        _heartbeats.pop().set()


@beat_init.connect
def _beat_started(sender=None, **kwargs):
    from tenancy.health import start_heartbeat
    from tenancy.models import Heartbeat

    _heartbeats.append(start_heartbeat("beat", Heartbeat.Kind.BEAT))
