import os
import re
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client

from tenancy.context import tenant_context
from tenancy.models import Role
from tests.tenancy.factories import MembershipFactory, TenantFactory, UserFactory


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (row-level security)")
    from django.conf import settings
    from hypothesis.configuration import set_hypothesis_home_dir

    # The fuzz run's example database (hypothesis writes ./.hypothesis by default): not in the checkout.
    set_hypothesis_home_dir(str(settings.VAR_DIR / "hypothesis"))


def pytest_unconfigure(config):
    from django.conf import settings

    if getattr(settings, "TEST_VAR_DIR_MADE_HERE", False):
        shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


# The longest tests (minutes each). pytest-xdist hands tests out in collection order, one to each worker
# in turn: started first, each runs on a worker of its own while the others share the rest, instead of
# being handed out last and keeping one worker busy after all the others have finished.
SLOW_FIRST = ("tests/test_crawl.py", "tests/test_api_fuzz.py", "tests/faults/")


def pytest_collection_modifyitems(config, items):
    def slow_first(item):
        path = item.path.as_posix()
        return next((rank for rank, slow in enumerate(SLOW_FIRST) if f"/{slow}" in path), len(SLOW_FIRST))

    items.sort(key=slow_first)  # stable: the rest keep their order


@pytest.fixture(scope="session", autouse=True)
def _require_postgres(django_db_setup, django_db_blocker):
    """`make test` (and so CI) must never quietly fall back to another database."""
    if os.environ.get("KEYSTONE_REQUIRE_POSTGRES") == "1" and connection.vendor != "postgresql":
        pytest.exit(f"The suite must run on PostgreSQL, not {connection.vendor}: set DATABASE_URL.", returncode=3)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from tenancy import outbox, throttle

    cache.clear()
    throttle.reset()
    outbox.broker_retry_now()
    yield


@dataclass
class Member:
    tenant: object
    user: object
    membership: object
    client: Client

    def url(self, path: str) -> str:
        return f"/t/{self.tenant.slug}/{path.lstrip('/')}"

    def scope(self):
        return tenant_context(self.tenant.pk)


@pytest.fixture
def tenant_a(db):
    return TenantFactory(name="Tenant A", slug="tenant-a")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(name="Tenant B", slug="tenant-b")


@pytest.fixture
def make_member(db):
    def make(tenant, role=Role.MANAGER, **user_fields):
        user = UserFactory(**user_fields)
        membership = MembershipFactory(tenant=tenant, user=user, role=role)
        client = Client()
        client.force_login(user)
        return Member(tenant=tenant, user=user, membership=membership, client=client)

    return make


@pytest.fixture
def admin_a(tenant_a, make_member):
    return make_member(tenant_a, Role.ADMIN)


@pytest.fixture
def manager_a(tenant_a, make_member):
    return make_member(tenant_a, Role.MANAGER)


@pytest.fixture
def executive_a(tenant_a, make_member):
    return make_member(tenant_a, Role.EXECUTIVE)


@pytest.fixture
def viewer_a(tenant_a, make_member):
    return make_member(tenant_a, Role.VIEWER)


@pytest.fixture
def manager_b(tenant_b, make_member):
    return make_member(tenant_b, Role.MANAGER)


@pytest.fixture
def admin_b(tenant_b, make_member):
    return make_member(tenant_b, Role.ADMIN)


