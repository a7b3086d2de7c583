"""Database-level guarantees of this app (PostgreSQL only; a no-op elsewhere).

`AppendOnly("Assessment")` installs a BEFORE UPDATE OR DELETE trigger that refuses any change to an
existing row, whatever the code path (ORM, raw SQL, the admin). One deliberate escape exists for
platform code that deletes a whole tenant: deletes (never updates) pass while the transaction-local
setting `app.hierarchy_purge` is 'on' (see `purge_allowed()`). No request or task path sets it.
"""

from contextlib import contextmanager

from django.db import connection
from django.db.migrations.operations.base import Operation

FUNCTION = "hierarchy_refuse_change"
PURGE_SETTING = "app.hierarchy_purge"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('{PURGE_SETTING}', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Record a new assessment instead of changing or deleting one.';
END
$$
"""


class AppendOnly(Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state):
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def _trigger(self, table):
        return f"{table}_append_only"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = self._table(app_label, to_state)
        schema_editor.execute(CREATE_FUNCTION, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {schema_editor.quote_name(self._trigger(table))} BEFORE UPDATE OR DELETE "
            f"ON {schema_editor.quote_name(table)} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = self._table(app_label, from_state)
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {schema_editor.quote_name(self._trigger(table))} ON {schema_editor.quote_name(table)}")

    def describe(self):
        return f"Make {self.model_name} append-only (refuse UPDATE and DELETE)"

    @property
    def migration_name_fragment(self):
        return f"append_only_{self.model_name.lower()}"


@contextmanager
def purge_allowed():
    """Platform code only (deleting a tenant): lets DELETE through the append-only trigger for the rest
    of the current transaction. Must be used inside transaction.atomic()."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [PURGE_SETTING])
