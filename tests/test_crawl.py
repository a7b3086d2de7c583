"""A new user's walk, kept clean: as each demo role, follow the links from the dashboard (breadth first,
bounded) over the demo data in headless Chromium, and fail on any 5xx, console error, htmx error event,
uncaught page error, page slower than 1 s on the server (its fastest of three loads), any request (image, style sheet, htmx partial)
that fails, and any link on a page that answers 404 — or 403: a page must not offer a button its
reader's role cannot use.

One seeded database and one browser for all roles: the demo is seeded once (about 20 s) and each role
gets a fresh browser context. Pages of the same kind (the same path with the ids taken out, the same
query keys) are visited once per role; links to the rest are still checked, by a plain request."""

import re
import time
from unittest import mock
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.db.models.functions import Now

from keystone.demo import DEMO_PASSWORD, TENANTS, seed
from tests.conftest import InFlight, PageProblems, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ("admin", "manager", "executive", "viewer")
MAX_PAGES_PER_ROLE = 36
MAX_LINK_CHECKS_PER_ROLE = 100
SLOW_SECONDS = 1.0
# The crawl runs beside the rest of the suite (pages take ~50–150 ms alone): a page over the budget is
# timed again and its fastest load counts. A slow page is slow every time; a neighbour's burst is not.
SLOW_RETRIES = 2
# Not pages: files (checked by status and type only).
FILE_LINK = re.compile(r"(\.csv|\.ics|\.pdf|/pdf/|/export/?|/feed/)(\?|$)")
# Links that change state when followed or leave the tenant's pages.
SKIP = re.compile(r"/logout/|/admin/")
_ID = re.compile(r"/\d+(?=/|$)")


def _kind(url: str) -> str:
    """One page per kind: the path with ids taken out. Filter and sort variants (the query string) are
    the same page: their links are checked, not walked, so the walk gets deeper instead."""
    return _ID.sub("/{id}", urlsplit(url).path)


def _links(page, prefix: str) -> list[str]:
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url = href.split("#")[0]
        path = urlsplit(url).path
        if path.startswith(prefix) and not SKIP.search(path) and url not in found:
            found.append(url)
    return found


def _server_seconds(page) -> float:
    """Time to the last byte of the document (the server's work plus the transfer), not the browser's
    layout: what a slow query or an N+1 shows up in."""
    timing = page.evaluate(
        "(() => { const t = performance.getEntriesByType('navigation')[0];"
        " return t ? t.responseEnd - t.requestStart : 0; })()"
    )
    return timing / 1000


def _crawl(context, live_url: str, slug: str, role: str) -> tuple[list[str], int, int, list]:
    page = context.new_page()
    problems = PageProblems(page)
    in_flight = InFlight(page)
    failures: list[str] = []
    failed_requests: list[str] = []
    timings: list[tuple[float, str]] = []
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and response.url.startswith(live_url)
            and failed_requests.append(f"{response.status} {response.url}")
        ),
    )
    page.on(
        "requestfailed",
        lambda request: (
            request.url.startswith(live_url) and failed_requests.append(f"failed {request.url} ({request.failure})")
        ),
    )
    browser_login(page, f"{role}@{slug}.example", DEMO_PASSWORD)
    prefix = f"/t/{slug}/"
    start = f"{live_url}{prefix}"
    queue, seen_kinds, checked = deque([(start, "login")]), {_kind(start)}, {start}
    visited = link_checks = 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        url, came_from = queue.popleft()
        if FILE_LINK.search(url):
            response = context.request.get(url)
            if response.status >= 400:
                failures.append(f"{response.status} {url} (linked from {came_from})")
            continue
        response = page.goto(url, wait_until="load")
        in_flight.settle(page)
        visited += 1
        status = response.status if response else 0
        if status >= 400:
            failures.append(f"{status} {url} (linked from {came_from})")
        seconds = _server_seconds(page)
        for _ in range(SLOW_RETRIES if seconds > SLOW_SECONDS else 0):
            page.reload(wait_until="load")
            in_flight.settle(page)
            seconds = min(seconds, _server_seconds(page))
        timings.append((seconds, url.removeprefix(live_url)))
        if seconds > SLOW_SECONDS:
            failures.append(f"slow: {url} took {seconds:.2f} s")
        failures += [f"{url}: {problem}" for problem in problems.take()]
        failures += [f"{url}: {request}" for request in failed_requests]
        failed_requests.clear()
        for link in _links(page, prefix):
            kind = _kind(link)
            if kind not in seen_kinds:
                seen_kinds.add(kind)
                checked.add(link)
                queue.append((link, url))
            elif link not in checked and link_checks < MAX_LINK_CHECKS_PER_ROLE:
                checked.add(link)
                link_checks += 1
                answer = context.request.get(link, max_redirects=0 if "/login/" in link else 20)
                if answer.status in (403, 404) or answer.status >= 500:
                    failures.append(f"link answers {answer.status}: {link} (on {url})")
    page.close()
    return failures, visited, link_checks, sorted(timings, reverse=True)


@pytest.fixture
def demo_data(db):
    """The first demo tenant, with the jobs its changes would queue left out while seeding (run eagerly
    they take minutes: a recompute per account change); the two summaries the pages read are then
    built once, as the nightly jobs would."""
    from keyplayers.services import coverage_summary_refresh
    from ratings.services import ratings_recompute
    from tenancy.context import tenant_context
    from tenancy.models import OutboxMessage, Tenant

    with mock.patch("celery.app.task.Task.apply_async", return_value=None):
        seed(TENANTS[:1])
    with tenant_context(Tenant.objects.get(slug=TENANTS[0][0]).pk):
        ratings_recompute()
        coverage_summary_refresh()
        # What the seeding queued has now run (rating pages would otherwise say "being updated").
        OutboxMessage.objects.filter(done_at__isnull=True).update(started_at=Now(), done_at=Now())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh tables have no statistics yet: plans would be a stranger's


def test_every_demo_role_walks_the_app_without_an_error(demo_data, browser, live_server):
    slug = TENANTS[0][0]
    report, failures = [], []
    for role in ROLES:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        started = time.monotonic()
        try:
            found, visited, link_checks, timings = _crawl(context, live_server.url, slug, role)
        finally:
            context.close()
        slowest = ", ".join(f"{path} {seconds * 1000:.0f} ms" for seconds, path in timings[:3])
        report.append(
            f"{role}: {visited} pages, {link_checks} more links checked, {time.monotonic() - started:.0f} s;"
            f" slowest: {slowest}"
        )
        failures += [f"[{role}] {failure}" for failure in found]
        assert visited >= 15, f"{role} reached only {visited} pages: the walk is not walking"
    print("\n".join(report))
    assert failures == [], "\n".join(failures)
