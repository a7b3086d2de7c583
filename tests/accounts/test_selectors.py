"""The list selector (search, filters, sorts, pages, counts), the org chart and the dashboard summary."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import selectors
from accounts.models import Account, AccountSearchToken, Classification
from accounts.selectors import AccountFilters, account_list
from tests.accounts.factories import AccountFactory, ContactFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="search tokens are kept by a PostgreSQL trigger"
)


def _names(page):
    return [a.name for a in page.rows]


def test_search_matches_word_prefixes_of_name_and_external_id(tenant_a):
    AccountFactory(tenant=tenant_a, name="Northwind Traders", external_id="CRM-0042")
    AccountFactory(tenant=tenant_a, name="Southwind Foods", external_id="CRM-0043")
    AccountFactory(tenant=tenant_a, name="The Müller Group", external_id="X-9")
    with tenant_context_of(tenant_a):
        assert _names(account_list(filters=AccountFilters(q="north"))) == ["Northwind Traders"]
        assert _names(account_list(filters=AccountFilters(q="TRAD north"))) == ["Northwind Traders"]
        assert _names(account_list(filters=AccountFilters(q="wind"))) == []  # a prefix of a word, not any substring
        assert _names(account_list(filters=AccountFilters(q="crm-0043"))) == ["Southwind Foods"]
        assert _names(account_list(filters=AccountFilters(q="müll"))) == ["The Müller Group"]
        assert _names(account_list(filters=AccountFilters(q="north foods"))) == []


@postgres_only
def test_search_words_follow_renames_and_bulk_writes(tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Old Name Ltd", external_id="A-1")
    with tenant_context_of(tenant_a):
        assert sorted(AccountSearchToken.objects.filter(account=account).values_list("token", flat=True)) == [
            "1",
            "a",
            "ltd",
            "name",
            "old",
        ]
        Account.objects.filter(pk=account.pk).update(name="Fresh Brand")
        assert _names(account_list(filters=AccountFilters(q="fresh"))) == ["Fresh Brand"]
        assert _names(account_list(filters=AccountFilters(q="old"))) == []
        Account.objects.filter(pk=account.pk).update(external_id="CRM-77")
        assert _names(account_list(filters=AccountFilters(q="crm 77"))) == ["Fresh Brand"]
        Account.objects.bulk_create([Account(tenant=tenant_a, name=f"Bulk {i}") for i in range(3)])
        assert _names(account_list(filters=AccountFilters(q="bulk"))) == ["Bulk 0", "Bulk 1", "Bulk 2"]
        # A write that does not touch the name leaves the words alone (and costs the trigger nothing).
        before = list(AccountSearchToken.objects.filter(account=account).values_list("pk", flat=True))
        Account.objects.filter(pk=account.pk).update(rating="A", current_level=3)
        assert list(AccountSearchToken.objects.filter(account=account).values_list("pk", flat=True)) == before
        Account.objects.filter(pk=account.pk).delete()
        assert not AccountSearchToken.objects.filter(account_id=account.pk).exists()


def test_search_never_finds_another_tenants_accounts(tenant_a, tenant_b):
    AccountFactory(tenant=tenant_b, name="Shared Word Inc")
    with tenant_context_of(tenant_a):
        assert _names(account_list(filters=AccountFilters(q="shared"))) == []


def test_filters_combine(tenant_a, manager_a):
    user = manager_a.user
    a = AccountFactory(
        tenant=tenant_a, name="Alpha", classification="strategic", revenue_tier="gold", owner=user, status="customer"
    )
    AccountFactory(tenant=tenant_a, name="Beta", classification="strategic", revenue_tier="silver")
    c = AccountFactory(tenant=tenant_a, name="Gamma", classification="tactical")
    TeamMemberFactory(account=c, user=user)
    with tenant_context_of(tenant_a):
        Account.objects.filter(pk=a.pk).update(rating="B", current_level=4)
        f = AccountFilters
        assert _names(account_list(filters=f(classification="strategic"))) == ["Alpha", "Beta"]
        assert _names(account_list(filters=f(classification="strategic", revenue_tier="gold"))) == ["Alpha"]
        assert _names(account_list(filters=f(owner=str(user.pk)))) == ["Alpha"]
        assert _names(account_list(filters=f(owner="none"))) == ["Beta", "Gamma"]
        assert _names(account_list(filters=f(status="customer"))) == ["Alpha"]
        assert _names(account_list(filters=f(rating="B"))) == ["Alpha"]
        assert _names(account_list(filters=f(rating="none"))) == ["Beta", "Gamma"]
        assert _names(account_list(filters=f(level="4"))) == ["Alpha"]
        assert _names(account_list(filters=f(level="none"))) == ["Beta", "Gamma"]
        assert _names(account_list(filters=f(mine=True), user=user)) == ["Alpha", "Gamma"]


def test_sorts_put_unrated_and_unassessed_last(tenant_a):
    names = {"A1": ("A", 2), "B1": ("B", 5), "N1": ("", None), "C1": ("C", 1)}
    for name in names:
        AccountFactory(tenant=tenant_a, name=name)
    with tenant_context_of(tenant_a):
        for name, (rating, level) in names.items():
            Account.objects.filter(name=name).update(rating=rating, current_level=level)
        assert _names(account_list(filters=AccountFilters(), sort="rating")) == ["A1", "B1", "C1", "N1"]
        assert _names(account_list(filters=AccountFilters(), sort="-level")) == ["B1", "A1", "C1", "N1"]
        assert _names(account_list(filters=AccountFilters(), sort="level")) == ["N1", "C1", "A1", "B1"]
        assert _names(account_list(filters=AccountFilters(), sort="-name")) == ["N1", "C1", "B1", "A1"]
        assert _names(account_list(filters=AccountFilters(), sort="nonsense")) == ["A1", "B1", "C1", "N1"]


def test_last_contact_sort_puts_never_contacted_first(tenant_a):
    now = timezone.now()
    for name, at in (("Recent", now), ("Never", None), ("Old", now - dt.timedelta(days=90))):
        AccountFactory(tenant=tenant_a, name=name)
        with tenant_context_of(tenant_a):
            Account.objects.filter(name=name).update(last_contact_at=at)
    with tenant_context_of(tenant_a):
        assert _names(account_list(filters=AccountFilters(), sort="last_contact")) == ["Never", "Old", "Recent"]
        assert _names(account_list(filters=AccountFilters(), sort="-last_contact")) == ["Recent", "Old", "Never"]


def test_pages_are_stable_with_duplicate_names_and_know_their_end(tenant_a):
    for _ in range(7):
        AccountFactory(tenant=tenant_a, name="Same")
    with tenant_context_of(tenant_a), CaptureQueriesContext(connection):
        whole = account_list(filters=AccountFilters(), page=1, per_page=25)
        assert whole.total == 7 and not whole.has_next and not whole.capped
    # Pages of 3 over 7 equal names: every account exactly once, in id order within the name.
    from accounts import selectors as sel

    seen = []
    for n in (1, 2, 3):
        with tenant_context_of(tenant_a):
            qs = (
                sel.account_filtered(filters=AccountFilters())
                .order_by(*sel.SORTS["name"][1])
                .values_list("pk", flat=True)
            )
            seen += list(qs[(n - 1) * 3 : n * 3])
    assert len(seen) == len(set(seen)) == 7 and seen == sorted(seen)


def test_count_is_capped_and_skipped_when_the_page_shows_the_end(tenant_a, monkeypatch):
    for i in range(30):
        AccountFactory(tenant=tenant_a, name=f"Acc {i:02d}")
    monkeypatch.setattr(selectors, "COUNT_CAP", 26)
    with tenant_context_of(tenant_a):
        first = account_list(filters=AccountFilters(), page=1, per_page=25)
        assert first.has_next and first.capped and first.total == 26 and first.last_page is None
        second = account_list(filters=AccountFilters(), page=2, per_page=25)
        assert not second.has_next and second.total == 30 and [a.name for a in second.rows][0] == "Acc 25"
        beyond = account_list(filters=AccountFilters(), page=9, per_page=25)
        assert beyond.rows == [] and beyond.total == 26 and beyond.capped
        exact = account_list(filters=AccountFilters(), page=1, per_page=25, exact_count=True)
        assert exact.total == 30 and not exact.capped and exact.last_page == 2
    with tenant_context_of(tenant_a), CaptureQueriesContext(connection) as ctx:
        account_list(filters=AccountFilters(), page=2, per_page=25)
    assert len(ctx.captured_queries) == 1  # the rows tell the end: no count


def test_a_search_counts_its_matches_exactly_with_the_page_ids(tenant_a, monkeypatch):
    """No count of its own (it would run the search again): the page's ids come with the number of
    matches, then the rows by id — two queries on any page, and the total is exact, never capped."""
    for i in range(30):
        AccountFactory(tenant=tenant_a, name=f"Acc {i:02d}")
    AccountFactory(tenant=tenant_a, name="Other")
    monkeypatch.setattr(selectors, "COUNT_CAP", 26)
    for page, names in ((1, ["Acc 00", "Acc 24"]), (2, ["Acc 25", "Acc 29"]), (3, [])):
        with tenant_context_of(tenant_a), CaptureQueriesContext(connection) as ctx:
            found = account_list(filters=AccountFilters(q="acc"), page=page, per_page=25)
        shown = [a.name for a in found.rows]
        assert shown[:1] + shown[-1:] == names
        assert found.has_next == (page == 1)
        if page < 3:
            assert found.total == 30 and not found.capped and found.last_page == 2
            assert len(ctx.captured_queries) == 2


@pytest.mark.parametrize(
    "filters", [AccountFilters(), AccountFilters(q="acc"), AccountFilters(classification="tactical")]
)
def test_list_takes_two_queries_whatever_the_row_count(tenant_a, filters, manager_a):
    def queries():
        with tenant_context_of(tenant_a), CaptureQueriesContext(connection) as ctx:
            page = account_list(filters=filters, per_page=25)
            [a.owner for a in page.rows]
        return len(ctx.captured_queries), len(page.rows)

    for i in range(5):
        AccountFactory(tenant=tenant_a, name=f"Acc {i}", classification="tactical", owner=manager_a.user)
    small, rows_small = queries()
    for i in range(5, 50):
        AccountFactory(tenant=tenant_a, name=f"Acc {i}", classification="tactical", owner=manager_a.user)
    large, rows_large = queries()
    assert (rows_small, rows_large) == (5, 25)
    assert small <= 2 and large <= 2


def test_org_chart_is_one_query_and_nests_reports(tenant_a):
    account = AccountFactory(tenant=tenant_a)
    ceo = ContactFactory(account=account, full_name="Ceo")
    cfo = ContactFactory(account=account, full_name="Cfo", reports_to=ceo)
    ContactFactory(
        account=account, full_name="Controller", reports_to=cfo, is_active=False, left_on=dt.date(2025, 1, 31)
    )
    ContactFactory(account=account, full_name="Adviser")
    with tenant_context_of(tenant_a), CaptureQueriesContext(connection) as ctx:
        roots, people = selectors.org_chart(account=account)
        tree = [
            (r.contact.full_name, [(c.contact.full_name, [g.contact.full_name for g in c.reports]) for c in r.reports])
            for r in roots
        ]
        bosses = {p.full_name: p.reports_to.full_name if p.reports_to_id else None for p in people}
    assert len(ctx.captured_queries) == 1
    assert tree == [("Adviser", []), ("Ceo", [("Cfo", ["Controller"])])]
    assert bosses["Controller"] == "Cfo"


def test_org_chart_survives_a_loop(tenant_a):
    account = AccountFactory(tenant=tenant_a)
    a = ContactFactory(account=account, full_name="A")
    b = ContactFactory(account=account, full_name="B", reports_to=a)
    with tenant_context_of(tenant_a):
        type(a).objects.filter(pk=a.pk).update(reports_to=b)  # written around the service's check
        roots, people = selectors.org_chart(account=account)
    assert len(people) == 2 and len(roots) >= 1


def test_my_accounts_counts_owned_and_team_accounts(tenant_a, manager_a, viewer_a):
    owned = AccountFactory(tenant=tenant_a, owner=manager_a.user, classification=Classification.STRATEGIC)
    on_team = AccountFactory(tenant=tenant_a)
    TeamMemberFactory(account=on_team, user=manager_a.user)
    AccountFactory(tenant=tenant_a)
    with tenant_context_of(tenant_a), CaptureQueriesContext(connection) as ctx:
        summary = selectors.my_accounts_summary(user=manager_a.user)
    assert len(ctx.captured_queries) == 2
    assert summary["counts"]["total"] == 2 and summary["counts"]["strategic"] == 1
    assert {a.pk for a in summary["stale"]} == {owned.pk, on_team.pk}
    with tenant_context_of(tenant_a):
        assert selectors.my_accounts_summary(user=viewer_a.user)["counts"]["total"] == 0


def tenant_context_of(tenant):
    from tenancy.context import tenant_context

    return tenant_context(tenant.pk)


def test_search_words_split_like_the_trigger():
    assert selectors.search_words("  Müller-Group_GmbH  42 ") == ["müller", "group", "gmbh", "42"]
