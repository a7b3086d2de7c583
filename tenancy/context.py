"""The one way into tenant data: `tenant_context(tenant_id)`.

It opens a transaction, sets PostgreSQL's `app.tenant_id` (and `app.user_id`) transaction-locally
for row-level security, opens the django-scopes scope and activates the tenant's time zone. When the
transaction ends the setting is gone, so a pooled connection or a worker never carries one tenant into
the next request or task.
"""

import zoneinfo
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import get_scope, scope, scopes_disabled

_active: ContextVar[tuple[int, int | None] | None] = ContextVar("keystone_tenant", default=None)


class TenantRequired(RuntimeError):
    """Raised when tenant data is touched without saying which tenant."""


def _set_db_context(tenant_id: int | None, user_id: int | None) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.tenant_id', %s, true), set_config('app.user_id', %s, true), "
            "set_config('jit', 'off', true)",
            [str(tenant_id or ""), str(user_id or "")],
        )


def _enter_db_context(tenant_id: int, user_id: int | None) -> str | None:
    """Sets the tenant for row-level security and returns the tenant's time zone name, in one round trip
    (every request and task opens a context, so a second query each would show)."""
    from tenancy.models import Tenant  # tenancy.models builds on this module

    if connection.vendor != "postgresql":
        return Tenant.objects.filter(pk=tenant_id).values_list("timezone", flat=True).first()
    # JIT off for the transaction too: a request's statements are short, and PostgreSQL's JIT, which
    # the planner turns on from its cost estimate alone on a large tenant, spent seconds compiling
    # them (issue 12). Transaction-local like the tenant, so it also holds behind PgBouncer in
    # transaction mode; a batch job may turn it back on for its own transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.tenant_id', %s, true), set_config('app.user_id', %s, true), "
            f"set_config('jit', 'off', true), (SELECT timezone FROM {Tenant._meta.db_table} WHERE id = %s)",
            [str(tenant_id), str(user_id or ""), tenant_id],
        )
        return cursor.fetchone()[3]


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@contextmanager
def tenant_context(tenant_id, *, user_id: int | None = None):
    """Run the block as `tenant_id` (inside one transaction), optionally also as `user_id`, in the
    tenant's time zone: pages, API calls, tasks and the public pages agree on "today" and on the hour
    they show (Tenant.timezone, read in the statement that sets the tenant)."""
    if tenant_id in (None, "") or isinstance(tenant_id, bool):
        raise TenantRequired("tenant_context() needs a tenant id.")
    tenant_id = int(getattr(tenant_id, "pk", tenant_id))
    previous = _active.get()
    inside_outer_transaction = transaction.get_connection().in_atomic_block
    with transaction.atomic():
        zone = _zone(_enter_db_context(tenant_id, user_id))
        token = _active.set((tenant_id, user_id))
        try:
            with scope(tenant=tenant_id), timezone.override(zone):
                yield tenant_id
        finally:
            _active.reset(token)
        # Leaving the block inside a longer transaction: give back the outer tenant, or none.
        # (After an exception the savepoint rollback has already restored it.)
        if inside_outer_transaction and not transaction.get_rollback():
            _set_db_context(*(previous or (None, None)))


def _set_db_user(user_id: int | None) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.user_id', %s, true)", [str(user_id or "")])


@contextmanager
def user_context(user_id: int):
    """Run the block with `app.user_id` set (a user may read their own memberships). Leaves the
    tenant setting alone, so it can run in the middle of a tenant request."""
    previous = _active.get()
    inside_outer_transaction = transaction.get_connection().in_atomic_block
    if inside_outer_transaction and previous is not None and previous[1] == user_id:
        yield  # the request's tenant_context already set this user: no savepoint, no round trips
        return
    with transaction.atomic():
        _set_db_user(user_id)
        yield
        if inside_outer_transaction and not transaction.get_rollback():
            _set_db_user(previous[1] if previous else None)


@contextmanager
def platform_read(reader: str):
    """Platform code that reads one kind of tenant row across all tenants (the outbox sweep, the health
    check): one transaction with `app.platform_read` set (the table's policy admits it, see
    tenancy.rls.platform_match) and django-scopes disabled. Writes still need tenant_context()."""
    with transaction.atomic(), scopes_disabled():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.platform_read', %s, true)", [reader])
        yield
        # Inside a longer transaction: read no further across tenants. (After an exception the
        # savepoint rollback has undone the setting already.)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.platform_read', '', true)")


def acting_user_set(user_id: int) -> None:
    """Names the user the open tenant_context() acts for, once they are known (an API request finds its
    token's user inside the context). Python-side only, for the audit trail's actor: no query, and the
    database's app.user_id stays as it was. tenant_context() restores the outer value on exit."""
    active = _active.get()
    if active is None:
        raise TenantRequired("acting_user_set() needs an open tenant_context().")
    _active.set((active[0], user_id))


def active_user_id() -> int | None:
    """The user the open tenant_context() acts for; None for the system (a task, a platform command)."""
    active = _active.get()
    return active[1] if active is not None else None


def active_tenant_id() -> int | None:
    """The tenant of the open tenant_context(), or None outside one."""
    active = _active.get()
    return active[0] if active is not None else None


def current_tenant_id() -> int:
    """The tenant of the open scope; raises TenantRequired outside one."""
    active = _active.get()
    if active is not None:
        return active[0]
    value = get_scope().get("tenant")
    if value is None:
        raise TenantRequired("No tenant scope is active.")
    return int(getattr(value, "pk", value))
