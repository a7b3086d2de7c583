"""The audit trail: `audit_record()`, called by the service that makes a change, in its transaction.

    audit_record(action=AuditAction.MEMBER_ROLE_CHANGED, target=membership,
                 changes={"role": (old_role, new_role)})

Who: the user the open tenant_context() acts for (the signed-in person, or an API token's user), else
"system" (a task, a platform command). What: the action and its target (kind, id, name then). From what
to what: `changes`, {field: (from, to)}, values stored as JSON (people by e-mail address, dates as ISO
text). Recorded in the same transaction as the change, so a change that rolls back leaves no entry and
an entry never describes a change that did not happen. Rows are tenant-owned (RLS) and append-only in
the database (tenancy.append_only).

Why not a library: django-pghistory writes history with PostgreSQL triggers (no SQLite, which `make
run` uses), and django-auditlog records model saves through signals (no tenant column under RLS, no
append-only guard, and set-based writes such as a model switch or an import pass it by); both record
rows, where an admin wants to read decisions ("role changed", "policy v3 activated").
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models

from tenancy.context import active_user_id, current_tenant_id
from tenancy.models import AuditAction, AuditEntry, User

SYSTEM = "system"


def audit_value(value: Any) -> Any:
    """A value as the trail keeps it: JSON, readable after the object is gone."""
    if isinstance(value, User):
        return value.email
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): audit_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [audit_value(item) for item in value]
    return value


def audit_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value differs between two snapshots, as {field: (from, to)}."""
    return {name: (before.get(name), after.get(name)) for name in after if before.get(name) != after.get(name)}


def _actor() -> tuple[int | None, str]:
    user_id = active_user_id()
    if user_id is None:
        return None, SYSTEM
    email = User.objects.filter(pk=user_id).values_list("email", flat=True).first()
    return user_id, email or f"user #{user_id}"


def _entry(tenant_id, actor, action, target, changes, target_label) -> AuditEntry:
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}: add it to tenancy.models.AuditAction.")
    return AuditEntry(
        tenant_id=tenant_id,
        actor_id=actor[0],
        actor_label=actor[1],
        action=action,
        target_type=target._meta.model_name,
        target_id=target.pk,
        target_label=(target_label if target_label is not None else str(target))[:200],
        changes={name: [audit_value(old), audit_value(new)] for name, (old, new) in (changes or {}).items()},
    )


def audit_record(
    *,
    action: str,
    target: models.Model,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    target_label: str | None = None,
) -> AuditEntry:
    """Records one change of `target` in the current tenant's trail (inside the caller's transaction)."""
    entry = _entry(current_tenant_id(), _actor(), action, target, changes, target_label)
    entry.save()
    return entry


def audit_record_many(records: Iterable[tuple]) -> int:
    """Records many changes in one INSERT (an import that changes a thousand accounts): the same rows
    as audit_record() would write one by one, from (action, target, changes[, target_label]) tuples.
    Returns how many."""
    records = list(records)
    if not records:
        return 0
    tenant_id, actor = current_tenant_id(), _actor()
    entries = [
        _entry(tenant_id, actor, action, target, changes, label)
        for action, target, changes, label in (record if len(record) == 4 else (*record, None) for record in records)
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)
