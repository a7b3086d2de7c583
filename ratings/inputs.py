"""The rating inputs ("account signals" in the policy editor), set-based: one SQL statement computes
every input for all of a tenant's accounts.

Each source below is an ordinary queryset through the tenant-scoped managers (so it carries the
tenant filter, and row-level security applies on PostgreSQL), grouped by account. They are compiled
to SQL and joined to the accounts in one statement (`signals_sql`), which ratings.scoring wraps with
the points, the score and the rating. Nothing here writes.

Definitions (what the policy editor and the "why" panel describe):
- exec_level: the best effective level (hierarchy: the customer's own level when given, else ours)
  among relationships with the account's *executive* key players whose contact is still there; an
  account with no such key player falls back to Account.current_level. Executive key players without
  any assessed relationship give no value (the criterion's "missing" points).
- highest_level: Account.current_level (hierarchy keeps it: the highest effective level among
  relationships with contacts still there).
- potential_gap: Account.potential_level − Account.current_level.
- classification: Account.classification.
- revenue / revenue_growth: the latest FinancialPeriod's revenue (by period start) and its change
  against the period before in per cent (none when there is no earlier period or it was 0); periods in
  the tenant's currency only (Tenant.currency), since amounts in different currencies are never compared.
- pipeline: sum of open opportunities' values (stage not won/lost) in the tenant's currency; 0 without any.
- days_since_contact: whole days since Account.last_contact_at (plans' call reports keep it).
- keyplayer_coverage: per cent of the account's key players (contact still there) with whom at least
  one of our people has a relationship.
- survey_level: the highest customer-survey level among relationships with contacts still there.

Declassified accounts are not rated: they have no signals here (see accounts_source), so the recompute
leaves them (their last rating and history stay as they were) and the draft preview does not count them.

What keyplayers and plans know comes from their per-account selectors (grouped querysets, compiled
into the statement here), never from their models.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, F, Max, Subquery, Window
from django.db.models.functions import RowNumber

from accounts.models import Account, AccountStatus, FinancialPeriod
from keyplayers.selectors import reach_per_account
from plans.selectors import (
    actions_opened_per_account,
    calls_per_account,
    open_pipeline_per_account,
    visits_held_per_account,
)
from tenancy.context import current_tenant_id
from tenancy.models import Tenant

Cte = tuple[str, str, list]  # (name, sql, params)


def compiled(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _for_accounts(queryset, account_ids, field="account_id"):
    return queryset if account_ids is None else queryset.filter(**{f"{field}__in": list(account_ids)})


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def db_datetime(value):
    """A datetime as a parameter of hand-composed SQL (SQLite stores text)."""
    return value if is_postgres() else connection.ops.adapt_datetimefield_value(value)


def days_between(now_placeholder: str, column: str) -> str:
    """Whole days from `column` to the parameter `now_placeholder`, never negative. The placeholder
    appears twice in the SQL: pass the value twice."""
    if is_postgres():
        days = f"FLOOR(EXTRACT(EPOCH FROM (CAST({now_placeholder} AS TIMESTAMP WITH TIME ZONE) - {column})) / 86400)"
    else:
        days = f"(julianday({now_placeholder}) - julianday({column}))"
    return f"(CASE WHEN {column} IS NULL THEN NULL WHEN {days} < 0 THEN 0 ELSE CAST({days} AS INTEGER) END)"


# --- sources (each one a scoped queryset grouped by account) --------------------------------------


def accounts_source(account_ids=None):
    """The accounts that are rated: every account of the tenant except declassified ones. The recompute,
    the draft preview and the declassification rule all start here, so they agree with the ratings
    list (selectors.rated_accounts), which leaves declassified accounts out too."""
    return (
        _for_accounts(Account.objects.exclude(status=AccountStatus.DECLASSIFIED), account_ids, "pk")
        .values(
            "id",
            "current_level",
            "potential_level",
            "classification",
            "last_contact_at",
            "rating",
            "status",
            "created_at",
        )
        .order_by()
    )


def survey_levels_source(account_ids=None):
    from hierarchy.models import Relationship

    return (
        _for_accounts(Relationship.objects.filter(contact__is_active=True, customer_level__isnull=False), account_ids)
        .values("account_id")
        .annotate(survey_level=Max("customer_level"))
        .order_by()
    )


def _account_ids(account_ids) -> dict | None:
    """accounts.selectors.on_accounts' narrowing to `account_ids` (None: the whole tenant)."""
    return None if account_ids is None else {"pk__in": list(account_ids)}


