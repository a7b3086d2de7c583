"""Deep list pages read a bounded number of rows (issue 12): tenancy.paging caps how deep an HTML list
goes, and the account list answers a page past the cap without reading the rows before it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import selectors as account_selectors
from accounts.models import Account
from accounts.selectors import AccountFilters, account_list
from tenancy.paging import CappedPaginator
from tests.accounts.factories import AccountFactory
from tests.plans.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_the_capped_paginator_counts_at_most_cap_plus_one_rows(manager_a):
    for _ in range(7):
        AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        paginator = CappedPaginator(Account.objects.order_by("pk"), 2, cap=4)
        with CaptureQueriesContext(connection) as ctx:
            assert paginator.count == 4 and paginator.capped and paginator.count_label == "4+"
        assert "LIMIT 5" in ctx.captured_queries[0]["sql"]
        assert paginator.num_pages == 2
        deep = paginator.get_page(50)  # past the cap: the last page within it, never an OFFSET past it
        assert deep.number == 2 and not deep.has_next() and len(deep.object_list) == 2
        whole = CappedPaginator(Account.objects.order_by("pk"), 2, cap=10)
        assert whole.count == 7 and not whole.capped and whole.count_label == "7"
        assert CappedPaginator(list(range(5)), 2, cap=3).count_label == "3+"


def test_a_deep_opportunity_page_says_to_narrow_the_list(manager_a, monkeypatch):
    from tenancy import paging

    monkeypatch.setattr(paging, "MAX_ROWS", 3)
    account = AccountFactory(tenant=manager_a.tenant)
    for _ in range(5):
        OpportunityFactory(account=account, stage="proposing")
    body = manager_a.client.get(manager_a.url("plans/opportunities/?page=9")).content.decode()
    assert "Lists go 3 rows deep" in body and body.count(">Opportunity ") == 3


def test_an_account_page_past_the_cap_reads_no_rows(tenant_a, monkeypatch):
    from tenancy.context import tenant_context

    monkeypatch.setattr(account_selectors, "COUNT_CAP", 30)
    for _ in range(32):
        AccountFactory(tenant=tenant_a)
    with tenant_context(tenant_a.pk):
        assert len(account_list(filters=AccountFilters(), page=2, per_page=25).rows) == 7  # within the cap
        with CaptureQueriesContext(connection) as ctx:
            deep = account_list(filters=AccountFilters(), page=3, per_page=25)
        assert deep.rows == [] and deep.too_deep and deep.capped and deep.total == 30
        assert len(ctx.captured_queries) == 1 and "LIMIT 31" in ctx.captured_queries[0]["sql"]
        # Past the end of a short list is not "too deep": there is simply nothing there.
        short = account_list(filters=AccountFilters(classification="nothing"), page=3, per_page=25)
        assert short.rows == [] and not short.too_deep and not short.capped


def test_the_api_counts_exactly_without_the_lists_annotations(manager_a):
    """The API keeps its exact count (clients read it) but does not compute per row what only the page
    shows: the count statement carries neither the annotation nor the order."""
    from django.db.models import Count, OuterRef, Subquery

    from accounts.models import Contact
    from tenancy.paging import LeanCountPaginator

    for _ in range(3):
        AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        contacts = Contact.objects.filter(account_id=OuterRef("pk")).order_by().values("account_id")
        annotated = Account.objects.annotate(
            n_contacts=Subquery(contacts.annotate(n=Count("pk")).values("n"))
        ).order_by("name")
        with CaptureQueriesContext(connection) as ctx:
            assert LeanCountPaginator(annotated, 2).count == 3
        sql = ctx.captured_queries[0]["sql"]
        assert "accounts_contact" not in sql and "ORDER BY" not in sql
    body = manager_a.client.get(manager_a.url("accounts/")).status_code  # the HTML list still answers
    assert body == 200
