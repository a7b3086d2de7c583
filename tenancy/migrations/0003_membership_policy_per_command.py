"""The membership policy per command: the tenant policy for everything, the user's own rows for SELECT
only. The combined `USING (tenant OR user) WITH CHECK (tenant)` of 0001 let the user clause DELETE (WITH
CHECK does not apply to DELETE): with app.tenant_id=1 and app.user_id=5, user 5's membership of tenant 2
could be deleted."""

from django.db import migrations

from tenancy.rls import POLICY_NAME, TENANT_MATCH, _user_match, create_policies_sql, drop_policies_sql

TABLE = "tenancy_membership"


def split(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in [*drop_policies_sql(TABLE), *create_policies_sql(TABLE, "user_id")]:
        schema_editor.execute(statement)


def combine(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in drop_policies_sql(TABLE):
        schema_editor.execute(statement)
    schema_editor.execute(
        f"CREATE POLICY {POLICY_NAME} ON {TABLE} USING (({TENANT_MATCH}) OR ({_user_match('user_id')})) "
        f"WITH CHECK ({TENANT_MATCH})"
    )


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0002_tenant_name_one_line")]

    operations = [migrations.RunPython(split, combine, elidable=False)]
