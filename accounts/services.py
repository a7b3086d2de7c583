"""Every write of the accounts app: accounts, their classification, contacts, team and financials,
and the CSV import (parsing and validation in accounts.imports; the writes here).

What happens when an account is classified: account_classify(); when it is declassified (from ratings'
review): account_declassify(). When a CSV is confirmed: import_batch_apply().
"""

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import (
    Account,
    AccountStatus,
    AccountTeamMember,
    Classification,
    ClassificationChange,
    Contact,
    Coverage,
    FinancialPeriod,
    ImportBatch,
    ImportKind,
    TeamRole,
)
from accounts.access import TEAM_RULE, can_manage_team
from tenancy import contributions
from tenancy.audit import audit_record, audit_record_many
from tenancy.context import current_tenant_id
from tenancy.members import require_members
from tenancy.models import AuditAction, Membership, User
from tenancy.selectors import tenant_currency

# Sent after commit when contacts are marked as gone, by hand or by an import (which writes in bulk,
# without post_save): contacts_left.send(sender=Contact, tenant_id=…, contact_ids=[…]).
contacts_left = Signal()

# What a user may set on an account, in the order the account form asks for it (forms and the demo use it).
ACCOUNT_FIELDS = (
    "name",
    "external_id",
    "industry",
    "segment",
    "owner",
    "revenue_tier",
    "status",
    "coverage",
    "motivation",
    "relationship_category",
    "potential_level",
    "partner_programme",
    "partner_tier",
    "partner_since",
    "partner_benefits",
    "reference_customer",
    "beachhead",
    "notes",
)
DECLASSIFY_THROUGH_REVIEW = (
    "An account is declassified through the declassification review (Ratings), which "
    "records the reason and moves it to tactical; it cannot be set here."
)
CONTACT_FIELDS = (
    "full_name",
    "external_id",
    "title",
    "department",
    "reports_to",
    "email",
    "phone",
    "is_active",
    "left_on",
)