def _tenant_currency_sql():
    """The tenant's currency inside the statement (no query of its own: the recompute's count stays fixed)."""
    return Subquery(Tenant.objects.filter(pk=current_tenant_id()).values("currency")[:1])


def financials_source(account_ids=None):
    """Every period numbered from the latest (rn = 1) per account; signals_sql keeps rn ≤ 2."""
    # Amounts in different currencies are never added or compared: only the tenant's currency counts.
    return (
        _for_accounts(FinancialPeriod.objects.filter(currency=_tenant_currency_sql()), account_ids)
        .annotate(rn=Window(RowNumber(), partition_by=[F("account_id")], order_by=F("period_start").desc()))
        .values("account_id", "revenue", "rn")
        .order_by()
    )


# --- the statement -------------------------------------------------------------------------------


def _sub(name: str, queryset) -> Cte:
    sql, params = compiled(queryset)
    return name, sql, params


def signal_ctes(*, account_ids=None) -> list[Cte]:
    """The common table expressions of signals_sql, in order (the last one is `sig`)."""
    ctes = [_sub("acc", accounts_source(account_ids)), _sub("srv", survey_levels_source(account_ids))]
    fin_sql, fin_params = compiled(financials_source(account_ids))
    ctes.append(
        (
            "fin",
            "SELECT fw.account_id, MAX(CASE WHEN fw.rn = 1 THEN fw.revenue END) AS revenue, "
            "MAX(CASE WHEN fw.rn = 2 THEN fw.revenue END) AS prev_revenue "
            f"FROM ({fin_sql}) fw WHERE fw.rn <= 2 GROUP BY fw.account_id",
            fin_params,
        )
    )
    ctes.append(_sub("kp", reach_per_account(accounts=_account_ids(account_ids))))
    # Amounts in different currencies are never added or compared: only the tenant's currency counts.
    ctes.append(
        _sub("pipe", open_pipeline_per_account(currency=_tenant_currency_sql(), accounts=_account_ids(account_ids)))
    )
    return ctes


def signals_select(*, now) -> tuple[str, list]:
    """SELECT of one row per account with every signal (from the CTEs of signal_ctes)."""
    growth = (
        "CASE WHEN fin.prev_revenue > 0 THEN ROUND((fin.revenue - fin.prev_revenue) * 100.0 / fin.prev_revenue, 2) END"
    )
    coverage = "CASE WHEN kp.players > 0 THEN ROUND(kp.reached * 100.0 / kp.players, 2) END"
    sql = (
        "SELECT acc.id AS account_id, "
        "CASE WHEN COALESCE(kp.executives, 0) > 0 THEN kp.executive_best ELSE acc.current_level END AS exec_level, "
        "acc.current_level AS highest_level, "
        "acc.potential_level - acc.current_level AS potential_gap, "
        "acc.classification AS classification, "
        "fin.revenue AS revenue, "
        f"{growth} AS revenue_growth, "
        "COALESCE(pipe.pipeline, 0) AS pipeline, "
        f"{days_between('%s', 'acc.last_contact_at')} AS days_since_contact, "
        f"{coverage} AS keyplayer_coverage, "
        "srv.survey_level AS survey_level, "
        "acc.rating AS stored_rating "
        "FROM acc "
        "LEFT JOIN srv ON srv.account_id = acc.id "
        "LEFT JOIN fin ON fin.account_id = acc.id "
        "LEFT JOIN kp ON kp.account_id = acc.id "
        "LEFT JOIN pipe ON pipe.account_id = acc.id"
    )
    return sql, [db_datetime(now)] * 2


