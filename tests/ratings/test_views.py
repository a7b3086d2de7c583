"""Pages: roles (refusals are 404), the other tenant, htmx partials, bad input, query counts that do
not grow with the number of accounts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account
from ratings import services
from ratings.models import PolicyStatus, RatingOverride, RatingPolicy
from tests.ratings.bulk import bulk_accounts
from tests.ratings.factories import (
    AccountFactory,
    CallReportFactory,
    FinancialPeriodFactory,
    OpportunityFactory,
    TeamMemberFactory,
)
from tests.ratings.helpers import activate_policy, editor_values, pipeline_only, setup_ran

pytestmark = pytest.mark.django_db


def _queries(client, url, **extra) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response


def _rate(member):
    with member.scope():
        services.ratings_recompute()


@pytest.mark.parametrize("path", ["ratings/", "ratings/due/?state=all", "ratings/policies/", ""])
def test_list_pages_cost_the_same_for_5_and_60_accounts(admin_a, path):
    bulk_accounts(admin_a.tenant, 5, prefix="Small")
    with admin_a.scope():
        Account.objects.update(owner=admin_a.user, last_contact_at=None)  # all mine and due: every list has rows
    _rate(admin_a)
    small, _ = _queries(admin_a.client, admin_a.url(path))
    bulk_accounts(admin_a.tenant, 55, prefix="More")
    with admin_a.scope():
        Account.objects.update(owner=admin_a.user, last_contact_at=None)
        for account in Account.objects.order_by("pk")[:20]:  # overrides shown as badges cost nothing per row
            services.override_set(
                account=account,
                rating="A",
                reason="test",
                by=admin_a.user,
                expires_at=timezone.now() + dt.timedelta(days=3),
            )
    _rate(admin_a)
    large, response = _queries(admin_a.client, admin_a.url(path))
    assert large <= small, f"{path}: {small} queries for 5 accounts, {large} for 60"
    if path.startswith(("ratings/?", "ratings/due")) or path == "ratings/":
        assert b"Small 00000" in response.content


def test_ratings_list_filters_and_htmx_partial(viewer_a):
    tenant = viewer_a.tenant
    for name, value in (("Alpha", 90), ("Bravo", 60), ("Charlie", 60)):
        OpportunityFactory(account=AccountFactory(tenant=tenant, name=name), value=Decimal(value))
    with viewer_a.scope():
        activate_policy(viewer_a, **pipeline_only())
    _rate(viewer_a)
    page = viewer_a.client.get(viewer_a.url("ratings/"))
    assert page.status_code == 200
    assert b"<h1>Ratings</h1>" in page.content and b"Alpha" in page.content
    partial = viewer_a.client.get(viewer_a.url("ratings/?rating=B"), HTTP_HX_REQUEST="true")
    assert b"<h1>" not in partial.content  # only the list
    assert b"Bravo" in partial.content and b"Charlie" in partial.content and b"Alpha" not in partial.content
    assert b"2 accounts rated B" in partial.content


def test_the_list_is_by_letter_then_name_and_its_counts_follow_a_recompute(admin_a, django_capture_on_commit_callbacks):
    """Ordered as the index (tenant, rating, name) gives it, so a page of a large tenant reads a page of
    rows; the distribution (a count over the whole tenant) is kept and counted again after a recompute."""
    tenant = admin_a.tenant
    for name, value in (("Zulu", 90), ("Alpha", 60), ("Mike", 90)):
        OpportunityFactory(account=AccountFactory(tenant=tenant, name=name), value=Decimal(value))
    with admin_a.scope():
        activate_policy(admin_a, **pipeline_only())
    _rate(admin_a)
    page = admin_a.client.get(admin_a.url("ratings/")).content.decode()
    assert page.index(">Mike<") < page.index(">Zulu<") < page.index(">Alpha<")  # A: Mike, Zulu; then B: Alpha
    assert "Counts as of" in page
    counts = _queries(admin_a.client, admin_a.url("ratings/"))[0]
    OpportunityFactory(account=AccountFactory(tenant=tenant, name="November"), value=Decimal(90))
    with admin_a.scope(), django_capture_on_commit_callbacks(execute=True):
        services.ratings_recompute()
    cost, response = _queries(admin_a.client, admin_a.url("ratings/"))
    assert cost == counts + 1  # the distribution counted afresh, once
    assert _queries(admin_a.client, admin_a.url("ratings/"))[0] == counts


def test_why_panel_shows_points_and_hides_revenue_from_those_outside_the_team(viewer_a, executive_a, make_member):
    account = AccountFactory(tenant=viewer_a.tenant, name="Acme", classification="strategic")
    FinancialPeriodFactory(account=account, revenue=Decimal("750000"))
    _rate(viewer_a)
    url = viewer_a.url(f"ratings/accounts/{account.pk}/")
    seen_by_viewer = viewer_a.client.get(url).content.decode()
    assert "Why D?" in seen_by_viewer
    assert "Classification" in seen_by_viewer and "Strategic" in seen_by_viewer
    assert "750,000" not in seen_by_viewer and "Money criteria (revenue, growth, pipeline)" in seen_by_viewer
    seen_by_executive = executive_a.client.get(url).content.decode()
    assert "750,000" in seen_by_executive and "Money criteria" not in seen_by_executive
    TeamMemberFactory(account=account, user=viewer_a.user)
    assert "750,000" in viewer_a.client.get(url).content.decode()


def test_account_page_costs_the_same_with_a_long_history(admin_a):
    account = AccountFactory(tenant=admin_a.tenant)
    deal = OpportunityFactory(account=account, value=Decimal(10))
    with admin_a.scope():
        activate_policy(admin_a, **pipeline_only())
    _rate(admin_a)
    url = admin_a.url(f"ratings/accounts/{account.pk}/")
    short, _ = _queries(admin_a.client, url)
    with admin_a.scope():
        for value in range(11, 50):  # 40 snapshots in the history
            deal.value = Decimal(value)
            deal.save(update_fields=["value"])
            services.ratings_recompute()
        for _ in range(5):
            services.override_set(
                account=account,
                rating="A",
                reason="r",
                by=admin_a.user,
                expires_at=timezone.now() + dt.timedelta(days=1),
            )
    long, response = _queries(admin_a.client, url)
    assert long <= short
    assert response.content.count(b'class="rt-dot ') == 40


def test_override_by_roles_and_bad_input(admin_a, manager_a, viewer_a, make_member):
    tenant = admin_a.tenant
    account = AccountFactory(tenant=tenant, owner=manager_a.user)
    other_manager = make_member(tenant)
    url = admin_a.url(f"ratings/accounts/{account.pk}/override/")
    ends = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    good = {"rating": "A", "reason": "Board-level renewal", "ends_on": ends}
    assert viewer_a.client.post(url, good).status_code == 403
    assert other_manager.client.post(url, good).status_code == 404  # not their account
    bad = manager_a.client.post(url, {"rating": "A", "reason": "", "ends_on": "2001-01-01"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200
    assert b"This field is required." in bad.content
    bad = manager_a.client.post(url, {**good, "ends_on": "2001-01-01"})
    assert "Choose a day after today (" in bad.content.decode()
    too_long = (timezone.localdate() + dt.timedelta(days=400)).isoformat()
    bad = manager_a.client.post(url, {**good, "ends_on": too_long}, HTTP_HX_REQUEST="true")
    form = bad.context["override_form"]
    assert form.errors == {
        "ends_on": ["An override can last at most a year; set it again when it ends if it still applies."]
    }  # on the field
    assert not form.non_field_errors()
    with admin_a.scope():
        assert not RatingOverride.objects.exists()
    ok = manager_a.client.post(url, good, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and b"Set by hand to <strong>A</strong>" in ok.content
    with admin_a.scope():
        assert Account.objects.get(pk=account.pk).rating == "A"
    cleared = admin_a.client.post(admin_a.url(f"ratings/accounts/{account.pk}/override/clear/"))
    assert cleared.status_code == 302
    with admin_a.scope():
        assert RatingOverride.objects.get().cleared_reason == "removed"


def test_manual_rating_end_is_the_tenants_day_east_of_utc(admin_a):
    """Zurich is UTC+1 in March: "ends on 10 Mar 2027" is stored as 9 Mar 23:00 UTC and must read
    10 Mar 2027 on the page (it read 9 Mar when pages rendered in UTC). The form's today is Zurich's."""
    import time_machine

    tenant = admin_a.tenant
    tenant.timezone = "Europe/Zurich"
    tenant.save(update_fields=["timezone"])
    account = AccountFactory(tenant=tenant)
    page_url = admin_a.url(f"ratings/accounts/{account.pk}/")
    url = admin_a.url(f"ratings/accounts/{account.pk}/override/")
    # 23:30 UTC on 1 Dec is already 2 Dec in Zurich
    with time_machine.travel(dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        form = admin_a.client.get(page_url).context["override_form"]
        assert form["ends_on"].value() == dt.date(2027, 3, 2)  # Zurich's today + 90 days
        refused = admin_a.client.post(url, {"rating": "A", "reason": "Renewal", "ends_on": "2026-12-02"})
        assert "Choose a day after today (02 Dec 2026)" in refused.content.decode()
        with admin_a.scope():
            assert not RatingOverride.objects.exists()
        saved = admin_a.client.post(url, {"rating": "A", "reason": "Renewal", "ends_on": "2027-03-10"})
        assert saved.status_code == 302
        with admin_a.scope():
            assert RatingOverride.objects.get().expires_at == dt.datetime(2027, 3, 9, 23, 0, tzinfo=dt.UTC)
        page = admin_a.client.get(page_url).content.decode()
    assert "until <strong>10 Mar 2027</strong>" in page
    assert "→ 10 Mar 2027" in page  # the history list too


def _policy_post(form_values: dict, **changes) -> dict:
    data = {**form_values, **changes}
    return {k: v for k, v in data.items() if v is not None}


def test_policy_editor_preview_and_activate(admin_a, manager_a, django_capture_on_commit_callbacks):
    tenant = admin_a.tenant
    for i in range(3):  # score 40 under pipeline-only → C; the draft moves them
        OpportunityFactory(account=AccountFactory(tenant=tenant, name=f"Mover {i}"), value=Decimal(40))
    OpportunityFactory(account=AccountFactory(tenant=tenant, name="Stayer"), value=Decimal(90))
    with admin_a.scope():
        activate_policy(admin_a, **pipeline_only())
    _rate(admin_a)
    setup_ran(tenant)
    edit = admin_a.url("ratings/policies/draft/")
    assert manager_a.client.get(edit).status_code == 403
    values = editor_values(admin_a.client, edit)
    assert values["pipeline__weight"] == "1"

    bad = admin_a.client.post(edit, _policy_post(values, **{"pipeline__weight": "0"}))
    assert "Open pipeline: weight must be at least 1 (untick the signal to leave it out)." in bad.content.decode()
    bad = admin_a.client.post(
        edit, _policy_post(values, **{"pipeline__scoring": "bands", "pipeline__bands": "0: 0, 50 60"})
    )
    assert "Open pipeline: “50 60” is not a band" in bad.content.decode()
    bad = admin_a.client.post(edit, _policy_post(values, **{"pipeline__use": None}))
    assert "Use at least one criterion" in bad.content.decode()
    bad = admin_a.client.post(
        edit,
        _policy_post(
            values,
            **{
                "pipeline__zero_at": "",
                "threshold_b": "150",
                "declass_min_discount_rise": "1000",
                "cadence_a_days": "-2",
                "declass_months": "x",
            },
        ),
    ).content.decode()
    assert "Open pipeline: give the value that scores 0 points." in bad and "got None" not in bad
    assert "B threshold: the score must be from 0 to 100 (got 150)." in bad
    assert "Declassification: the rise in discount must be from 0 to 100 points (got 1000)." in bad
    assert "A: the contact cadence must be from 1 to 730 days (got -2)." in bad
    assert "Declassification: the window must be from 1 to 60 months." in bad
    assert "Ensure this value" not in bad and "Ensure that there are" not in bad
    with admin_a.scope():
        assert not RatingPolicy.objects.filter(status=PolicyStatus.DRAFT).exists()

    # pipeline 40 now scores 50 (0 points at 20, 100 at 60): C → B
    saved = admin_a.client.post(
        edit,
        _policy_post(
            values, **{"pipeline__zero_at": "20", "pipeline__full_at": "60", "note": "Easier pipeline", "preview": "1"}
        ),
    )
    assert saved.status_code == 302 and saved.url.endswith("/preview/")
    preview = admin_a.client.get(saved.url).content.decode()
    assert "3 accounts would change rating" in preview
    assert "Mover 0" in preview and "Stayer" not in preview
    draft_id = int(saved.url.rstrip("/").split("/")[-2])
    assert manager_a.client.get(saved.url).status_code == 403
    assert manager_a.client.post(admin_a.url(f"ratings/policies/{draft_id}/activate/")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        activated = admin_a.client.post(admin_a.url(f"ratings/policies/{draft_id}/activate/"))
    assert activated.status_code == 302
    with admin_a.scope():
        ratings = dict(Account.objects.values_list("name", "rating"))
    assert ratings == {"Mover 0": "B", "Mover 1": "B", "Mover 2": "B", "Stayer": "A"}
    assert b"v3" in admin_a.client.get(admin_a.url("ratings/policies/")).content


def test_declassification_pages_by_role(admin_a, executive_a, manager_a, django_capture_on_commit_callbacks):
    """Admins and executives review every account; a manager reads the review of their own accounts
    only (read-only); only admins decide, and declassifying needs the coverage model to move to."""
    account = AccountFactory(tenant=admin_a.tenant, current_level=1, classification="strategic", name="Squeezer")
    for quarter in range(4):
        start = dt.date.today().replace(day=1) - dt.timedelta(days=90 * quarter + 30)
        FinancialPeriodFactory(
            account=account,
            period_start=start,
            period_end=start + dt.timedelta(days=60),
            revenue=Decimal(1000),
            discount_pct=Decimal(30 - 3 * quarter),
        )  # rising to 30
    for i in range(8):
        CallReportFactory(account=account, occurred_at=timezone.now() - dt.timedelta(days=10 * i))
    listing = admin_a.url("ratings/declassification/")
    review = admin_a.url(f"ratings/declassification/{account.pk}/")
    assert b"0 accounts flagged" in manager_a.client.get(listing).content  # not one of theirs
    assert manager_a.client.get(review).status_code == 404
    with admin_a.scope():
        TeamMemberFactory(account=account, user=manager_a.user)
    mine = manager_a.client.get(listing).content.decode()
    assert "1 account flagged" in mine and "Squeezer" in mine and "your accounts" in mine
    read_only = manager_a.client.get(review).content.decode()
    assert "Read-only: an admin records the decision." in read_only and "Record the decision" not in read_only
    assert (
        manager_a.client.post(review, {"decision": "declassify", "reason": "x", "coverage": "inside_sales"}).status_code
        == 403
    )  # reads it; deciding is the admins' (the 403 says so)
    assert b"1 account flagged" in executive_a.client.get(listing).content
    assert executive_a.client.post(review, {"decision": "declassify", "reason": "x"}).status_code == 403
    bad = admin_a.client.post(review, {"decision": "declassify", "reason": ""})
    assert b"This field is required." in bad.content
    no_coverage = admin_a.client.post(review, {"decision": "declassify", "reason": "Discounts, no progress"})
    assert (
        no_coverage.status_code == 200
        and "Choose how the account is served from now on" in no_coverage.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):  # the decision drops the kept list after commit
        done = admin_a.client.post(
            review, {"decision": "declassify", "reason": "Discounts, no progress", "coverage": "inside_sales"}
        )
    assert done.status_code == 302
    with admin_a.scope():
        account = Account.objects.get(pk=account.pk)
        assert (account.status, account.classification, account.coverage) == (
            "declassified",
            "tactical",
            "inside_sales",
        )
    after = admin_a.client.get(listing).content.decode()
    assert "0 accounts flagged" in after and "now tactical, inside sales" in after


def test_dashboard_panel_lists_my_due_accounts(manager_a):
    tenant = manager_a.tenant
    AccountFactory(tenant=tenant, name="Mine, never called", owner=manager_a.user)
    AccountFactory(tenant=tenant, name="Not mine")
    _rate(manager_a)
    page = manager_a.client.get(manager_a.url("")).content.decode()
    assert "Due and overdue for contact" in page
    assert "Mine, never called" in page and "Not mine" not in page
    assert "2 overdue across" in page


def test_template_tags_other_apps_can_include(admin_a, django_assert_max_num_queries):
    """{% rating_badge %} marks hand-set ratings and pending recomputes with two queries for any number of badges;
    the account page's rating section renders the "why" panel."""
    from django.template import Context, Template
    from django.test import RequestFactory

    from ratings import account_page

    accounts = [AccountFactory(tenant=admin_a.tenant, name=f"Tagged {i}") for i in range(6)]
    _rate(admin_a)
    request = RequestFactory().get("/")
    request.user, request.membership, request.tenant = admin_a.user, admin_a.membership, admin_a.tenant
    with admin_a.scope():
        services.override_set(
            account=accounts[0],
            rating="A",
            reason="Renewal",
            by=admin_a.user,
            expires_at=timezone.now() + dt.timedelta(days=9),
        )
        rows = list(Account.objects.order_by("name"))
        badges = Template("{% load rating_tags %}{% for a in rows %}{% rating_badge a %}{% endfor %}")
        with django_assert_max_num_queries(2):
            html = badges.render(Context({"rows": rows, "request": request}))
        assert html.count('class="badge rating-D"') == 5
        assert 'class="badge rating-A rt-overridden" title="Set by hand until' in html and "Renewal" in html
        panel = account_page.panel(request, rows[0])
    assert "Set by hand to <strong>A</strong> (computed: D)" in panel
    assert "Why D? Score" in panel and f"/t/{admin_a.tenant.slug}/ratings/accounts/{rows[0].pk}/" in panel