def _raise_unknown(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")


def _strip(values: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


# --- Accounts -------------------------------------------------------------------------------------


def top_level() -> int:
    """The top level of the tenant's active hierarchy model (5 or 6), from the `account_top_level` hook that
    hierarchy declares (tenancy.contributions; accounts sits below it); 6, the most any shipped model has,
    without one."""
    bounds = contributions.functions("account_top_level")
    return bounds[0]() if bounds else 6


def _check_potential_level(account: Account) -> None:
    level = account.potential_level
    if level is not None and isinstance(level, int) and level > (top := top_level()):
        raise ValidationError(
            {
                "potential_level": f"The potential level must be from 1 to {top}: the active "
                f"hierarchy model has {top} levels (got {level})."
            }
        )


def _check_external_id(account: Account) -> None:
    if account.external_id:
        clash = Account.objects.filter(external_id=account.external_id).exclude(pk=account.pk).only("name").first()
        if clash is not None:
            raise ValidationError(
                {"external_id": f"External id {account.external_id!r} is already used by “{clash.name}”."}
            )


@transaction.atomic
def account_create(
    *,
    by: User,
    name: str,
    classification: str = Classification.UNQUALIFIED,
    classification_reason: str = "",
    **fields: Any,
) -> Account:
    """A new account. A classification other than unqualified needs its reason, like any later change."""
    _raise_unknown(fields, ACCOUNT_FIELDS)
    account = Account(tenant_id=current_tenant_id(), name=name, **_strip(fields))
    account.name = (account.name or "").strip()
    if account.status == AccountStatus.DECLASSIFIED:
        raise ValidationError({"status": DECLASSIFY_THROUGH_REVIEW})
    require_members([account.owner], "owner")
    _check_external_id(account)
    _check_potential_level(account)
    account.full_clean(exclude=["tenant"], validate_constraints=False)
    if classification != Classification.UNQUALIFIED:
        _check_classification(classification, classification_reason)
    account.save()
    if classification != Classification.UNQUALIFIED:
        account_classify(account=account, classification=classification, reason=classification_reason, by=by)
    return account


@transaction.atomic
def account_update(*, account: Account, by: User, **changes: Any) -> Account:
    """Changes the given fields; saves only what really changed (a no-op leaves updated_at alone).
    The classification is changed with account_classify(), which asks for the reason."""
    _raise_unknown(changes, ACCOUNT_FIELDS)
    if "owner" in changes and getattr(changes["owner"], "pk", None) != account.owner_id:
        _check_may_manage_team(account, by, field="owner")  # before the change: the new owner may be `by`
    changed = []
    audited_before = {"owner": account.owner, "status": account.status}
    for field, value in _strip(changes).items():
        attname = Account._meta.get_field(field).attname
        new = value.pk if field == "owner" and value is not None else value
        if getattr(account, attname) != new:
            setattr(account, field, value)
            changed.append(field)
    if not changed:
        return account
    if "status" in changed and account.status == AccountStatus.DECLASSIFIED:
        raise ValidationError({"status": DECLASSIFY_THROUGH_REVIEW})
    if "potential_level" in changed:
        _check_potential_level(account)
    if "owner" in changed:
        require_members([account.owner], "owner")
    if "external_id" in changed:
        _check_external_id(account)
    account.full_clean(exclude=["tenant"], validate_constraints=False)
    account.save(update_fields=[*changed, "updated_at"])
    for field, action in AUDITED_ACCOUNT_FIELDS.items():
        if field in changed:
            audit_record(
                action=action, target=account, changes={field: (audited_before[field], getattr(account, field))}
            )
    return account


# Account fields whose changes go into the audit trail (tenancy.audit), and what each is called there.
AUDITED_ACCOUNT_FIELDS = {"owner": AuditAction.ACCOUNT_OWNER_CHANGED, "status": AuditAction.ACCOUNT_STATUS_CHANGED}


def _check_classification(classification: str, reason: str) -> None:
    if classification not in Classification.values:
        raise ValidationError(
            {"classification": f"Unknown classification {classification!r}: use strategic, tactical or unqualified."}
        )
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": "Give the reason for this classification: what future advantage (or none) the account brings."}
        )


@transaction.atomic
def account_classify(*, account: Account, classification: str, reason: str, by: User | None) -> ClassificationChange:
    """Strategic / tactical / unqualified, with the reason, who and when; every change is kept."""
    _check_classification(classification, reason)
    reason = reason.strip()
    locked = Account.objects.select_for_update().only("classification").get(pk=account.pk)
    change = ClassificationChange(
        tenant_id=account.tenant_id,
        account=account,
        from_classification=locked.classification,
        to_classification=classification,
        reason=reason,
        changed_by=by,
    )
    change.full_clean(exclude=["tenant", "account", "changed_by"])
    change.save()
    audit_record(
        action=AuditAction.ACCOUNT_CLASSIFIED,
        target=account,
        changes={"classification": (locked.classification, classification), "reason": (None, reason)},
    )
    account.classification = classification
    account.classification_reason = reason
    account.classified_by = by
    account.classified_at = change.created_at
    account.save(
        update_fields=["classification", "classification_reason", "classified_by", "classified_at", "updated_at"]
    )
    return change


@transaction.atomic
def account_declassify(*, account: Account, reason: str, coverage: str, by: User | None) -> ClassificationChange:
    """The declassification of a strategic account, as the method has it: it becomes tactical (a recorded
    ClassificationChange with the reason), its status declassified, and it moves to a cheaper coverage
    model (inside sales or self-service) that keeps a contact cadence of its own. Only strategic accounts
    are declassified; called by ratings' declassification review, which keeps the evidence."""
    reason = (reason or "").strip()
    errors = {}
    if coverage not in (Coverage.INSIDE_SALES, Coverage.SELF_SERVICE):
        errors["coverage"] = (
            f"Choose how the account is served from now on: inside sales or self-service (got {coverage!r})."
        )
    if not reason:
        errors["reason"] = "Give the reason for the declassification; it stays on the account's record."
    locked = Account.objects.select_for_update().only("classification", "status").get(pk=account.pk)
    if locked.status == AccountStatus.DECLASSIFIED:
        errors["decision"] = f"{account.name} is already declassified."
    elif locked.classification != Classification.STRATEGIC:
        errors["decision"] = (
            f"{account.name} is {locked.get_classification_display().lower()}, not strategic: "
            "only strategic accounts are declassified."
        )
    if errors:
        raise ValidationError(errors)
    change = account_classify(
        account=account, classification=Classification.TACTICAL, reason=f"Declassified: {reason}", by=by
    )
    audit_record(
        action=AuditAction.ACCOUNT_STATUS_CHANGED,
        target=account,
        changes={
            "status": (locked.status, AccountStatus.DECLASSIFIED),
            "coverage": (account.coverage, coverage),
            "reason": (None, reason),
        },
    )
    account.status, account.coverage = AccountStatus.DECLASSIFIED, coverage
    account.save(update_fields=["status", "coverage", "updated_at"])
    return change


@transaction.atomic
def account_delete(*, account: Account) -> None:
    """Deletes the account with its contacts, team and financials. Refused while other apps'
    records (relationships, assessments…) still need it."""
    try:
        with transaction.atomic():
            account.delete()
    except (ProtectedError, RestrictedError) as error:
        blockers = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in blockers})
        raise ValidationError(
            f"“{account.name}” cannot be deleted while it has {', '.join(kinds)}. "
            "Set its status to declassified instead, or remove those first."
        ) from error


