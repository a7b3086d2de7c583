"""PostgreSQL row-level security, as one migration operation every tenant-owned table gets.

    migrations.CreateModel(name="Account", ...),
    EnableRowLevelSecurity("Account"),

ENABLE + FORCE (so even the table owner is filtered) and one policy for reads and writes:
rows are visible and writable only while `app.tenant_id` names their tenant (plus, for a table with a
user column, a read-only policy for the user's own rows; see create_policies_sql). `nullif` because a
pooled connection resets the setting to '' rather than unsetting it. On other databases it does
nothing (the django-scopes layer still applies there).
"""

from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.fields import FieldOperation, RenameField
from django.db.migrations.operations.models import AlterModelTable, IndexOperation, ModelOptionOperation

TENANT_MATCH = "tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint"
POLICY_NAME = "tenant_isolation"
USER_READ_POLICY_NAME = "own_rows_read"


def platform_match(reader: str) -> str:
    """The read clause of a table that platform code reads across tenants (tenancy.context.platform_read)."""
    return f"current_setting('app.platform_read', true) = '{reader}'"


def _user_match(column: str) -> str:
    return f"{column} = nullif(current_setting('app.user_id', true), '')::bigint"


def create_policies_sql(table: str, user_column: str | None, platform_reader: str | None = None) -> list[str]:
    """The tenant policy for every command; with `user_column`, a second policy that lets the user *read*
    (SELECT only) their own rows in any tenant. Two policies, not one `USING (tenant OR user)`: WITH CHECK
    does not apply to DELETE, so a combined USING would let the user clause delete rows of other tenants.
    With `platform_reader`, rows are also visible to read, lock and delete (never to insert or change:
    the WITH CHECK stays the tenant's) inside platform_read(<name>), e.g. the outbox sweep."""
    using = TENANT_MATCH if not platform_reader else f"({TENANT_MATCH}) OR ({platform_match(platform_reader)})"
    statements = [f"CREATE POLICY {POLICY_NAME} ON {table} FOR ALL USING ({using}) WITH CHECK ({TENANT_MATCH})"]
    if user_column:
        statements.append(
            f"CREATE POLICY {USER_READ_POLICY_NAME} ON {table} FOR SELECT USING ({_user_match(user_column)})"
        )
    return statements


def may_move_before(operation, *, model_name: str, app_label: str, columns: set[str]) -> bool:
    """For the migration optimizer (squashmigrations): may `operation` (of the same app) be moved before an
    operation that runs SQL on `model_name`'s table and reads its `columns`? Yes when it works on another
    model (a foreign key to this one does not matter to policies or triggers), or when it changes this
    model's other fields, indexes, constraints or options; that is what lets the optimizer fold a later
    AddField/AlterField/AddIndex/AddConstraint into the model's CreateModel. Never when it creates, drops
    or renames the table (so the SQL still runs after the table exists, on its final name), touches one
    of `columns`, or is anything else (RunSQL, RunPython, an unknown operation)."""
    name = model_name.lower()
    if not operation.references_model(model_name, app_label):
        return True
    if isinstance(operation, FieldOperation):
        if operation.model_name_lower != name:
            return True
        names = {operation.old_name, operation.new_name} if isinstance(operation, RenameField) else {operation.name}
        touched = {n.lower() for n in names} | {f"{n.lower()}_id" for n in names}
        if getattr(operation, "field", None) is not None and operation.field.db_column:
            touched.add(operation.field.db_column.lower())
        return not touched & {c.lower() for c in columns}
    if isinstance(operation, IndexOperation):
        return True
    if isinstance(operation, ModelOptionOperation):
        return operation.name_lower == name and not isinstance(operation, AlterModelTable)
    # CreateModel, DeleteModel, RenameModel of this model, a CreateModel of another model that points to it
    # (it never needs to move before this one), special and unknown operations.
    return False


def drop_policies_sql(table: str) -> list[str]:
    return [f"DROP POLICY IF EXISTS {name} ON {table}" for name in (POLICY_NAME, USER_READ_POLICY_NAME)]


class EnableRowLevelSecurity(Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, user_column: str | None = None, platform_reader: str | None = None):
        # user_column: rows are also *readable* (never writable or deletable) by the user they belong
        # to, so a user can list their own memberships across tenants before choosing one.
        # platform_reader: see create_policies_sql (the outbox sweep reads every tenant's waiting rows).
        self.model_name = model_name
        self.user_column = user_column
        self.platform_reader = platform_reader

    def deconstruct(self):
        kwargs = {"user_column": self.user_column} if self.user_column else {}
        if self.platform_reader:
            kwargs["platform_reader"] = self.platform_reader
        return (self.__class__.__qualname__, [self.model_name], kwargs)

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state):
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, to_state))
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for statement in create_policies_sql(table, self.user_column, self.platform_reader):
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, from_state))
        for statement in drop_policies_sql(table):
            schema_editor.execute(statement)
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self):
        return f"Enable row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"rls_{self.model_name.lower()}"

    # For the migration optimizer (squashmigrations). The statements read only this table's tenant_id
    # and user column; see may_move_before for what may move across them.
    def references_model(self, name, app_label):
        return name.lower() == self.model_name.lower()

    def reduce(self, operation, app_label):
        columns = {"tenant_id", self.user_column} if self.user_column else {"tenant_id"}
        return super().reduce(operation, app_label) or may_move_before(
            operation, model_name=self.model_name, app_label=app_label, columns=columns
        )
