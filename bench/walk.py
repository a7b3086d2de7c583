#!/usr/bin/env python
"""The benchmark walker: every GET page of a tenant, timed at several sizes (not a test).

    DATABASE_URL=postgres://keystone_owner@127.0.0.1:5432/keystone_walk_bench \\
        .venv/bin/python bench/walk.py --sizes 1000,10000,100000

For each size N it makes (or reuses, when it already has N accounts) a tenant `bench-walk-N` with
realistic history: bench/ratings_recompute.py's set-based generator (per account 2 contacts, 1–2
relationships, 2 key players, 2 financial periods, 2 opportunities, 1 call report) plus, here,
3 more contacts, one of 40 account managers on its team, an assessment per relationship, a plan with 2 actions on every
third account, a visit on every seventh, a ratings recompute (a snapshot per account), and one of
each rarer object (survey invitation, alert, import batch, API token). Then it walks every URL
pattern under /t/<slug>/ and /api/v1/ that exists when it runs (keystone.urlwalk, as the
cross-tenant walk test does), fills each keyword with an object of a typical account, and times
GET requests through Django's test Client: the whole middleware stack, the tenant transaction with
app.tenant_id, row-level security (serve it as the app role with KEYSTONE_APP_DATABASE_URL to
also drop the owner's privileges). Pages that only answer POST (405) are listed, not timed.

Targets (issue 12): p50 ≤ 30 ms for lists, ≤ 50 ms for the account page and the dashboard,
≤ 100 ms for any other page; a page's query count must not grow with N. Misses are flagged.
--markdown FILE also writes the table as Markdown (for bench/RESULTS.md). With --strict the exit
status is 1 when a page misses (so CI could gate on it).
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DATABASE_URL", "postgres://keystone_owner@127.0.0.1:5432/keystone_walk_bench")

import ratings_recompute as generator  # noqa: E402  (sets Django up, creates the database if it may)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import AccountTeamMember, Contact, FinancialPeriod, ImportBatch  # noqa: E402
from hierarchy.models import Assessment, HierarchyAlert, HierarchyModel, Relationship, SurveyInvitation  # noqa: E402

try:  # the account page's deferred panels (an older checkout has none: the walker also times it)
    from accounts.sections import deferred_sections  # noqa: E402
except ImportError:

    def deferred_sections():
        return []


from keystone.urlwalk import fill, params, tenant_routes  # noqa: E402
from keyplayers.models import Guidance, KeyPlayer  # noqa: E402
from plans.models import AccountPlan, CallReport, Opportunity, PlanAction, Visit, VisitAttendee  # noqa: E402
from ratings.models import RatingPolicy, RatingSnapshot  # noqa: E402
from tenancy.context import tenant_context  # noqa: E402
from tenancy.models import ApiToken, Membership, Role, Tenant, User  # noqa: E402

LIST_MS, PAGE_MS, OTHER_MS = 30, 50, 100
TEAM = 40  # account managers per tenant: the walking admin is on the team of one account in 40
DASHBOARD = "t/<slug:tenant_slug>/"
ACCOUNT_PAGE = "t/<slug:tenant_slug>/accounts/<int:account_id>/"
NOT_LISTS = (
    "new/",
    "edit/",
    "settings/",
    "draft/",
    "import/",
    "reset/",
    "minimum-levels/",
    "feeds/",
    "recompute/",
    "sample.csv",
    "docs/",
    "redoc/",
    "schema/",
    "me/",
    "guidance/",
)
# Pages that need a query string to show anything but a redirect.
QUERIES = {"t/<slug:tenant_slug>/key-players/guidance/edit/": "?buying_role=executive&buying_stage=planning"}
# Pages that read the whole tenant by design, timed but not held to a page target.
EXEMPT = {"t/<slug:tenant_slug>/accounts/export.csv": "the CSV export reads every account by design"}


def target_ms(route: str) -> int:
    if route in (DASHBOARD, ACCOUNT_PAGE):
        return PAGE_MS
    ids = [p for p in params(route) if p not in ("tenant_slug", "format")]
    if not ids and not route.endswith(NOT_LISTS):
        return LIST_MS
    return OTHER_MS


# --- data --------------------------------------------------------------------------------------------


def _extras(tenant: Tenant, team: list[int]) -> None:
    """What the ratings generator does not make, set-based like it (inside tenant_context). `team`: the
    ids of the tenant's account managers; each account gets one of them on its team (and its plan's
    actions and its visits), so the walking user (team[0]) holds 1/len(team) of the accounts."""
    from hierarchy.services import hierarchy_defaults_ensure

    t = str(tenant.pk)
    manager = f"(ARRAY[{', '.join(map(str, team))}]::bigint[])[1 + (%s) %% {len(team)}]"
    user = User.objects.get(pk=team[0])
    model = hierarchy_defaults_ensure()
    accounts = f"accounts_account a WHERE a.tenant_id = {t}"
    insert = generator._insert_select
    insert(
        Contact,
        {
            "tenant": t,
            "account": "a.id",
            "full_name": "a.name || ' colleague ' || k",
            "title": "(ARRAY['Buyer', 'Engineer', 'Director'])[k - 2]",
            "email": "'c' || a.id || '-' || k || '@customer.example'",
        },
        f"accounts_account a CROSS JOIN generate_series(3, 5) k WHERE a.tenant_id = {t}",
        [],
    )
    insert(AccountTeamMember, {"tenant": t, "account": "a.id", "user": manager % "a.id"}, accounts, [])
    insert(
        Assessment,
        {
            "tenant": t,
            "relationship": "r.id",
            "account": "r.account_id",
            "hierarchy_model": str(model.pk),
            "level": "coalesce(r.self_level, 1)",
            "evidence": "'Bench evidence'",
            "assessed_by": str(user.pk),
            "assessed_at": "now() - make_interval(days => (r.id % 300)::int)",
        },
        f"hierarchy_relationship r WHERE r.tenant_id = {t}",
        [],
    )
    insert(
        AccountPlan,
        {
            "tenant": t,
            "account": "a.id",
            "title": "'Grow ' || a.name",
            "objectives": "'Reach level 4'",
            "target_level": "4",
            "owner": str(user.pk),
            "created_by": str(user.pk),
            "review_date": "current_date + (a.id % 90)::int",
        },
        f"{accounts} AND a.id % 3 = 0",
        [],
    )
    insert(
        PlanAction,
        {
            "tenant": t,
            "plan": "p.id",
            "title": "'Step ' || k",
            "owner": manager % "p.account_id",
            "due_date": "current_date + ((p.id + k * 17) % 120 - 30)::int",
        },
        f"plans_accountplan p CROSS JOIN generate_series(1, 2) k WHERE p.tenant_id = {t}",
        [],
    )
    insert(
        Visit,
        {
            "tenant": t,
            "account": "a.id",
            "purpose": "'Quarterly review'",
            "timezone": "'UTC'",
            "starts_at": "date_trunc('hour', now()) + make_interval(days => (a.id % 120)::int - 60)",
            "ends_at": "date_trunc('hour', now()) + make_interval(days => (a.id % 120)::int - 60, hours => 2)",
            "organiser": manager % "a.id",
        },
        f"{accounts} AND a.id % 7 = 0",
        [],
    )
    insert(
        VisitAttendee,
        {"tenant": t, "visit": "v.id", "user": manager % "v.account_id"},
        f"plans_visit v WHERE v.tenant_id = {t}",
        [],
    )
    with connection.cursor() as cursor:  # open deals close over the next 18 months, not all on one day
        cursor.execute(
            "UPDATE plans_opportunity SET close_date = current_date + (id %% 540)::int "
            "WHERE tenant_id = %s AND stage NOT IN ('won', 'lost')",
            [tenant.pk],
        )
        for model_ in (
            Contact,
            AccountTeamMember,
            Assessment,
            AccountPlan,
            PlanAction,
            Visit,
            VisitAttendee,
            Opportunity,
        ):
            cursor.execute(f"ANALYZE {model_._meta.db_table}")


def _seed(tenant: Tenant, user: User) -> None:
    """The tenant's defaults and one of each rarer object, through the services where they are cheap."""
    from keyplayers.services import guidance_seed_defaults
    from ratings import services as ratings

    guidance_seed_defaults()
    ratings.policy_defaults_ensure()
    started = time.perf_counter()
    ratings.ratings_recompute()
    print(f"  ratings recompute (snapshots for every account) in {time.perf_counter() - started:.1f} s")