# --- Contacts -------------------------------------------------------------------------------------


def _check_reports_to(contact: Contact) -> None:
    boss = contact.reports_to
    if boss is None:
        return
    if contact.pk is not None and boss.pk == contact.pk:
        raise ValidationError({"reports_to": "A person cannot report to themselves."})
    if boss.account_id != contact.account_id:
        raise ValidationError({"reports_to": f"{boss.full_name} works at another account."})
    if contact.pk is None:
        return
    # Walk up from the new manager: meeting this contact again would make a loop.
    chain = dict(Contact.objects.filter(account_id=contact.account_id).values_list("pk", "reports_to_id"))
    seen, current = set(), boss.pk
    while current is not None and current not in seen:
        if current == contact.pk:
            raise ValidationError(
                {"reports_to": f"{boss.full_name} already reports (directly or not) to {contact.full_name}."}
            )
        seen.add(current)
        current = chain.get(current)


def _check_contact_external_id(contact: Contact) -> None:
    if contact.external_id:
        clash = Contact.objects.filter(external_id=contact.external_id).exclude(pk=contact.pk).only("full_name").first()
        if clash is not None:
            raise ValidationError(
                {"external_id": f"External id {contact.external_id!r} is already used by {clash.full_name}."}
            )


def _check_left(contact: Contact) -> None:
    if contact.is_active and contact.left_on:
        raise ValidationError(
            {"left_on": "A person who is still there has no leaving date: untick “still there” or clear the date."}
        )


@transaction.atomic
def contact_create(*, account: Account, full_name: str, **fields: Any) -> Contact:
    _raise_unknown(fields, CONTACT_FIELDS)
    contact = Contact(
        tenant_id=account.tenant_id, account=account, full_name=(full_name or "").strip(), **_strip(fields)
    )
    _check_reports_to(contact)
    _check_contact_external_id(contact)
    _check_left(contact)
    contact.full_clean(exclude=["tenant"], validate_constraints=False)
    contact.save()
    if not contact.is_active:
        _announce_left([contact.pk])
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, **changes: Any) -> Contact:
    _raise_unknown(changes, CONTACT_FIELDS)
    was_active = contact.is_active
    changed = []
    for field, value in _strip(changes).items():
        attname = Contact._meta.get_field(field).attname
        new = value.pk if field == "reports_to" and value is not None else value
        if getattr(contact, attname) != new:
            setattr(contact, field, value)
            changed.append(field)
    if not changed:
        return contact
    if not contact.is_active and contact.left_on is None:
        contact.left_on = timezone.localdate()
        if "left_on" not in changed:
            changed.append("left_on")
    _check_reports_to(contact)
    _check_contact_external_id(contact)
    _check_left(contact)
    contact.full_clean(exclude=["tenant"], validate_constraints=False)
    contact.save(update_fields=[*changed, "updated_at"])
    if was_active and not contact.is_active:
        _announce_left([contact.pk])
    return contact


