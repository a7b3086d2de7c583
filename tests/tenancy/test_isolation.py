"""Tenant isolation: the app layer (django-scopes) and the database layer (row-level security)."""

import pytest
from django.db import connection
from django_scopes import ScopeError

from tenancy.context import TenantRequired, tenant_context
from tenancy.models import Membership

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level security is PostgreSQL's")


def test_scoped_model_outside_a_scope_raises(manager_a):
    with pytest.raises(ScopeError):
        list(Membership.objects.all())
    with pytest.raises(ScopeError):
        Membership.objects.filter(user=manager_a.user).first()


def test_scoped_model_inside_a_scope_sees_only_that_tenant(manager_a, manager_b):
    with tenant_context(manager_a.tenant.pk):
        assert list(Membership.objects.values_list("user__email", flat=True)) == [manager_a.user.email]
    with tenant_context(manager_b.tenant.pk):
        assert list(Membership.objects.values_list("user__email", flat=True)) == [manager_b.user.email]


def test_tenant_context_needs_a_tenant():
    with pytest.raises(TenantRequired):
        with tenant_context(None):
            pass


def _raw_count(table="tenancy_membership"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


@postgres_only
def test_raw_sql_without_tenant_setting_sees_no_rows(manager_a, manager_b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_id', '', true), set_config('app.user_id', '', true)")
    assert _raw_count() == 0
    with connection.cursor() as cursor:
        cursor.execute("RESET app.tenant_id")
    assert _raw_count() == 0


@postgres_only
def test_raw_sql_with_tenant_setting_sees_only_that_tenant(manager_a, manager_b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(manager_a.tenant.pk)])
        cursor.execute("SELECT DISTINCT tenant_id FROM tenancy_membership")
        assert [row[0] for row in cursor.fetchall()] == [manager_a.tenant.pk]


@postgres_only
def test_rls_refuses_writing_a_row_of_another_tenant(manager_a, manager_b):
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="row-level security"):
        with tenant_context(manager_a.tenant.pk), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO tenancy_membership (tenant_id, user_id, role, created_at, updated_at) "
                    "VALUES (%s, %s, 'admin', now(), now())",
                    [manager_b.tenant.pk, manager_a.user.pk],
                )


@postgres_only
def test_setting_is_gone_after_the_transaction(manager_a):
    with tenant_context(manager_a.tenant.pk):
        assert _raw_count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('app.tenant_id', true), '')")
        assert cursor.fetchone()[0] == ""


@postgres_only
def test_tenant_transactions_run_without_jit(manager_a):
    """Issue 12: JIT compilation cost seconds on the short queries of a large tenant's pages."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'on', true)")
    with tenant_context(manager_a.tenant.pk), connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@postgres_only
def test_connecting_role_is_not_superuser_and_cannot_bypass_rls():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


@postgres_only
def test_every_table_with_tenant_id_has_forced_rls_and_a_policy():
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid
                           AND pg_get_expr(p.polqual, p.polrelid) LIKE '%%app.tenant_id%%'
                           AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%%app.tenant_id%%')
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p')
        """)
        rows = cursor.fetchall()
    assert rows, "no tenant tables found"
    unprotected = [name for name, enabled, forced, policy in rows if not (enabled and forced and policy)]
    assert unprotected == []


def test_every_many_to_many_between_tenant_models_carries_the_tenant():
    from django.core.checks import run_checks

    errors = [e for e in run_checks() if e.id and e.id.startswith("tenancy.")]
    assert errors == []


def test_listing_my_tenants_inside_a_tenant_request_keeps_the_tenant(manager_a, tenant_b):
    """The tenant switcher runs in the middle of page rendering; tenant rows must stay visible."""
    from tenancy.selectors import memberships_of_user
    from tests.tenancy.factories import MembershipFactory

    MembershipFactory(tenant=tenant_b, user=manager_a.user)
    with tenant_context(manager_a.tenant.pk, user_id=manager_a.user.pk):
        assert {m.tenant.slug for m in memberships_of_user(manager_a.user)} == {"tenant-a", "tenant-b"}
        assert Membership.objects.count() == 1
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT DISTINCT tenant_id FROM tenancy_membership WHERE user_id <> %s", [manager_a.user.pk]
                )
                assert cursor.fetchall() == []
                cursor.execute("SELECT current_setting('app.tenant_id', true)")
                assert cursor.fetchone()[0] == str(manager_a.tenant.pk)


@postgres_only
def test_policies_that_admit_a_user_by_app_user_id_only_read():
    """Catalog: a clause on app.user_id appears only in SELECT policies, never in one that applies to
    INSERT, UPDATE, DELETE or ALL (WITH CHECK does not cover DELETE)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.relname, p.polname, p.polcmd
            FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
            WHERE coalesce(pg_get_expr(p.polqual, p.polrelid), '') LIKE '%%app.user_id%%'
               OR coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') LIKE '%%app.user_id%%'
        """)
        rows = cursor.fetchall()
    assert ("tenancy_membership", "own_rows_read", "r") in rows
    assert [row for row in rows if row[2] != "r"] == []


@postgres_only
def test_the_user_clause_cannot_delete_or_change_memberships_of_another_tenant(manager_a, tenant_b):
    from tests.tenancy.factories import MembershipFactory

    theirs = MembershipFactory(tenant=tenant_b, user=manager_a.user)
    with tenant_context(manager_a.tenant.pk, user_id=manager_a.user.pk):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tenancy_membership WHERE id = %s", [theirs.pk])
            assert cursor.fetchone()[0] == 1  # reading one's own memberships is what the clause is for
            cursor.execute("UPDATE tenancy_membership SET role = 'admin' WHERE id = %s", [theirs.pk])
            assert cursor.rowcount == 0
            cursor.execute("DELETE FROM tenancy_membership WHERE id = %s", [theirs.pk])
            assert cursor.rowcount == 0
    with tenant_context(tenant_b.pk):
        assert Membership.objects.filter(pk=theirs.pk, role=theirs.role).exists()
