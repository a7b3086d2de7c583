#!/usr/bin/env python
"""Benchmark of the account list at scale: one tenant with N accounts, pages served through Django's
test Client (the whole middleware stack: session, auth, tenant transaction with app.tenant_id, RLS).

    createdb keystone_bench   # a database of its own: it gets N accounts and is emptied afterwards
    DATABASE_URL=postgres://keystone_owner@127.0.0.1:5432/keystone_bench \\
        .venv/bin/python bench/accounts_list.py --accounts 100000

Generates the tenant set-based (INSERT … SELECT generate_series on PostgreSQL, bulk_create in batches
elsewhere) inside tenant_context, warms up, then times each scenario: median and p95 of --runs
requests, and the queries one request makes (all of them, and those on accounts tables). The
tenant, its users and every row are deleted at the end unless --keep.
"""

import argparse
import os
import random
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keystone.settings")
os.environ.setdefault("KEYSTONE_TESTING", "1")  # no production secrets needed; DEBUG stays off (no query log)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.demo import NAMES as DEMO_NAMES  # noqa: E402
from tenancy.context import tenant_context  # noqa: E402
from tenancy.models import Membership, Role, Tenant, User  # noqa: E402

SLUG = "bench-accounts"
FIRST = DEMO_NAMES  # the demo's account names, so both read alike
SECOND = [
    "Logistics",
    "Freight",
    "Health",
    "Foods",
    "Energy",
    "Bank",
    "Capital",
    "Motors",
    "Pharma",
    "Retail",
    "Telecom",
    "Systems",
    "Software",
    "Industries",
    "Components",
    "Dairy",
    "Breweries",
    "Insurance",
    "Power",
    "Networks",
    "Laboratories",
    "Outfitters",
    "Markets",
    "Distribution",
    "Shipping",
    "Mobility",
    "Digital",
    "Utilities",
    "Clinics",
    "Fabrication",
]
INDUSTRIES = [
    "Manufacturing",
    "Logistics",
    "Healthcare",
    "Retail",
    "Financial services",
    "Energy",
    "Telecommunications",
    "Pharmaceuticals",
    "Food & beverage",
    "Software",
    "Automotive",
    "Public sector",
]
OWNERS = 20


