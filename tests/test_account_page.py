"""The account page carries what the apps above accounts contribute (accounts.sections): the
relationship map, key-player coverage, plans and activity, and the rating, with a tab to each app's
own page for the account."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.hierarchy.factories import assess, make_relationship
from tests.keyplayers.factories import KeyPlayerFactory
from tests.plans.factories import PlanFactory


_DEFERRED = re.compile(r'<div class="acc-panel-deferred" hx-get="([^"]+)".*?</div>', re.S)


def overview(member, account) -> str:
    """The account page as the browser ends up showing it: each deferred panel's placeholder replaced
    by what its htmx request returns (hx-swap="outerHTML"), sent from the page as htmx sends it."""
    page = member.url(f"accounts/{account.pk}/")
    body = member.client.get(page).content.decode()

    def fill(match):
        response = member.client.get(
            match.group(1), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page}"
        )
        assert response.status_code == 200
        return response.content.decode()

    return _DEFERRED.sub(fill, body)


@pytest.fixture
def account_with_everything(manager_a):
    player = KeyPlayerFactory(
        account__tenant=manager_a.tenant,
        account__name="Panel Co",
        contact__full_name="Erin Exec",
        contact__title="Chief Executive",
    )
    account = player.account
    assess(make_relationship(user=manager_a.user, contact=player.contact), 2, evidence="Buys on price")
    PlanFactory(account=account, title="Climb to level 4")
    return account


def test_the_overview_shows_every_app_panel_and_tab(manager_a, account_with_everything):
    account = account_with_everything
    body = overview(manager_a, account)
    panels = body.split('class="acc-panels"')[1]
    assert 'class="hier-panel"' in panels and "Erin Exec" in panels  # the relationship map, its people
    assert 'id="key-players"' in panels and "below the minimum" in panels  # the executive at level 2 is flagged
    assert "Climb to level 4" in panels  # the active plan
    assert f'id="rating-panel-{account.pk}"' in panels
    tabs = body.split('class="tabs"')[1].split("</nav>")[0]
    for label, path in (
        ("Relationship map", f"hierarchy/accounts/{account.pk}/"),
        ("Key players", f"key-players/accounts/{account.pk}/"),
        ("Plans &amp; activity", f"plans/account/{account.pk}/"),
        ("Rating", f"ratings/accounts/{account.pk}/"),
    ):
        assert f'<a href="{manager_a.url(path)}">{label}</a>' in tabs
    for tab in ("contacts/", "team/"):  # every account tab shows the same links
        assert (
            "Relationship map" in manager_a.client.get(manager_a.url(f"accounts/{account.pk}/{tab}")).content.decode()
        )


def test_a_viewer_sees_the_panels_without_edit_controls(viewer_a, manager_a, account_with_everything):
    def panels(member):
        return overview(member, account_with_everything).split('class="acc-panels"')[1]

    editable, readonly = panels(manager_a), panels(viewer_a)
    for control in ("Log a call", "Add relationship", "Plan a visit"):
        assert control in editable and control not in readonly, control
    assert "Climb to level 4" in readonly


def test_a_manual_rating_is_marked_wherever_accounts_shows_the_rating(manager_a, account_with_everything):
    import datetime as dt

    from django.utils import timezone

    from ratings import services as rating_services

    account = account_with_everything
    with manager_a.scope():
        rating_services.override_set(
            account=account,
            rating="A",
            reason="Board-level sponsor signed",
            expires_at=timezone.now() + dt.timedelta(days=30),
            by=manager_a.user,
        )
    marked = 'aria-label="set by hand"'
    header = (
        manager_a.client.get(manager_a.url(f"accounts/{account.pk}/")).content.decode().split('id="account-tab"')[0]
    )
    assert "Rating" in header and marked in header and "Board-level sponsor signed" in header
    row = manager_a.client.get(manager_a.url("accounts/")).content.decode().split("Panel Co")[1].split("</tr>")[0]
    assert marked in row


def _page_queries(member, account) -> int:
    url = member.url(f"accounts/{account.pk}/")
    member.client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert member.client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_holds_at_most_25_queries_whatever_the_account_holds(manager_a, account_with_everything):
    """Issue 12: every panel costs round trips; the relationship map and the activity panel load in
    their own requests after the page (each bounded too), so the page itself stays within 25."""
    from tests.plans.factories import OpportunityFactory, make_call, make_visit

    account = account_with_everything
    small = _page_queries(manager_a, account)
    assert small <= 25
    for i in range(4):
        player = KeyPlayerFactory(account=account, tenant=account.tenant)
        assess(make_relationship(user=manager_a.user, contact=player.contact), 3, evidence=f"Meeting {i}")
        OpportunityFactory(account=account)
        make_call(account=account, author=manager_a.user)
        make_visit(account=account, organiser=manager_a.user, attendees=[manager_a.user])
    assert _page_queries(manager_a, account) == small
    assert "Opportunit" in overview(manager_a, account)


def test_a_deferred_panel_follows_the_page_rules(manager_a, viewer_a, account_with_everything):
    account = account_with_everything
    url = manager_a.url(f"accounts/{account.pk}/panels/")
    assert manager_a.client.get(url + "nothing/").status_code == 404
    assert manager_a.client.get(url + "ratings/").status_code == 404  # drawn with the page, not deferred
    plans = viewer_a.client.get(url + "plans/").content.decode()
    assert "Climb to level 4" in plans and "Log a call" not in plans
    # The map's forms return to the account page that holds it, not to the panel's URL.
    page = manager_a.url(f"accounts/{account.pk}/")
    html = manager_a.client.get(
        url + "hierarchy/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page}"
    ).content.decode()
    assert f"next={page}" in html and "/panels/" not in html


@pytest.mark.parametrize(
    "path, tab",
    [
        ("hierarchy/accounts/{id}/", "Relationship map"),
        ("key-players/accounts/{id}/", "Key players"),
        ("plans/account/{id}/", "Plans &amp; activity"),
        ("ratings/accounts/{id}/", "Rating"),
    ],
)
def test_every_tab_of_an_account_shows_the_same_header_tabs_and_navigation(path, tab, manager_a):
    """Issue 13, item 5: the tabs other apps contribute keep the account's breadcrumb and tabs, and the
    top navigation stays on Accounts."""
    from tests.accounts.factories import AccountFactory as Accounts

    account = Accounts(tenant=manager_a.tenant, name="Orbit Airlines")
    html = manager_a.client.get(manager_a.url(path.format(id=account.pk))).content.decode()
    assert (
        f'<a href="/t/{manager_a.tenant.slug}/accounts/">Accounts</a> › <a href="/t/{manager_a.tenant.slug}/accounts/{account.pk}/">Orbit Airlines</a>'
        in html
    )
    tabs = re.search(r'<nav class="tabs" aria-label="Orbit Airlines">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'aria-current="page">([^<]+)</a>', tabs) == [tab]
    assert "Overview" in tabs and "Contacts &amp; org chart" in tabs
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    assert re.findall(r'aria-current="page">([^<]+)</a>', nav) == ["Accounts"]


PAGES_BELOW_A_TAB = [  # (path, the tab it belongs to, the last crumb: the page itself)
    ("accounts/{account}/edit/", "Overview", "Edit"),
    ("accounts/{account}/classify/", "Overview", "Classification"),
    ("accounts/{account}/delete/", "Overview", "Delete"),
    ("accounts/{account}/contacts/new/", "Contacts &amp; org chart", "New contact"),
    ("accounts/contacts/{contact}/edit/", "Contacts &amp; org chart", "Edit Anna Buyer"),
    ("accounts/contacts/{contact}/delete/", "Contacts &amp; org chart", "Delete Anna Buyer"),
    ("hierarchy/relationships/{relationship}/", "Relationship map", "Avery Admin ↔ Anna Buyer"),
    ("hierarchy/accounts/{account}/relationships/new/", "Relationship map", "Add a relationship"),
    ("hierarchy/relationships/{relationship}/assess/", "Relationship map", "Assess Anna Buyer"),
    ("hierarchy/relationships/{relationship}/survey/", "Relationship map", "Survey for Anna Buyer"),
    ("key-players/{key_player}/edit/", "Key players", "Edit Anna Buyer"),
    ("key-players/accounts/{account}/add/", "Key players", "Add a key player"),
    ("plans/{plan}/", "Plans &amp; activity", "Growth plan"),
    ("plans/{plan}/edit/", "Plans &amp; activity", "Edit plan"),
    ("plans/actions/{action}/edit/", "Plans &amp; activity", "Edit action"),
    ("plans/opportunities/{opportunity}/", "Plans &amp; activity", "Fleet renewal"),
    ("plans/opportunities/{opportunity}/edit/", "Plans &amp; activity", "Edit opportunity"),
    ("plans/calls/{call}/", "Plans &amp; activity", "Call of "),
    ("plans/visits/{visit}/", "Plans &amp; activity", "Visit of "),
    ("plans/visits/{visit}/edit/", "Plans &amp; activity", "Edit visit"),
]


@pytest.fixture
def one_of_everything(admin_a):
    admin_a.user.full_name = "Avery Admin"
    admin_a.user.save(update_fields=["full_name"])
    from tests.hierarchy.factories import AccountFactory, ContactFactory
    from tests.plans.factories import ActionFactory, OpportunityFactory, make_call, make_visit

    account = AccountFactory(tenant=admin_a.tenant, name="Orbit Airlines", owner=admin_a.user)
    contact = ContactFactory(account=account, full_name="Anna Buyer")
    plan = PlanFactory(account=account, title="Growth plan")
    with admin_a.scope():
        relationship = make_relationship(user=admin_a.user, contact=contact)
    return {
        "account": account.pk,
        "contact": contact.pk,
        "relationship": relationship.pk,
        "plan": plan.pk,
        "key_player": KeyPlayerFactory(account=account, contact=contact).pk,
        "action": ActionFactory(plan=plan).pk,
        "opportunity": OpportunityFactory(account=account, name="Fleet renewal").pk,
        "call": make_call(account=account, author=admin_a.user).pk,
        "visit": make_visit(account=account, organiser=admin_a.user, attendees=[admin_a.user]).pk,
    }


@pytest.mark.parametrize("path, tab, here", PAGES_BELOW_A_TAB)
def test_every_page_about_one_account_shows_its_header_tabs_and_one_breadcrumb(
    path, tab, here, admin_a, one_of_everything
):
    """Issue 13, item 5: a page below one of an account's tabs (a relationship, a key player, a plan, an
    edit form…) keeps the account's header and tabs, marks the tab it belongs to, has the one breadcrumb
    style (Accounts › the account › the tab › this page) and keeps the top navigation on Accounts."""
    slug = admin_a.tenant.slug
    response = admin_a.client.get(admin_a.url(path.format(**one_of_everything)))
    assert response.status_code == 200
    html = response.content.decode()
    crumbs = re.findall(r'<nav class="crumbs muted" aria-label="Breadcrumb">(.*?)</nav>', html, re.S)
    assert len(crumbs) == 1, "one breadcrumb"
    account_pk = one_of_everything["account"]
    assert crumbs[0].startswith(
        f'<a href="/t/{slug}/accounts/">Accounts</a> › <a href="/t/{slug}/accounts/{account_pk}/">Orbit Airlines</a> › '
    )
    last = re.search(r'<span aria-current="page">([^<]*)</span>$', crumbs[0]).group(1)
    assert last.startswith(here), last
    if tab != "Overview":  # the overview is the account's own crumb
        assert f'">{tab}</a> › <span aria-current="page">' in crumbs[0]
    tabs = re.search(r'<nav class="tabs" aria-label="Orbit Airlines">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'aria-current="page">([^<]+)</a>', tabs) == [tab]
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    assert re.findall(r'aria-current="page">([^<]+)</a>', nav) == ["Accounts"]


def test_pages_not_about_one_account_keep_their_section(admin_a, one_of_everything):
    """A new plan or visit (no account yet) and the lists stay in their own section, with no account header."""
    for path, section in [
        ("plans/new/", "Plans"),
        ("plans/visits/new/", "Calendar"),
        ("plans/calendar/", "Calendar"),
        ("ratings/policies/", "Ratings"),
        ("accounts/import/", "Accounts"),
    ]:
        html = admin_a.client.get(admin_a.url(path)).content.decode()
        nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
        assert re.findall(r'aria-current="page">([^<]+)</a>', nav) == [section], path
        assert '<nav class="tabs" aria-label="Orbit Airlines">' not in html, path
