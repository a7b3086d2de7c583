"""PostgreSQL-only DDL as a migration operation that does nothing elsewhere (`make run` uses SQLite).

Used for the account search trigger and the sort indexes whose NULLS ordering or expressions SQLite's
CREATE INDEX cannot express. Nothing here is SECURITY DEFINER: trigger functions run as the user
who writes the row, so row-level security applies to what they write.
"""

from django.db.migrations.operations.base import Operation


class PostgreSQLOnly(Operation):
    # No reduce() of its own, unlike tenancy's EnableRowLevelSecurity and AppendOnly: raw SQL may read or
    # change any table, so the migration optimizer (squashmigrations) must not move anything across it,
    # which is what Operation.references_model (True) and Operation.reduce (False) say.
    reversible = True
    reduces_to_sql = True

    def __init__(self, sql: str, reverse_sql: str, description: str = "PostgreSQL-only SQL"):
        self.sql = sql
        self.reverse_sql = reverse_sql
        self.description = description

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.sql, self.reverse_sql], {"description": self.description})

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.reverse_sql, params=None)

    def describe(self):
        return self.description

    @property
    def migration_name_fragment(self):
        return "postgresql_only"


# Words of an account's name and external id, lower-cased, split on anything not a letter or digit.
# accounts.selectors.search_words() splits the search box the same way.
_TOKENS_OF = """
    SELECT DISTINCT a.tenant_id, a.id, left(t.token, 200), now(), now()
    FROM {rows} a
    CROSS JOIN LATERAL regexp_split_to_table(lower(a.name || ' ' || a.external_id), '[^[:alnum:]]+') AS t(token)
    WHERE t.token <> ''
"""
_INSERT = "INSERT INTO accounts_accountsearchtoken (tenant_id, account_id, token, created_at, updated_at)"

SEARCH_TOKENS_SQL = f"""
CREATE FUNCTION accounts_search_tokens_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_INSERT} {_TOKENS_OF.format(rows="new_rows")};
    RETURN NULL;
END $$;

CREATE FUNCTION accounts_search_tokens_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM accounts_accountsearchtoken WHERE tenant_id = OLD.tenant_id AND account_id = OLD.id;
    {_INSERT}
    SELECT DISTINCT NEW.tenant_id, NEW.id, left(t.token, 200), now(), now()
    FROM regexp_split_to_table(lower(NEW.name || ' ' || NEW.external_id), '[^[:alnum:]]+') AS t(token)
    WHERE t.token <> '';
    RETURN NULL;
END $$;

CREATE TRIGGER accounts_search_tokens_inserted AFTER INSERT ON accounts_account
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION accounts_search_tokens_inserted();
-- Row-level, and only when a searched column really changes: the ratings and hierarchy apps update
-- rating/current_level of many accounts at once, which must not pay for this.
CREATE TRIGGER accounts_search_tokens_renamed AFTER UPDATE OF name, external_id ON accounts_account
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.external_id IS DISTINCT FROM NEW.external_id)
    EXECUTE FUNCTION accounts_search_tokens_renamed();

CREATE INDEX searchtoken_tenant_token_idx ON accounts_accountsearchtoken (tenant_id, token COLLATE "C", account_id);

-- Accounts that exist already, tenant by tenant (row-level security shows one tenant at a time).
DO $$
DECLARE t bigint;
BEGIN
    FOR t IN SELECT id FROM tenancy_tenant LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        {_INSERT} {_TOKENS_OF.format(rows="accounts_account")};
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$;
"""

SEARCH_TOKENS_REVERSE_SQL = """
DROP TRIGGER IF EXISTS accounts_search_tokens_inserted ON accounts_account;
DROP TRIGGER IF EXISTS accounts_search_tokens_renamed ON accounts_account;
DROP FUNCTION IF EXISTS accounts_search_tokens_inserted();
DROP FUNCTION IF EXISTS accounts_search_tokens_renamed();
DROP INDEX IF EXISTS searchtoken_tenant_token_idx;
"""

# Sort orders of the account list that need NULLS placement or an expression (accounts.selectors.SORTS).
SORT_INDEXES_SQL = """
CREATE INDEX account_tenant_rating_sort_idx ON accounts_account (tenant_id, (NULLIF(rating, '')), name, id);
CREATE INDEX account_tenant_level_sort_idx ON accounts_account (tenant_id, current_level DESC NULLS LAST, name, id);
CREATE INDEX account_tenant_contact_sort_idx ON accounts_account (tenant_id, last_contact_at NULLS FIRST, name, id);
"""
SORT_INDEXES_REVERSE_SQL = """
DROP INDEX IF EXISTS account_tenant_rating_sort_idx;
DROP INDEX IF EXISTS account_tenant_level_sort_idx;
DROP INDEX IF EXISTS account_tenant_contact_sort_idx;
"""
