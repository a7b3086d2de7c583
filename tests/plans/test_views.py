"""Browser pages of plans: roles, forms with their errors, htmx partials, tenant isolation, query counts."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, Contact
from plans.models import AccountPlan, ActionStatus, CalendarFeed, CallReport, Opportunity, PlanAction, Visit
from tests.conftest import same_page
from tests.plans.factories import (
    AccountFactory,
    ActionFactory,
    ContactFactory,
    OpportunityFactory,
    PlanFactory,
    make_call,
    make_visit,
    opportunity_with_errors,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _count(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


# --- roles ---------------------------------------------------------------------------------------------------

READ_PAGES = [
    "plans/",
    "plans/actions/",
    "plans/opportunities/",
    "plans/calls/",
    "plans/calendar/",
    "plans/calendar/?view=week",
    "plans/calendar/?view=list",
]
EDIT_PAGES = ["plans/new/", "plans/opportunities/new/", "plans/calls/new/", "plans/visits/new/"]


@pytest.mark.parametrize("role", ["admin", "manager", "executive", "viewer"])
def test_every_member_reads_the_pages(tenant_a, make_member, role):
    member = make_member(tenant_a, role)
    for path in READ_PAGES:
        assert member.client.get(member.url(path)).status_code == 200, path


@pytest.mark.parametrize("role, status", [("admin", 200), ("manager", 200), ("executive", 403), ("viewer", 403)])
def test_only_editors_get_the_forms(tenant_a, make_member, role, status):
    member = make_member(tenant_a, role)
    for path in EDIT_PAGES:
        assert member.client.get(member.url(path)).status_code == status, path


def test_objects_of_another_tenant_are_404_like_missing_ones(manager_a, manager_b):
    account = AccountFactory(tenant=manager_b.tenant)
    plan = PlanFactory(account=account)
    opp = OpportunityFactory(account=account)
    visit = make_visit(account=account, organiser=manager_b.user, attendees=[manager_b.user])
    call = make_call(account=account, author=manager_b.user)
    for path in (
        f"plans/{plan.pk}/",
        f"plans/opportunities/{opp.pk}/",
        f"plans/visits/{visit.pk}/",
        f"plans/calls/{call.pk}/",
        f"plans/account/{account.pk}/",
        f"plans/{plan.pk}/edit/",
    ):
        theirs = manager_a.client.get(manager_a.url(path))
        missing = manager_a.client.get(manager_a.url(re.sub(r"\d+", "999999999", path)))
        assert theirs.status_code == missing.status_code == 404, path
        assert same_page(theirs, missing)


def test_an_executive_cannot_post_to_edit_endpoints(executive_a):
    plan = PlanFactory(account=AccountFactory(tenant=executive_a.tenant))
    action = ActionFactory(plan=plan)
    response = executive_a.client.post(executive_a.url(f"plans/actions/{action.pk}/status/"), {"status": "done"})
    assert response.status_code == 403
    with executive_a.scope():
        assert PlanAction.objects.get(pk=action.pk).status == ActionStatus.OPEN


# --- plans and actions -----------------------------------------------------------------------------------------


def test_start_a_plan_then_a_second_one_archives_the_first(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    data = {
        "account": account.pk,
        "title": "Win the fleet",
        "objectives": "Be their mobility partner",
        "owner": manager_a.user.pk,
        "target_level": 3,
        "target_date": "",
        "review_date": "",
    }
    response = manager_a.client.post(manager_a.url("plans/new/"), data)
    assert response.status_code == 302
    response = manager_a.client.post(manager_a.url("plans/new/"), {**data, "title": "Second plan"})
    page = manager_a.client.get(response["Location"])
    assert b"Second plan" in page.content and b"active" in page.content
    assert b"Win the fleet" in page.content  # listed under the account's other plans
    with manager_a.scope():
        assert list(AccountPlan.objects.order_by("pk").values_list("status", flat=True)) == ["archived", "active"]


def test_new_plan_and_reactivation_say_how_many_open_actions_were_carried_over(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    old = PlanFactory(account=account)
    for _ in range(3):
        ActionFactory(plan=old)
    ActionFactory(plan=old, status=ActionStatus.DONE)
    data = {
        "account": account.pk,
        "title": "Next year",
        "objectives": "More",
        "owner": manager_a.user.pk,
        "target_level": "",
        "target_date": "",
        "review_date": "",
    }
    response = manager_a.client.post(manager_a.url("plans/new/"), data, follow=True)
    assert "3 open actions carried over from the previous plan." in response.content.decode()
    with manager_a.scope():
        new = AccountPlan.objects.get(status="active")
        assert new.actions.count() == 3 and old.actions.count() == 1
    response = manager_a.client.post(manager_a.url(f"plans/{old.pk}/archive/"), {"reactivate": "1"}, follow=True)
    assert "3 open actions carried over from the previous plan." in response.content.decode()
    with manager_a.scope():
        assert old.actions.count() == 4 and new.actions.count() == 0


def test_plan_form_errors_are_specific(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    past = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    response = manager_a.client.post(
        manager_a.url("plans/new/"),
        {"account": account.pk, "title": "x", "objectives": "y", "target_date": past, "target_level": 9},
    )
    assert response.status_code == 200
    assert b"Select a valid choice. 9 is not one of the available choices." in response.content
    response = manager_a.client.post(
        manager_a.url("plans/new/"), {"account": account.pk, "title": "x", "objectives": "y", "target_date": past}
    )
    assert b"The target date is in the past" in response.content
    with manager_a.scope():
        assert not AccountPlan.objects.exists()


def test_account_of_another_tenant_in_a_form_is_refused(manager_a, manager_b):
    theirs = AccountFactory(tenant=manager_b.tenant)
    response = manager_a.client.post(
        manager_a.url("plans/new/"), {"account": theirs.pk, "title": "x", "objectives": "y"}
    )
    assert b"There is no such account." in response.content  # exactly like an id that does not exist
    with manager_b.scope():
        assert not AccountPlan.objects.exists()


def test_add_an_action_with_htmx_and_change_its_status_inline(manager_a):
    plan = PlanFactory(account=AccountFactory(tenant=manager_a.tenant))
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = manager_a.client.post(
        manager_a.url(f"plans/{plan.pk}/actions/"),
        {"title": "Map their buying centre", "owner": manager_a.user.pk, "due_date": due},
        **HTMX,
    )
    assert response.status_code == 200
    assert b'id="actions"' in response.content and b"<html" not in response.content
    assert b"Map their buying centre" in response.content
    with manager_a.scope():
        action = PlanAction.objects.get()
    response = manager_a.client.post(manager_a.url(f"plans/actions/{action.pk}/status/"), {"status": "done"}, **HTMX)
    assert response.status_code == 200 and response.content.strip().startswith(b"<tr")
    with manager_a.scope():
        assert PlanAction.objects.get().status == ActionStatus.DONE


def test_action_with_a_past_due_date_shows_the_error_in_the_partial(manager_a):
    plan = PlanFactory(account=AccountFactory(tenant=manager_a.tenant))
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = manager_a.client.post(
        manager_a.url(f"plans/{plan.pk}/actions/"), {"title": "Too late", "due_date": past}, **HTMX
    )
    assert response.status_code == 200 and b"is in the past" in response.content
    without_js = manager_a.client.post(
        manager_a.url(f"plans/{plan.pk}/actions/"), {"title": "Too late", "due_date": past}
    )
    assert without_js.status_code == 400 and b"<html" in without_js.content
    with manager_a.scope():
        assert not PlanAction.objects.exists()


def test_plan_list_filters_with_htmx(manager_a):
    PlanFactory(account=AccountFactory(tenant=manager_a.tenant, name="Mine Corp"), owner=manager_a.user)
    PlanFactory(account=AccountFactory(tenant=manager_a.tenant, name="Other Corp"))
    response = manager_a.client.get(manager_a.url("plans/?mine=1"), **HTMX)
    assert b"Mine Corp" in response.content and b"Other Corp" not in response.content
    assert b"<html" not in response.content


# --- opportunities ---------------------------------------------------------------------------------------------


def test_create_an_opportunity_with_qualification_and_strategy(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    data = {
        "account": account.pk,
        "name": "Fleet renewal",
        "stage": "qualifying",
        "value": "250000",
        "currency": "EUR",
        "close_date": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
        "owner": manager_a.user.pk,
        "pain_identified": "on",
        "access_to_power": "on",
        "vision_agreed": "on",
        "competitive_strategy": "head_to_head",
        "strategy_rationale": "",
    }
    response = manager_a.client.post(manager_a.url("plans/opportunities/new/"), data)
    assert response.status_code == 200 and "Say why “Head-to-head”" in response.content.decode()
    response = manager_a.client.post(
        manager_a.url("plans/opportunities/new/"), {**data, "strategy_rationale": "We lead on price and service."}
    )
    assert response.status_code == 302
    page = manager_a.client.get(response["Location"])
    assert b"60" in page.content and b"Head-to-head" in page.content
    with manager_a.scope():
        assert Opportunity.objects.get().qualification_score == 60


def test_opportunity_form_shows_every_error_at_once(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    response = manager_a.client.post(manager_a.url("plans/opportunities/new/"), opportunity_with_errors(account))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["This field is required."]  # a form error…
    assert form.errors["currency"] == [
        "Use a three-letter currency code such as EUR, GBP or USD."
    ]  # …with the service's
    assert form.errors["strategy_rationale"][0].startswith("Say why “Stall” is the right strategy here")
    with manager_a.scope():
        assert not Opportunity.objects.exists()


def test_opportunity_form_normalises_the_currency(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    response = manager_a.client.post(
        manager_a.url("plans/opportunities/new/"),
        {
            "account": account.pk,
            "name": "Deal",
            "stage": "qualifying",
            "value": "1000",
            "currency": " gbp ",
            "close_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    with manager_a.scope():
        assert Opportunity.objects.get().currency == "GBP"


def test_notes_thread_with_htmx(manager_a, viewer_a):
    opp = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant))
    response = manager_a.client.post(
        manager_a.url(f"plans/opportunities/{opp.pk}/notes/"), {"body": "Procurement wants three bids."}, **HTMX
    )
    assert response.status_code == 200 and b"Procurement wants three bids." in response.content
    assert b'id="notes"' in response.content and b"<html" not in response.content
    assert viewer_a.client.post(viewer_a.url(f"plans/opportunities/{opp.pk}/notes/"), {"body": "x"}).status_code == 403
    page = viewer_a.client.get(viewer_a.url(f"plans/opportunities/{opp.pk}/"))
    assert b"Procurement wants three bids." in page.content and b"Add note" not in page.content


# --- call reports ----------------------------------------------------------------------------------------------


def _call_post(account, **overrides):
    data = {
        "account": account.pk,
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "in_person",
        "summary": "Walked through the pilot results.",
        "outcomes": "They want a proposal.",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "10",
    }
    data.update(overrides)
    return data


def test_log_a_call_with_next_steps(manager_a, executive_a):
    account = AccountFactory(tenant=manager_a.tenant)
    anna = ContactFactory(account=account)
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    data = _call_post(
        account,
        attendees=[manager_a.user.pk, executive_a.user.pk],
        contacts=[anna.pk],
        **{
            "steps-0-title": "Send the proposal",
            "steps-0-owner": manager_a.user.pk,
            "steps-0-due_date": due,
            "steps-1-owner": manager_a.user.pk,
        },
    )
    response = manager_a.client.post(manager_a.url("plans/calls/new/"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with manager_a.scope():
        call = CallReport.objects.get()
        assert call.account_id == account.pk
        assert [a.title for a in call.next_steps.all()] == ["Send the proposal"]
        assert Account.objects.get(pk=account.pk).last_contact_at == call.occurred_at
        assert Contact.objects.get(pk=anna.pk).last_contact_at == call.occurred_at
    detail = manager_a.client.get(response["Location"])
    assert b"Send the proposal" in detail.content and b"Walked through the pilot results." in detail.content


def test_call_in_the_future_and_a_step_without_date_are_refused(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = manager_a.client.post(
        manager_a.url("plans/calls/new/"), _call_post(account, occurred_at=future, **{"steps-0-title": "Undated"})
    )
    assert response.status_code == 400
    assert b"records a call that happened: the date is in the future" in response.content
    assert b"Give the next step a due date." in response.content
    with manager_a.scope():
        assert not CallReport.objects.exists()
        assert Account.objects.get(pk=account.pk).last_contact_at is None


def test_choosing_an_account_refreshes_contacts_and_opportunities(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    ContactFactory(account=account, full_name="Anna Buyer")
    OpportunityFactory(account=account, name="Data platform")
    ContactFactory(account=AccountFactory(tenant=manager_a.tenant), full_name="Zed Elsewhere")
    response = manager_a.client.get(
        manager_a.url(f"plans/calls/new/?account={account.pk}"), HTTP_HX_TRIGGER_NAME="account", **HTMX
    )
    assert response.status_code == 200 and response.content.strip().startswith(b'<div id="dependent">')
    assert b"Anna Buyer" in response.content and b"Data platform" in response.content
    assert b"Zed Elsewhere" not in response.content


# --- visits and the calendar -------------------------------------------------------------------------------------


def test_plan_a_visit_in_another_time_zone(manager_a, executive_a):
    account = AccountFactory(tenant=manager_a.tenant)
    day = timezone.localdate() + dt.timedelta(days=10)
    response = manager_a.client.post(
        manager_a.url("plans/visits/new/"),
        {
            "account": account.pk,
            "purpose": "Executive sponsor meeting",
            "timezone": "America/New_York",
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T11:30",
            "location": "5th Ave",
            "attendees": [manager_a.user.pk, executive_a.user.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with manager_a.scope():
        visit = Visit.objects.get()
    assert visit.starts_at.astimezone(dt.timezone.utc).hour in (13, 14)  # 09:00 in New York
    page = manager_a.client.get(response["Location"])
    assert b"America/New_York" in page.content and b"09:00" in page.content and b"executive" in page.content


def test_a_time_the_clocks_skip_is_refused(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    response = manager_a.client.post(
        manager_a.url("plans/visits/new/"),
        {
            "account": account.pk,
            "purpose": "x",
            "timezone": "Europe/Berlin",
            "starts_at": "2027-03-28T02:30",
            "ends_at": "2027-03-28T04:00",
            "attendees": [manager_a.user.pk],
        },
    )
    assert response.status_code == 400
    assert "02:30 on 28 Mar 2027 does not exist in Europe/Berlin" in response.content.decode()
    response = manager_a.client.post(
        manager_a.url("plans/visits/new/"),
        {
            "account": account.pk,
            "purpose": "x",
            "timezone": "Europe/Berlin",
            "starts_at": "2027-04-01T12:00",
            "ends_at": "2027-04-01T11:00",
            "attendees": [manager_a.user.pk],
        },
    )
    assert b"The visit must end after it starts." in response.content


def test_calendar_views_show_the_visits(manager_a, executive_a, viewer_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Globex")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    make_visit(
        account=account, organiser=manager_a.user, attendees=[executive_a.user], start=start, purpose="Board dinner"
    )
    day = timezone.localtime(start, timezone.zoneinfo.ZoneInfo(manager_a.tenant.timezone)).date().isoformat()
    for view in ("month", "week", "list"):
        page = viewer_a.client.get(viewer_a.url(f"plans/calendar/?view={view}&date={day}"))
        assert b"Globex" in page.content, view
        assert "★".encode() in page.content
    partial = viewer_a.client.get(viewer_a.url(f"plans/calendar/?view=week&date={day}"), **HTMX)
    assert partial.content.strip().startswith(b'<div id="calendar"') and b"Globex" in partial.content


def test_a_busy_day_shows_a_few_visits_and_how_many_more_and_the_day_view_shows_them_all(manager_a, executive_a):
    """A large tenant has a hundred visits on a working day: the month shows the first four of each
    day and "N more", which opens the day with all of them (plans.calendar.PER_DAY)."""
    tz = timezone.zoneinfo.ZoneInfo(manager_a.tenant.timezone)
    day = timezone.localdate(timezone=tz) + dt.timedelta(days=3)
    for hour in range(8, 14):
        start = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
        make_visit(
            account=AccountFactory(tenant=manager_a.tenant, name=f"Busy {hour:02d}"),
            organiser=manager_a.user,
            attendees=[executive_a.user],
            start=start,
        )
    make_visit(
        account=AccountFactory(tenant=manager_a.tenant, name="Quiet Co"),
        organiser=manager_a.user,
        attendees=[executive_a.user],
        start=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9), tzinfo=tz),
    )
    month = manager_a.client.get(manager_a.url(f"plans/calendar/?view=month&date={day}")).content.decode()
    chips = re.findall(r"<strong>(Busy \d\d|Quiet Co)</strong>", month)
    assert chips == ["Busy 08", "Busy 09", "Busy 10", "Busy 11", "Quiet Co"]  # the first four, in time order
    more = re.search(r'href="(\?[^"]*view=day[^"]*)"[^>]*>\+2 more<', month)
    assert more, month
    whole_day = manager_a.client.get(
        manager_a.url("plans/calendar/") + more.group(1).replace("&amp;", "&")
    ).content.decode()
    rows = re.findall(r">(Busy \d\d|Quiet Co)</a></td>", whole_day)
    assert rows == [f"Busy {h:02d}" for h in range(8, 14)]
    assert "more</a>" not in whole_day
    listing = manager_a.client.get(manager_a.url(f"plans/calendar/?view=list&date={day}")).content.decode()
    rows = re.findall(r">(Busy \d\d|Quiet Co)</a></td>", listing)
    assert rows == [f"Busy {h:02d}" for h in range(8, 14)] + ["Quiet Co"]  # twelve a day in the list


def test_calendar_filters(manager_a, executive_a, tenant_a, make_member):
    other_exec = make_member(tenant_a, "executive")
    acme, globex = AccountFactory(tenant=tenant_a, name="Acme"), AccountFactory(tenant=tenant_a, name="Globex")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=30)
    make_visit(account=acme, organiser=manager_a.user, attendees=[manager_a.user], start=start, purpose="Acme alone")
    make_visit(
        account=globex, organiser=manager_a.user, attendees=[executive_a.user], start=start, purpose="Globex exec"
    )
    make_visit(
        account=globex, organiser=manager_a.user, attendees=[other_exec.user], start=start, purpose="Globex other"
    )
    day = timezone.localtime(start, timezone.zoneinfo.ZoneInfo(tenant_a.timezone)).date().isoformat()

    def shown(query):
        content = manager_a.client.get(manager_a.url(f"plans/calendar/?view=list&date={day}&{query}")).content.decode()
        return {p for p in ("Acme alone", "Globex exec", "Globex other") if p in content}

    assert shown("") == {"Acme alone", "Globex exec", "Globex other"}
    assert shown("mine=on") == {"Acme alone"}
    assert shown(f"account={globex.pk}") == {"Globex exec", "Globex other"}
    assert shown(f"executive={executive_a.user.pk}") == {"Globex exec"}
    assert shown("executive=any") == {"Globex exec", "Globex other"}


def test_executive_means_the_current_role_on_every_visit(manager_a, executive_a, tenant_a, make_member):
    from tenancy.models import Membership, Role

    promoted = make_member(tenant_a, "manager")
    account = AccountFactory(tenant=tenant_a, name="Globex")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=30)
    visit = make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[promoted.user],
        start=start,
        purpose="Before the promotion",
    )
    make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[executive_a.user],
        start=start,
        purpose="With the old executive",
    )
    with manager_a.scope():
        Membership.objects.filter(user=promoted.user).update(role=Role.EXECUTIVE)
        Membership.objects.filter(user=executive_a.user).update(role=Role.MANAGER)
    day = timezone.localtime(start, timezone.zoneinfo.ZoneInfo(tenant_a.timezone)).date().isoformat()

    def shown(query):
        return manager_a.client.get(manager_a.url(f"plans/calendar/?view=list&date={day}&{query}")).content.decode()

    by_name = shown(f"executive={promoted.user.pk}")
    assert "Before the promotion" in by_name and "With the old executive" not in by_name
    anyone = shown("executive=any")
    assert "Before the promotion" in anyone and "With the old executive" not in anyone
    assert "Select a valid choice" in shown(f"executive={executive_a.user.pk}")  # no longer an executive
    detail = manager_a.client.get(manager_a.url(f"plans/visits/{visit.pk}/")).content.decode()
    assert 'class="badge strategic">executive<' in detail


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_calendar_dates_out_of_range_are_a_clear_error_not_a_500(manager_a, view, date):
    response = manager_a.client.get(manager_a.url(f"plans/calendar/?view={view}&date={date}"))
    assert response.status_code == 200
    assert "Date: Choose a date between the years 1900 and 2999. This filter is ignored." in response.content.decode()


@pytest.mark.parametrize("date", ["1900-01-01", "2999-12-31"])
def test_calendar_pages_to_the_edges_of_the_range(manager_a, date):
    for view in ("month", "week", "list"):
        response = manager_a.client.get(manager_a.url(f"plans/calendar/?view={view}&date={date}"))
        assert response.status_code == 200 and b"Choose a date between" not in response.content


def test_one_bad_calendar_filter_keeps_the_others(manager_a, tenant_a):
    acme, globex = AccountFactory(tenant=tenant_a, name="Acme"), AccountFactory(tenant=tenant_a, name="Globex")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=30)
    make_visit(account=acme, organiser=manager_a.user, attendees=[manager_a.user], start=start, purpose="Acme alone")
    make_visit(
        account=globex, organiser=manager_a.user, attendees=[manager_a.user], start=start, purpose="Globex visit"
    )
    day = timezone.localtime(start, timezone.zoneinfo.ZoneInfo(tenant_a.timezone)).date().isoformat()
    page = manager_a.client.get(
        manager_a.url(f"plans/calendar/?view=list&date={day}&account={globex.pk}&executive=nobody")
    )
    content = page.content.decode()
    assert "Executive: Select a valid choice." in content
    assert "Globex visit" in content and "Acme alone" not in content  # the account filter still applies
    assert 'aria-current="page">List<' in content  # and so does the view
    page = manager_a.client.get(manager_a.url(f"plans/calendar/?view=week&date=9999-01-01&account={globex.pk}"))
    assert page.status_code == 200 and 'aria-current="page">Week<' in page.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "plans/",
        "plans/actions/",
        "plans/opportunities/",
        "plans/calls/",
        "plans/calendar/",
        "plans/new/",
        "plans/opportunities/new/",
        "plans/calls/new/",
        "plans/visits/new/",
    ],
)
def test_an_account_id_beyond_64_bits_is_no_id_not_a_500(manager_a, path):
    assert manager_a.client.get(manager_a.url(f"{path}?account=99999999999999999999")).status_code == 200
    assert manager_a.client.get(manager_a.url(f"{path}?account=-99999999999999999999")).status_code == 200


def test_ids_outside_64_bits_are_none():
    from plans.views import _int

    assert _int("9223372036854775807") == 2**63 - 1
    assert _int("9223372036854775808") is None
    assert _int("-9223372036854775808") is None
    assert _int("12") == 12 and _int("x") is None and _int(None) is None


def test_feed_links_are_created_rotated_and_revoked_from_the_calendar(executive_a):
    url = executive_a.url("plans/calendar/feeds/")
    response = executive_a.client.post(url, {"kind": "mine", "action": "rotate"}, **HTMX)
    first = re.search(rb"http://testserver/calendar/[^<\s]+\.ics", response.content).group(0).decode()
    assert executive_a.client.get(first).status_code == 200
    response = executive_a.client.post(url, {"kind": "mine", "action": "rotate"}, **HTMX)
    second = re.search(rb"http://testserver/calendar/[^<\s]+\.ics", response.content).group(0).decode()
    assert first != second
    assert executive_a.client.get(first).status_code == 404
    assert executive_a.client.get(second).status_code == 200
    executive_a.client.post(url, {"kind": "mine", "action": "revoke"})
    assert executive_a.client.get(second).status_code == 404
    page = executive_a.client.get(executive_a.url("plans/calendar/"))
    assert second.encode() not in page.content  # the secret is never shown again
    with executive_a.scope():
        assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 0


def test_feed_link_without_javascript_shows_the_url_once(manager_a):
    response = manager_a.client.post(manager_a.url("plans/calendar/feeds/"), {"kind": "tenant", "action": "rotate"})
    assert response.status_code == 200 and b"Copy this link now" in response.content
    assert re.search(rb"/calendar/\d+_[^<\s]+\.ics", response.content)


# --- account page and dashboard ------------------------------------------------------------------------------------


def _fill_account(account, member, n):
    plan = PlanFactory(account=account, owner=member.user)
    for i in range(n):
        ActionFactory(plan=plan, owner=member.user, due_date=timezone.localdate() - dt.timedelta(days=i + 1))
        OpportunityFactory(account=account, owner=member.user)
        contact = ContactFactory(account=account)
        make_call(account=account, author=member.user, contacts=[contact], at=timezone.now() - dt.timedelta(days=i + 1))
        make_visit(
            account=account,
            organiser=member.user,
            attendees=[member.user],
            contacts=[contact],
            start=timezone.now().replace(microsecond=0) + dt.timedelta(days=i + 1),
        )


def test_account_activity_page_shows_everything_in_constant_queries(manager_a):
    small, big = AccountFactory(tenant=manager_a.tenant), AccountFactory(tenant=manager_a.tenant)
    _fill_account(small, manager_a, 1)
    _fill_account(big, manager_a, 6)
    few = _count(manager_a.client, manager_a.url(f"plans/account/{small.pk}/"))
    many = _count(manager_a.client, manager_a.url(f"plans/account/{big.pk}/"))
    assert few == many, (few, many)
    page = manager_a.client.get(manager_a.url(f"plans/account/{big.pk}/"))
    assert b"6 overdue actions" in page.content
    assert page.content.count(b"/plans/visits/") >= 5 and b"Recent calls" in page.content


def test_calendar_query_count_does_not_grow_with_visits(manager_a, executive_a):
    account = AccountFactory(tenant=manager_a.tenant)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    day = start.date().isoformat()
    make_visit(account=account, organiser=manager_a.user, attendees=[executive_a.user], start=start)
    counts = {}
    for view in ("month", "week", "list", "day"):
        counts[view] = _count(manager_a.client, manager_a.url(f"plans/calendar/?view={view}&date={day}"))
    for i in range(8):
        other = AccountFactory(tenant=manager_a.tenant)
        contact = ContactFactory(account=other)
        make_visit(
            account=other,
            organiser=manager_a.user,
            attendees=[executive_a.user, manager_a.user],
            contacts=[contact],
            start=start + dt.timedelta(hours=i),
        )
    for view in ("month", "week", "list", "day"):
        assert _count(manager_a.client, manager_a.url(f"plans/calendar/?view={view}&date={day}")) == counts[view], view


@pytest.mark.parametrize("path", ["plans/", "plans/actions/?show=all", "plans/opportunities/?show=all", "plans/calls/"])
def test_lists_do_not_grow_queries_with_rows(manager_a, path):
    account = AccountFactory(tenant=manager_a.tenant)
    _fill_account(account, manager_a, 1)
    few = _count(manager_a.client, manager_a.url(path))
    for _ in range(3):
        _fill_account(AccountFactory(tenant=manager_a.tenant), manager_a, 2)
    assert _count(manager_a.client, manager_a.url(path)) == few


def test_dashboard_panels_cost_the_same_queries_for_any_number_of_rows(manager_a):
    from django.test import RequestFactory

    from plans.dashboard import panels

    request = RequestFactory().get("/")
    request.user, request.tenant, request.membership = manager_a.user, manager_a.tenant, manager_a.membership

    def measure():
        with manager_a.scope(), CaptureQueriesContext(connection) as queries:
            result = panels(request)
        return len(queries), result

    _fill_account(AccountFactory(tenant=manager_a.tenant), manager_a, 1)
    few, _ = measure()
    for _ in range(3):
        _fill_account(AccountFactory(tenant=manager_a.tenant), manager_a, 3)
    many, (actions, visits) = measure()
    assert many == few
    assert len(actions["overdue"]) == 10 and len(visits["visits"]) == 10  # capped at ten rows each


def test_dashboard_shows_my_overdue_actions_and_visits(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Initech")
    plan = PlanFactory(account=account)
    ActionFactory(
        plan=plan,
        owner=manager_a.user,
        title="Chase the signed NDA",
        due_date=timezone.localdate() - dt.timedelta(days=4),
    )
    ActionFactory(plan=plan, title="Someone else's job", due_date=timezone.localdate() - dt.timedelta(days=4))
    make_visit(account=account, organiser=manager_a.user, attendees=[manager_a.user], purpose="Kick-off")
    page = manager_a.client.get(manager_a.url(""))
    assert b"Chase the signed NDA" in page.content and b"Someone else" not in page.content
    assert b"Kick-off" in page.content


def test_actions_without_an_owner_reach_the_plan_owner(manager_a, make_member):
    colleague = make_member(manager_a.tenant)
    late = timezone.localdate() - dt.timedelta(days=2)
    my_plan = PlanFactory(account=AccountFactory(tenant=manager_a.tenant), owner=manager_a.user)
    ActionFactory(plan=my_plan, title="Nobody took this", due_date=late)
    ActionFactory(plan=my_plan, title="Colleague has it", owner=colleague.user, due_date=late)
    ActionFactory(
        plan=PlanFactory(account=AccountFactory(tenant=manager_a.tenant), owner=colleague.user),
        title="Unowned on their plan",
        due_date=late,
    )
    page = manager_a.client.get(manager_a.url("")).content.decode()
    assert "Nobody took this" in page and "no owner: your plan" in page
    assert "Colleague has it" not in page and "Unowned on their plan" not in page
    mine = manager_a.client.get(manager_a.url("plans/actions/?show=overdue")).content.decode()
    assert "Nobody took this" in mine and "Colleague has it" not in mine and "Unowned on their plan" not in mine
    theirs = colleague.client.get(colleague.url("")).content.decode()
    assert "Unowned on their plan" in theirs and "Colleague has it" in theirs and "Nobody took this" not in theirs


def test_overdue_partial_for_the_account_page(manager_a):
    from django.template.loader import render_to_string

    from plans.selectors import overdue_actions

    account = AccountFactory(tenant=manager_a.tenant)
    ActionFactory(
        plan=PlanFactory(account=account), title="Overdue thing", due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    with manager_a.scope():
        html = render_to_string(
            "plans/_account_overdue.html",
            {
                "overdue_actions": overdue_actions(today=timezone.localdate(), account=account),
                "tenant": manager_a.tenant,
            },
        )
    assert "1 overdue action" in html and "Overdue thing" in html


def test_account_panel_for_the_account_page(manager_a, django_assert_max_num_queries):
    """plans.account_page.panel is how the account page shows plans without accounts importing them."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from plans import account_page
    from plans.selectors import overdue_actions

    account = AccountFactory(tenant=manager_a.tenant, name="Tagged Co")
    _fill_account(account, manager_a, 3)
    request = RequestFactory().get(f"/t/{manager_a.tenant.slug}/accounts/{account.pk}/")
    request.user, request.tenant, request.membership = manager_a.user, manager_a.tenant, manager_a.membership
    with manager_a.scope():
        with django_assert_max_num_queries(12):
            html = account_page.panel(request, account)
        overdue = render_to_string(
            "plans/_account_overdue.html",
            {"overdue_actions": overdue_actions(today=timezone.localdate(), account=account)},
            request=request,
        )
        assert "3 overdue actions" in overdue
    assert "3 overdue actions" in html and "Open opportunities" in html and "Next visits" in html
    assert html.count("/plans/calls/") >= 3


