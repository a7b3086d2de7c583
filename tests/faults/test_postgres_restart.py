"""Fault: PostgreSQL restarts under a running web server (gunicorn) and a running worker. During the
restart pages answer a clear 503 (no traceback); afterwards the same processes serve again without
being restarted; a task that was running when the database went away is retried and completes."""

import http.client
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from ratings.services import LOCK_CLASS
from tests.faults.conftest import free_port, wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"
ROOT = Path(__file__).resolve().parents[2]

SEED = """
from tenancy.context import tenant_context
from tests.ratings.factories import AccountFactory, OpportunityFactory
from tests.tenancy.factories import MembershipFactory, TenantFactory, UserFactory
tenant = TenantFactory(name="Acme", slug="acme")
user = UserFactory(email="boss@acme.example")
with tenant_context(tenant.pk):
    MembershipFactory(tenant=tenant, user=user, role="admin")
    OpportunityFactory(account=AccountFactory(tenant=tenant, name="Big"), value=500000)
print(tenant.pk)
"""


class Browser:
    """A minimal HTTP client that keeps cookies: talks to the real server like a browser would."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": self.cookies["csrftoken"],
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            }
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        text = response.read().decode()
        conn.close()
        return response.status, text


def _env(cluster, redis_url, var_dir):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "keystone.settings",
        "KEYSTONE_TESTING": "1",
        "DEBUG": "0",
        "DATABASE_URL": cluster.url(),
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
        "KEYSTONE_VAR_DIR": str(var_dir),
    }


def _snapshots(cluster, tenant_id) -> int:
    with psycopg.connect(cluster.url().replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant_id)])
        return conn.execute("SELECT count(*) FROM ratings_ratingsnapshot").fetchone()[0]


def test_pages_answer_503_during_a_restart_and_work_after_it_and_a_running_task_is_retried(
    pg_cluster, redis_broker, worker_process, tmp_path
):
    env = _env(pg_cluster, redis_broker.url, tmp_path)
    tenant_id = int(
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SEED],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    web = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "keystone.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            "60",
        ],
        env=env,
        cwd=ROOT,
        stdout=open(tmp_path / "web.log", "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    holder = None
    try:
        browser = Browser(port)

        def get(path):
            try:
                return browser.request("GET", path)
            except OSError:
                return 0, ""

        assert wait_for(lambda: get("/healthz")[0] == 200, 60, 0.3), (tmp_path / "web.log").read_text()
        status, page = browser.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = browser.request(
            "POST", "/login/", f"username=boss%40acme.example&password={PASSWORD}&csrfmiddlewaretoken={token}"
        )
        assert status == 302 and "sessionid" in browser.cookies
        assert get("/t/acme/")[0] == 200

        # A recompute that is running (waiting inside its transaction) when the database goes away.
        worker = worker_process(redis_broker.url, database_url=pg_cluster.url())
        holder = psycopg.connect(pg_cluster.url().replace("postgres://", "postgresql://"), autocommit=True)
        holder.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, tenant_id])
        from ratings.tasks import recompute_ratings_task

        recompute_ratings_task.delay(tenant_id)
        assert wait_for(
            lambda: (
                holder.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()[
                    0
                ]
                == 1
            ),
            30,
        ), worker.log()[-3000:]

        pg_cluster.stop()
        holder = None
        status, page = get("/t/acme/")
        assert status == 503 and "Keystone is briefly unavailable" in page and "Traceback" not in page
        assert get("/healthz")[0] == 503
        api_status, api_body = get("/api/v1/me/")
        assert api_status in (401, 503)  # no token: either way, no traceback
        assert "Traceback" not in api_body

        pg_cluster.start()
        assert get("/t/acme/")[0] == 200  # the very next request, same gunicorn process
        assert get("/healthz")[0] == 200

        # Restarted again with no request in between: the stale pooled connection is noticed and replaced.
        pg_cluster.stop()
        pg_cluster.start()
        assert get("/t/acme/")[0] == 200

        # The task failed with the connection, was retried, and has done its work.
        assert wait_for(lambda: _snapshots(pg_cluster, tenant_id) == 1, 90, 0.5), worker.log()[-3000:]
        assert "Retry in" in worker.log()
        assert web.poll() is None  # never restarted
        assert worker.process.poll() is None
    finally:
        if holder is not None:
            holder.close()
        os.killpg(web.pid, 9)
        web.wait(10)
