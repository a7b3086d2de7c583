from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tenancy.append_only import append_only_tables


class Command(BaseCommand):
    help = (
        "Run as the owner role after migrate: lets the app role read and write every table and "
        "sequence (now and later ones), without owning anything, so row-level security binds it."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The application role, e.g. keystone_app")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Roles exist only on PostgreSQL.")
        q = connection.ops.quote_name(role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"Role {role} does not exist.")
            if row[0]:
                raise CommandError(f"Role {role} is a superuser or has BYPASSRLS: row-level security would not apply.")
            for statement in [
                f"GRANT USAGE ON SCHEMA public TO {q}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {q}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {q}",
            ]:
                cursor.execute(statement)
            # Append-only tables (tenancy.append_only): their triggers refuse UPDATE and DELETE anyway;
            # without the privilege the app role cannot even try, nor TRUNCATE, which fires no row trigger.
            for table in append_only_tables(cursor):
                cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {connection.ops.quote_name(table)} FROM {q}")
        self.stdout.write(self.style.SUCCESS(f"{role} may now use every table; it owns none."))
