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