# --- key players on an opportunity -------------------------------------------------------------------------


def test_opportunity_page_lists_its_key_players_with_the_recommended_message(manager_a):
    from keyplayers.models import BuyingRole, BuyingStage, Stance
    from tests.keyplayers.factories import KeyPlayerFactory

    account = AccountFactory(tenant=manager_a.tenant)
    opp = OpportunityFactory(account=account)
    player = KeyPlayerFactory(
        account=account,
        contact__full_name="Dana Buyer",
        buying_role=BuyingRole.EXECUTIVE,
        buying_stage=BuyingStage.EVALUATE_RISK,
        stance=Stance.SUPPORTER,
    )
    spare = KeyPlayerFactory(account=account, contact__full_name="Sam Spare")
    url = manager_a.url(f"plans/opportunities/{opp.pk}/")
    page = manager_a.client.get(url).content.decode()
    assert "No key players on this opportunity yet." in page and "Dana Buyer — Executive" in page

    response = manager_a.client.post(url + "key-players/", {"key_player": player.pk}, **HTMX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    body = response.content.decode()
    with manager_a.scope():
        from keyplayers.selectors import guidance_for

        expected = guidance_for(buying_role=BuyingRole.EXECUTIVE, buying_stage=BuyingStage.EVALUATE_RISK)
    assert 'id="key-players"' in body and "Dana Buyer" in body and "Evaluate risk" in body and "Supporter" in body
    assert expected.communication in body
    assert f'<option value="{spare.pk}">' in body and f'<option value="{player.pk}">' not in body

    response = manager_a.client.post(url + f"key-players/{player.pk}/remove/")
    assert response.status_code == 302
    with manager_a.scope():
        assert not opp.key_players.exists()


def test_key_player_of_another_account_is_400_and_of_another_tenant_404(manager_a, manager_b):
    from tests.keyplayers.factories import KeyPlayerFactory

    opp = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant))
    other_account = KeyPlayerFactory(account=AccountFactory(tenant=manager_a.tenant))
    other_tenant = KeyPlayerFactory(account=AccountFactory(tenant=manager_b.tenant))
    url = manager_a.url(f"plans/opportunities/{opp.pk}/key-players/")
    response = manager_a.client.post(url, {"key_player": other_account.pk})
    assert response.status_code == 400 and b"is a key player at another account" in response.content
    htmx = manager_a.client.post(url, {"key_player": other_account.pk}, **HTMX)
    assert htmx.status_code == 200 and b"is a key player at another account" in htmx.content
    theirs = manager_a.client.post(url, {"key_player": other_tenant.pk})
    missing = manager_a.client.post(url, {"key_player": 999999999})
    assert theirs.status_code == missing.status_code == 404 and same_page(theirs, missing)
    assert manager_a.client.post(url + f"{other_tenant.pk}/remove/").status_code == 404
    assert manager_a.client.post(url, {"key_player": "x"}).status_code == 400
    with manager_a.scope():
        assert not opp.key_players.exists()
    with manager_b.scope():
        from plans.models import OpportunityKeyPlayer

        assert not OpportunityKeyPlayer.objects.exists()