def _array(values):
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def generate(tenant, n, owner_ids):
    """N accounts in one statement (PostgreSQL) or batches (elsewhere), inside the tenant's context."""
    from accounts.models import Account

    with tenant_context(tenant.pk):
        if connection.vendor == "postgresql":
            owners = "ARRAY[" + ", ".join(str(i) for i in owner_ids) + "]::bigint[]"
            sql = f"""
            INSERT INTO accounts_account (tenant_id, created_at, updated_at, name, external_id, industry, segment,
                owner_id, revenue_tier, classification, classification_reason, motivation, relationship_category,
                potential_level, current_level, rating, status, coverage, partner_programme, partner_tier,
                partner_benefits, reference_customer, beachhead, notes, last_contact_at)
            SELECT %s, now(), now(),
                ({_array(FIRST)})[1 + mod(abs(hashtext(g::text || 'a')), {len(FIRST)})] || ' ' || ({_array(SECOND)})[1 + mod(abs(hashtext(g::text || 'b')), {len(SECOND)})] || ' ' || g,
                'B-' || lpad(g::text, 7, '0'),
                ({_array(INDUSTRIES)})[1 + mod(abs(hashtext(g::text || 'c')), {len(INDUSTRIES)})],
                (ARRAY['Enterprise', 'Mid-market', 'Growth'])[1 + mod(abs(hashtext(g::text || 'd')), 3)],
                CASE WHEN mod(abs(hashtext(g::text || 'e')), 10) = 0 THEN NULL ELSE ({owners})[1 + mod(abs(hashtext(g::text || 'f')), {len(owner_ids)})] END,
                (ARRAY['platinum', 'gold', 'silver', 'bronze', ''])[1 + mod(abs(hashtext(g::text || 'g')), 5)],
                (ARRAY['strategic', 'tactical', 'tactical', 'unqualified'])[1 + mod(abs(hashtext(g::text || 'h')), 4)],
                '', (ARRAY['acquire', 'retain', 'grow'])[1 + mod(abs(hashtext(g::text || 'i')), 3)], '',
                1 + mod(abs(hashtext(g::text || 'j')), 6),
                CASE WHEN mod(abs(hashtext(g::text || 'k')), 5) = 0 THEN NULL ELSE 1 + mod(abs(hashtext(g::text || 'l')), 5) END,
                (ARRAY['A', 'B', 'C', 'D', '', 'B', 'C', 'C', 'D', 'A'])[1 + mod(abs(hashtext(g::text || 'm')), 10)],
                (ARRAY['customer', 'customer', 'prospect', 'declassified'])[1 + mod(abs(hashtext(g::text || 'n')), 4)],
                'field_team', CASE WHEN mod(abs(hashtext(g::text || 'o')), 7) = 0 THEN 'Partner network' ELSE '' END, '', '',
                mod(abs(hashtext(g::text || 'p')), 11) = 0, mod(abs(hashtext(g::text || 'q')), 97) = 0, '',
                CASE WHEN mod(abs(hashtext(g::text || 'r')), 9) = 0 THEN NULL ELSE now() - (mod(abs(hashtext(g::text || 's')), 400)) * interval '1 day' END
            FROM generate_series(1, %s) AS g
            """
            with connection.cursor() as cursor:
                cursor.execute(sql, [tenant.pk, n])
        else:
            rng = random.Random(1)
            batch = []
            for g in range(1, n + 1):
                batch.append(
                    Account(
                        tenant=tenant,
                        name=f"{FIRST[(g * 7) % len(FIRST)]} {SECOND[(g * 13) % len(SECOND)]} {g}",
                        external_id=f"B-{g:07d}",
                        industry=INDUSTRIES[g % len(INDUSTRIES)],
                        owner_id=None if g % 10 == 0 else owner_ids[g % len(owner_ids)],
                        classification=rng.choice(["strategic", "tactical", "tactical", "unqualified"]),
                        rating=rng.choice("ABCD "),
                        current_level=rng.choice([None, 1, 2, 3, 4, 5]),
                    )
                )
                if len(batch) == 5000:
                    Account.objects.bulk_create(batch)
                    batch = []
            Account.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum would do soon after a bulk load
            cursor.execute("VACUUM ANALYZE accounts_account")
            cursor.execute("VACUUM ANALYZE accounts_accountsearchtoken")


def cleanup():
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        return
    with tenant_context(tenant.pk):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # set-based, and row-level security keeps it to this tenant
                for table in (
                    "accounts_accountsearchtoken",
                    "accounts_classificationchange",
                    "accounts_financialperiod",
                    "accounts_accountteammember",
                    "accounts_contact",
                    "accounts_importbatch",
                    "accounts_account",
                ):
                    cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])
        user_ids = list(Membership.objects.values_list("user_id", flat=True))
        tenant.delete()
    User.objects.filter(pk__in=user_ids, email__endswith="@bench.example").delete()