def _rare(tenant: Tenant, user: User, account_id: int) -> dict:
    """One survey invitation, alert and import batch on the typical account; an API token."""
    from tenancy.services import api_token_create

    relationship = Relationship.objects.filter(account_id=account_id).order_by("pk").first()
    token = ApiToken.objects.filter(user=user, name="bench walker", revoked_at__isnull=True).first()
    if token is not None:  # made by an earlier run: reuse them (a raw token is never stored, so a new one)
        token.delete()
        _, raw = api_token_create(tenant=tenant, user=user, name="bench walker")
        return {
            "invitation_id": SurveyInvitation.objects.filter(account_id=account_id)
            .values_list("pk", flat=True)
            .first(),
            "alert_id": HierarchyAlert.objects.filter(account_id=account_id).values_list("pk", flat=True).first(),
            "batch_key": ImportBatch.objects.filter(created_by=user).values_list("key", flat=True).first(),
            "token_id": ApiToken.objects.get(user=user, name="bench walker").pk,
            "raw": raw,
        }
    invitation = SurveyInvitation.objects.create(
        tenant=tenant,
        relationship=relationship,
        account_id=account_id,
        email="c@customer.example",
        nonce=f"bench-{account_id}-{time.time_ns()}",
        sent_by=user,
        expires_at=timezone.now() + timezone.timedelta(days=14),
    )
    alert = HierarchyAlert.objects.create(
        tenant=tenant,
        account_id=account_id,
        relationship=relationship,
        kind="level_drop",
        message="Level dropped from 4 to 2",
        from_level=4,
        to_level=2,
    )
    batch = ImportBatch.objects.create(
        tenant=tenant,
        key=f"bench{time.time_ns()}",
        kind="accounts",
        created_by=user,
        filename="accounts.csv",
        columns=["name"],
        rows=[[2, {"name": "New account"}]],
    )
    token, raw = api_token_create(tenant=tenant, user=user, name="bench walker")
    return {
        "invitation_id": invitation.pk,
        "alert_id": alert.pk,
        "batch_key": batch.key,
        "token_id": token.pk,
        "raw": raw,
    }