def api_client_for(member, token_name="test"):
    """A DRF client authenticated with a fresh API token of `member`."""
    from rest_framework.test import APIClient

    from tenancy.services import api_token_create

    with member.scope():
        _, raw = api_token_create(tenant=member.tenant, user=member.user, name=token_name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


_CSRF = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')


def same_page(first, second) -> bool:
    """Two responses show the same page, but for the per-request masked CSRF token."""
    return _CSRF.sub(rb"\1", first.content) == _CSRF.sub(rb"\1", second.content)


# --- Live Celery worker over Redis ------------------------------------------------------------------

_AMQP_CACHES = ("queues", "default_queue", "router", "send_task_message")


def _reset_celery_routing(app):
    """Celery caches the queue table and the sender on first use; drop them so a changed
    task_default_queue is really where the next task goes."""
    for name in _AMQP_CACHES:
        app.amqp.__dict__.pop(name, None)
    app.amqp._rtable = None


@pytest.fixture
def live_worker():
    """Starts a real Celery worker (solo pool, in this process) on a queue of its own, so no stale
    message of an earlier run and no other worker on the same Redis shares its tasks."""
    pytest.importorskip("redis")
    from celery.contrib.testing.worker import start_worker

    from keystone.celery import app

    try:
        app.connection_for_write().ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("KEYSTONE_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required here and did not answer: {exc!r}")
        pytest.skip("no Redis broker reachable")

    @contextmanager
    def running():
        queue = f"test-{uuid.uuid4().hex}"
        saved = app.conf.task_always_eager, app.conf.task_default_queue
        app.conf.task_always_eager, app.conf.task_default_queue = False, queue
        _reset_celery_routing(app)
        try:
            with start_worker(
                app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10, queues=[queue]
            ):
                yield app
        finally:
            app.conf.task_always_eager, app.conf.task_default_queue = saved
            _reset_celery_routing(app)
            with app.connection_for_write() as conn:
                conn.default_channel.queue_delete(queue)

    return running


# --- The live server (browser tests, the API fuzz run) ---------------------------------------------


def _no_delay_live_server_thread():
    from django.test.testcases import LiveServerThread

    from keystone.devserver import NoDelayThreadedWSGIServer

    return type("NoDelayLiveServerThread", (LiveServerThread,), {"server_class": NoDelayThreadedWSGIServer})


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, answering kept-alive connections without Nagle's 40 ms pause
    (keystone.devserver): it was most of the browser tests' and the API fuzz run's waiting."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(request.config.getvalue("liveserver") or "localhost", start=False)
    plain = server.thread
    server.thread = _no_delay_live_server_thread()(
        plain.host,
        static_handler=plain.static_handler,
        connections_override=plain.connections_override,
        port=plain.port,
    )
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


# --- Browser tests: real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright ---------

CHROMIUM = os.environ.get("KEYSTONE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("KEYSTONE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required for browser tests and was not found at {CHROMIUM}.")
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's 'chromium' package)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test body
    # are still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


class InFlight:
    """The page's requests still waiting for an answer: `settle()` returns once every request the page
    started (htmx partials loaded on "load", images, styles) is answered and 100 ms pass quietly.
    Playwright's "networkidle" waits the same way but a fixed 500 ms, which was most of the browser crawl's
    time (it settles after each page) and half a second of every browser test's teardown."""

    QUIET_MS, POLL_MS = 100, 25

    def __init__(self, page):
        self.waiting: set = set()
        page.on("request", lambda request: self.waiting.add(request))
        page.on("requestfinished", lambda request: self.waiting.discard(request))
        page.on("requestfailed", lambda request: self.waiting.discard(request))

    def settle(self, page, timeout_ms: int = 15_000) -> None:
        quiet = elapsed = 0
        while quiet < self.QUIET_MS:
            page.wait_for_timeout(self.POLL_MS)  # lets Playwright deliver the request events
            elapsed += self.POLL_MS
            quiet = 0 if self.waiting else quiet + self.POLL_MS
            if elapsed > timeout_ms:
                raise AssertionError(f"{page.url}: requests still unanswered after {timeout_ms} ms: {self.waiting}")


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    in_flight = InFlight(page)
    yield page
    # Let requests the page still has in flight (htmx panels loading) finish before the test's database
    # is flushed: a live-server thread still reading while TRUNCATE runs deadlocks the flush.
    try:
        in_flight.settle(page, timeout_ms=5_000)
    except Exception:  # noqa: BLE001 — a page that never settles is the test's own failure, not teardown's
        pass
    context.close()


def browser_login(page, email, password="pass-word-123"):
    page.goto("/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


# htmx reports a failed swap, a bad trigger or a failed request as an event (and only sometimes on the
# console); this init script turns each into a console error, so one listener catches them all.
_HTMX_ERROR_EVENTS = (
    "htmx:targetError",
    "htmx:syntax:error",
    "htmx:swapError",
    "htmx:responseError",
    "htmx:sendError",
    "htmx:onLoadError",
    "htmx:oobErrorNoTarget",
    "htmx:historyCacheError",
    "htmx:evalDisallowedError",
    "htmx:timeout",
)
_HTMX_WATCH = "\n".join(
    f'document.addEventListener("{name}", function (e) {{ console.error("[{name}] " + '
    f"((e.detail && e.detail.pathInfo && e.detail.pathInfo.requestPath) || (e.detail && e.detail.target "
    f'&& e.detail.target.id) || "")); }});'
    for name in _HTMX_ERROR_EVENTS
)


class PageProblems:
    """Everything a page tells the console or throws: console errors, htmx error events, uncaught
    exceptions. `watch(page)` once per page; `problems.take()` returns and clears what was seen."""

    def __init__(self, page):
        self.seen: list[str] = []
        page.add_init_script(_HTMX_WATCH)
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and self.seen.append(f"console: {message.text} ({message.location.get('url', '')})")
            ),
        )
        page.on("pageerror", lambda error: self.seen.append(f"page error: {error}"))

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen
