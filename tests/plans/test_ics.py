"""The secret ICS feeds: they parse, hold exactly the user's (or the tenant's) visits with time zones,
and a rotated, revoked or foreign token is a 404."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from plans import services
from plans.ics import event_uid
from plans.models import FeedKind
from tests.conftest import same_page
from tests.plans.factories import AccountFactory, ContactFactory, make_visit

pytestmark = pytest.mark.django_db


def _feed(member, kind=FeedKind.MINE) -> str:
    with member.scope():
        _, raw = services.calendar_feed_rotate(user=member.user, kind=kind)
    return f"/calendar/{raw}.ics"


def _parse(client, url) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


@pytest.fixture
def visits(manager_a, executive_a, manager_b):
    account = AccountFactory(tenant=manager_a.tenant, name="Umbrella")
    anna = ContactFactory(account=account, full_name="Anna Buyer", email="anna@umbrella.example")
    nomail = ContactFactory(account=account, full_name="No Mail", email="")
    start = (timezone.now() + dt.timedelta(days=5)).replace(microsecond=0, second=0)
    with_exec = make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[manager_a.user, executive_a.user],
        contacts=[anna, nomail],
        start=start,
        purpose="Strategy day",
        timezone_name="America/Chicago",
        location="Chicago HQ",
    )
    without_exec = make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[manager_a.user],
        start=start + dt.timedelta(days=1),
        purpose="Workshop",
    )
    theirs = make_visit(
        account=AccountFactory(tenant=manager_b.tenant),
        organiser=manager_b.user,
        attendees=[manager_b.user],
        start=start,
        purpose="Other tenant's visit",
    )
    return with_exec, without_exec, theirs


def test_personal_feed_holds_exactly_the_users_visits(client, executive_a, visits):
    with_exec, _, _ = visits
    calendar = _parse(client, _feed(executive_a))
    events = calendar.events
    assert [str(e["UID"]) for e in events] == [event_uid(with_exec)]
    event = events[0]
    assert str(event["SUMMARY"]) == "Umbrella: Strategy day"
    assert str(event["LOCATION"]) == "Chicago HQ"
    assert "Our attendees:" in str(event["DESCRIPTION"]) and "(executive)" in str(event["DESCRIPTION"])
    # Times carry the visit's zone (TZID) and the matching VTIMEZONE is in the feed.
    assert event.start.tzinfo == ZoneInfo("America/Chicago")
    assert event.start == with_exec.starts_at and event.end == with_exec.ends_at
    assert event["DTSTART"].params["TZID"] == "America/Chicago"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/Chicago"]
    attendees = sorted(str(a) for a in event.get("ATTENDEE"))
    assert attendees == sorted(
        [f"mailto:{executive_a.user.email}", f"mailto:{with_exec.organiser.email}", "mailto:anna@umbrella.example"]
    )
    assert str(event["STATUS"]) == "CONFIRMED"


def test_tenant_feed_holds_every_visit_of_the_tenant_and_nothing_else(client, manager_a, visits):
    with_exec, without_exec, theirs = visits
    calendar = _parse(client, _feed(manager_a, FeedKind.TENANT))
    assert sorted(str(e["UID"]) for e in calendar.events) == sorted([event_uid(with_exec), event_uid(without_exec)])
    assert {tz.tz_name for tz in calendar.timezones} == {"America/Chicago", manager_a.tenant.timezone}


def test_cancelled_and_changed_visits_update_subscribers(client, manager_a, executive_a, visits):
    with_exec, _, _ = visits
    url = _feed(executive_a)
    moved = with_exec.starts_at + dt.timedelta(hours=1)
    with manager_a.scope():
        services.visit_update(
            visit=with_exec,
            starts_at=moved,
            ends_at=with_exec.ends_at + dt.timedelta(hours=1),
            timezone_name="Europe/Paris",
            purpose="Strategy day (moved)",
            attendees=[manager_a.user, executive_a.user],
        )
    event = _parse(client, url).events[0]
    assert int(event["SEQUENCE"]) == 1 and event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.start == moved and event.start.tzinfo == ZoneInfo("Europe/Paris")
    with manager_a.scope():
        services.visit_cancel(visit=with_exec)
    event = _parse(client, url).events[0]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 2


def test_rotated_revoked_and_forged_tokens_are_404_with_one_body(client, executive_a, manager_b, visits):
    old = _feed(executive_a)
    new = _feed(executive_a)  # rotating revokes the old link
    assert client.get(new).status_code == 200
    missing = client.get(f"/calendar/{executive_a.tenant.pk}_{'x' * 43}.ics")
    for url in (
        old,
        f"/calendar/{manager_b.tenant.pk}_{new.split('_', 1)[1]}",  # the secret under another tenant
        "/calendar/garbage.ics",
        f"/calendar/{'9' * 30}_{'y' * 43}.ics",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert same_page(response, missing)
    with executive_a.scope():
        services.calendar_feed_revoke(user=executive_a.user, kind=FeedKind.MINE)
    assert client.get(new).status_code == 404


def test_a_removed_member_loses_the_feed(client, manager_a, executive_a, visits):
    url = _feed(executive_a)
    with executive_a.scope():
        executive_a.membership.delete()
    assert client.get(url).status_code == 404


def test_feed_queries_do_not_grow_with_visits(client, manager_a, executive_a, visits):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = _feed(manager_a, FeedKind.TENANT)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    account = AccountFactory(tenant=manager_a.tenant)
    for i in range(10):
        make_visit(
            account=account,
            organiser=manager_a.user,
            attendees=[manager_a.user, executive_a.user],
            contacts=[ContactFactory(account=account)],
            start=timezone.now().replace(microsecond=0) + dt.timedelta(days=i + 1),
        )
    with CaptureQueriesContext(connection) as many:
        assert len(_parse(client, url).events) == 12
    assert len(many) == len(few)