def ensure_tenant(n: int, fresh: bool) -> tuple[Tenant, User]:
    slug = f"bench-walk-{n}"
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is not None and fresh:
        sys.exit(f"--fresh: drop the bench database (or its tenant {slug}) first; this walker never deletes data.")
    if tenant is None:
        tenant = Tenant.objects.create(name=f"Bench walk {n:,}", slug=slug)
    user = User.objects.filter(email=f"walk-{n}@bench.example").first() or User.objects.create_user(
        f"walk-{n}@bench.example", "bench-password-123", full_name=f"Walker {n}"
    )
    team = [user.pk]
    with tenant_context(tenant.pk):
        Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": Role.ADMIN})
        for i in range(1, TEAM):
            email = f"walk-{n}-m{i}@bench.example"
            colleague = User.objects.filter(email=email).first() or User.objects.create_user(
                email, None, full_name=f"Manager {i:02d}"
            )
            Membership.objects.get_or_create(tenant=tenant, user=colleague, defaults={"role": Role.MANAGER})
            team.append(colleague.pk)
        existing = generator.Account.objects.count()
    if existing and existing != n:
        sys.exit(f"{slug} has {existing:,} accounts, not {n:,}: use another database.")
    if not existing:
        started = time.perf_counter()
        generator.generate(tenant, n, user)
        with tenant_context(tenant.pk):
            _extras(tenant, team)
            _seed(tenant, user)
        with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load (visibility map too)
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        print(f"  {slug}: generated in {time.perf_counter() - started:.1f} s")
    return tenant, user