def test_only_editors_change_an_opportunitys_key_players(executive_a):
    from tests.keyplayers.factories import KeyPlayerFactory

    account = AccountFactory(tenant=executive_a.tenant)
    opp = OpportunityFactory(account=account)
    player = KeyPlayerFactory(account=account)
    response = executive_a.client.post(
        executive_a.url(f"plans/opportunities/{opp.pk}/key-players/"), {"key_player": player.pk}
    )
    assert response.status_code == 403
    assert b'name="key_player"' not in executive_a.client.get(executive_a.url(f"plans/opportunities/{opp.pk}/")).content
    with executive_a.scope():
        assert not opp.key_players.exists()


def test_opportunity_page_query_count_is_the_same_for_1_and_10_key_players(manager_a):
    from plans import services
    from tests.keyplayers.factories import KeyPlayerFactory

    account = AccountFactory(tenant=manager_a.tenant)
    opp = OpportunityFactory(account=account)
    make_call(account=account, author=manager_a.user)
    with manager_a.scope():
        services.opportunity_key_player_add(opportunity=opp, key_player=KeyPlayerFactory(account=account))
    KeyPlayerFactory(account=account)
    url = manager_a.url(f"plans/opportunities/{opp.pk}/")
    few = _count(manager_a.client, url)
    with manager_a.scope():
        for _ in range(9):
            services.opportunity_key_player_add(opportunity=opp, key_player=KeyPlayerFactory(account=account))
    for _ in range(5):
        KeyPlayerFactory(account=account)
    assert _count(manager_a.client, url) == few
    assert manager_a.client.get(url).content.count(b'id="okp-') == 10


