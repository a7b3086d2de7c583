#!/usr/bin/env python
"""Benchmark of the ratings recompute at scale (not a test): one tenant with N accounts (default
100,000), every signal populated, recomputed by ratings.services.ratings_recompute() — the code the
Celery task runs — and compared with ONE hand-written SQL statement computing the same scores.

    createdb keystone_ratings_bench   # a database of its own (the script creates it when it may)
    DATABASE_URL=postgres://keystone_owner@127.0.0.1:5432/keystone_ratings_bench \\
        .venv/bin/python bench/ratings_recompute.py --accounts 100000

What it does:
1. migrates the database and generates the tenant set-based (INSERT … SELECT generate_series, inside
   tenant_context so row-level security applies): per account 2 contacts, 1–2 relationships, 2 key
   players, 2 financial periods, 2 opportunities (one open), 1 call report. Kept between runs (the
   data is reused when the tenant already has N accounts; --fresh drops and recreates the database).
2. times the recompute (wall clock, commit included) three times: first (every account new: a
   snapshot and a state row each), unchanged (nothing to write), and after 1 % of the open
   opportunities changed (a typical night). Peak Python memory (tracemalloc) and the process's peak
   RSS are reported, with the number of SQL statements.
3. times the hand-written statement below (executed and fetched; 3 runs each with the database's
   default settings and with the recompute's transaction-local ones) and checks it gives exactly the
   recompute's scores and ratings for every account. Ratio = recompute / the fastest statement run.
"""

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keystone.settings")
os.environ.setdefault("KEYSTONE_TESTING", "1")  # no production secrets needed; DEBUG stays off (no query log)
os.environ.setdefault("DATABASE_URL", "postgres://keystone_owner@127.0.0.1:5432/keystone_ratings_bench")


def _ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
                print(f"created database {name}")
    except psycopg.Error as error:
        print(f"(could not check/create the database {name}: {error}; continuing)")


if os.environ["DATABASE_URL"].startswith("postgres"):
    _ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Account, Contact, FinancialPeriod  # noqa: E402
from hierarchy.models import Relationship  # noqa: E402
from keyplayers.models import KeyPlayer  # noqa: E402
from plans.models import CallReport, Opportunity  # noqa: E402
from ratings import services  # noqa: E402
from ratings.criteria import default_criteria  # noqa: E402
from ratings.models import AccountRating, RatingPolicy, RatingSnapshot  # noqa: E402
from tenancy.context import tenant_context  # noqa: E402
from tenancy.models import Tenant, User  # noqa: E402

SLUG = "bench-ratings"

# --- data --------------------------------------------------------------------------------------------


def _insert_select(model, exprs: dict[str, str], source: str, params: list) -> int:
    """INSERT INTO <model> (every column) SELECT … FROM <source>: `exprs` gives the SQL of some
    columns; every other column gets the field's default (so new columns with defaults need no change)."""
    columns, values, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in exprs:
            values.append(exprs[field.name].replace("%", "%%"))  # modulo, not a placeholder
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("now()")
        elif field.null and not field.has_default():
            values.append("NULL")
        else:
            values.append("%s")
            defaults.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source.replace('%', '%%')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, defaults + params)
        return cursor.rowcount


