"""Assessments use tenancy's append-only triggers (tenancy.append_only), like every append-only table.

Databases migrated before this carry hierarchy's own trigger (function hierarchy_refuse_change, PostgreSQL
only); it is dropped and tenancy's installed in its place. On a fresh database 0001 already installed
tenancy's, which is installed again.
"""

from django.db import migrations

from tenancy.append_only import create_sql, drop_sql


def use_tenancy_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    table = schema_editor.quote_name(apps.get_model("hierarchy", "Assessment")._meta.db_table)
    statements = drop_sql(vendor, table) + create_sql(vendor, table)
    if vendor == "postgresql":
        statements = [
            f'DROP TRIGGER IF EXISTS "hierarchy_assessment_append_only" ON {table}',
            "DROP FUNCTION IF EXISTS hierarchy_refuse_change()",
        ] + statements
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("hierarchy", "0002_hierarchy_model_switch"),
        ("tenancy", "0008_merge_0007_audit_entry_0007_tenant_currency"),
    ]

    operations = [migrations.RunPython(use_tenancy_triggers, migrations.RunPython.noop)]
