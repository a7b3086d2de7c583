"""The issue's "done when", in a real browser: a manager imports a CSV of accounts (and their people),
finds and filters them, classifies one as strategic with a reason and sees its org chart; a viewer
cannot see the financials."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from tenancy.models import Role
from tests.accounts.factories import FinancialPeriodFactory
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS = """external_id;name;industry;revenue_tier;status
NW-1;Northwind Traders;Retail;gold;customer
NW-2;Harbour Freight Logistics;Logistics;silver;customer
NW-3;Brightwater Utilities;Utilities;platinum;prospect
"""
CONTACTS = """external_id,account_external_id,full_name,title,reports_to_external_id
P-2,NW-2,Omar Lindqvist,Head of Cold Chain,P-1
P-1,NW-2,Dana Whitfield,COO,
P-3,NW-2,Lena Berg,Fleet Planner,P-2
"""


def _import(page, kind, text, name):
    page.click("text=Import CSV")
    page.check(f"input[name=kind][value={kind}]")
    page.set_input_files(
        "input[name=file]", {"name": name, "mimeType": "text/csv", "buffer": ("\ufeff" + text).encode()}
    )
    page.click("text=Upload and preview")
    assert page.locator("h1").inner_text() == f"Preview: {name}"
    assert "3 to create" in page.locator(".acc-counts").inner_text()
    page.click("button:has-text('Import 3 changes')")
    assert "3 created, 0 updated, 0 unchanged" in page.locator(".messages").inner_text()


def test_manager_imports_filters_classifies_and_sees_the_org_chart(page, tenant_a, make_member):
    manager = make_member(tenant_a, Role.MANAGER)
    browser_login(page, manager.user.email)
    page.click(".mainnav >> text=Accounts")
    _import(page, "accounts", ACCOUNTS, "accounts.csv")
    _import(page, "contacts", CONTACTS, "people.csv")

    # Find: the search box filters as you type (htmx), and the URL follows so it can be shared.
    page.fill("input[name=q]", "harb")
    page.wait_for_url(re.compile(r"q=harb"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "Harbour Freight Logistics" in page.locator("#results").inner_text()
    page.fill("input[name=q]", "")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    page.select_option("select[name=revenue_tier]", "platinum")
    page.wait_for_url(re.compile(r"revenue_tier=platinum"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "Brightwater Utilities" in page.locator("#results").inner_text()
    shared = page.url
    page.goto(shared)  # a bookmarked filtered view renders the same list without htmx
    assert page.locator("#results tbody tr").count() == 1
    assert page.locator("select[name=revenue_tier]").input_value() == "platinum"
    page.select_option("select[name=revenue_tier]", "")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    # Sorting by a column header: the rows, the URL and the form's sort box follow.
    page.click("a.acc-sort:has-text('Account')")
    page.wait_for_url(re.compile(r"sort=-name"))
    expect(page.locator("#results tbody tr td a").first).to_have_text("Northwind Traders")
    assert page.locator("#account-filters select[name=sort]").input_value() == "-name"
    assert "revenue_tier=" not in page.url  # empty filters stay out of shared links

    # Classify as strategic, with the reason; the reason is required.
    page.click("#results >> text=Harbour Freight Logistics")
    page.click("text=Change classification")
    page.check("input[name=classification][value=strategic]")
    page.click("text=Save classification")
    assert "Give the reason for this classification." in page.locator("main form").inner_text()
    page.check("input[name=classification][value=strategic]")
    page.fill("textarea[name=reason]", "Our first cold-chain customer: the beachhead for the segment.")
    page.click("text=Save classification")
    assert "is now strategic" in page.locator(".messages").inner_text()
    assert "Unqualified → Strategic" in page.locator(".acc-history").inner_text()

    # The org chart: Dana at the top, Omar under her, Lena under Omar (tab switched with htmx).
    page.click(".tabs >> text=Contacts & org chart")
    page.wait_for_url(re.compile(r"/contacts/$"))
    chart = page.locator(".acc-org")
    top = chart.locator(":scope > li")
    assert top.count() == 1 and top.locator(":scope > .acc-person").inner_text().startswith("Dana Whitfield")
    assert top.locator(":scope > ul > li > .acc-person").inner_text().startswith("Omar Lindqvist")
    assert top.locator(":scope > ul > li > ul > li > .acc-person").inner_text().startswith("Lena Berg")
    with manager.scope():
        assert Account.objects.get(external_id="NW-2").classification == "strategic"


def test_viewer_cannot_see_financials(page, tenant_a, make_member):
    viewer = make_member(tenant_a, Role.VIEWER)
    period = FinancialPeriodFactory(account__tenant=tenant_a, account__name="Secret Revenue AG", revenue=4242424)
    browser_login(page, viewer.user.email)
    page.goto(f"/t/{tenant_a.slug}/accounts/")
    page.click("text=Secret Revenue AG")
    assert page.locator(".tabs >> text=Financials").count() == 0
    assert "4,242,424" not in page.content()
    assert "Visible to the account's team" in page.content()
    response = page.goto(f"/t/{tenant_a.slug}/accounts/{period.account_id}/financials/")
    assert response.status == 404
    export = page.request.get(f"/t/{tenant_a.slug}/accounts/export.csv")
    assert export.ok and "Secret Revenue AG" in export.text() and "4242424" not in export.text()