def with_clause(ctes: Iterable[Cte]) -> tuple[str, list]:
    parts, params = [], []
    for name, sql, cte_params in ctes:
        parts.append(f"{name} AS ({sql})")
        params.extend(cte_params)
    return "WITH " + ", ".join(parts), params


def signals_ctes_with_sig(*, now, account_ids=None) -> list[Cte]:
    ctes = signal_ctes(account_ids=account_ids)
    sig_sql, sig_params = signals_select(now=now)
    return [*ctes, ("sig", sig_sql, sig_params)]


def account_signals(*, now, account_ids=None) -> dict[int, dict]:
    """{account_id: {signal: value}} — for tests and diagnostics; the recompute never loads this."""
    head, params = with_clause(signals_ctes_with_sig(now=now, account_ids=account_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"{head} SELECT * FROM sig", params)
        names = [c[0] for c in cursor.description]
        return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}


# --- declassification evidence -------------------------------------------------------------------


def declassification_ctes(*, since, now, account_ids=None, strategic_only: bool = False) -> list[Cte]:
    """Per account, over the window from `since` to `now`:
    - lvl: the highest level assessed (any source) under the active hierarchy model, and how many;
    - disc: the discount trend: the least-squares slope of discount % over the financial periods ending
      in the window (percentage points per day; NULL with fewer than two periods), and the average;
    - calls, vis, act, seats: our investment: call reports, visits held (not cancelled), plan actions
      opened in the window, and the seats on the account team today.
    `strategic_only`: every part limited to strategic accounts (the list's candidates; the rule flags no
    other), so the aggregates read a fraction of the tenant's rows."""
    from accounts.models import AccountTeamMember
    from hierarchy.models import Assessment

    def scoped(queryset, path="account__"):
        return queryset.filter(**{f"{path}classification": "strategic"}) if strategic_only else queryset

    ctes = [_sub("acc", scoped(accounts_source(account_ids), ""))]
    # Levels of the active hierarchy model only: another model's numbers mean something else.
    ctes.append(
        _sub(
            "lvl",
            _for_accounts(
                scoped(Assessment.objects.filter(assessed_at__gte=since, hierarchy_model__is_active=True)), account_ids
            )
            .values("account_id")
            .annotate(max_level=Max("level"), assessments=Count("pk"))
            .order_by(),
        )
    )
    periods_sql, periods_params = compiled(
        _for_accounts(
            scoped(FinancialPeriod.objects.filter(period_end__gte=since.date(), discount_pct__isnull=False)),
            account_ids,
        )
        .values("account_id", "discount_pct", "period_end")
        .order_by()
    )
    if is_postgres():
        day = "(fp.period_end - CAST(%s AS date))"
    else:
        day = "(julianday(fp.period_end) - julianday(%s))"
    denominator = "(COUNT(*) * SUM(d.x * d.x) - SUM(d.x) * SUM(d.x))"
    ctes.append(
        (
            "disc",
            "SELECT d.account_id, COUNT(*) AS periods, AVG(d.y) AS avg_discount, "
            f"CASE WHEN COUNT(*) >= 2 AND {denominator} <> 0 THEN "
            f"(COUNT(*) * SUM(d.x * d.y) - SUM(d.x) * SUM(d.y)) * 1.0 / {denominator} END AS slope "
            f"FROM (SELECT fp.account_id, fp.discount_pct AS y, {day} AS x FROM ({periods_sql}) fp) d "
            "GROUP BY d.account_id",
            [since.date().isoformat() if not is_postgres() else since.date(), *periods_params],
        )
    )
    ctes.append(
        _sub(
            "seats",
            _for_accounts(scoped(AccountTeamMember.objects.all()), account_ids)
            .values("account_id")
            .annotate(seats=Count("pk"))
            .order_by(),
        )
    )
    accounts = {**(_account_ids(account_ids) or {}), **({"classification": "strategic"} if strategic_only else {})}
    ctes.append(_sub("calls", calls_per_account(since=since, accounts=accounts)))
    ctes.append(_sub("vis", visits_held_per_account(since=since, until=now, accounts=accounts)))
    ctes.append(_sub("act", actions_opened_per_account(since=since, accounts=accounts)))
    return ctes
