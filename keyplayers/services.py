"""Every write of the keyplayers app: key players, the guidance matrix, the coverage thresholds and the
stored coverage summary of the dashboard."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenancy.dates import OUT_OF_RANGE, in_supported_range
from accounts.models import Account, Contact
from keyplayers.defaults import DEFAULT_GUIDANCE
from keyplayers.models import (
    BuyingRole,
    BuyingStage,
    BuyingStageChange,
    CoverageSettings,
    CoverageSummary,
    Guidance,
    Influence,
    KeyPlayer,
    KeyPlayerConcern,
    Stance,
)
from keyplayers.selectors import coverage_counts, level_names
from tenancy import shared_cache
from tenancy.audit import audit_changes, audit_record
from tenancy.context import current_tenant_id
from tenancy.models import AuditAction

EDITABLE_FIELDS = ("buying_role", "buying_stage", "stance", "influence", "last_contact_at")


def _check_choice(errors: dict, name: str, value, choices, what: str) -> None:
    if value not in choices.values:
        allowed = ", ".join(f"{label} ({key})" for key, label in choices.choices)
        errors[name] = f"Unknown {what} {value!r}; choose one of: {allowed}."


def _validate(
    *,
    buying_role=None,
    buying_stage=None,
    stance=None,
    influence=None,
    last_contact_at=None,
    concerns=None,
    fields=EDITABLE_FIELDS,
) -> None:
    errors: dict[str, str] = {}
    if "buying_role" in fields:
        _check_choice(errors, "buying_role", buying_role, BuyingRole, "buying role")
    if "buying_stage" in fields:
        _check_choice(errors, "buying_stage", buying_stage, BuyingStage, "buying stage")
    if "stance" in fields:
        _check_choice(errors, "stance", stance, Stance, "stance")
    if "influence" in fields:
        _check_choice(errors, "influence", influence, Influence, "degree of influence")
    if "last_contact_at" in fields and last_contact_at is not None:
        if last_contact_at > timezone.now() + dt.timedelta(minutes=5):
            errors["last_contact_at"] = "The last contact cannot be in the future."
        elif not in_supported_range(last_contact_at):  # and answers show it in the tenant's time zone
            errors["last_contact_at"] = OUT_OF_RANGE
    if errors:
        raise ValidationError(errors)


# --- Key players ----------------------------------------------------------------------------------


@transaction.atomic
def key_player_create(
    *,
    account: Account,
    contact: Contact,
    buying_role: str,
    buying_stage: str = BuyingStage.PLANNING,
    stance: str = Stance.NEUTRAL,
    influence: str = Influence.MEDIUM,
    concerns: str = "",
    last_contact_at: dt.datetime | None = None,
    by=None,
) -> KeyPlayer:
    """Adds a contact of `account` to its buying team. One key player per contact and account. Its first
    buying stage is recorded (BuyingStageChange); `concerns`, when given, opens the concern log."""
    _validate(
        buying_role=buying_role,
        buying_stage=buying_stage,
        stance=stance,
        influence=influence,
        last_contact_at=last_contact_at,
    )
    if contact.account_id != account.pk:
        raise ValidationError(
            {"contact": f"{contact.full_name} works at another account; pick a contact of {account}."}
        )
    if KeyPlayer.objects.filter(account=account, contact=contact).exists():
        raise ValidationError({"contact": f"{contact.full_name} is already a key player on {account}."})
    player = KeyPlayer(
        tenant_id=current_tenant_id(),
        account=account,
        contact=contact,
        buying_role=buying_role,
        buying_stage=buying_stage,
        stance=stance,
        influence=influence,
        last_contact_at=last_contact_at,
    )
    # The contact was checked to be the account's above: no existence query for it (the account's stays:
    # it proves the account is this tenant's).
    player.full_clean(exclude=["tenant", "contact"], validate_constraints=False)
    try:
        with transaction.atomic():
            player.save()
    except IntegrityError:  # the same contact added at the same moment by someone else
        raise ValidationError({"contact": f"{contact.full_name} is already a key player on {account}."}) from None
    BuyingStageChange.objects.create(
        tenant_id=player.tenant_id, key_player=player, to_stage=buying_stage, changed_by=by
    )
    if (concerns or "").strip():
        concern_raise(key_player=player, concern=concerns, by=by)
    return player


@transaction.atomic
def key_player_update(*, key_player: KeyPlayer, by=None, **changes) -> KeyPlayer:
    """Changes any of buying_role, buying_stage, stance, influence, last_contact_at; a change of buying
    stage is recorded with its date (BuyingStageChange). Concerns go through concern_raise/concern_answer.
    The contact and account of a key player do not change (remove it and add another instead)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    locked = KeyPlayer.objects.select_for_update().select_related("contact").get(pk=key_player.pk)
    previous_stage = locked.buying_stage
    values = {name: changes.get(name, getattr(locked, name)) for name in EDITABLE_FIELDS}
    _validate(**values, fields=tuple(changes))
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean(exclude=["tenant", "account", "contact"], validate_constraints=False)
    if changes:
        locked.save(update_fields=[*changes, "updated_at"])
    if locked.buying_stage != previous_stage:
        BuyingStageChange.objects.create(
            tenant_id=locked.tenant_id,
            key_player=locked,
            from_stage=previous_stage,
            to_stage=locked.buying_stage,
            changed_by=by,
        )
    for name in (*changes, "updated_at"):
        setattr(key_player, name, getattr(locked, name))
    return key_player


