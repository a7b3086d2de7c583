from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from keystone.demo import DEMO_PASSWORD, seed


class Command(BaseCommand):
    help = "Creates the demo tenants, users and data. Safe to run again: it adds only what is missing."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on real data).")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not settings.TESTING and not force:
            raise CommandError("seed_demo creates users with a known password; it runs only with DEBUG=1 (or --force).")
        logins = seed()
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Sign in with any of these (password: %s):" % DEMO_PASSWORD)
        )
        for login in logins:
            self.stdout.write(f"  {login.email:<28} {', '.join(login.tenants)}")