@transaction.atomic
def contact_leave(*, contact: Contact, left_on: dt.date | None = None) -> Contact:
    """The person has left: kept with their history and place in the org chart, marked as gone."""
    if not contact.is_active:
        raise ValidationError(f"{contact.full_name} is already marked as gone (left on {contact.left_on}).")
    left_on = left_on or timezone.localdate()
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": "The leaving date cannot be in the future."})
    return contact_update(contact=contact, is_active=False, left_on=left_on)


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """For mistakes only: people who leave are marked with contact_leave() so their history stays."""
    try:
        with transaction.atomic():
            contact.delete()
    except (ProtectedError, RestrictedError) as error:
        raise ValidationError(
            f"{contact.full_name} has relationships or other history and cannot be deleted: mark them as gone instead."
        ) from error


def _announce_left(contact_ids: list[int]) -> None:
    if contact_ids:
        tenant_id = current_tenant_id()
        transaction.on_commit(
            lambda: contacts_left.send(sender=Contact, tenant_id=tenant_id, contact_ids=list(contact_ids))
        )


# --- Team -----------------------------------------------------------------------------------------


def _check_may_manage_team(account: Account, by: User | None, field: str = NON_FIELD_ERRORS) -> None:
    membership = Membership.objects.filter(user_id=getattr(by, "pk", None)).first()
    if not can_manage_team(membership=membership, account=account):
        raise ValidationError({field: TEAM_RULE})


@transaction.atomic
def team_member_add(
    *, account: Account, user: User, by: User, team_role: str = TeamRole.ACCOUNT_MANAGER
) -> AccountTeamMember:
    _check_may_manage_team(account, by)
    if user is None:
        raise ValidationError({"user": "Choose a person."})
    require_members([user], "user")
    if AccountTeamMember.objects.filter(account=account, user=user).exists():
        raise ValidationError({"user": f"{user} is already on the team of {account.name}."})
    member = AccountTeamMember(tenant_id=account.tenant_id, account=account, user=user, team_role=team_role)
    member.full_clean(exclude=["tenant"], validate_constraints=False)
    member.save()
    audit_record(
        action=AuditAction.TEAM_MEMBER_ADDED,
        target=account,
        changes={"person": (None, user), "team_role": (None, team_role)},
    )
    return member


@transaction.atomic
def team_member_update(*, team_member: AccountTeamMember, team_role: str, by: User) -> AccountTeamMember:
    _check_may_manage_team(team_member.account, by)
    if team_member.team_role != team_role:
        audit_record(
            action=AuditAction.TEAM_ROLE_CHANGED,
            target=team_member.account,
            changes={"person": (team_member.user, team_member.user), "team_role": (team_member.team_role, team_role)},
        )
        team_member.team_role = team_role
        team_member.full_clean(exclude=["tenant"], validate_constraints=False)
        team_member.save(update_fields=["team_role", "updated_at"])
    return team_member


@transaction.atomic
def team_member_remove(*, team_member: AccountTeamMember, by: User) -> None:
    _check_may_manage_team(team_member.account, by)
    audit_record(
        action=AuditAction.TEAM_MEMBER_REMOVED,
        target=team_member.account,
        changes={"person": (team_member.user, None), "team_role": (team_member.team_role, None)},
    )
    team_member.delete()


# --- Financials -----------------------------------------------------------------------------------