def test_recompute_now_button_is_for_admins(admin_a, manager_a, django_capture_on_commit_callbacks):
    account = AccountFactory(tenant=admin_a.tenant)
    url = admin_a.url("ratings/recompute/")
    assert manager_a.client.post(url).status_code == 403
    assert admin_a.client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_a.client.post(url).status_code == 302
    with admin_a.scope():
        assert Account.objects.get(pk=account.pk).rating == "D"


def test_account_page_badge_is_the_tags_html_with_two_queries_per_request(admin_a, django_assert_max_num_queries):
    """ratings.account_page.badge (what accounts.sections calls for the accounts pages) renders what
    {% rating_badge %} renders: the override mark for a manual rating in force, a plain badge otherwise."""
    from django.template import Context, Template
    from django.test import RequestFactory

    from accounts.sections import rating_badge
    from ratings.account_page import badge

    hand, plain, unrated = (AccountFactory(tenant=admin_a.tenant, name=n) for n in ("Hand", "Plain", "Unrated"))
    _rate(admin_a)
    with admin_a.scope():
        services.override_set(
            account=hand,
            rating="A",
            reason="Board <deal>",
            by=admin_a.user,
            expires_at=timezone.now() + dt.timedelta(days=9),
        )
        Account.objects.filter(pk=unrated.pk).update(rating="")
        setup_ran(admin_a.tenant)  # no recompute pending: plain badges
        rows = {a.name: a for a in Account.objects.all()}
        request = RequestFactory().get("/")
        request.user, request.membership, request.tenant = admin_a.user, admin_a.membership, admin_a.tenant
        with django_assert_max_num_queries(2):
            html = {name: badge(request, account) for name, account in rows.items()}
            via_keystone = rating_badge(request, rows["Hand"])
        tag = Template("{% load rating_tags %}{% rating_badge a %}")
        for name, account in rows.items():
            assert tag.render(Context({"a": account, "request": request})) == html[name]
    assert html["Hand"].startswith('<span class="badge rating-A rt-overridden" title="Set by hand until ')
    assert "Board &lt;deal&gt;" in html["Hand"] and 'aria-label="set by hand"' in html["Hand"]
    assert html["Plain"] == '<span class="badge rating-D">D</span>'
    assert html["Unrated"] == '<span class="muted" title="Not rated yet">—</span>'
    assert via_keystone == html["Hand"]


