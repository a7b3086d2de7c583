"""The issue's "done when", as a new user would try it: a manager plans a visit with an executive, logs
the previous call with next steps, and the executive's calendar feed (parsed with icalendar) shows it."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from accounts.models import Account, Contact
from plans.models import PlanAction
from tenancy.context import tenant_context
from tenancy.models import Role
from tests.conftest import browser_login
from tests.plans.factories import AccountFactory, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_a_visit_log_the_call_and_the_executive_subscribes(page, browser, live_server, tenant_a, make_member):
    manager = make_member(tenant_a, Role.MANAGER, full_name="Mia Manager")
    executive = make_member(tenant_a, Role.EXECUTIVE, full_name="Eve Executive")
    account = AccountFactory(tenant=tenant_a, name="Contoso Freight")
    anna = ContactFactory(account=account, full_name="Anna Buyer", title="COO", email="anna@contoso.example")
    AccountFactory(tenant=tenant_a, name="Another Customer")
    tz = ZoneInfo(tenant_a.timezone)
    visit_day = timezone.localdate(timezone=tz) + dt.timedelta(days=9)

    # 1. The manager plans the visit from the calendar.
    browser_login(page, manager.user.email)
    page.goto(f"/t/{tenant_a.slug}/plans/calendar/")
    page.click("text=Plan a visit")
    page.select_option("select[name=account]", label="Contoso Freight")
    page.get_by_label("Anna Buyer, COO").wait_for()  # htmx loaded the account's contacts
    page.fill("input[name=purpose]", "Executive sponsor meeting")
    page.fill("input[name=starts_at]", f"{visit_day.isoformat()}T10:00")
    page.fill("input[name=ends_at]", f"{visit_day.isoformat()}T12:00")
    page.fill("input[name=location]", "Contoso HQ, Rotterdam")
    page.get_by_label("Eve Executive (executive)").check()
    page.get_by_label("Anna Buyer, COO").check()
    page.click("text=Put it on the calendar")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Executive sponsor meeting")
    assert "executive" in page.locator("aside").inner_text()

    # 2. From the visit, the manager logs the previous call with its next steps.
    page.click("text=Log the call")
    assert page.locator("select[name=account] option:checked").inner_text() == "Contoso Freight"
    page.get_by_label("Anna Buyer, COO").wait_for()
    called = timezone.localtime(timezone.now() - dt.timedelta(days=3), tz).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    assert page.get_by_label("Anna Buyer, COO").is_checked()  # prefilled from the visit
    assert page.get_by_label("Eve Executive (executive)").is_checked()
    page.fill("input[name=occurred_at]", called.strftime("%Y-%m-%dT%H:%M"))
    page.fill("textarea[name=summary]", "Agreed the agenda for the sponsor meeting.")
    page.fill("input[name=steps-0-title]", "Send the briefing pack to Eve")
    page.fill("input[name=steps-0-due_date]", (visit_day - dt.timedelta(days=2)).isoformat())
    page.click("text=Save call report")
    page.wait_for_load_state()
    assert (
        "Call report saved for Contoso Freight. Contoso Freight had no active account plan: one was started "
        "with 1 next step as its actions"
    ) in page.content()
    assert page.locator("text=Send the briefing pack to Eve").count() == 1
    with tenant_context(tenant_a.pk):
        assert Account.objects.get(pk=account.pk).last_contact_at == called
        assert Contact.objects.get(pk=anna.pk).last_contact_at == called
        assert PlanAction.objects.get().plan.account_id == account.pk

    # 3. The executive creates a feed link on the calendar page; a calendar client fetches it.
    context = browser.new_context(base_url=live_server.url)
    exec_page = context.new_page()
    browser_login(exec_page, executive.user.email)
    exec_page.goto(f"/t/{tenant_a.slug}/plans/calendar/?mine=on&view=week&date={visit_day.isoformat()}")
    assert "Contoso Freight" in exec_page.locator("#calendar").inner_text()
    exec_page.locator(".pl-feed", has_text="My visits").locator("text=Create a link").click()
    url = exec_page.locator(".pl-feed-url[data-kind=mine]").inner_text()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/calendar/{tenant_a.pk}_[-\w]+\.ics", url)
    feed = exec_page.request.get(url)  # no session needed: the secret is the credential
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.body())
    [event] = calendar.events
    assert str(event["SUMMARY"]) == "Contoso Freight: Executive sponsor meeting"
    assert str(event["LOCATION"]) == "Contoso HQ, Rotterdam"
    assert event.start == dt.datetime.combine(visit_day, dt.time(10, 0), tzinfo=tz)
    assert event["DTSTART"].params["TZID"] == tenant_a.timezone
    assert f"mailto:{executive.user.email}" in [str(a) for a in event.get("ATTENDEE")]
    context.close()


def test_a_large_tenant_finds_the_account_by_typing_and_its_contacts_follow(
    page, live_server, tenant_a, make_member, monkeypatch
):
    from accounts import pickers

    monkeypatch.setattr(pickers, "SELECT_LIMIT", 2)  # as if the tenant had more accounts than a select should hold
    manager = make_member(tenant_a, Role.MANAGER)
    for name in ("Alder Freight", "Beacon Foods"):
        AccountFactory(tenant=tenant_a, name=name)
    cobalt = AccountFactory(tenant=tenant_a, name="Cobalt Dairy")
    ContactFactory(account=cobalt, full_name="Carla Cobalt", title="CFO")
    browser_login(page, manager.user.email)
    page.goto(f"/t/{tenant_a.slug}/plans/visits/new/")
    assert page.locator("select[name=account] option").count() == 1  # only the blank: no account list
    page.fill("input[name=account__search]", "cob")
    page.get_by_label("Carla Cobalt, CFO").wait_for()  # the match was chosen and the account's contacts loaded
    assert page.locator("select[name=account] option:checked").inner_text().startswith("Cobalt Dairy")


def test_a_phone_month_shows_account_names_and_a_busy_day_opens_in_the_day_view(
    page, live_server, tenant_a, make_member
):
    """At 390 px a month cell is about 50 px wide: chips show the account (cut short), not the time; a day
    with more visits than the cell holds offers "+N more", which opens the day with all of them."""
    from tests.plans.factories import make_visit

    manager = make_member(tenant_a, Role.MANAGER)
    tz = ZoneInfo(tenant_a.timezone)
    day = timezone.localdate(timezone=tz) + dt.timedelta(days=2)
    for hour in range(8, 14):
        make_visit(
            account=AccountFactory(tenant=tenant_a, name=f"Harbour {hour}"),
            organiser=manager.user,
            attendees=[manager.user],
            start=dt.datetime.combine(day, dt.time(hour), tzinfo=tz),
        )
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, manager.user.email)
    page.goto(f"/t/{tenant_a.slug}/plans/calendar/?view=month&date={day}")
    chip = page.locator("table.pl-month a.pl-chip").first
    assert chip.locator("strong").is_visible() and not chip.locator(".pl-time").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.click("a.pl-more")
    expect_rows = page.locator("table.pl-callist tbody tr td a", has_text="Harbour")
    expect_rows.first.wait_for()
    assert expect_rows.count() == 6 and "view=day" in page.url