def generate(tenant: Tenant, n: int, user: User) -> None:
    t = str(tenant.pk)
    with tenant_context(tenant.pk):
        started = time.perf_counter()
        _insert_select(
            Account,
            {
                "tenant": t,
                "name": "'Bench ' || lpad(g::text, 6, '0')",
                "external_id": "'RB-' || g",
                "classification": "(ARRAY['strategic', 'tactical', 'unqualified'])[1 + g % 3]",
                "potential_level": "1 + (g * 3) % 5",
                "current_level": "CASE WHEN g % 11 = 0 THEN NULL ELSE 1 + (g * 7) % 5 END",
                "last_contact_at": "CASE WHEN g % 13 = 0 THEN NULL ELSE now() - make_interval(days => g % 200, hours => g % 24) END",
                "status": "'customer'",
            },
            f"generate_series(1, {int(n)}) g",
            [],
        )
        accounts = f"accounts_account a WHERE a.tenant_id = {t}"
        _insert_select(
            Contact,
            {
                "tenant": t,
                "account": "a.id",
                "full_name": "a.name || ' person ' || k",
                "is_active": "NOT (a.id % 17 = 0 AND k = 2)",
            },
            f"accounts_account a CROSS JOIN generate_series(1, 2) k WHERE a.tenant_id = {t}",
            [],
        )
        contacts = f"accounts_contact c WHERE c.tenant_id = {t}"
        _insert_select(
            Relationship,
            {
                "tenant": t,
                "account": "c.account_id",
                "contact": "c.id",
                "user": str(user.pk),
                "owner": str(user.pk),
                "self_level": "CASE WHEN c.id % 9 = 0 THEN NULL ELSE 1 + c.id % 5 END",
                "customer_level": "CASE WHEN c.id % 3 = 0 THEN 1 + c.id % 4 END",
            },
            f"{contacts} AND (c.id % 2 = 1 OR c.id % 3 = 0)",
            [],
        )
        _insert_select(
            KeyPlayer,
            {
                "tenant": t,
                "account": "c.account_id",
                "contact": "c.id",
                "buying_role": "CASE WHEN c.id % 2 = 1 AND c.account_id % 4 <> 0 THEN 'executive' "
                "ELSE (ARRAY['middle_management', 'operational', 'purchasing'])[1 + c.id % 3] END",
            },
            contacts,
            [],
        )
        _insert_select(
            FinancialPeriod,
            {
                "tenant": t,
                "account": "a.id",
                "period_start": "make_date(y, 1, 1)",
                "period_end": "make_date(y, 12, 31)",
                "revenue": "(10000 * (1 + a.id % 150) + (y - 2024) * 7000 * (a.id % 9 - 3))::numeric(14, 2)",
                "discount_pct": "(a.id % 30)::numeric(5, 2)",
            },
            f"accounts_account a CROSS JOIN generate_series(2024, 2025) y WHERE a.tenant_id = {t} AND a.id % 19 <> 0",
            [],
        )
        _insert_select(
            Opportunity,
            {
                "tenant": t,
                "account": "a.id",
                "name": "a.name || ' deal ' || s",
                "stage": "s",
                "value": "(5000 * (1 + (a.id * 7) % 300))::numeric(14, 2)",
                "close_date": "DATE '2027-06-30'",
            },
            f"accounts_account a CROSS JOIN unnest(ARRAY['proposing', 'won']) s WHERE a.tenant_id = {t} AND a.id % 5 <> 0",
            [],
        )
        _insert_select(
            CallReport,
            {
                "tenant": t,
                "account": "a.id",
                "occurred_at": "now() - make_interval(days => (a.id % 200)::int)",
                "summary": "'Quarterly call'",
            },
            f"{accounts}",
            [],
        )
        with connection.cursor() as cursor:
            for model in (Account, Contact, Relationship, KeyPlayer, FinancialPeriod, Opportunity, CallReport):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    print(f"generated {n:,} accounts with their rows in {time.perf_counter() - started:.1f} s")


