"""Schema rules that keep writes fast at scale (PostgreSQL catalog)."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_every_foreign_key_column_leads_an_index():
    """PostgreSQL checks a foreign key on DELETE of the referenced row by looking the referencing rows up
    by that column alone; without an index led by it, deleting one account scans every snapshot of every
    tenant (and a bulk delete goes quadratic). Tenant-led indexes do not serve that lookup."""
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's catalog")
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.conrelid::regclass::text, a.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_class t ON t.oid = c.conrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
            WHERE c.contype = 'f'
              AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
            ORDER BY 1, 2""")
        unindexed = cursor.fetchall()
    assert unindexed == []


# --- Distributable on Citus by tenant_id (docs/scaling.md) ----------------------------------------------

# Tables that would be Citus *reference* tables (copied to every node) or stay local to the coordinator.
REFERENCE_TABLES = {
    "tenancy_tenant",
    "tenancy_user",
    "tenancy_user_groups",
    "tenancy_user_user_permissions",
    "auth_group",
    "auth_group_permissions",
    "auth_permission",
    "django_content_type",
}
LOCAL_TABLES = {"django_migrations", "django_session", "django_admin_log", "tenancy_heartbeat"}
# Unique constraints of tenant tables without tenant_id, each with what the Citus migration does to it.
UNIQUE_WITHOUT_TENANT = {
    # OneToOneField: becomes UNIQUE (tenant_id, assessment_id) with the composite keys (docs/scaling.md).
    ("hierarchy_surveyinvitation", "hierarchy_surveyinvitation_assessment_id_key"),
}


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


_TENANT_TABLE = """EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = {rel} AND a.attname = 'tenant_id'
                   AND NOT a.attisdropped)"""


@pytest.fixture
def postgres_catalog():
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's catalog")


def test_every_table_is_a_tenant_table_or_a_listed_reference_or_local_one(postgres_catalog):
    """Citus distributes the tenant tables by tenant_id; every other table must be known to be a
    reference table (small, read everywhere) or local to the coordinator, so a new table is a decision."""
    others = {
        name
        for (name,) in _rows(f"""
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        WHERE c.relkind = 'r' AND NOT {_TENANT_TABLE.format(rel="c.oid")}""")
    }
    assert others == REFERENCE_TABLES | LOCAL_TABLES


def test_every_unique_constraint_of_a_tenant_table_includes_tenant_id(postgres_catalog):
    """Citus enforces a unique constraint on a distributed table only when it includes the distribution
    column. Primary keys are the one uniform exception (see the next test)."""
    missing = set(
        _rows(f"""
        SELECT t.relname, i.relname FROM pg_index x
        JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
        WHERE x.indisunique AND NOT x.indisprimary AND {_TENANT_TABLE.format(rel="t.oid")}
          AND NOT EXISTS (SELECT 1 FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k
                          WHERE a.attname = 'tenant_id')""")
    )
    assert missing == UNIQUE_WITHOUT_TENANT


def test_keys_between_tenant_tables_follow_the_one_pattern_the_citus_migration_rewrites(postgres_catalog):
    """Listed exceptions, uniform on purpose: every tenant table's primary key is (id) alone, and every
    foreign key is one column. The Citus migration (docs/scaling.md) turns each primary key into
    (tenant_id, id) and each foreign key between tenant tables into (tenant_id, x_id) → (tenant_id, id);
    that only works while no key breaks the pattern, no reference or local table points into a tenant
    table (Citus refuses foreign keys from reference to distributed tables), and every tenant table has
    a non-null tenant_id."""
    primary_keys = set(
        _rows(f"""
        SELECT t.relname, array_to_string(array_agg(a.attname ORDER BY a.attname), ',') FROM pg_index x
        JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(x.indkey)
        WHERE x.indisprimary AND {_TENANT_TABLE.format(rel="t.oid")} GROUP BY t.relname""")
    )
    assert {columns for _, columns in primary_keys} == {"id"}
    multi_column = _rows("SELECT conname FROM pg_constraint WHERE contype = 'f' AND array_length(conkey, 1) > 1")
    assert multi_column == []
    into_tenant_tables = _rows(f"""
        SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c
        WHERE c.contype = 'f' AND NOT {_TENANT_TABLE.format(rel="c.conrelid")} AND {_TENANT_TABLE.format(rel="c.confrelid")}""")
    assert into_tenant_tables == []
    nullable = _rows("""
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
        WHERE c.relkind = 'r' AND NOT a.attnotnull""")
    assert nullable == []
