#!/usr/bin/env python
"""The API list endpoint under concurrent clients (not a test): gunicorn on loopback, 8 client threads.

    DATABASE_URL=postgres://keystone_owner@127.0.0.1:5432/keystone_walk_bench \\
        .venv/bin/python bench/api_load.py --accounts 100000 --clients 8 --seconds 20

Uses the tenant `bench-walk-N` that bench/walk.py generated (run it first). Starts gunicorn itself
(`--workers`, sync workers, on a free loopback port), sends GET /api/v1/accounts/ with a fresh API token
from `--clients` threads until `--seconds` have passed or `--max-requests` were sent (bounded, loopback
only), stops gunicorn, and prints requests/s, p50 and p95 latency and the error count.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keystone.settings")
os.environ.setdefault("KEYSTONE_TESTING", "1")
os.environ.setdefault("DATABASE_URL", "postgres://keystone_owner@127.0.0.1:5432/keystone_walk_bench")

import django  # noqa: E402

django.setup()

from tenancy.context import tenant_context  # noqa: E402
from tenancy.models import Tenant, User  # noqa: E402
from tenancy.services import api_token_create  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (a broker check may fail here; the API does not need it)
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer on /healthz")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000, help="which bench-walk tenant")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--max-requests", type=int, default=5_000)
    parser.add_argument("--path", default="/api/v1/accounts/")
    args = parser.parse_args()

    tenant = Tenant.objects.get(slug=f"bench-walk-{args.accounts}")
    user = User.objects.get(email=f"walk-{args.accounts}@bench.example")
    with tenant_context(tenant.pk):
        _, raw = api_token_create(tenant=tenant, user=user, name="bench api load")
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "keystone.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        wait_until_up(port)
        url = f"http://127.0.0.1:{port}{args.path}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {raw}"})
        for _ in range(args.workers * 2):  # warm every worker
            urllib.request.urlopen(request, timeout=30).read()
        timings, errors, sent = [], [0], [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def client():
            while time.monotonic() < stop_at:
                with lock:
                    if sent[0] >= args.max_requests:
                        return
                    sent[0] += 1
                start = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
                        ok = response.status == 200
                except OSError:
                    ok = False
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    timings.append(elapsed)
                    errors[0] += not ok

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)  # the server this script started, by its own pid
        server.wait(timeout=30)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    print(
        f"GET {args.path} on {args.accounts:,} accounts, {args.clients} clients, gunicorn {args.workers} sync workers: "
        f"{len(timings)} requests in {wall:.1f} s = {len(timings) / wall:.1f} req/s; p50 {statistics.median(timings):.0f} ms, "
        f"p95 {p95:.0f} ms; {errors[0]} errors (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