def objects_for(tenant: Tenant, user: User) -> dict:
    """URL keyword → an object of a typical account (one in the middle that has a bit of everything)."""
    from django.db.models import Exists, OuterRef

    with tenant_context(tenant.pk):
        accounts = generator.Account.objects.order_by("pk")
        typical = (
            accounts.filter(
                Exists(AccountPlan.objects.filter(account=OuterRef("pk"))),
                Exists(Visit.objects.filter(account=OuterRef("pk"))),
                Exists(Opportunity.objects.filter(account=OuterRef("pk"))),
                Exists(Relationship.objects.filter(account=OuterRef("pk"))),
                pk__gte=accounts.values_list("pk", flat=True)[accounts.count() // 2],
            )
            .values_list("pk", flat=True)
            .first()
        )
        plan = AccountPlan.objects.filter(account_id=typical).first()
        relationship = Relationship.objects.filter(account_id=typical).order_by("pk").first()
        rare = _rare(tenant, user, typical)
        objects = {
            "tenant_slug": tenant.slug,
            "format": "json",
            "account_id": typical,
            "contact_id": Contact.objects.filter(account_id=typical)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first(),
            "team_member_id": AccountTeamMember.objects.filter(account_id=typical).values_list("pk", flat=True).first(),
            "financial_period_id": FinancialPeriod.objects.filter(account_id=typical)
            .values_list("pk", flat=True)
            .first(),
            "relationship_id": relationship.pk,
            "assessment_id": Assessment.objects.filter(relationship=relationship).values_list("pk", flat=True).first(),
            "hierarchy_model_id": HierarchyModel.objects.filter(is_active=True).values_list("pk", flat=True).first(),
            "level_id": HierarchyModel.objects.get(is_active=True).levels.values_list("pk", flat=True).first(),
            "key_player_id": KeyPlayer.objects.filter(account_id=typical).values_list("pk", flat=True).first(),
            "guidance_id": Guidance.objects.values_list("pk", flat=True).first(),
            "membership_id": Membership.objects.exclude(user=user).values_list("pk", flat=True).first(),
            "plan_id": plan.pk,
            "action_id": PlanAction.objects.filter(plan=plan).values_list("pk", flat=True).first(),
            "opportunity_id": Opportunity.objects.filter(account_id=typical)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first(),
            "call_id": CallReport.objects.filter(account_id=typical).values_list("pk", flat=True).first(),
            "visit_id": Visit.objects.filter(account_id=typical).values_list("pk", flat=True).first(),
            "policy_id": RatingPolicy.objects.filter(status="active").values_list("pk", flat=True).first(),
            "snapshot_id": RatingSnapshot.objects.filter(account_id=typical).values_list("pk", flat=True).first(),
        } | rare
    return objects


# --- timing ------------------------------------------------------------------------------------------


def time_page(client, url: str, runs: int, headers: dict):
    """(status, p50 ms, p95 ms, queries) of GET url; a slow page (first call over 1 s) gets 3 runs."""
    start = time.perf_counter()
    response = client.get(url, **headers)
    first = time.perf_counter() - start
    if response.status_code != 200:
        return response.status_code, None, None, None
    runs = 3 if first > 1 else runs
    client.get(url, **headers)  # warm: plans, caches
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url, **headers)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **headers)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    return 200, statistics.median(timings), p95, len(queries.captured_queries)