def recreate_database() -> None:
    """--fresh: the bench has a database of its own; drop it and start again."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    connection.close()
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    print(f"recreated database {name}")


# --- the hand-written statement -----------------------------------------------------------------------

HAND_SQL = """
WITH acc AS (
    SELECT id, current_level, potential_level, classification, last_contact_at
    FROM accounts_account WHERE tenant_id = %(t)s AND status <> 'declassified'
), survey AS (
    SELECT r.account_id, max(r.customer_level) AS level
    FROM hierarchy_relationship r JOIN accounts_contact c ON c.id = r.contact_id AND c.is_active
    WHERE r.tenant_id = %(t)s GROUP BY r.account_id
), players AS (
    SELECT k.account_id,
           count(DISTINCT k.contact_id) AS total,
           count(DISTINCT r.contact_id) AS covered,
           count(DISTINCT k.contact_id) FILTER (WHERE k.buying_role = 'executive') AS executives,
           max(coalesce(r.customer_level, r.self_level)) FILTER (WHERE k.buying_role = 'executive') AS executive_level
    FROM keyplayers_keyplayer k
    JOIN accounts_contact c ON c.id = k.contact_id AND c.is_active
    LEFT JOIN hierarchy_relationship r ON r.contact_id = k.contact_id
    WHERE k.tenant_id = %(t)s GROUP BY k.account_id
), money AS (
    SELECT account_id, (array_agg(revenue ORDER BY period_start DESC))[1] AS latest,
           (array_agg(revenue ORDER BY period_start DESC))[2] AS previous
    FROM accounts_financialperiod WHERE tenant_id = %(t)s GROUP BY account_id
), pipe AS (
    SELECT account_id, sum(value) AS open_value FROM plans_opportunity
    WHERE tenant_id = %(t)s AND stage NOT IN ('won', 'lost') GROUP BY account_id
), v AS (
    SELECT acc.id,
           CASE WHEN coalesce(players.executives, 0) > 0 THEN players.executive_level ELSE acc.current_level END AS exec_level,
           acc.current_level AS highest_level,
           acc.potential_level - acc.current_level AS gap,
           acc.classification,
           money.latest AS revenue,
           CASE WHEN money.previous > 0 THEN round((money.latest - money.previous) * 100.0 / money.previous, 2) END AS growth,
           coalesce(pipe.open_value, 0) AS pipeline,
           CASE WHEN acc.last_contact_at IS NULL THEN NULL
                ELSE greatest(0, floor(extract(epoch FROM (%(now)s::timestamptz - acc.last_contact_at)) / 86400)) END AS days,
           CASE WHEN players.total > 0 THEN round(players.covered * 100.0 / players.total, 2) END AS coverage,
           survey.level AS survey_level
    FROM acc LEFT JOIN survey ON survey.account_id = acc.id LEFT JOIN players ON players.account_id = acc.id
         LEFT JOIN money ON money.account_id = acc.id LEFT JOIN pipe ON pipe.account_id = acc.id
), s AS MATERIALIZED (  -- each score computed once, then used for the rating and the output
    SELECT id, round((
        20 * CASE WHEN exec_level IS NULL OR exec_level <= 1 THEN 0 WHEN exec_level >= 5 THEN 100 ELSE round((exec_level - 1) * 100.0 / 4, 2) END
      + 10 * CASE WHEN highest_level IS NULL OR highest_level <= 1 THEN 0 WHEN highest_level >= 5 THEN 100 ELSE round((highest_level - 1) * 100.0 / 4, 2) END
      + 10 * CASE WHEN gap >= 3 THEN 100 WHEN gap >= 2 THEN 70 WHEN gap >= 1 THEN 40 ELSE 0 END
      + 15 * CASE classification WHEN 'strategic' THEN 100 WHEN 'tactical' THEN 50 ELSE 0 END
      + 15 * CASE WHEN revenue >= 1000000 THEN 100 WHEN revenue >= 500000 THEN 60 WHEN revenue >= 100000 THEN 30 ELSE 0 END
      + 5 * CASE WHEN growth IS NULL OR growth <= -10 THEN 0 WHEN growth >= 20 THEN 100 ELSE round((growth + 10) * 100.0 / 30, 2) END
      + 10 * CASE WHEN pipeline >= 1000000 THEN 100 WHEN pipeline >= 250000 THEN 70 WHEN pipeline >= 50000 THEN 40 ELSE 0 END
      + 5 * CASE WHEN days IS NULL OR days >= 181 THEN 0 WHEN days >= 91 THEN 30 WHEN days >= 31 THEN 60 ELSE 100 END
      + 5 * CASE WHEN coverage IS NULL OR coverage <= 0 THEN 0 WHEN coverage >= 100 THEN 100 ELSE round(coverage * 100.0 / 100, 2) END
      + 5 * CASE WHEN survey_level IS NULL OR survey_level <= 1 THEN 0 WHEN survey_level >= 5 THEN 100 ELSE round((survey_level - 1) * 100.0 / 4, 2) END
    ) / 100.0, 2) AS score FROM v
)
SELECT id, score, CASE WHEN score >= 70 THEN 'A' WHEN score >= 50 THEN 'B' WHEN score >= 30 THEN 'C' ELSE 'D' END
FROM s
"""


def hand_scores(tenant_id: int, now, tuned: bool) -> dict:
    with tenant_context(tenant_id), connection.cursor() as cursor:
        if tuned:  # the recompute's transaction-local settings (ratings.services.BATCH_SETTINGS)
            cursor.execute(f"SELECT {services.BATCH_SETTINGS}")
        cursor.execute(HAND_SQL, {"t": tenant_id, "now": now})
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


# --- timing ----------------------------------------------------------------------------------------


def measure(label, fn):
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label:<44} {seconds:8.2f} s   peak Python memory {peak / 2**20:7.1f} MiB   "
        f"process peak RSS {rss:7.0f} MiB   {len(queries.captured_queries)} statements"
    )
    return seconds, result


def recompute(tenant_id, now):
    def run():
        with tenant_context(tenant_id):
            return services.ratings_recompute(now=now)

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (set DATABASE_URL).")

    if args.fresh:
        recreate_database()
    call_command("migrate", verbosity=0)
    tenant, _ = Tenant.objects.get_or_create(slug=SLUG, defaults={"name": "Ratings benchmark"})
    user = User.objects.filter(email="bench-ratings@example.com").first() or User.objects.create_user(
        "bench-ratings@example.com", "bench-password-123"
    )
    with tenant_context(tenant.pk):
        existing = Account.objects.count()
    if existing and existing != args.accounts:
        sys.exit(f"The bench tenant has {existing:,} accounts, not {args.accounts:,}: run with --fresh.")
    if not existing:
        generate(tenant, args.accounts, user)
    else:
        print(f"reusing the {existing:,} generated accounts (--fresh to regenerate)")
    with tenant_context(tenant.pk), connection.cursor() as cursor:  # start from "never rated"
        cursor.execute("DELETE FROM ratings_ratingsnapshot WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("DELETE FROM ratings_accountrating WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("UPDATE accounts_account SET rating = '' WHERE tenant_id = %s", [tenant.pk])
        for table in ("ratings_ratingsnapshot", "ratings_accountrating"):
            cursor.execute(f"ANALYZE {table}")
        policy = services.policy_defaults_ensure()
        assert policy.criteria == default_criteria(), "the bench's hand-written SQL is the default policy"

    now = timezone.now()
    print(f"\nPostgreSQL {connection.pg_version // 10000}, {args.accounts:,} accounts, policy v{policy.version}\n")
    first, r1 = measure("recompute, first (all new: 2 rows written each)", recompute(tenant.pk, now))
    same, r2 = measure("recompute, nothing changed", recompute(tenant.pk, now))
    with tenant_context(tenant.pk), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE plans_opportunity SET value = value + 300000 WHERE tenant_id = %s AND stage = 'proposing' "
            "AND (id / 2) %% 100 = 0",
            [tenant.pk],
        )
    night, r3 = measure("recompute, after 1 % of deals changed", recompute(tenant.pk, now))
    for label, result in (("first", r1), ("unchanged", r2), ("1 % changed", r3)):
        print(f"  {label:<12} {result.as_dict()}")

    hand_times = {False: [], True: []}
    for attempt in range(3):
        for tuned in (False, True):
            label = f"hand-written statement, {'same settings' if tuned else 'default settings'}, run {attempt + 1}"
            seconds, scores = measure(label, lambda: hand_scores(tenant.pk, now, tuned))
            hand_times[tuned].append(seconds)
    best = min(hand_times[False] + hand_times[True])

    with tenant_context(tenant.pk):
        stored = {
            row[0]: (row[1], row[2]) for row in AccountRating.objects.values_list("account_id", "score", "rating")
        }
        snapshots = RatingSnapshot.objects.count()
        policies = RatingPolicy.objects.count()
    mismatches = [(k, stored.get(k), v) for k, v in scores.items() if stored.get(k) != v]
    print(
        f"\nhand-written statement vs recompute: {len(scores):,} accounts, {len(mismatches)} differences"
        f"{' — e.g. ' + str(mismatches[:3]) if mismatches else ' (identical scores and ratings)'}"
    )
    print(
        f"snapshots {snapshots:,}, policies {policies}, ratings: "
        f"{ {r: sum(1 for v in stored.values() if v[1] == r) for r in 'ABCD'} }"
    )
    print(
        f"\nhand-written statement: best {min(hand_times[False]):.2f} s with default settings, "
        f"{min(hand_times[True]):.2f} s with the recompute's (jit off, work_mem 64MB); medians "
        f"{statistics.median(hand_times[False]):.2f} s and {statistics.median(hand_times[True]):.2f} s"
    )
    print(f"ratio recompute / fastest statement ({best:.2f} s):")
    for label, seconds in (("first run", first), ("nothing changed", same), ("1 % changed (typical night)", night)):
        print(f"  {label:<30} {seconds / best:5.2f}×")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