# --- query counts of the detail pages ----------------------------------------------------------------------


def test_plan_page_query_count_is_the_same_for_1_and_many_actions(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    plan = PlanFactory(account=account, owner=manager_a.user, created_by=manager_a.user)
    call = make_call(account=account, author=manager_a.user)
    ActionFactory(plan=plan, owner=manager_a.user, source_call=call)
    url = manager_a.url(f"plans/{plan.pk}/")
    few = _count(manager_a.client, url)
    for i in range(9):
        ActionFactory(
            plan=plan,
            owner=manager_a.user if i % 2 else None,
            source_call=make_call(account=account, author=manager_a.user),
        )
    for _ in range(3):
        PlanFactory(account=account, status="archived", owner=manager_a.user)
    assert _count(manager_a.client, url) == few
    assert manager_a.client.get(url).content.count(b'id="action-') == 10


def test_opportunity_page_query_count_is_the_same_for_1_and_many_notes_and_calls(manager_a, make_member):
    from plans import services

    account = AccountFactory(tenant=manager_a.tenant)
    opp = OpportunityFactory(account=account, owner=manager_a.user)

    def add(n):
        for _ in range(n):
            author = make_member(manager_a.tenant)
            contact = ContactFactory(account=account)
            with manager_a.scope():
                services.opportunity_note_add(opportunity=opp, author=author.user, body="We know their CFO.")
                services.call_report_record(
                    account=account,
                    occurred_at=timezone.now() - dt.timedelta(days=1),
                    summary="Talked",
                    author=author.user,
                    opportunity=opp,
                    attendees=[author.user],
                    contacts=[contact],
                )

    add(1)
    url = manager_a.url(f"plans/opportunities/{opp.pk}/")
    few = _count(manager_a.client, url)
    add(6)
    assert _count(manager_a.client, url) == few
    assert manager_a.client.get(url).content.count(b"We know their CFO.") == 7


def test_call_page_query_count_is_the_same_for_1_and_many_people_and_steps(manager_a, make_member):
    from plans.services import NextStep

    def call_with(n):
        account = AccountFactory(tenant=manager_a.tenant)
        people = [make_member(manager_a.tenant).user for _ in range(n)]
        steps = [NextStep(title=f"Step {i}", due_date=timezone.localdate(), owner=people[i]) for i in range(n)]
        return make_call(
            account=account,
            author=manager_a.user,
            attendees=people,
            contacts=[ContactFactory(account=account) for _ in range(n)],
            next_steps=steps,
        )

    small, big = call_with(1), call_with(8)
    few = _count(manager_a.client, manager_a.url(f"plans/calls/{small.pk}/"))
    assert _count(manager_a.client, manager_a.url(f"plans/calls/{big.pk}/")) == few
    assert manager_a.client.get(manager_a.url(f"plans/calls/{big.pk}/")).content.count(b"#action-") == 8


def test_visit_page_query_count_is_the_same_for_1_and_many_people(manager_a, make_member):
    def visit_with(n):
        account = AccountFactory(tenant=manager_a.tenant)
        people = [make_member(manager_a.tenant, "executive" if i % 2 else "manager").user for i in range(n)]
        return make_visit(
            account=account,
            organiser=manager_a.user,
            attendees=people,
            contacts=[ContactFactory(account=account) for _ in range(n)],
        )

    small, big = visit_with(1), visit_with(8)
    few = _count(manager_a.client, manager_a.url(f"plans/visits/{small.pk}/"))
    assert _count(manager_a.client, manager_a.url(f"plans/visits/{big.pk}/")) == few
    assert manager_a.client.get(manager_a.url(f"plans/visits/{big.pk}/")).content.count(b"badge strategic") == 4


# --- log the call of a visit --------------------------------------------------------------------------------


def test_log_the_call_of_a_visit_prefills_account_people_and_time(manager_a, executive_a, manager_b):
    account = AccountFactory(tenant=manager_a.tenant, name="Initech")
    contacts = [ContactFactory(account=account), ContactFactory(account=account)]
    ContactFactory(account=account)  # not at the visit
    start = (timezone.now() - dt.timedelta(days=2)).replace(second=0, microsecond=0)
    visit = make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[manager_a.user, executive_a.user],
        contacts=contacts,
        start=start,
    )
    detail = manager_a.client.get(manager_a.url(f"plans/visits/{visit.pk}/")).content.decode()
    assert f"plans/calls/new/?visit={visit.pk}" in detail

    response = manager_a.client.get(manager_a.url(f"plans/calls/new/?visit={visit.pk}"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["account"].value() == account.pk
    assert sorted(form["attendees"].value()) == sorted([manager_a.user.pk, executive_a.user.pk])
    assert sorted(form["contacts"].value()) == sorted(c.pk for c in contacts)
    tz = timezone.zoneinfo.ZoneInfo(manager_a.tenant.timezone)
    html = response.content.decode()
    assert f'value="{timezone.localtime(start, tz):%Y-%m-%dT%H:%M}"' in html  # the visit's start, tenant's time
    for contact in contacts:
        assert re.search(rf'<input type="checkbox" name="contacts" value="{contact.pk}"[^>]*checked', html)

    future = make_visit(account=account, organiser=manager_a.user, attendees=[manager_a.user])
    html = manager_a.client.get(manager_a.url(f"plans/calls/new/?visit={future.pk}")).content.decode()
    shown = re.search(r'name="occurred_at" value="([^"]+)"', html).group(1)
    assert shown <= f"{timezone.localtime(timezone.now(), tz):%Y-%m-%dT%H:%M}"  # a call report records what happened

    theirs = make_visit(
        account=AccountFactory(tenant=manager_b.tenant), organiser=manager_b.user, attendees=[manager_b.user]
    )
    assert manager_a.client.get(manager_a.url(f"plans/calls/new/?visit={theirs.pk}")).status_code == 404


def test_opportunity_page_shows_lead_and_fallback_strategies_and_the_agreed_value_case(manager_a, viewer_a):
    from tests.accounts.factories import TeamMemberFactory

    account = AccountFactory(tenant=manager_a.tenant)
    TeamMemberFactory(account=account, user=manager_a.user)  # on the team: sees (and edits) the money
    url = manager_a.url("plans/opportunities/new/")
    base = {
        "account": account.pk,
        "name": "Fleet",
        "stage": "developing",
        "value": "1000",
        "currency": "EUR",
        "close_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "competitive_strategy": "head_to_head",
        "strategy_rationale": "We outnumber them five to one here.",
        "fallback_strategy": "end_around",
        "fallback_rationale": "If they match the price, go to the COO.",
        "value_agreed": "on",
    }
    form = manager_a.client.get(url).content.decode()
    assert "Lead strategy" in form and "Fallback strategy" in form and "Value case, agreed with the customer" in form
    missing = manager_a.client.post(url, base)
    assert missing.status_code == 200
    assert (
        missing.context["form"].errors["value_agreed"][0].startswith("Record the value case agreed with the customer")
    )
    done = manager_a.client.post(
        url,
        {
            **base,
            "value_benefits": "Half the empty runs",
            "value_roi": "Payback 9 months",
            "value_agreed_with": "Their COO",
            "evaluation_plan": "Four-week pilot",
            "buyer_tactics": "Shark: a fake rival offer",
            "buyer_tactics_answer": "Hold price",
        },
    )
    assert done.status_code == 302
    page = _words(manager_a.client.get(done["Location"]).content)
    for phrase in (
        "Lead: Head-to-head (only with resources much larger than the competitor's)",
        "Fallback: End-around",
        "If they match the price, go to the COO.",
        "Evaluation plan offered",
        "Benefits delivered Half the empty runs",
        "Agreed with Their COO",
        "Payback 9 months",
        "Shark: a fake rival offer",
        "the value case",
    ):
        assert phrase in page, phrase
    viewer_page = _words(viewer_a.client.get(done["Location"]).content)
    assert "Half the empty runs" in viewer_page and "Payback 9 months" not in viewer_page  # the ROI is money


def _words(html: bytes) -> str:
    import html as html_lib
    import re

    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html.decode())).split())