def _check_period(period: FinancialPeriod, *, duplicate_start: bool = False) -> None:
    """Every problem of the period at once, so a form shows them together."""
    errors: dict[str, list[str]] = {}
    try:
        period.full_clean(exclude=["tenant", "account"], validate_constraints=False)
    except ValidationError as error:
        errors = error.message_dict
    if period.period_start and period.period_end and period.period_end < period.period_start:
        errors.setdefault("period_end", []).append("The period cannot end before it starts.")
    if "currency" not in errors and (len(period.currency) != 3 or not period.currency.isalpha()):
        errors["currency"] = ["Use a three-letter ISO currency code, e.g. EUR."]
    if duplicate_start:
        errors.setdefault("period_start", []).append(
            f"The account already has a period starting {period.period_start}."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def financial_period_save(
    *,
    account: Account,
    period_start: dt.date,
    period_end: dt.date,
    revenue: Decimal,
    margin_pct: Decimal | None = None,
    discount_pct: Decimal | None = None,
    currency: str | None = None,
) -> FinancialPeriod:
    """Records (or corrects) the figures of one period of the account, keyed by its start. Without a
    currency, the tenant's."""
    period = FinancialPeriod.objects.filter(account=account, period_start=period_start).first()
    if period is None:
        period = FinancialPeriod(tenant_id=account.tenant_id, account=account, period_start=period_start)
    values = {
        "period_end": period_end,
        "revenue": revenue,
        "margin_pct": margin_pct,
        "discount_pct": discount_pct,
        "currency": (currency or "").strip().upper() or tenant_currency(),
    }
    changed = [field for field, value in values.items() if getattr(period, field) != value]
    for field in changed:
        setattr(period, field, values[field])
    if period.pk and not changed:
        return period
    _check_period(period)
    if period.pk:
        period.save(update_fields=[*changed, "updated_at"])
    else:
        period.save()
    return period


@transaction.atomic
def financial_period_update(*, period: FinancialPeriod, **changes: Any) -> FinancialPeriod:
    """Corrects a period's figures (or dates); saves only what changed."""
    _raise_unknown(changes, ("period_start", "period_end", "revenue", "margin_pct", "discount_pct", "currency"))
    if "currency" in changes:
        changes["currency"] = (changes["currency"] or "").strip().upper()
    changed = [f for f, v in changes.items() if getattr(period, f) != v]
    if not changed:
        return period
    for field in changed:
        setattr(period, field, changes[field])
    duplicate = (
        "period_start" in changed
        and FinancialPeriod.objects.filter(account_id=period.account_id, period_start=period.period_start)
        .exclude(pk=period.pk)
        .exists()
    )
    _check_period(period, duplicate_start=duplicate)
    period.save(update_fields=[*changed, "updated_at"])
    return period


@transaction.atomic
def financial_period_delete(*, period: FinancialPeriod) -> None:
    period.delete()


# --- CSV import -----------------------------------------------------------------------------------

IMPORT_KEEP = dt.timedelta(days=1)


@transaction.atomic
def import_batch_create(*, by: User, kind: str, filename: str, columns: list[str], rows: list) -> ImportBatch:
    """Keeps a parsed upload server-side until it is confirmed (or expires)."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": f"Unknown kind of import {kind!r}."})
    # Uploads nobody confirmed are dropped after a day (here, rather than by a scheduled job).
    ImportBatch.objects.filter(created_at__lt=timezone.now() - IMPORT_KEEP).delete()
    batch = ImportBatch(
        tenant_id=current_tenant_id(),
        key=secrets.token_urlsafe(24),
        kind=kind,
        filename=(filename or "")[:255],
        created_by=by,
        columns=columns,
        rows=rows,
    )
    batch.save()
    return batch


@transaction.atomic
def import_batch_apply(*, batch: ImportBatch, by: User):
    """Validates the stored rows again against the data as it is now and writes them all, or nothing.
    Returns the plan (accounts.imports.ImportPlan); `plan.errors` non-empty means nothing was written."""
    from accounts import imports

    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.applied_at is not None:
        raise ValidationError("This file has already been imported.")
    plan = imports.plan_batch(locked)
    if plan.errors:
        return plan
    if locked.kind == ImportKind.ACCOUNTS:
        _apply_accounts(plan, by=by)
    else:
        _apply_contacts(plan)
    locked.applied_at = timezone.now()
    locked.result = plan.summary()
    locked.rows = []  # the data now lives in the tables; the upload is no longer needed
    locked.save(update_fields=["applied_at", "result", "rows", "updated_at"])
    return plan


def _apply_accounts(plan, *, by: User) -> None:
    now = timezone.now()
    tenant_id = current_tenant_id()
    new = []
    for row in plan.rows:
        if row.action == "create":
            new.append(Account(tenant_id=tenant_id, **row.values))
    Account.objects.bulk_create(new, batch_size=1000)
    created = iter(new)
    by_fields: dict[tuple, list[Account]] = {}
    audited = []  # (account, field, from, to) of the owner and status changes, for the audit trail
    for row in plan.rows:
        if row.action == "create":
            row.instance = next(created)
        elif row.action == "update":
            account = row.instance
            audited.extend(
                (account, field, getattr(account, field), row.values[field])
                for field in row.changed
                if field in IMPORT_AUDITED_FIELDS
            )
            for field in row.changed:
                setattr(account, field, row.values[field])
            account.updated_at = now
            by_fields.setdefault(tuple(sorted(row.changed)), []).append(account)
    for fields, accounts in by_fields.items():
        Account.objects.bulk_update(accounts, [*fields, "updated_at"], batch_size=1000)
    # Classifications that change go through the same history as a change made by hand.
    changes, classified = [], []
    for row in plan.rows:
        if row.classify is None:
            continue
        account, (previous, classification, reason) = row.instance, row.classify
        changes.append(
            ClassificationChange(
                tenant_id=tenant_id,
                account=account,
                from_classification=previous,
                to_classification=classification,
                reason=reason,
                changed_by=by,
            )
        )
        account.classification, account.classification_reason = classification, reason
        account.classified_by, account.classified_at, account.updated_at = by, now, now
        classified.append(account)
    ClassificationChange.objects.bulk_create(changes, batch_size=1000)
    Account.objects.bulk_update(
        classified,
        ["classification", "classification_reason", "classified_by", "classified_at", "updated_at"],
        batch_size=1000,
    )
    _audit_import(audited, changes)


IMPORT_AUDITED_FIELDS = {"owner_id": "owner", "status": "status"}


def _audit_import(audited: list, classifications: list[ClassificationChange]) -> None:
    """The import's owner, status and classification changes in the audit trail, one INSERT; owners by
    their address, like a change made by hand."""
    owner_ids = {value for _, field, *values in audited if field == "owner_id" for value in values if value}
    emails = dict(User.objects.filter(pk__in=owner_ids).values_list("pk", "email")) if owner_ids else {}
    records = []
    for account, field, old, new in audited:
        name = IMPORT_AUDITED_FIELDS[field]
        if field == "owner_id":
            old, new = emails.get(old), emails.get(new)
        records.append((AUDITED_ACCOUNT_FIELDS[name], account, {name: (old, new)}))
    records.extend(
        (
            AuditAction.ACCOUNT_CLASSIFIED,
            change.account,
            {"classification": (change.from_classification, change.to_classification), "reason": (None, change.reason)},
        )
        for change in classifications
    )
    audit_record_many(records)


def _apply_contacts(plan) -> None:
    now = timezone.now()
    tenant_id = current_tenant_id()
    new = [
        Contact(tenant_id=tenant_id, **{k: v for k, v in row.values.items() if k != "reports_to"})
        for row in plan.rows
        if row.action == "create"
    ]
    Contact.objects.bulk_create(new, batch_size=1000)
    created = iter(new)
    by_fields: dict[tuple, list[Contact]] = {}
    for row in plan.rows:
        if row.action == "create":
            row.instance = next(created)
        elif row.action == "update":
            fields = [f for f in row.changed if f != "reports_to"]
            if fields:
                for field in fields:
                    setattr(row.instance, field, row.values[field])
                row.instance.updated_at = now
                by_fields.setdefault(tuple(sorted(fields)), []).append(row.instance)
    for fields, contacts in by_fields.items():
        Contact.objects.bulk_update(contacts, [*fields, "updated_at"], batch_size=1000)
    # Managers second: a row may report to someone further down the file.
    by_external_id = {row.values["external_id"]: row.instance for row in plan.rows}
    managed = []
    for row in plan.rows:
        if "reports_to" in row.changed or (row.action == "create" and row.reports_to_external_id):
            boss_ref = row.reports_to_external_id
            boss = by_external_id.get(boss_ref) if boss_ref else None
            row.instance.reports_to_id = boss.pk if boss is not None else plan.existing_contact_ids.get(boss_ref)
            row.instance.updated_at = now
            managed.append(row.instance)
    Contact.objects.bulk_update(managed, ["reports_to", "updated_at"], batch_size=1000)
    _announce_left([row.instance.pk for row in plan.rows if row.newly_left])
