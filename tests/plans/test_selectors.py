"""Selectors and calculations: the qualification score (hand-built cases, Python and SQL agree),
overdue actions, the account's activity in a fixed number of queries, calendar windows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from plans import calendar as cal
from plans import selectors, services
from plans.models import QUALIFICATION_CRITERIA, ActionStatus, Opportunity, PlanStatus
from tests.plans.factories import (
    AccountFactory,
    ActionFactory,
    ContactFactory,
    OpportunityFactory,
    PlanFactory,
    make_call,
    make_visit,
)

CRITERIA = ["pain_identified", "access_to_power", "vision_agreed", "value_agreed", "control_of_sale"]


# --- qualification score ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "met, score",
    [
        ([], 0),
        (["pain_identified"], 20),
        (["control_of_sale"], 20),
        (["pain_identified", "access_to_power"], 40),
        (["vision_agreed", "value_agreed", "control_of_sale"], 60),
        (["pain_identified", "access_to_power", "vision_agreed", "value_agreed"], 80),
        (CRITERIA, 100),
    ],
)
def test_qualification_score_by_hand(met, score):
    opportunity = Opportunity(**{name: name in met for name in CRITERIA})
    assert opportunity.qualification_score == score
    assert [label for _, label, ok in opportunity.qualification_checklist if ok] == [
        label for name, label, _ in QUALIFICATION_CRITERIA if name in met
    ]


@pytest.mark.django_db
def test_sql_score_matches_the_python_score(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    cases = {
        "none": [],
        "pain": ["pain_identified"],
        "pain+power": ["pain_identified", "access_to_power"],
        "all-but-control": CRITERIA[:4],
        "all": CRITERIA,
    }
    for name, met in cases.items():
        OpportunityFactory(account=account, name=name, **{c: c in met for c in CRITERIA})
    with manager_a.scope():
        rows = {o.name: (o.score, o.qualification_score) for o in selectors.opportunity_list()}
    assert rows == {
        "none": (0, 0),
        "pain": (20, 20),
        "pain+power": (40, 40),
        "all-but-control": (80, 80),
        "all": (100, 100),
    }


# --- overdue actions ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_actions_are_open_past_due_and_on_active_plans(manager_a, executive_a):
    today = timezone.localdate()
    account = AccountFactory(tenant=manager_a.tenant)
    archived = PlanFactory(account=account, status=PlanStatus.ARCHIVED)
    plan = PlanFactory(account=account)
    late = ActionFactory(plan=plan, owner=manager_a.user, due_date=today - dt.timedelta(days=1), title="late")
    ActionFactory(plan=plan, owner=manager_a.user, due_date=today, title="due today")
    ActionFactory(plan=plan, owner=manager_a.user, due_date=today - dt.timedelta(days=3), status=ActionStatus.DONE)
    ActionFactory(plan=plan, owner=manager_a.user, due_date=today - dt.timedelta(days=3), status=ActionStatus.CANCELLED)
    progressing = ActionFactory(
        plan=plan, owner=executive_a.user, due_date=today - dt.timedelta(days=9), status=ActionStatus.IN_PROGRESS
    )
    ActionFactory(plan=archived, owner=manager_a.user, due_date=today - dt.timedelta(days=5))
    other_account = PlanFactory(account=AccountFactory(tenant=manager_a.tenant))
    ActionFactory(plan=other_account, owner=manager_a.user, due_date=today - dt.timedelta(days=2), title="elsewhere")
    with manager_a.scope():
        assert [a.pk for a in selectors.overdue_actions(today=today, account=account)] == [progressing.pk, late.pk]
        assert [a.title for a in selectors.overdue_actions(today=today, owner=manager_a.user)] == ["elsewhere", "late"]


# --- the account's activity ---------------------------------------------------------------------------------------


def _fill(account, member, n):
    plan = PlanFactory(account=account, owner=member.user)
    for i in range(n):
        ActionFactory(plan=plan, owner=member.user, due_date=timezone.localdate() - dt.timedelta(days=i + 1))
        OpportunityFactory(account=account)
        contact = ContactFactory(account=account)
        make_call(
            account=account,
            author=member.user,
            contacts=[contact],
            at=timezone.now() - dt.timedelta(hours=i + 1),
            next_steps=[services.NextStep(title=f"step {i}", due_date=timezone.localdate())],
        )
        make_visit(
            account=account,
            organiser=member.user,
            attendees=[member.user],
            contacts=[contact],
            start=timezone.now().replace(microsecond=0) + dt.timedelta(days=i + 1),
        )


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 8])
def test_account_activity_costs_the_same_queries_for_any_size(manager_a, django_assert_num_queries, rows):
    account = AccountFactory(tenant=manager_a.tenant)
    _fill(account, manager_a, rows)
    with manager_a.scope():
        # plans, open actions, open opportunities, calls (+ our people, their people, next steps),
        # visits (+ our people, their people): ten, whatever the account holds.
        with django_assert_num_queries(10):
            activity = selectors.account_activity(account=account)
    assert len(activity.overdue_actions) == rows
    assert len(activity.recent_calls) == min(rows, selectors.RECENT_CALLS)
    assert len(activity.next_visits) == min(rows, selectors.NEXT_VISITS)
    assert activity.active_plan is not None and len(activity.open_opportunities) == rows


# --- calendar windows -----------------------------------------------------------------------------------------------


def test_month_window_covers_whole_weeks():
    win = cal.window("month", dt.date(2026, 11, 25))
    assert (win.first, win.last) == (dt.date(2026, 10, 26), dt.date(2026, 12, 6))
    assert (win.previous, win.following) == (dt.date(2026, 10, 1), dt.date(2026, 12, 1))
    assert win.title == "November 2026"


def test_week_and_list_windows():
    week = cal.window("week", dt.date(2026, 11, 25))
    assert (week.first, week.last, week.previous, week.following) == (
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 29),
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 30),
    )
    listing = cal.window("list", dt.date(2026, 11, 25))
    assert (listing.first, listing.last) == (dt.date(2026, 11, 25), dt.date(2026, 12, 22))
    assert cal.window("nonsense", dt.date(2026, 1, 31)).view == "month"


def test_a_visit_shows_on_each_day_it_covers_in_the_tenant_zone():
    class V:  # a stand-in with the two attributes days() reads
        def __init__(self, start, end):
            self.starts_at, self.ends_at = start, end

    tz = ZoneInfo("Europe/Berlin")
    win = cal.window("week", dt.date(2026, 11, 25))
    late_night = V(dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC), dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC))
    two_days = V(dt.datetime(2026, 11, 27, 9, 0, tzinfo=tz), dt.datetime(2026, 11, 28, 17, 0, tzinfo=tz))
    until_midnight = V(dt.datetime(2026, 11, 29, 20, 0, tzinfo=tz), dt.datetime(2026, 11, 30, 0, 0, tzinfo=tz))
    days = {
        d.date.day: d.visits for d in cal.days(win, [late_night, two_days, until_midnight], tz, dt.date(2026, 11, 25))
    }
    assert days[25] == [late_night]  # 00:30 Berlin time, not the 24th
    assert days[27] == days[28] == [two_days]
    assert days[29] == [until_midnight] and not days[24]


# --- the opportunity list at scale (issue 12) ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="reads PostgreSQL's plan")
@pytest.mark.parametrize("open_only, index", [(True, "opp_tenant_open_close_idx"), (False, "opp_tenant_close_idx")])
def test_the_opportunity_list_is_read_in_index_order_not_sorted(manager_a, open_only, index):
    """An index gives (close_date, id) for the tenant's open deals (and for all of them), so a page
    reads its rows in order instead of sorting every deal of the tenant first."""
    account = AccountFactory(tenant=manager_a.tenant)
    for stage in ("proposing", "won", "lost", "qualifying"):
        OpportunityFactory(account=account, stage=stage)
    with manager_a.scope(), connection.cursor() as cursor:
        # A tiny table would be read whole; forbid that and any sort, so only an ordered index can serve.
        cursor.execute("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)")
        queryset = selectors.opportunity_list(open_only=open_only)[:26]
        plan = queryset.explain()
        assert index in plan and "Sort" not in plan, plan
        assert [o.close_date for o in queryset] == sorted(o.close_date for o in queryset)


@pytest.mark.django_db
def test_the_plan_list_counts_the_actions_of_its_page_only(manager_a):
    """Issue 12: the action counts are per-plan subqueries (evaluated for the page's rows after the sort
    and the LIMIT), not a join grouped over every plan of the tenant; the figures stay the same."""
    today = timezone.localdate()
    plan = PlanFactory(account=AccountFactory(tenant=manager_a.tenant))
    ActionFactory(plan=plan, due_date=today - dt.timedelta(days=3))
    ActionFactory(plan=plan, due_date=today + dt.timedelta(days=3))
    ActionFactory(plan=plan, due_date=today - dt.timedelta(days=3), status=ActionStatus.DONE)
    PlanFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        queryset = selectors.plan_list(today=today)
        assert queryset.query.group_by is None  # no aggregate over the joined actions of every plan
        rows = {p.pk: (p.open_actions, p.overdue_actions) for p in queryset}
    assert rows[plan.pk] == (2, 1) and sorted(rows.values()) == [(0, 0), (2, 1)]