def test_preview_and_declassification_pages_cost_the_same_for_few_and_many_accounts(admin_a):
    """The draft preview, the declassification list and one account's evidence: a fixed number of
    queries whether the tenant has 4 accounts or 60 (and the account 1 call report or 15)."""
    with admin_a.scope():
        activate_policy(
            admin_a,
            declass_levels_below_top=1,
            declass_months=24,
            declass_min_discount_rise=0,
            declass_min_investment=1,
        )  # every bulk account is flagged: the list has rows
        draft = services.policy_draft_save(by=admin_a.user, threshold_a=60, threshold_b=40, threshold_c=20)
    paths = {"preview": f"ratings/policies/{draft.pk}/preview/", "declassification": "ratings/declassification/"}

    def costs(ids):
        result = {name: _queries(admin_a.client, admin_a.url(path)) for name, path in paths.items()}
        result["evidence"] = _queries(admin_a.client, admin_a.url(f"ratings/declassification/{ids[0]}/"))
        return result

    ids = bulk_accounts(admin_a.tenant, 4, prefix="Few")
    _rate(admin_a)
    few = costs(ids)
    bulk_accounts(admin_a.tenant, 56, prefix="Many")
    with admin_a.scope():
        account = Account.objects.get(pk=ids[0])
        for i in range(14):
            CallReportFactory(
                account=account, author=admin_a.user, occurred_at=timezone.now() - dt.timedelta(milliseconds=i)
            )
        for account in Account.objects.order_by("pk")[:10]:  # manual ratings: marked among the movers
            services.override_set(
                account=account,
                rating="A",
                reason="test",
                by=admin_a.user,
                expires_at=timezone.now() + dt.timedelta(days=3),
            )
    _rate(admin_a)
    cache.clear()  # the tenant-wide review is kept a few minutes: count it afresh, as after that time
    many = costs(ids)
    for name in few:
        assert many[name][0] <= few[name][0], f"{name}: {few[name][0]} queries for 4 accounts, {many[name][0]} for 60"
    assert "60 accounts" in many["preview"][1].content.decode()
    assert b"Many 00051" in many["declassification"][1].content  # strategic, discount rising
    assert b"Many 00055" not in many["declassification"][1].content  # tactical: never a candidate
    assert many["evidence"][1].content.decode().count("Talked about next year.") == 10  # the latest 10 calls


def test_the_rating_panel_says_a_recompute_is_pending_and_refreshes_until_it_lands(admin_a):
    account = AccountFactory(tenant=admin_a.tenant)
    _rate(admin_a)
    setup_ran(admin_a.tenant)
    url = admin_a.url(f"ratings/accounts/{account.pk}/")
    assert "Rating being updated" not in admin_a.client.get(url).content.decode()
    OpportunityFactory(account=account, value=Decimal(50))  # moves the pipeline: a recompute is queued
    html = admin_a.client.get(url).content.decode()
    assert "Rating being updated" in html
    assert f'hx-get="/t/{admin_a.tenant.slug}/ratings/accounts/{account.pk}/?part=panel" hx-trigger="every 3s"' in html
    _rate(admin_a)
    setup_ran(admin_a.tenant)  # the recompute ran
    panel = admin_a.client.get(url + "?part=panel", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in panel and "Rating being updated" not in panel and "every 3s" not in panel
