"""Exit 0 when a worker (or beat) has written its heartbeat recently, else 1: the compose healthcheck
of the worker and beat containers. Needs only the database, so a broker outage does not mark a live
worker unhealthy (the readiness check, /healthz/ready, reports the broker)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tenancy.health import stale_after
from tenancy.models import Heartbeat


class Command(BaseCommand):
    help = "Checks that a Celery worker or beat has been seen recently (tenancy.health heartbeats)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=Heartbeat.Kind.values)
        parser.add_argument("--name", help="The worker's node name (default: any worker).")
        parser.add_argument(
            "--max-age", type=int, default=None, help="Seconds (default: HEALTH_HEARTBEAT_STALE_SECONDS)."
        )

    def handle(self, kind, name=None, max_age=None, **options):
        beats = Heartbeat.objects.filter(kind=kind)
        if name:
            beats = beats.filter(name=name)
        seen = beats.order_by("-seen_at").values_list("seen_at", flat=True).first()
        max_age = max_age or stale_after()
        if seen is None:
            raise CommandError(f"No {kind} heartbeat{f' from {name}' if name else ''} yet.")
        age = (timezone.now() - seen).total_seconds()
        if age > max_age:
            raise CommandError(f"The {kind} was last seen {int(age)} s ago (more than {max_age} s).")
        self.stdout.write(f"{kind} seen {int(age)} s ago")