def walk(tenant: Tenant, user: User, runs: int, only: str | None) -> dict:
    objects = objects_for(tenant, user)
    browser = Client()
    browser.force_login(user)
    api = Client()
    results = {}
    for route in tenant_routes():
        if only and not re.search(only, route):
            continue
        is_api = route.startswith("api/")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {objects['raw']}"} if is_api else {}
        # A route with <section> (the account page's deferred panels) is timed once per section.
        for section in deferred_sections() if "section" in params(route) else [None]:
            url = "/" + fill(route, objects | {"section": section}) + QUERIES.get(route, "")
            name = route.replace("<slug:section>", section) if section else route
            results[name] = time_page(api if is_api else browser, url, runs, headers)
    return results


def short(route: str) -> str:
    return (
        route.replace("t/<slug:tenant_slug>/", "/t/<slug>/")
        .replace("<int:", "<")
        .replace("api/v1/", "/api/v1/")
        .replace("<slug:", "<")
    )


def report(sizes: list[int], results: dict[int, dict], markdown: str | None) -> int:
    routes = sorted({route for by_route in results.values() for route in by_route})
    header = "| page | target | " + " | ".join(f"{n:,}: p50 / p95 ms, queries" for n in sizes) + " | flags |"
    lines = [header, "|" + " --- |" * (len(sizes) + 3)]
    misses, post_only, errors = 0, [], []
    for route in routes:
        rows = [results[n].get(route) for n in sizes]
        statuses = {row[0] for row in rows if row}
        if statuses == {405}:
            post_only.append(short(route))
            continue
        if statuses - {200}:
            errors.append(f"{short(route)}: status {sorted(statuses)}")
            continue
        target = target_ms(route)
        flags = []
        largest = rows[-1]
        if route in EXEMPT:
            flags.append(f"exempt: {EXEMPT[route]}")
        elif largest[1] > target:
            flags.append(f"OVER {target} ms at {sizes[-1]:,}")
        counts = [row[3] for row in rows]
        if len(counts) > 1 and counts[-1] > counts[0] and route not in EXEMPT:
            flags.append(f"QUERIES GROW {counts[0]}→{counts[-1]}")
        misses += bool([f for f in flags if not f.startswith("exempt")])
        cells = " | ".join(f"{row[1]:.1f} / {row[2]:.1f}, {row[3]}" for row in rows)
        lines.append(f"| `{short(route)}` | {target} | {cells} | {'; '.join(flags)} |")
    text = "\n".join(lines)
    text += f"\n\n{len(routes) - len(post_only) - len(errors)} pages timed; {misses} flagged."
    if post_only:
        text += f"\nPOST only (405 to a GET, not timed): {', '.join(post_only)}."
    if errors:
        text += "\nNot 200: " + "; ".join(errors) + "."
    print("\n" + text)
    if markdown:
        Path(markdown).write_text(text + "\n")
        print(f"\n(written to {markdown})")
    return misses + len(errors)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="accounts per tenant, comma-separated")
    parser.add_argument("--runs", type=int, default=15, help="timed requests per page (3 for a page over 1 s)")
    parser.add_argument("--only", help="only routes matching this regular expression, e.g. 'opportunities/$'")
    parser.add_argument("--fresh", action="store_true", help="refuse to reuse kept tenants")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--json", help="also write {size: {route: [status, p50, p95, queries]}} to this file")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a page misses its target")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (set DATABASE_URL).")
    sizes = sorted(int(size) for size in args.sizes.split(","))
    # Not setup_test_environment(): it instruments template rendering, which would time the instrument.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    results = {}
    for n in sizes:
        tenant, user = ensure_tenant(n, args.fresh)
        load = os.getloadavg()[0]
        started = time.perf_counter()
        results[n] = walk(tenant, user, args.runs, args.only)
        print(
            f"walked {len(results[n])} routes at {n:,} accounts in {time.perf_counter() - started:.0f} s "
            f"(load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} CPUs)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results))
    misses = report(sizes, results, args.markdown)
    sys.exit(1 if misses and args.strict else 0)


if __name__ == "__main__":
    main()
