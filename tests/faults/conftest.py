"""Throwaway servers for the fault tests: each test stops and starts servers of its own, never the
shared PostgreSQL or Redis the rest of the suite uses. Every wait is bounded, and each test as a whole
is stopped after FAULT_TEST_SECONDS (the servers it started are stopped by their fixtures).

    make test PYTEST_ARGS="-m faults"        only these;  -m "not faults"  all but these
"""

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest

FAULT_TEST_SECONDS = 240


def pytest_collection_modifyitems(items):
    for item in items:
        if "/faults/" in str(item.path):
            item.add_marker(pytest.mark.faults)


class FaultTestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _bounded_in_time():
    """A fault test that hangs (a server that never answers, a lock never released) fails instead."""

    def expire(signum, frame):
        raise FaultTestTimeout(f"fault test still running after {FAULT_TEST_SECONDS} s")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(FAULT_TEST_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, seconds=20.0, step=0.1):
    """Polls until predicate() is truthy; returns its last value (falsy after the deadline)."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


@contextmanager
def warnings_of(logger_name: str):
    """The messages of WARNING and above that `logger_name` logs in the block (whatever the root
    logger's handlers are: Celery's worker setup replaces them)."""
    messages = []

    class Collect(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    handler, logger = Collect(logging.WARNING), logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


class RedisServer:
    """A redis-server of the test's own on a free port; stop() and start() keep the port."""

    def __init__(self, tmp_path):
        self.port, self.dir, self.process = free_port(), tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(lambda: _answers(self.port), 10), "the throwaway redis-server did not start"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        assert wait_for(lambda: not _answers(self.port), 5)


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        if os.environ.get("KEYSTONE_REQUIRE_REDIS") == "1":
            pytest.fail("redis-server is required for the fault tests")
        pytest.skip("no redis-server binary")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(settings, redis_server):
    """Django's cache on the test's own Redis (as in production), with production's short timeouts."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    from tenancy import throttle

    throttle.reset()
    yield redis_server
    throttle.reset()


@pytest.fixture
def redis_broker(redis_server):
    """The Celery app publishes to (and live_worker consumes from) the test's own Redis, for real
    (not eagerly)."""
    from kombu import pools

    from keystone.celery import app
    from tenancy import outbox

    def use(url):
        # kombu keeps its connection and producer pools in global registries keyed by connection:
        # clear them (closing a pool but leaving it registered would hand it out closed later).
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url = url

    saved = app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_transport_options
    # This Redis is the test's alone, and the worker processes it starts publish and consume without
    # the per-xdist-worker key prefix of the shared one (keystone/test_settings.py).
    app.conf.broker_transport_options = {k: v for k, v in saved[2].items() if k != "global_keyprefix"}
    use(redis_server.url)
    app.conf.task_always_eager = False
    yield redis_server
    app.conf.broker_transport_options = saved[2]
    use(saved[0])
    app.conf.task_always_eager = saved[1]
    outbox.broker_retry_now()


class WorkerProcess:
    """A real `celery worker` (prefork pool) in a process of its own, on the test's broker and database."""

    def __init__(self, broker_url: str, database_url: str, concurrency: int, log_path):
        import uuid

        self.name = f"fault-{uuid.uuid4().hex[:8]}@test"
        self.log_path, self.database_url = log_path, database_url
        # The production settings module (test_settings makes every task eager, retries included).
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "keystone.settings",
            "KEYSTONE_TESTING": "1",
            "REDIS_URL": broker_url,
            "DATABASE_URL": database_url,
            "KEYSTONE_VAR_DIR": str(log_path.parent),
        }
        self.process = subprocess.Popen(
            [
                os.path.join(os.path.dirname(sys.executable), "celery"),
                "-A",
                "keystone",
                "worker",
                "-P",
                "prefork",
                "-c",
                str(concurrency),
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            env=env,
            stdout=open(log_path, "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return open(self.log_path, encoding="utf-8", errors="replace").read()

    def children(self) -> list[int]:
        with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as handle:
            return [int(pid) for pid in handle.read().split()]

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the worker and its pool only
            self.process.wait(10)


@pytest.fixture
def worker_process(tmp_path):
    """Starts workers; each is killed at the end of the test whatever happens."""
    from django.db import connection

    started = []
    params = connection.settings_dict
    database_url = (
        f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
    )

    def start(broker_url, concurrency=1, database_url=database_url):
        worker = WorkerProcess(broker_url, database_url, concurrency, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        ready = wait_for(lambda: worker.process.poll() is not None or f"{worker.name} ready." in worker.log(), 60, 0.3)
        assert ready and worker.process.poll() is None, worker.log()[-3000:]
        return worker

    yield start
    for worker in started:
        worker.stop()


class PostgresCluster:
    """A throwaway PostgreSQL cluster (as scripts/with-services makes one): initdb, start, stop, restart.
    As root, the server runs as the 'postgres' system user."""

    def __init__(self):
        import glob
        import tempfile

        bindir = ""
        if shutil.which("pg_config"):
            bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if not os.path.exists(os.path.join(bindir, "initdb")):
            candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
            bindir = candidates[-1] if candidates else ""
        if not bindir or not os.path.exists(os.path.join(bindir, "initdb")):
            pytest.skip("no PostgreSQL server binaries for a throwaway cluster")
        self.bindir, self.port = bindir, free_port()
        self.dir = tempfile.mkdtemp(prefix="keystone-pg-fault-")
        self.run_as = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self._pg("initdb", "-D", f"{self.dir}/data", "-U", "postgres", "-A", "trust", "--no-sync")

    def _pg(self, tool, *args):
        subprocess.run(
            [*self.run_as, os.path.join(self.bindir, tool), *args],
            check=True,
            timeout=60,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def url(self, user="keystone_owner", dbname="keystone"):
        return f"postgres://{user}@127.0.0.1:{self.port}/{dbname}"

    def start(self):
        self._pg(
            "pg_ctl",
            "-D",
            f"{self.dir}/data",
            "-l",
            f"{self.dir}/server.log",
            "-w",
            "-t",
            "30",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
            "start",
        )

    def stop(self, mode="fast"):
        self._pg("pg_ctl", "-D", f"{self.dir}/data", "-m", mode, "-w", "-t", "30", "stop")

    def psql(self, sql, dbname="postgres", user="postgres"):
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                user,
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
                sql,
                dbname,
            ],
            check=True,
            timeout=60,
            stdout=subprocess.DEVNULL,
        )

    def destroy(self):
        try:
            self.stop("immediate")
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def pg_cluster():
    """A throwaway cluster with the suite's roles and a `keystone` database holding the test database's
    schema (copied with pg_dump: quicker than running every migration again)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    cluster = PostgresCluster()
    try:
        cluster.start()
        cluster.psql("CREATE ROLE keystone_owner LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS")
        cluster.psql("CREATE DATABASE keystone OWNER keystone_owner")
        params = connection.settings_dict
        schema = subprocess.run(
            [
                "pg_dump",
                "--schema-only",
                "-h",
                params["HOST"] or "127.0.0.1",
                "-p",
                str(params["PORT"] or 5432),
                "-U",
                params["USER"],
                params["NAME"],
            ],
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "keystone",
            ],
            input=schema,
            check=True,
            timeout=60,
            stdout=subprocess.DEVNULL,
        )
        yield cluster
    finally:
        cluster.destroy()
