"""'Rating being updated' wherever the rating shows (issue 13, item 8): after a change that moves a rating,
the account page and the lists mark the badge until the recompute lands, and the badge refreshes itself."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ratings import services
from tenancy.models import Role
from tests.conftest import browser_login
from tests.ratings.factories import AccountFactory, OpportunityFactory
from tests.ratings.helpers import activate_policy, pipeline_only, setup_ran

UPDATING = "rating being updated"


def _rate(member):
    with member.scope():
        services.ratings_recompute()


def _badge_url(member, account):
    return f"/t/{member.tenant.slug}/ratings/accounts/{account.pk}/badge/"


@pytest.mark.django_db
def test_the_account_page_and_the_list_mark_a_pending_rating_until_it_lands(admin_a):
    account = AccountFactory(tenant=admin_a.tenant, name="Orbit Airlines")
    other = AccountFactory(tenant=admin_a.tenant, name="Quiet Mills")
    _rate(admin_a)
    setup_ran(admin_a.tenant)
    overview, listing = admin_a.url(f"accounts/{account.pk}/"), admin_a.url("accounts/")
    assert UPDATING not in admin_a.client.get(overview).content.decode()
    assert UPDATING not in admin_a.client.get(listing).content.decode()

    OpportunityFactory(account=account, value=Decimal(50))  # moves the pipeline: a recompute is queued
    page = admin_a.client.get(overview).content.decode()
    assert UPDATING in page
    assert f'hx-get="{_badge_url(admin_a, account)}" hx-trigger="every 3s"' in page
    rows = admin_a.client.get(listing).content.decode()
    assert rows.count(UPDATING) == 1 and _badge_url(admin_a, account) in rows
    assert _badge_url(admin_a, other) not in rows
    badge = admin_a.client.get(_badge_url(admin_a, account)).content.decode()
    assert UPDATING in badge and "every 3s" in badge and "<html" not in badge

    _rate(admin_a)
    setup_ran(admin_a.tenant)  # the recompute ran
    badge = admin_a.client.get(_badge_url(admin_a, account)).content.decode()
    assert UPDATING not in badge and "hx-trigger" not in badge and 'class="badge rating-' in badge
    assert UPDATING not in admin_a.client.get(overview).content.decode()


@pytest.mark.django_db
def test_a_tenant_wide_recompute_marks_every_row_with_one_query(admin_a):
    for n in range(12):
        AccountFactory(tenant=admin_a.tenant, name=f"Account {n:02}")
    _rate(admin_a)
    setup_ran(admin_a.tenant)
    listing = admin_a.url("accounts/")
    with CaptureQueriesContext(connection) as before:
        admin_a.client.get(listing)
    with admin_a.scope():
        activate_policy(admin_a, **pipeline_only())  # a new policy: every rating is recomputed
    with CaptureQueriesContext(connection) as during:
        rows = admin_a.client.get(listing).content.decode()
    assert rows.count(UPDATING) == 12
    assert len(during) == len(before)


@pytest.mark.django_db
def test_the_badge_of_another_tenants_or_a_missing_account_is_404(admin_a, tenant_b):
    foreign = AccountFactory(tenant=tenant_b)
    assert admin_a.client.get(_badge_url(admin_a, foreign)).status_code == 404
    assert admin_a.client.get(f"/t/{admin_a.tenant.slug}/ratings/accounts/999999/badge/").status_code == 404
    own = AccountFactory(tenant=admin_a.tenant)
    assert admin_a.client.post(_badge_url(admin_a, own)).status_code == 405


@pytest.mark.browser
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_badge_refreshes_itself_when_the_recompute_lands(page, tenant_a, make_member, live_worker, settings):
    """End to end: a real worker runs the debounced recompute; the open page's badge notices by itself."""
    settings.RATINGS_DEBOUNCE_SECONDS = 2
    manager = make_member(tenant_a, Role.MANAGER)
    account = AccountFactory(tenant=tenant_a, name="Orbit Airlines", owner=manager.user)
    _rate(manager)
    setup_ran(tenant_a)
    browser_login(page, manager.user.email)
    with live_worker():
        OpportunityFactory(account=account, value=Decimal(50))  # committed: the recompute waits 2 s
        page.goto(f"/t/{tenant_a.slug}/accounts/{account.pk}/")
        live = page.locator(".acc-rating .rt-badge-live")
        assert UPDATING in live.inner_text()
        live.wait_for(state="detached", timeout=15_000)  # a later poll swapped in the plain badge
    assert page.locator(".acc-rating .badge").count() == 1
    assert UPDATING not in page.locator(".acc-rating").inner_text()
