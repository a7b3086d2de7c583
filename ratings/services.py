"""Every write of the ratings app.

- Policies: policy_defaults_ensure, policy_draft_save, policy_activate, policy_discard.
- The recompute: ratings_recompute — set-based; a fixed number of statements for any number of
  accounts (see the docstring), one at a time per tenant.
- Overrides: override_set, override_clear, overrides_expire (ended ones: the hourly sweep and every
  recompute clear them and put the computed rating back on Account.rating; until then the reads that
  look at the override itself already ignore an ended one, but the stored Account.rating does not).
- Declassification: declassification_decide.
- Triggers: recompute_account_soon — debounced, recorded in the outbox, sent after commit (called by
  ratings.apps receivers); ratings_recompute_soon and policy_activate for the whole tenant.
"""

import datetime as dt
import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Account, AccountStatus
from ratings.criteria import criteria_errors, criteria_normalise, default_criteria
from ratings.models import (
    RATINGS,
    AccountRating,
    DeclassificationReview,
    PolicyStatus,
    RatingOverride,
    RatingPolicy,
    RatingSnapshot,
    ReviewDecision,
)
from ratings.scoring import breakdown_sql, scored_select
from ratings.selectors import DISTRIBUTION as RATING_DISTRIBUTION
from ratings.selectors import RECOMPUTE_TENANT_KEY, candidates_figure, recompute_key
from ratings.inputs import db_datetime, is_postgres, signals_ctes_with_sig, with_clause
from tenancy import shared_cache
from tenancy.audit import audit_changes, audit_record, audit_record_many
from tenancy.context import current_tenant_id
from tenancy.models import AuditAction
from tenancy.outbox import enqueue_on_commit

log = logging.getLogger(__name__)

DEFAULT_POLICY = {
    "threshold_a": 70,
    "threshold_b": 50,
    "threshold_c": 30,
    "cadence_a_days": 14,
    "cadence_b_days": 30,
    "cadence_c_days": 90,
    "cadence_d_days": 180,
    "cadence_inside_sales_days": 60,
    "cadence_self_service_days": 180,
    "declass_levels_below_top": 3,
    "declass_months": 12,
    "declass_min_discount_rise": 2,
    "declass_min_investment": 8,
}
POLICY_FIELDS = (
    "note",
    "criteria",
    "threshold_a",
    "threshold_b",
    "threshold_c",
    "cadence_a_days",
    "cadence_b_days",
    "cadence_c_days",
    "cadence_d_days",
    "cadence_inside_sales_days",
    "cadence_self_service_days",
    "declass_levels_below_top",
    "declass_months",
    "declass_min_discount_rise",
    "declass_min_investment",
)
LOCK_CLASS = 0x5241  # first key of pg_advisory_xact_lock(int, int): "ratings"; the second is the tenant
MAX_OVERRIDE_DAYS = 366


RECOMPUTE_TASK = "ratings.recompute_ratings"


def _recompute_on_commit(tenant_id: int, account_id: int | None = None, *, countdown: int = 0) -> None:
    """Record a recompute in this transaction (tenancy.outbox): sent after commit, and by the outbox
    sweep if the broker is down then, so a saved change always reaches the rating within minutes. One
    waiting recompute per account (or per tenant): later changes join it until it starts."""
    if account_id is None:
        enqueue_on_commit(RECOMPUTE_TASK, tenant_id, dedupe_key=RECOMPUTE_TENANT_KEY)
    else:
        enqueue_on_commit(
            RECOMPUTE_TASK, tenant_id, account_id, dedupe_key=recompute_key(account_id), countdown=countdown
        )


# --- Policies -----------------------------------------------------------------------------------