def measure(client, url, runs, htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for _ in range(3):  # warm: connection, caches, plans
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, **headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    ours = [q for q in ctx.captured_queries if "accounts_" in q["sql"]]
    sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    rows = (
        response.content.count(b"<tr>") - 1
        if b"<tbody>" in response.content and b"acc-table" in response.content
        else 0
    )
    return statistics.median(timings), p95, timings[0], len(ctx.captured_queries), len(ours), rows, sql_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the generated tenant (and reuse it next time)")
    parser.add_argument("--fresh", action="store_true", help="regenerate even if a kept tenant of that size exists")
    parser.add_argument("--explain", action="store_true", help="print the PostgreSQL plans of the list queries")
    args = parser.parse_args()

    # Not setup_test_environment(): it instruments template rendering, which would time the instrument.
    # The scenario "sql ms" is the database time of one request (all its queries, as Django measured them).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    existing = Tenant.objects.filter(slug=SLUG).first()
    if existing is not None:
        from accounts.models import Account

        with tenant_context(existing.pk):
            same_size = Account.objects.count() == args.accounts
        if args.fresh or not (args.keep and same_size):
            cleanup()
            existing = None
    if existing is None:
        tenant = Tenant.objects.create(name="Bench Accounts", slug=SLUG)
        with tenant_context(tenant.pk):
            users = []
            for i in range(OWNERS):
                user = User.objects.filter(email=f"owner{i}@bench.example").first() or User.objects.create_user(
                    email=f"owner{i}@bench.example", password=None, full_name=f"Owner {i:02d}"
                )
                Membership.objects.create(tenant=tenant, user=user, role=Role.MANAGER)
                users.append(user)
        start = time.perf_counter()
        generate(tenant, args.accounts, [u.pk for u in users])
        print(f"Generated {args.accounts:,} accounts in {time.perf_counter() - start:.1f} s ({connection.vendor}).")
    else:
        tenant = existing
        print("Reusing the kept bench tenant.")
    user = User.objects.get(email="owner1@bench.example")
    with tenant_context(tenant.pk):
        from accounts.models import Account

        sample = Account.objects.order_by("external_id").values_list("name", flat=True)[args.accounts // 3]
    first, second = sample.split()[:2]
    narrow = f"{first.lower()} {second[:3].lower()}"  # two word prefixes: about 1 account in 1,200
    client = Client()
    client.force_login(user)
    base = f"/t/{SLUG}/accounts/"
    deep = max(1, args.accounts // 25 // 2)
    scenarios = [
        ("baseline: API tokens page (no accounts)", f"/t/{SLUG}/api-tokens/", False),
        ("unfiltered, first page", base, False),
        ("filter: classification=strategic", f"{base}?classification=strategic", False),
        ("filter: tier=gold + status=customer", f"{base}?revenue_tier=gold&status=customer", False),
        ("filter: owner", f"{base}?owner={user.pk}", False),
        ("search: q=north (1 name in 40)", f"{base}?q=north", False),
        (f"search: q={narrow} (narrow)", f"{base}?q={narrow.replace(' ', '+')}", False),
        (f"deep page: page={deep:,}", f"{base}?page={deep}", False),
        ("sort: rating, A first", f"{base}?sort=rating", False),
        ("sort: level, highest first", f"{base}?sort=-level", False),
        ("htmx partial: filter", f"{base}?classification=strategic", True),
        ("htmx partial: search", f"{base}?q=north", True),
    ]
    loop = timeit.timeit("sum(range(1000))", number=2000) / 2000 * 1e6
    print(
        f"\nThis machine: sum(range(1000)) takes {loop:.1f} µs (a typical 2024 laptop core: ~8 µs); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs."
    )
    print(
        f"\n{'scenario':<38} {'median ms':>9} {'p95 ms':>7} {'min ms':>7} {'sql ms':>7} {'queries':>7} {'accounts_*':>10} {'rows':>4}"
    )
    for label, url, htmx in scenarios:
        median, p95, low, total, ours, rows, sql_ms = measure(client, url, args.runs, htmx=htmx)
        print(f"{label:<38} {median:9.1f} {p95:7.1f} {low:7.1f} {sql_ms:7.1f} {total:7d} {ours:10d} {rows:4d}")
    if args.explain and connection.vendor == "postgresql":
        explain(tenant, user, deep)
    if not args.keep:
        cleanup()
        print("\nBench tenant and its data deleted.")


def explain(tenant, user, deep):
    from accounts.selectors import SORTS, AccountFilters, account_filtered

    cases = [
        ("first page", AccountFilters(), 0),
        ("search", AccountFilters(q="north"), 0),
        ("search, two words", AccountFilters(q="north log"), 0),
        ("filter, two columns", AccountFilters(revenue_tier="gold", status="customer"), 0),
        ("deep page", AccountFilters(), (deep - 1) * 25),
    ]
    with tenant_context(tenant.pk, user_id=user.pk):
        for label, filters, offset in cases:
            base = account_filtered(filters=filters)
            qs = base.order_by(*SORTS["name"][1]).values("pk")[offset : offset + 26]
            print(f"\n--- {label}: the page's ids\n" + qs.explain(analyze=True))
            count = base.order_by().values("pk")[:1001]
            print(f"--- {label}: the capped count (its inner query)\n" + count.explain(analyze=True))


if __name__ == "__main__":
    main()
