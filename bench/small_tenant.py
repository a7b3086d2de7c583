#!/usr/bin/env python
"""The small-tenant ratio (not a test): a 50-account tenant's pages while a 100,000-account tenant
shares its database, against the same pages in a database where it is alone. Must stay ≤ 1.2×:
every query of a page is led by tenant_id, so another tenant's rows cost nothing but cache.

    .venv/bin/python bench/small_tenant.py \\
        --shared postgres://keystone_owner@127.0.0.1:5432/keystone_walk_bench \\
        --alone postgres://keystone_owner@127.0.0.1:5432/keystone_walk_bench_alone

Runs bench/walk.py --sizes 50 against each database (the shared one should already hold the 100k
tenant: run the walker first; the lone one is created when it does not exist) and prints, per page,
p50 in each and the ratio, flagging ratios over 1.2.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
LIMIT = 1.2
PAGES = (
    r"^t/<slug:tenant_slug>/$|accounts/$|accounts/<int:account_id>/$|key-players/$|plans/opportunities/$|"
    r"plans/$|ratings/$|hierarchy/$|api/v1/accounts/$|api/v1/opportunities/$"
)


def walk(url: str, runs: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "walk.py"),
                "--sizes",
                "50",
                "--runs",
                str(runs),
                "--only",
                PAGES,
                "--json",
                out.name,
            ],
            env=os.environ | {"DATABASE_URL": url},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return json.loads(Path(out.name).read_text())["50"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--shared",
        default=os.environ.get(
            "WALK_BENCH_DATABASE_URL", "postgres://keystone_owner@127.0.0.1:5432/keystone_walk_bench"
        ),
    )
    parser.add_argument("--alone", default=None, help="default: the shared database's name + _alone")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    alone = args.alone or args.shared.rstrip("/") + "_alone"
    alone_results, shared_results = walk(alone, args.runs), walk(args.shared, args.runs)
    print(f"{'page':<46} {'alone p50':>9} {'shared p50':>10} {'ratio':>6}")
    worst = 0.0
    for route in sorted(shared_results):
        a, s = alone_results.get(route), shared_results[route]
        if not a or a[0] != 200 or s[0] != 200:
            continue
        ratio = s[1] / a[1]
        worst = max(worst, ratio)
        flag = "  OVER 1.2" if ratio > LIMIT else ""
        print(f"{route.replace('t/<slug:tenant_slug>/', '/t/<slug>/'):<46} {a[1]:9.1f} {s[1]:10.1f} {ratio:6.2f}{flag}")
    print(f"\nworst ratio {worst:.2f} (limit {LIMIT})")


if __name__ == "__main__":
    main()