def policy_defaults_ensure(*, tenant_id: int | None = None) -> RatingPolicy:
    """The tenant's active policy; version 1 with the defaults the first time a tenant needs one.
    Safe to call concurrently and repeatedly."""
    active = RatingPolicy.objects.filter(status=PolicyStatus.ACTIVE).first()
    if active is not None:
        return active
    tenant_id = tenant_id or current_tenant_id()
    try:
        with transaction.atomic():
            version = (RatingPolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
            policy = RatingPolicy(
                tenant_id=tenant_id,
                version=version,
                status=PolicyStatus.ACTIVE,
                criteria=default_criteria(),
                note="Defaults",
                activated_at=timezone.now(),
                **DEFAULT_POLICY,
            )
            policy.full_clean(exclude=["tenant"], validate_constraints=False)
            policy.save()
    except IntegrityError:
        pass  # another request created it at the same moment
    return RatingPolicy.objects.get(status=PolicyStatus.ACTIVE)


def _apply_policy_fields(policy: RatingPolicy, fields: dict) -> None:
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown policy fields: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(policy, name, value)
    if "criteria" in fields and not criteria_errors(policy.criteria):
        policy.criteria = criteria_normalise(policy.criteria)


@transaction.atomic
def policy_draft_save(*, by, draft: RatingPolicy | None = None, **fields) -> RatingPolicy:
    """Creates the tenant's draft (a copy of the active version with `fields` changed) or changes the
    existing draft. Validates everything: criteria, thresholds in order, cadence, the rule."""
    active = policy_defaults_ensure()
    if draft is None:
        existing = RatingPolicy.objects.select_for_update().filter(status=PolicyStatus.DRAFT).first()
        if existing is not None:
            raise ValidationError(f"There is already a draft (version {existing.version}); edit or discard it.")
        version = (RatingPolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        draft = RatingPolicy(
            tenant_id=active.tenant_id,
            version=version,
            status=PolicyStatus.DRAFT,
            created_by=by,
            **{name: getattr(active, name) for name in POLICY_FIELDS if name != "note"},
        )
        _apply_policy_fields(draft, fields)
        draft.full_clean(exclude=["tenant"], validate_constraints=False)
        try:
            with transaction.atomic():
                draft.save()
        except IntegrityError:
            raise ValidationError(
                "Someone else started a draft at the same moment; open it and edit that one."
            ) from None
        # A new draft starts from the active version, with a note of its own.
        _audit_policy_draft(draft, before={**{name: getattr(active, name) for name in POLICY_FIELDS}, "note": ""})
        return draft
    draft = RatingPolicy.objects.select_for_update().get(pk=draft.pk)
    if not draft.is_draft:
        raise ValidationError(
            f"Version {draft.version} is {draft.get_status_display().lower()}: only a draft can "
            "be changed. Edit the policy to start a new draft."
        )
    before = {name: getattr(draft, name) for name in POLICY_FIELDS}
    _apply_policy_fields(draft, fields)
    draft.full_clean(exclude=["tenant"], validate_constraints=False)
    draft.save(update_fields=[*fields, "updated_at"])
    _audit_policy_draft(draft, before=before)
    return draft


def _audit_policy_draft(draft: RatingPolicy, *, before: dict) -> None:
    """A draft's fields that differ from what it started from (the active version, or the draft before)."""
    changes = audit_changes(before, {name: getattr(draft, name) for name in POLICY_FIELDS})
    if changes:
        audit_record(
            action=AuditAction.RATING_POLICY_DRAFT_SAVED,
            target=draft,
            target_label=f"Rating policy version {draft.version}",
            changes=changes,
        )


@transaction.atomic
def policy_activate(*, policy: RatingPolicy, by) -> RatingPolicy:
    """Makes the draft the active version (the previous one is retired and stays readable) and
    recomputes every account's rating after commit."""
    policy = RatingPolicy.objects.select_for_update().get(pk=policy.pk)
    if not policy.is_draft:
        raise ValidationError(
            f"Version {policy.version} is {policy.get_status_display().lower()}, not a draft: "
            "only a draft can be activated."
        )
    policy.full_clean(exclude=["tenant"], validate_constraints=False)
    now = timezone.now()
    previous = RatingPolicy.objects.filter(status=PolicyStatus.ACTIVE).values_list("version", flat=True).first()
    RatingPolicy.objects.select_for_update().filter(status=PolicyStatus.ACTIVE).update(
        status=PolicyStatus.RETIRED, retired_at=now, updated_at=now
    )
    audit_record(
        action=AuditAction.RATING_POLICY_ACTIVATED,
        target=policy,
        target_label=f"Rating policy version {policy.version}",
        changes={"active version": (previous, policy.version)},
    )
    policy.status, policy.activated_at, policy.activated_by = PolicyStatus.ACTIVE, now, by
    policy.save(update_fields=["status", "activated_at", "activated_by", "updated_at"])
    _recompute_on_commit(policy.tenant_id)
    return policy


@transaction.atomic
def policy_discard(*, policy: RatingPolicy) -> None:
    if not policy.is_draft:
        raise ValidationError(
            f"Version {policy.version} is {policy.get_status_display().lower()}; only a draft "
            "can be discarded (old versions are kept)."
        )
    if RatingPolicy.objects.filter(pk=policy.pk, status=PolicyStatus.DRAFT).delete()[0]:
        audit_record(
            action=AuditAction.RATING_POLICY_DISCARDED,
            target=policy,
            target_label=f"Rating policy version {policy.version}",
            changes={"status": ("draft", None)},
        )


# --- The recompute ------------------------------------------------------------------------------


@dataclass
class RecomputeResult:
    policy_version: int
    accounts: int
    snapshots: int
    states_written: int
    ratings_changed: int
    overrides_expired: int

    def as_dict(self) -> dict:
        return asdict(self)


def _lock_tenant(tenant_id: int) -> None:
    """One recompute per tenant at a time: a transaction-level advisory lock (PostgreSQL); a second
    recompute waits, then works on what the first one committed. SQLite serialises writers anyway.
    The same statement tunes this transaction only (see batch_settings_sql)."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock(%s, %s), {BATCH_SETTINGS}", [LOCK_CLASS, tenant_id % 2**31])


# For the one big scoring statement, transaction-local (a pooled connection never keeps them): no JIT
# (compiling the CASE expressions costs more than it saves — seconds at 100,000 accounts) and enough
# memory for the per-account aggregates to hash and sort in memory.
BATCH_SETTINGS = "set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


TEMP = "ratings_recompute_scores"


@transaction.atomic
def ratings_recompute(*, account_id: int | None = None, now: dt.datetime | None = None) -> RecomputeResult:
    """Recomputes the ratings of all the tenant's accounts (or one) under the active policy.

    Statements, whatever the number of accounts (9): advisory lock; clear expired overrides; active
    policy; CREATE TEMP TABLE of every account's signals, points, score, rating, breakdown, previous
    state and override (one SELECT: signal aggregates as CTEs, scoring as CASE expressions); INSERT the
    snapshots of accounts whose rating or score changed; upsert AccountRating where anything changed;
    UPDATE Account.rating to the effective rating where it differs; count; drop the temp table.
    """
    tenant_id = current_tenant_id()
    now = now or timezone.now()
    _lock_tenant(tenant_id)
    expired = RatingOverride.objects.filter(cleared_at__isnull=True, expires_at__lte=now)
    if account_id is not None:
        expired = expired.filter(account_id=account_id)
    overrides_expired = expired.update(cleared_at=now, cleared_reason="expired", updated_at=now)
    policy = policy_defaults_ensure(tenant_id=tenant_id)

    ctes = signals_ctes_with_sig(now=now, account_ids=None if account_id is None else [account_id])
    ctes.append(("scored", *scored_select(policy)))
    head, params = with_clause(ctes)
    when = db_datetime(now)
    on_commit_drop = " ON COMMIT DROP" if is_postgres() else ""
    create = (
        f"CREATE TEMPORARY TABLE {TEMP}{on_commit_drop} AS {head} "
        f"SELECT s.account_id, s.score, s.rating, {breakdown_sql(policy, 's')} AS breakdown, "
        "ar.id AS current_id, ar.rating AS prev_rating, ar.score AS prev_score, ar.policy_id AS prev_policy_id, "
        "ar.breakdown AS prev_breakdown, COALESCE(ov.rating, s.rating) AS effective, s.stored_rating "
        f"FROM scored s LEFT JOIN {_table(AccountRating)} ar ON ar.account_id = s.account_id AND ar.tenant_id = %s "
        f"LEFT JOIN {_table(RatingOverride)} ov ON ov.account_id = s.account_id AND ov.tenant_id = %s "
        "AND ov.cleared_at IS NULL AND ov.expires_at > %s"
    )
    changed = "(t.current_id IS NULL OR t.prev_rating <> t.rating OR t.prev_score <> t.score)"
    columns = "tenant_id, created_at, updated_at, account_id, policy_id, rating, score, breakdown, computed_at"
    with connection.cursor() as cursor:
        cursor.execute(create, [*params, tenant_id, tenant_id, when])
        cursor.execute(
            f"INSERT INTO {_table(RatingSnapshot)} ({columns}) "
            f"SELECT %s, %s, %s, t.account_id, %s, t.rating, t.score, t.breakdown, %s FROM {TEMP} t WHERE {changed}",
            [tenant_id, when, when, policy.pk, when],
        )
        snapshots = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {_table(AccountRating)} ({columns}) "
            f"SELECT %s, %s, %s, t.account_id, %s, t.rating, t.score, t.breakdown, %s FROM {TEMP} t "
            f"WHERE {changed} OR t.prev_policy_id <> %s OR t.prev_breakdown <> t.breakdown "
            "ON CONFLICT (tenant_id, account_id) DO UPDATE SET policy_id = excluded.policy_id, "
            "rating = excluded.rating, score = excluded.score, breakdown = excluded.breakdown, "
            "computed_at = excluded.computed_at, updated_at = excluded.updated_at",
            [tenant_id, when, when, policy.pk, when, policy.pk],
        )
        states_written = cursor.rowcount
        account_table = _table(Account)
        cursor.execute(
            f"UPDATE {account_table} SET rating = t.effective FROM {TEMP} t "
            f"WHERE {account_table}.id = t.account_id AND {account_table}.tenant_id = %s "
            f"AND {account_table}.rating <> t.effective",
            [tenant_id],
        )
        ratings_changed = cursor.rowcount
        if ratings_changed:
            shared_cache.tenant_figure_changed(RATING_DISTRIBUTION)
        cursor.execute(f"SELECT COUNT(*) FROM {TEMP}")
        accounts = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {TEMP}")
    result = RecomputeResult(
        policy_version=policy.version,
        accounts=accounts,
        snapshots=snapshots,
        states_written=states_written,
        ratings_changed=ratings_changed,
        overrides_expired=overrides_expired,
    )
    log.info("ratings recompute tenant=%s account=%s %s", tenant_id, account_id, result.as_dict())
    return result


def debounce_seconds() -> int:
    return int(getattr(settings, "RATINGS_DEBOUNCE_SECONDS", 10))


def ratings_recompute_soon(*, tenant_id: int) -> None:
    """Queue a recompute of the whole tenant after commit (the "Recompute now" button)."""
    _recompute_on_commit(tenant_id)


def recompute_account_soon(*, tenant_id: int, account_id: int) -> None:
    """Queue one recompute of the account, due a debounce window after this change: changes in the
    window join the waiting recompute; a change once it has started queues another. Recorded in the
    current transaction (the outbox), so a rolled-back change queues nothing."""
    _recompute_on_commit(tenant_id, account_id, countdown=debounce_seconds())


def recompute_tenant_soon(*, tenant_id: int) -> None:
    """Queue one recompute of every account of the tenant (e.g. after the hierarchy model switched:
    every level and the level criteria's top changed). Recorded in the current transaction (the outbox)."""
    _recompute_on_commit(tenant_id)


# --- Overrides ----------------------------------------------------------------------------------


def _sync_account_rating(account_ids, now) -> None:
    """Account.rating := the override in force, else the computed rating (else blank). One UPDATE."""
    in_force = RatingOverride.objects.filter(
        account_id=OuterRef("pk"), cleared_at__isnull=True, expires_at__gt=now
    ).values("rating")[:1]
    computed = AccountRating.objects.filter(account_id=OuterRef("pk")).values("rating")[:1]
    Account.objects.filter(pk__in=list(account_ids)).update(
        rating=Coalesce(Subquery(in_force), Subquery(computed), Value(""))
    )
    shared_cache.tenant_figure_changed(RATING_DISTRIBUTION)


@transaction.atomic
def overrides_expire(*, now: dt.datetime | None = None) -> int:
    """Clears the tenant's overrides that have ended and puts the computed rating back on those
    accounts (two statements). The reads that look at the override ignore an ended one anyway; this
    keeps the stored Account.rating, which the lists filter on, in step between nightly recomputes
    (beat runs it hourly: ratings.expire_overrides_all_tenants)."""
    now = now or timezone.now()
    _lock_tenant(current_tenant_id())  # not in the middle of a recompute (see override_set)
    ended = list(
        RatingOverride.objects.select_for_update()
        .filter(cleared_at__isnull=True, expires_at__lte=now)
        .values_list("pk", "account_id", "rating")
    )
    if not ended:
        return 0
    RatingOverride.objects.filter(pk__in=[pk for pk, *_ in ended]).update(
        cleared_at=now, cleared_reason="expired", updated_at=now
    )
    accounts = Account.objects.only("name").in_bulk({account_id for _, account_id, _ in ended})
    audit_record_many(
        (AuditAction.MANUAL_RATING_EXPIRED, accounts[account_id], {"manual rating": (rating, None)})
        for _, account_id, rating in ended
    )
    _sync_account_rating({account_id for _, account_id, _ in ended}, now)
    return len(ended)


@transaction.atomic
def override_set(*, account: Account, rating: str, reason: str, expires_at: dt.datetime, by) -> RatingOverride:
    """Sets a manual rating until `expires_at`, replacing any override in force; Account.rating follows."""
    now = timezone.now()
    errors = {}
    if rating not in RATINGS:
        errors["rating"] = f"Choose A, B, C or D (got {rating!r})."
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Say why this account's rating should differ from the computed one."
    if expires_at is None:
        errors["expires_at"] = "Give the date the override ends."
    elif expires_at <= now:
        errors["expires_at"] = "The expiry must be in the future."
    elif expires_at > now + dt.timedelta(days=MAX_OVERRIDE_DAYS):
        errors["expires_at"] = "An override can last at most a year; set it again when it ends if it still applies."
    if errors:
        raise ValidationError(errors)
    # The tenant's recompute lock first: a recompute running now has already read the overrides, and its
    # final UPDATE of Account.rating would put the computed rating over the one saved here. Waiting for
    # it (seconds at most) makes the next statements see its result, and a later one see this override.
    _lock_tenant(account.tenant_id)
    Account.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True).first()
    replaced = (
        RatingOverride.objects.filter(account=account, cleared_at__isnull=True).values_list("rating", flat=True).first()
    )
    RatingOverride.objects.filter(account=account, cleared_at__isnull=True).update(
        cleared_at=now, cleared_by=by, cleared_reason="replaced", updated_at=now
    )
    override = RatingOverride(
        tenant_id=account.tenant_id, account=account, rating=rating, reason=reason, expires_at=expires_at, set_by=by
    )
    override.full_clean(exclude=["tenant"])
    override.save()
    audit_record(
        action=AuditAction.MANUAL_RATING_SET,
        target=account,
        changes={"manual rating": (replaced, rating), "reason": (None, reason), "until": (None, expires_at)},
    )
    _sync_account_rating([account.pk], now)
    return override


@transaction.atomic
def override_clear(*, account: Account, by) -> int:
    _lock_tenant(account.tenant_id)  # not in the middle of a recompute (see override_set)
    now = timezone.now()
    in_force = (
        RatingOverride.objects.filter(account=account, cleared_at__isnull=True).values_list("rating", flat=True).first()
    )
    cleared = RatingOverride.objects.filter(account=account, cleared_at__isnull=True).update(
        cleared_at=now, cleared_by=by, cleared_reason="removed", updated_at=now
    )
    if not cleared:
        raise ValidationError("This account has no manual rating to remove.")
    audit_record(action=AuditAction.MANUAL_RATING_CLEARED, target=account, changes={"manual rating": (in_force, None)})
    _sync_account_rating([account.pk], now)
    return cleared


# --- Declassification ---------------------------------------------------------------------------


@transaction.atomic
def declassification_decide(
    *, account: Account, decision: str, reason: str, by, review_again_on: dt.date | None = None, coverage: str = ""
) -> DeclassificationReview:
    """Records an admin's decision on a flagged account, with the evidence as it stood. Declassify goes
    through accounts.services.account_declassify: the account becomes tactical (a ClassificationChange
    with the reason), its status declassified, and it moves to `coverage` (inside sales or self-service),
    which keeps a contact cadence of its own. Keep leaves it and stops the flag until `review_again_on`
    (default: in 6 months)."""
    from accounts.services import account_declassify
    from ratings.selectors import declassification_evidence

    errors = {}
    reason = (reason or "").strip()
    if decision not in ReviewDecision.values:
        errors["decision"] = "Choose declassify or keep."
    if not reason:
        errors["reason"] = "Give the reason for the decision; it stays on the account's record."
    today = timezone.localdate()
    if decision == ReviewDecision.KEEP:
        review_again_on = review_again_on or today + dt.timedelta(days=182)
        if review_again_on <= today:
            errors["review_again_on"] = "The next review must be after today."
    else:
        review_again_on = None
    locked = Account.objects.select_for_update().filter(pk=account.pk).values_list("status", flat=True).first()
    if locked == AccountStatus.DECLASSIFIED:
        errors["decision"] = f"{account.name} is already declassified."
    if errors:
        raise ValidationError(errors)
    evidence = declassification_evidence(account=account)
    review = DeclassificationReview(
        tenant_id=account.tenant_id,
        account=account,
        decision=decision,
        reason=reason,
        decided_by=by,
        policy=evidence.policy,
        review_again_on=review_again_on,
        evidence=evidence.as_json(),
    )
    review.full_clean(exclude=["tenant"])
    if decision == ReviewDecision.DECLASSIFY:
        account_declassify(account=account, reason=reason, coverage=coverage, by=by)
        shared_cache.tenant_figure_changed(RATING_DISTRIBUTION)
    review.save()
    shared_cache.tenant_figure_changed(candidates_figure(review.policy))  # decided: off the list at once
    return review
