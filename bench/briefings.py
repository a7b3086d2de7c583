#!/usr/bin/env python
"""Benchmark of the pre-visit briefing (not a test): N accounts (default 1,000) with three years of
history each, one upcoming visit per account with an executive; builds every visit's briefing with
briefings.selectors.briefing_build() — what the page, the e-mail, the PDF and the API all call — and
renders a sample of them to PDF with WeasyPrint.

    DATABASE_URL=postgres://keystone_owner@127.0.0.1:5432/keystone_briefings_bench \\
        .venv/bin/python bench/briefings.py --accounts 1000 --pdfs 100

Per account: 6 contacts (one left), 3 relationships with monthly assessments over 36 months and a
quarterly customer survey, 3 key players, 12 quarterly financial periods, 6 opportunities (2 open), 36
monthly call reports, an active plan with 5 actions and 2 archived plans, 36 rating snapshots, 12
past visits and the upcoming one. Rows are written with bulk_create inside tenant_context (so
row-level security applies) and kept between runs (--fresh starts again). Reports median and p95 in ms
per briefing (queries per briefing too) and per PDF. Goal: briefing median ≤ 100 ms, PDF ≤ 1 s.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keystone.settings")
os.environ.setdefault("KEYSTONE_TESTING", "1")  # no production secrets needed; DEBUG stays off
os.environ.setdefault("DATABASE_URL", "postgres://keystone_owner@127.0.0.1:5432/keystone_briefings_bench")


def _database(url: str, *, fresh: bool) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


ARGS = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ARGS.add_argument("--accounts", type=int, default=1000)
ARGS.add_argument("--pdfs", type=int, default=100, help="how many of the briefings to render to PDF")
ARGS.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
OPTIONS = ARGS.parse_args()
if os.environ["DATABASE_URL"].startswith("postgres"):
    _database(os.environ["DATABASE_URL"], fresh=OPTIONS.fresh)

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Account, Contact, FinancialPeriod  # noqa: E402
from briefings import render  # noqa: E402
from briefings.selectors import briefing_build  # noqa: E402
from hierarchy.models import Assessment, Relationship  # noqa: E402
from hierarchy.services import hierarchy_defaults_ensure  # noqa: E402
from keyplayers.models import KeyPlayer  # noqa: E402
from plans.models import (  # noqa: E402
    AccountPlan,
    CallContact,
    CallReport,
    Opportunity,
    PlanAction,
    Visit,
    VisitAttendee,
    VisitContact,
)
from plans.selectors import visit_detail  # noqa: E402
from ratings.models import RatingSnapshot  # noqa: E402
from ratings.services import policy_defaults_ensure  # noqa: E402
from tenancy.context import tenant_context  # noqa: E402
from tenancy.models import Membership, Role, Tenant, User  # noqa: E402

SLUG = "bench-briefings"
MONTHS = 36


def _user(email: str, name: str) -> User:
    return User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=None, full_name=name
    )


def generate(tenant: Tenant, n: int, manager: User, executive: User) -> None:
    rng = random.Random(7)
    now = timezone.now()
    t = tenant.pk
    with tenant_context(t):
        model = hierarchy_defaults_ensure(tenant_id=t)
        policy = policy_defaults_ensure(tenant_id=t)
        accounts = Account.objects.bulk_create(
            [
                Account(
                    tenant_id=t,
                    name=f"Bench Account {i:05d}",
                    classification=rng.choice(["strategic", "tactical"]),
                    potential_level=rng.choice([4, 5]),
                    current_level=rng.randint(2, 4),
                    owner=manager,
                    status="customer",
                    rating=rng.choice("ABCD"),
                    classification_reason="Bench",
                )
                for i in range(n)
            ]
        )
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    tenant_id=t,
                    account=a,
                    full_name=f"Person {a.pk}-{k}",
                    title=["CEO", "CFO", "Head of Purchasing", "Operations", "IT", "COO"][k],
                    is_active=k != 5,
                    left_on=(now - dt.timedelta(days=20)).date() if k == 5 else None,
                )
                for a in accounts
                for k in range(6)
            ]
        )
        by_account = {}
        for c in contacts:
            by_account.setdefault(c.account_id, []).append(c)
        relationships = Relationship.objects.bulk_create(
            [
                Relationship(
                    tenant_id=t,
                    account=a,
                    user=user,
                    contact=by_account[a.pk][k],
                    owner=manager,
                    self_level=rng.randint(2, 4),
                    self_assessed_at=now - dt.timedelta(days=10),
                    customer_level=rng.randint(1, 4),
                    customer_assessed_at=now - dt.timedelta(days=40),
                )
                for a in accounts
                for user, k in ((manager, 0), (executive, 0), (manager, 1))
            ]
        )
        Assessment.objects.bulk_create(
            [
                Assessment(
                    tenant_id=t,
                    relationship=r,
                    account_id=r.account_id,
                    hierarchy_model=model,
                    level=rng.randint(1, 4),
                    evidence="Monthly review",
                    source=source,
                    assessed_by=manager,
                    assessed_at=now - dt.timedelta(days=30 * m + 10),
                )
                for r in relationships
                for m in range(MONTHS)
                for source in (["self", "customer_survey"] if m % 3 == 0 else ["self"])
            ],
            batch_size=5000,
        )
        KeyPlayer.objects.bulk_create(
            [
                KeyPlayer(
                    tenant_id=t,
                    account=a,
                    contact=by_account[a.pk][k],
                    buying_role=role,
                    buying_stage=rng.choice(["planning", "evaluate_alternatives", "evaluate_risk"]),
                    stance=rng.choice(["supporter", "neutral", "skeptic", "blocker"]),
                    concerns="Price and risk",
                )
                for a in accounts
                for k, role in ((0, "executive"), (1, "middle_management"), (2, "purchasing"))
            ]
        )
        FinancialPeriod.objects.bulk_create(
            [
                FinancialPeriod(
                    tenant_id=t,
                    account=a,
                    period_start=(now - dt.timedelta(days=91 * (q + 1))).date(),
                    period_end=(now - dt.timedelta(days=91 * q + 1)).date(),
                    revenue=Decimal(rng.randint(50_000, 500_000)),
                    margin_pct=Decimal("22.5"),
                    discount_pct=Decimal("6"),
                    currency="GBP",
                )
                for a in accounts
                for q in range(12)
            ],
            batch_size=5000,
        )
        Opportunity.objects.bulk_create(
            [
                Opportunity(
                    tenant_id=t,
                    account=a,
                    name=f"Deal {a.pk}-{k}",
                    stage="won" if k < 4 else "proposing",
                    value=Decimal(rng.randint(10_000, 900_000)),
                    currency="GBP",
                    close_date=(now + dt.timedelta(days=60 - 180 * (4 - k))).date(),
                    pain_identified=True,
                    competitive_strategy="preferred",
                    walk_away="Below 15 % margin",
                    closed_at=now - dt.timedelta(days=180 * (4 - k)) if k < 4 else None,
                )
                for a in accounts
                for k in range(6)
            ],
            batch_size=5000,
        )
        calls = CallReport.objects.bulk_create(
            [
                CallReport(
                    tenant_id=t,
                    account=a,
                    occurred_at=now - dt.timedelta(days=30 * m + 3),
                    summary="Monthly call",
                    outcomes="Agreed next steps",
                    author=manager,
                )
                for a in accounts
                for m in range(MONTHS)
            ],
            batch_size=5000,
        )
        CallContact.objects.bulk_create(
            [CallContact(tenant_id=t, call=c, contact=by_account[c.account_id][0]) for c in calls], batch_size=5000
        )
        plans = AccountPlan.objects.bulk_create(
            [
                AccountPlan(
                    tenant_id=t,
                    account=a,
                    title=f"Plan {a.pk} {k}",
                    objectives="Grow",
                    status="active" if k == 2 else "archived",
                    target_level=4,
                    owner=manager,
                )
                for a in accounts
                for k in range(3)
            ]
        )
        PlanAction.objects.bulk_create(
            [
                PlanAction(
                    tenant_id=t,
                    plan=p,
                    title=f"Action {k}",
                    owner=manager,
                    due_date=(now + dt.timedelta(days=7 * k - 14)).date(),
                )
                for p in plans
                if p.status == "active"
                for k in range(5)
            ]
        )
        RatingSnapshot.objects.bulk_create(
            [
                RatingSnapshot(
                    tenant_id=t,
                    account=a,
                    policy=policy,
                    rating=rng.choice("ABCD"),
                    score=Decimal("55.5"),
                    breakdown={},
                    computed_at=now - dt.timedelta(days=30 * m),
                )
                for a in accounts
                for m in range(MONTHS)
            ],
            batch_size=5000,
        )
        visits = Visit.objects.bulk_create(
            [
                Visit(
                    tenant_id=t,
                    account=a,
                    purpose="Quarterly review" if q else "Executive sponsor meeting",
                    starts_at=now + dt.timedelta(days=1 - 91 * q, hours=rng.randint(0, 8)),
                    ends_at=now + dt.timedelta(days=1 - 91 * q, hours=10),
                    timezone=tenant.timezone,
                    organiser=manager,
                )
                for a in accounts
                for q in range(13)
            ],
            batch_size=5000,
        )
        VisitAttendee.objects.bulk_create(
            [
                VisitAttendee(tenant_id=t, visit=v, user=user, is_executive=user == executive)
                for v in visits
                for user in (manager, executive)
            ],
            batch_size=5000,
        )
        VisitContact.objects.bulk_create(
            [
                VisitContact(tenant_id=t, visit=v, contact=by_account[v.account_id][k])
                for v in visits
                for k in (0, 1, 2)
            ],
            batch_size=5000,
        )


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


def main():
    call_command("migrate", verbosity=0)
    tenant, _ = Tenant.objects.get_or_create(
        slug=SLUG, defaults={"name": "Bench Briefings", "timezone": "Europe/London"}
    )
    manager = _user("bench-manager@briefings.example", "Bench Manager")
    executive = _user("bench-executive@briefings.example", "Bench Executive")
    with tenant_context(tenant.pk):
        for user, role in ((manager, Role.MANAGER), (executive, Role.EXECUTIVE)):
            Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": role})
        have = Account.objects.count()
    if have != OPTIONS.accounts:
        if have:
            sys.exit(f"The bench tenant has {have} accounts, not {OPTIONS.accounts}: run with --fresh.")
        started = time.perf_counter()
        generate(tenant, OPTIONS.accounts, manager, executive)
        print(
            f"generated {OPTIONS.accounts} accounts with {MONTHS} months of history in "
            f"{time.perf_counter() - started:.0f} s"
        )
        # What autovacuum would do soon after such a load: without statistics the planner believes
        # each table nearly empty and picks nested loops that read thousands of rows.
        with connection.cursor() as cursor:
            for model in apps.get_models():
                if model._meta.managed and not model._meta.proxy:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    now = timezone.now()
    with tenant_context(tenant.pk):
        membership = Membership.objects.get(user=executive)
        membership.tenant = tenant
        visit_ids = list(Visit.objects.filter(starts_at__gt=now).order_by("pk").values_list("pk", flat=True))
        rows = Assessment.objects.count()
    print(f"{len(visit_ids)} upcoming visits; {rows} assessments in the tenant")
    times, queries, built = [], [], []
    with timezone.override(tenant.zone):
        for index, visit_id in enumerate(visit_ids):
            with tenant_context(tenant.pk):
                reset_queries()  # the query log keeps 9,000 entries: a full one would count 0
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    briefing = briefing_build(visit=visit_detail(visit_id), membership=membership)
                    times.append(time.perf_counter() - started)
                queries.append(len(captured))
                if index < OPTIONS.pdfs:
                    built.append(briefing)
        pdf_times, pages = [], []
        for briefing in built:
            started = time.perf_counter()
            data = render.pdf(briefing)
            pdf_times.append(time.perf_counter() - started)
            pages.append(data.count(b"/Type /Page\n") or data.count(b"/Type /Page"))
    print(f"briefing (selector, visit included): {_stats(times)}   queries {min(queries)}–{max(queries)}")
    if pdf_times:
        print(f"PDF (WeasyPrint, from the built briefing): {_stats(pdf_times)}")
    verdict = statistics.median(times) <= 0.1 and (not pdf_times or statistics.median(pdf_times) <= 1.0)
    print("goal (briefing median ≤ 100 ms, PDF median ≤ 1 s):", "met" if verdict else "MISSED")


if __name__ == "__main__":
    main()
