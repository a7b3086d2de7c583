"""Visit dates stay in the calendar's years (1900–2999) in the form, the API and the service, and one
bad row already in the database cannot break a calendar feed (issue 11, item 1)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from plans import services
from plans.ics import event_uid
from plans.models import FeedKind, Visit
from tests.conftest import api_client_for
from tests.plans.factories import AccountFactory, make_visit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "starts_at,ends_at",
    [
        ("9999-12-31T20:00", "9999-12-31T23:00"),
        ("0001-01-01T00:10", "0001-01-01T02:00"),
        ("3000-01-01T10:00", "3000-01-01T12:00"),
        ("1899-12-31T10:00", "1899-12-31T12:00"),
    ],
)
def test_the_visit_form_keeps_to_the_calendars_years(manager_a, starts_at, ends_at):
    account = AccountFactory(tenant=manager_a.tenant)
    response = manager_a.client.post(
        manager_a.url("plans/visits/new/"),
        {
            "account": account.pk,
            "purpose": "x",
            "timezone": "Pacific/Kiritimati",
            "starts_at": starts_at,
            "ends_at": ends_at,
            "attendees": [manager_a.user.pk],
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["starts_at"] == ["Choose a date between the years 1900 and 2999."]
    with manager_a.scope():
        assert not Visit.objects.exists()


def test_the_last_day_of_2999_is_fine_in_the_form_and_the_api(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    response = manager_a.client.post(
        manager_a.url("plans/visits/new/"),
        {
            "account": account.pk,
            "purpose": "x",
            "timezone": "Pacific/Kiritimati",
            "starts_at": "2999-12-31T20:00",
            "ends_at": "2999-12-31T23:00",
            "attendees": [manager_a.user.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    api = api_client_for(manager_a)
    created = api.post(
        "/api/v1/visits/",
        {
            "account": account.pk,
            "purpose": "x",
            "starts_at": "1900-01-02T09:00",
            "ends_at": "1900-01-02T10:00",
            "timezone": "Pacific/Pago_Pago",
            "attendees": [manager_a.user.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert api.get("/api/v1/visits/").status_code == 200


def test_the_service_refuses_times_outside_the_calendars_years(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    start = dt.datetime(2999, 12, 31, 23, 30, tzinfo=dt.UTC)
    with manager_a.scope(), pytest.raises(ValidationError) as error:
        services.visit_schedule(
            account=account,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            timezone_name="UTC",
            purpose="x",
            organiser=manager_a.user,
            attendees=[manager_a.user],
        )
    assert error.value.message_dict == {"ends_at": ["Choose a date between the years 1900 and 2999."]}


@pytest.mark.parametrize(
    "starts_at,zone",
    [
        (dt.datetime(9999, 12, 31, 20, 0, tzinfo=dt.UTC), "Pacific/Kiritimati"),  # cannot even be shown in its zone
        (dt.datetime(9999, 12, 30, 20, 0, tzinfo=dt.UTC), "UTC"),
        (dt.datetime(1, 1, 1, 10, 0, tzinfo=dt.UTC), "UTC"),
    ],
)
def test_one_bad_row_cannot_break_a_feed(client, manager_a, starts_at, zone):
    """A row written before the bounds existed (or by hand) leaves the rest of the feed working."""
    account = AccountFactory(tenant=manager_a.tenant)
    good = make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[manager_a.user],
        start=(timezone.now() + dt.timedelta(days=2)).replace(microsecond=0),
    )
    with manager_a.scope():
        bad = make_visit(account=account, organiser=manager_a.user, attendees=[manager_a.user])
        Visit.objects.filter(pk=bad.pk).update(
            starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2), timezone=zone
        )
        _, raw = services.calendar_feed_rotate(user=manager_a.user, kind=FeedKind.TENANT)
    response = client.get(f"/calendar/{raw}.ics")
    assert response.status_code == 200
    uids = [str(event["UID"]) for event in Calendar.from_ical(response.content).events]
    assert event_uid(good) in uids


def test_one_bad_row_cannot_break_the_visits_api(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        bad = make_visit(account=account, organiser=manager_a.user, attendees=[manager_a.user])
        Visit.objects.filter(pk=bad.pk).update(
            starts_at=dt.datetime(9999, 12, 31, 20, tzinfo=dt.UTC),
            ends_at=dt.datetime(9999, 12, 31, 22, tzinfo=dt.UTC),
            timezone="Pacific/Kiritimati",
        )
    response = api_client_for(manager_a).get("/api/v1/visits/")
    assert response.status_code == 200
    assert response.json()["results"][0]["starts_at"] == "9999-12-31T20:00:00Z"
