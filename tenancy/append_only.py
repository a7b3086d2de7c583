"""Append-only tables, enforced by the database: a migration operation that adds triggers refusing
UPDATE and DELETE, on PostgreSQL and on SQLite (the embedded `make run` default) alike.

    migrations.CreateModel(name="AuditEntry", ...),
    EnableRowLevelSecurity("AuditEntry"),
    AppendOnly("AuditEntry"),

Python cannot get round it: not the ORM, not raw SQL, not the app role. One way out is left, on purpose:
a row may be deleted once its tenant row is gone, which is how deleting a tenant removes its trail (the
table's tenant foreign key cascades in the database). TRUNCATE is not a row operation and fires no row
trigger; the app role is never granted it (manage.py grant_app_role), only the owner role has it.
"""

from django.db.migrations.operations.base import Operation

from tenancy.rls import may_move_before

PG_FUNCTION = "keystone_append_only"

# One function for every append-only table; it reads the tenant table, which is not under RLS.
PG_CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM tenancy_tenant WHERE id = OLD.tenant_id) THEN
        RETURN OLD;  -- its tenant is being deleted: the trail goes with it
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _trigger(table: str, what: str) -> str:
    return f"{table.strip(chr(34))}_append_only_{what}"


def create_sql(vendor: str, table: str) -> list[str]:
    """The statements that make `table` (quoted) append-only on `vendor`."""
    if vendor == "postgresql":
        return [
            PG_CREATE_FUNCTION,
            f"CREATE TRIGGER {_trigger(table, 'rows')} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    if vendor == "sqlite":
        message = f"'{table.strip(chr(34))} is append-only'"
        return [
            f"CREATE TRIGGER {_trigger(table, 'update')} BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, {message}); END",
            f"CREATE TRIGGER {_trigger(table, 'delete')} BEFORE DELETE ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM tenancy_tenant WHERE id = OLD.tenant_id) "
            f"BEGIN SELECT RAISE(ABORT, {message}); END",
        ]
    raise NotImplementedError(f"Append-only tables are not implemented for {vendor}.")


def drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {_trigger(table, 'rows')} ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {_trigger(table, what)}" for what in ("update", "delete")]


def append_only_tables(cursor) -> list[str]:
    """The PostgreSQL tables made append-only here, read from the catalog."""
    cursor.execute(
        "SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE %s ORDER BY 1",
        ["%\\_append\\_only\\_rows"],
    )
    return [row[0] for row in cursor.fetchall()]


class AppendOnly(Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state, schema_editor):
        return schema_editor.quote_name(state.apps.get_model(app_label, self.model_name)._meta.db_table)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table = self._table(app_label, to_state, schema_editor)
        for statement in create_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table = self._table(app_label, from_state, schema_editor)
        for statement in drop_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement, params=None)

    def describe(self):
        return f"Make {self.model_name} append-only"

    @property
    def migration_name_fragment(self):
        return f"append_only_{self.model_name.lower()}"

    # For the migration optimizer (squashmigrations), as EnableRowLevelSecurity: the triggers are on this
    # table and read its tenant_id (see tenancy.rls.may_move_before). Their code also reads tenancy_tenant,
    # so this counts as referencing Tenant: nothing that creates, drops or renames it moves across.
    def references_model(self, name, app_label):
        return name.lower() == self.model_name.lower() or (app_label, name.lower()) == ("tenancy", "tenant")

    def reduce(self, operation, app_label):
        if result := super().reduce(operation, app_label):
            return result
        if app_label == "tenancy" and self.model_name.lower() != "tenant":
            if not may_move_before(operation, model_name="Tenant", app_label=app_label, columns={"id"}):
                return False
        return may_move_before(operation, model_name=self.model_name, app_label=app_label, columns={"tenant_id"})