def test_an_executive_attending_a_visit_logs_its_call_report(manager_a, executive_a, make_member):
    """From the visit's page ("Log the call"); an executive who is not on the visit, or who names another
    account, is refused (403 saying who can)."""
    account = AccountFactory(tenant=manager_a.tenant, name="Orbit Airlines")
    other = AccountFactory(tenant=manager_a.tenant)
    visit = make_visit(account=account, organiser=manager_a.user, attendees=[manager_a.user, executive_a.user])
    page = executive_a.client.get(executive_a.url(f"plans/visits/{visit.pk}/")).content.decode()
    assert f"calls/new/?visit={visit.pk}" in page and "Cancel visit" not in page
    url = executive_a.url(f"plans/calls/new/?visit={visit.pk}")
    assert executive_a.client.get(url).status_code == 200
    wrong = executive_a.client.post(url, _call_post(other, attendees=[executive_a.user.pk]))
    assert wrong.status_code == 400 and "log the call of the visit to Orbit Airlines only" in wrong.content.decode()
    response = executive_a.client.post(url, _call_post(account, attendees=[executive_a.user.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    with executive_a.scope():
        assert CallReport.objects.get().author_id == executive_a.user.pk

    outsider = make_member(manager_a.tenant, "executive")
    refused = outsider.client.get(outsider.url(f"plans/calls/new/?visit={visit.pk}"))
    assert refused.status_code == 403 and "a visit they attend" in refused.content.decode()
    assert (
        f"calls/new/?visit={visit.pk}"
        not in outsider.client.get(outsider.url(f"plans/visits/{visit.pk}/")).content.decode()
    )
    assert executive_a.client.get(executive_a.url("plans/calls/new/")).status_code == 403
