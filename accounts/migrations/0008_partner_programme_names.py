from django.db import migrations


def yes_no_to_names(apps, schema_editor):
    """0007 turned the yes/no column into text ('true'/'false' on PostgreSQL, '1'/'0' on SQLite): a member
    keeps a programme without a name yet, a non-member none. Accounts are tenant rows under row-level
    security: each tenant's are updated with its id set (transaction-local)."""
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tenancy_tenant")
        for (tenant_id,) in cursor.fetchall():
            if postgres:
                cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
            cursor.execute(
                "UPDATE accounts_account SET partner_programme = CASE WHEN partner_programme IN ('true', '1') "
                "THEN 'Partner programme' ELSE '' END "
                "WHERE tenant_id = %s AND partner_programme IN ('true', 'false', '1', '0')",
                [tenant_id],
            )
        if postgres:
            cursor.execute("SELECT set_config('app.tenant_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_partner_programme_as_data"),
    ]

    operations = [
        # Data only (rewrites existing rows): elided by squashmigrations, as a fresh database has none.
        migrations.RunPython(yes_no_to_names, migrations.RunPython.noop, elidable=True),
    ]