def key_player_set_stage(*, key_player: KeyPlayer, buying_stage: str, by=None) -> KeyPlayer:
    return key_player_update(key_player=key_player, buying_stage=buying_stage, by=by)


# --- Concerns: diagnose before you prescribe; an open concern is a yellow light ---------------------


def _concerns_summary_refresh(key_player_id: int) -> None:
    """KeyPlayer.concerns := the open concerns of the log, newest first, one a line (one UPDATE)."""
    open_ones = list(
        KeyPlayerConcern.objects.filter(key_player_id=key_player_id, answer="")
        .order_by("-raised_on", "-pk")
        .values_list("concern", flat=True)
    )
    KeyPlayer.objects.filter(pk=key_player_id).update(concerns="\n".join(open_ones), updated_at=timezone.now())


@transaction.atomic
def concern_raise(
    *, key_player: KeyPlayer, concern: str, by=None, raised_on: dt.date | None = None
) -> KeyPlayerConcern:
    """Logs a concern the key player raised, in their words. It stays open until answered."""
    concern = (concern or "").strip()
    if not concern:
        raise ValidationError({"concern": "Write the concern as they put it."})
    raised_on = raised_on or timezone.localdate()
    if raised_on > timezone.localdate():
        raise ValidationError({"raised_on": "A concern cannot be raised in the future."})
    row = KeyPlayerConcern(
        tenant_id=key_player.tenant_id, key_player=key_player, concern=concern, raised_on=raised_on, raised_by=by
    )
    row.full_clean(exclude=["tenant"])
    row.save()
    _concerns_summary_refresh(key_player.pk)
    return row


