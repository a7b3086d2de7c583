from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenancy.services import tenant_create


class Command(BaseCommand):
    help = "Creates a tenant and invites its first admin by e-mail (platform operators)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--base-url", default="http://localhost:8000", help="Where the invitation link points.")

    def handle(self, *args, name, slug, admin_email, timezone, base_url, **options):
        try:
            tenant = tenant_create(
                name=name, slug=slug, timezone_name=timezone, admin_email=admin_email, base_url=base_url.rstrip("/")
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
                if hasattr(error, "error_dict")
                else " ".join(error.messages)
            )
        self.stdout.write(
            self.style.SUCCESS(f"Created {tenant.name} at /t/{tenant.slug}/; invitation sent to {admin_email}.")
        )
