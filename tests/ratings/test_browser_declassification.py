"""Issue 15's declassification flow in headless Chromium, as an admin would run it: the review lists
the strategic account whose discount keeps rising, the evidence shows its levels by buying role and its
potential, and declassifying it to inside sales makes it tactical with the reason in its history and
puts it on the inside-sales cadence."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from keyplayers.models import BuyingRole
from tenancy.models import Role
from tests.conftest import browser_login
from tests.hierarchy.factories import assess, make_relationship
from tests.ratings.factories import (
    AccountFactory,
    CallReportFactory,
    ContactFactory,
    FinancialPeriodFactory,
    KeyPlayerFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_reviews_and_declassifies_a_squeezing_strategic_account(page, live_server, tenant_a, make_member):
    admin = make_member(tenant_a, Role.ADMIN, full_name="Alex Admin")
    squeezer = AccountFactory(tenant=tenant_a, name="Squeeze Freight", classification="strategic", potential_level=4)
    AccountFactory(tenant=tenant_a, name="Tactical Haulage", classification="tactical")
    today = timezone.localdate()
    for quarter in range(4):  # 12 %, 15 %, 18 %, 21 %: asking for more every quarter
        start = today.replace(day=1) - dt.timedelta(days=90 * (3 - quarter) + 60)
        FinancialPeriodFactory(
            account=squeezer,
            period_start=start,
            period_end=start + dt.timedelta(days=60),
            revenue=Decimal(80000),
            discount_pct=Decimal(12 + 3 * quarter),
        )
    for i in range(9):
        CallReportFactory(account=squeezer, occurred_at=timezone.now() - dt.timedelta(days=25 * i + 1))
    buyer = ContactFactory(account=squeezer, full_name="Pat Purchaser")
    KeyPlayerFactory(account=squeezer, contact=buyer, buying_role=BuyingRole.PURCHASING)
    assess(make_relationship(user=admin.user, contact=buyer), 2)

    browser_login(page, admin.user.email)
    page.goto(f"/t/{tenant_a.slug}/ratings/declassification/")
    expect(page.locator("h2").first).to_have_text("1 account flagged")
    row = page.locator("table.rt-declass tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Squeeze Freight")
    row.locator("a.btn").click()

    expect(page.locator(".rt-ev-level")).to_contain_text("potential level: 4")
    expect(page.locator(".rt-by-role")).to_contain_text("Purchasing")
    expect(page.locator(".rt-ev-discount h2")).to_contain_text("✓")
    expect(page.locator(".rt-ev-investment")).to_contain_text("Calls")
    page.locator("input[name=decision][value=declassify]").check()
    page.locator("select[name=coverage]").select_option("inside_sales")
    page.locator("textarea[name=reason]").fill("A bigger discount every quarter; level 2 for a year.")
    page.click("button:has-text('Record the decision')")
    expect(page.locator(".msg-success")).to_contain_text(
        "Squeeze Freight is declassified: now tactical, served by inside sales."
    )
    expect(page.locator("h2").first).to_have_text("0 accounts flagged")

    page.goto(f"/t/{tenant_a.slug}/accounts/{squeezer.pk}/")
    expect(page.locator(".acct-coverage")).to_have_text("Inside sales")
    expect(page.locator("body")).to_contain_text("Declassified: A bigger discount every quarter")
    page.goto(f"/t/{tenant_a.slug}/ratings/due/?state=all&within=3650")
    expect(page.locator("body")).to_contain_text("Squeeze Freight")
    expect(page.locator("body")).to_contain_text("(inside sales)")