@transaction.atomic
def concern_answer(*, concern: KeyPlayerConcern, answer: str, by=None) -> KeyPlayerConcern:
    """Records how we answered an open concern; it leaves the open list (and the briefing's warnings)."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "Write how we answered it."})
    locked = KeyPlayerConcern.objects.select_for_update().get(pk=concern.pk)
    if locked.answer:
        raise ValidationError({"answer": "This concern has already been answered."})
    locked.answer, locked.answered_on, locked.answered_by = answer, timezone.localdate(), by
    locked.save(update_fields=["answer", "answered_on", "answered_by", "updated_at"])
    _concerns_summary_refresh(locked.key_player_id)
    return locked


def key_player_set_stance(*, key_player: KeyPlayer, stance: str) -> KeyPlayer:
    return key_player_update(key_player=key_player, stance=stance)


@transaction.atomic
def key_player_remove(*, key_player: KeyPlayer) -> None:
    """Takes the contact off the buying team (the contact itself stays)."""
    KeyPlayer.objects.filter(pk=key_player.pk).delete()


# --- Guidance -------------------------------------------------------------------------------------


def _guidance_errors(*, buying_role, buying_stage, communication) -> dict:
    errors: dict[str, str] = {}
    _check_choice(errors, "buying_role", buying_role, BuyingRole, "buying role")
    _check_choice(errors, "buying_stage", buying_stage, BuyingStage, "buying stage")
    if not (communication or "").strip():
        errors["communication"] = "Name the communication this role needs at this stage, e.g. “Value communication”."
    return errors


@transaction.atomic
def guidance_set(
    *, buying_role: str, buying_stage: str, communication: str, message: str = "", typical_concern: str = ""
) -> Guidance:
    """Sets one cell of the tenant's guidance matrix (creates the tenant's row the first time)."""
    errors = _guidance_errors(buying_role=buying_role, buying_stage=buying_stage, communication=communication)
    if errors:
        raise ValidationError(errors)
    row = Guidance.objects.select_for_update().filter(buying_role=buying_role, buying_stage=buying_stage).first()
    values = {
        "communication": communication.strip(),
        "message": (message or "").strip(),
        "typical_concern": (typical_concern or "").strip(),
    }
    before = _guidance_cell(buying_role, buying_stage, row)
    if row is None:
        row = Guidance(tenant_id=current_tenant_id(), buying_role=buying_role, buying_stage=buying_stage, **values)
        row.full_clean(exclude=["tenant"], validate_constraints=False)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # created concurrently: update that row instead
            row = Guidance.objects.select_for_update().get(buying_role=buying_role, buying_stage=buying_stage)
            before = _guidance_cell(buying_role, buying_stage, row)
        else:
            _audit_guidance(AuditAction.GUIDANCE_SET, row, before, values)
            return row
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean(exclude=["tenant"], validate_constraints=False)
    row.save(update_fields=[*values, "updated_at"])
    _audit_guidance(AuditAction.GUIDANCE_SET, row, before, values)
    return row


def _guidance_cell(buying_role: str, buying_stage: str, row: Guidance | None) -> dict:
    """What one cell of the matrix says: the tenant's row, or the shipped default without one."""
    if row is not None:
        return {"communication": row.communication, "message": row.message, "typical_concern": row.typical_concern}
    communication, message, concern = DEFAULT_GUIDANCE.get((buying_role, buying_stage), ("", "", ""))
    return {"communication": communication, "message": message, "typical_concern": concern}


def _audit_guidance(action: str, row: Guidance, before: dict, after: dict) -> None:
    changes = audit_changes(before, after)
    if changes:
        label = f"{row.get_buying_role_display()} at {row.get_buying_stage_display()}"
        audit_record(action=action, target=row, target_label=label, changes=changes)


@transaction.atomic
def guidance_reset(*, buying_role: str, buying_stage: str) -> None:
    """Back to the shipped default for one cell (the tenant's row is removed)."""
    errors = _guidance_errors(buying_role=buying_role, buying_stage=buying_stage, communication="-")
    if errors:
        raise ValidationError(errors)
    row = Guidance.objects.select_for_update().filter(buying_role=buying_role, buying_stage=buying_stage).first()
    if row is not None:
        _audit_guidance(
            AuditAction.GUIDANCE_RESET,
            row,
            _guidance_cell(buying_role, buying_stage, row),
            _guidance_cell(buying_role, buying_stage, None),
        )
        row.delete()


@transaction.atomic
def guidance_seed_defaults() -> int:
    """Stores the shipped default for every cell the tenant has no row for. Safe to repeat; returns
    how many rows it added."""
    tenant_id = current_tenant_id()
    existing = set(Guidance.objects.values_list("buying_role", "buying_stage"))
    rows = [
        Guidance(
            tenant_id=tenant_id,
            buying_role=role,
            buying_stage=stage,
            communication=communication,
            message=message,
            typical_concern=concern,
        )
        for (role, stage), (communication, message, concern) in DEFAULT_GUIDANCE.items()
        if (role, stage) not in existing
    ]
    Guidance.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- Coverage thresholds --------------------------------------------------------------------------


@transaction.atomic
def coverage_settings_update(
    *, min_level_executive: int, min_level_middle_management: int, min_level_operational: int, min_level_purchasing: int
) -> CoverageSettings:
    values = {
        "min_level_executive": min_level_executive,
        "min_level_middle_management": min_level_middle_management,
        "min_level_operational": min_level_operational,
        "min_level_purchasing": min_level_purchasing,
    }
    top = max(level_names(), default=None)
    too_high = {
        name: f"The active hierarchy model has {top} levels: a minimum of {value} could never be met."
        for name, value in values.items()
        if top is not None and value is not None and value > top
    }
    if too_high:
        raise ValidationError(too_high)
    row = CoverageSettings.objects.select_for_update().first()
    before = {name: getattr(row if row is not None else CoverageSettings(), name) for name in values}
    if row is None:
        row = CoverageSettings(tenant_id=current_tenant_id(), **values)
        row.full_clean(exclude=["tenant"], validate_constraints=False)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            row = CoverageSettings.objects.select_for_update().get()
            before = {name: getattr(row, name) for name in values}
        else:
            _audit_coverage(row, before, values)
            return row
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean(exclude=["tenant"], validate_constraints=False)
    row.save(update_fields=[*values, "updated_at"])
    _audit_coverage(row, before, values)
    return row


def _audit_coverage(row: CoverageSettings, before: dict, after: dict) -> None:
    changes = audit_changes(before, after)
    if changes:
        audit_record(
            action=AuditAction.COVERAGE_SETTINGS_CHANGED, target=row, target_label="Coverage settings", changes=changes
        )


# --- Coverage summary (the dashboard's figures) ---------------------------------------------------

SUMMARY_DEBOUNCE_SECONDS = 5  # changes within this window share one refresh


def coverage_summary_refresh() -> CoverageSummary:
    """Counts the tenant's coverage gaps now (selectors.coverage_counts, one set-based statement) and
    stores them with the time. An upsert, so two refreshes at once cannot both insert."""
    row = CoverageSummary(tenant_id=current_tenant_id(), counts=coverage_counts(), computed_at=timezone.now())
    CoverageSummary.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["tenant"], update_fields=["counts", "computed_at", "updated_at"]
    )
    return row


def summary_debounce_key(tenant_id: int) -> str:
    return f"keyplayers:coverage-summary:{tenant_id}"


# A summary older than this is refreshed in the background when it is read: it catches the changes no
# signal announces (see keyplayers.apps). The page never waits for the count.
SUMMARY_MAX_AGE = dt.timedelta(minutes=10)


def coverage_summary_current(*, tenant_id: int) -> CoverageSummary:
    """The stored coverage figures for the dashboard and the coverage page: counted now only on the
    tenant's first view, else read (one query) and refreshed in the background when old."""
    summary = CoverageSummary.objects.first()
    if summary is None:
        return coverage_summary_refresh()
    if timezone.now() - summary.computed_at > SUMMARY_MAX_AGE:
        coverage_summary_refresh_soon(tenant_id=tenant_id)
    return summary


def coverage_summary_refresh_soon(*, tenant_id: int) -> None:
    """After the current transaction commits, queue one refresh of the tenant's summary, at most one per
    debounce window: changes in the window are picked up by the queued run (the task deletes the key
    when it starts, so a change during the run queues another). A broker that is down must not turn a
    saved change into an error page: the failure is logged, and the next dashboard view that finds
    the summary old queues it again."""
    from keyplayers.tasks import refresh_coverage_summary_task

    def enqueue():
        if shared_cache.add(summary_debounce_key(tenant_id), 1, timeout=SUMMARY_DEBOUNCE_SECONDS + 60):
            refresh_coverage_summary_task.apply_async(args=[tenant_id], countdown=SUMMARY_DEBOUNCE_SECONDS)

    transaction.on_commit(enqueue, robust=True)
