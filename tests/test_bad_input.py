"""Bad input is a 400 that names the field and changes nothing — never a 500 (issue 11, item 4).

Each case here answered 500 before: a form field calling a Django class that does not exist, datetimes
that overflow Python's range once moved into a far time zone, offsets PostgreSQL refuses, a NUL byte
PostgreSQL cannot store in jsonb, and a tenant name that later breaks every e-mail header."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import ImportBatch
from plans.models import Visit
from tests.conftest import api_client_for
from tests.plans.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["abc", "12/04/2027 10:00", "99999-01-01T00:10", "2027-02-30T10:00"])
def test_the_visit_form_refuses_an_unreadable_time_naming_the_field(manager_a, value):
    account = AccountFactory(tenant=manager_a.tenant)
    day = timezone.localdate() + dt.timedelta(days=10)
    response = manager_a.client.post(
        manager_a.url("plans/visits/new/"),
        {
            "account": account.pk,
            "purpose": "x",
            "timezone": "Europe/Berlin",
            "starts_at": value,
            "ends_at": f"{day}T11:00",
            "attendees": [manager_a.user.pk],
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["starts_at"], form.errors
    with manager_a.scope():
        assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "starts_at,ends_at,zone",
    [
        ("0001-01-01T00:30", "0001-01-01T02:00", "Pacific/Kiritimati"),
        ("9999-12-31T20:00", "9999-12-31T23:00", "Pacific/Kiritimati"),
        ("9999-12-31T20:00:00Z", "9999-12-31T23:00:00Z", "Pacific/Kiritimati"),
        ("0001-01-01T00:30:00Z", "0001-01-01T02:00:00Z", "Pacific/Pago_Pago"),
    ],
)
def test_the_visits_api_refuses_times_out_of_range_naming_the_field(manager_a, starts_at, ends_at, zone):
    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    response = api.post(
        "/api/v1/visits/",
        {
            "account": account.pk,
            "purpose": "x",
            "starts_at": starts_at,
            "ends_at": ends_at,
            "timezone": zone,
            "attendees": [manager_a.user.pk],
        },
        format="json",
    )
    assert response.status_code == 400, response.content[:500]
    assert set(response.json()) == {"starts_at", "ends_at"}
    assert "between the years 1900 and 2999" in response.json()["starts_at"][0]
    with manager_a.scope():
        assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "path,name",
    [
        ("call-reports/", "before"),
        ("call-reports/", "after"),
        ("rating-snapshots/", "computed_after"),
        ("visits/", "starts_after"),
        ("visits/", "starts_before"),
    ],
)
@pytest.mark.parametrize(
    "value",
    [
        "2020-01-01T00:00:00-16:00",
        "2020-01-01T00:00:00+23:59",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:00-05:00",
    ],
)
def test_datetime_filters_refuse_what_the_database_cannot_compare(manager_a, path, name, value):
    api = api_client_for(manager_a)
    response = api.get(f"/api/v1/{path}", {name: value})
    assert response.status_code == 400, response.content[:500]
    assert list(response.json()) == [name]


def test_datetime_filters_still_accept_any_real_offset(manager_a):
    api = api_client_for(manager_a)
    for value in ("2020-01-01T00:00:00-12:00", "2020-01-01T00:00:00+14:00", "2020-01-01T00:00:00Z", "2020-01-01T00:00"):
        assert api.get("/api/v1/call-reports/", {"before": value}).status_code == 200


def test_a_csv_with_a_nul_byte_is_refused_naming_the_row(manager_a):
    data = b"external_id,name\nA-1,Harbour\x00 Freight\n"
    response = manager_a.client.post(
        manager_a.url("accounts/import/"),
        {"kind": "accounts", "file": SimpleUploadedFile("file.csv", data, "text/csv")},
    )
    assert response.status_code == 400
    assert "Row 2 contains a NUL character" in response.content.decode()
    with manager_a.scope():
        assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("name", ["Acme\r\nBcc: all@example.com", "Acme\nInc", "Acme\tInc", "Acme\x00"])
def test_a_tenant_name_on_more_than_one_line_is_refused(admin_a, name):
    response = admin_a.client.post(
        admin_a.url("settings/"),
        {
            "name": name,
            "timezone": "Europe/Berlin",
            "briefing_lead_hours": 24,
            "briefing_delivery": "per_visit",
            "briefing_digest_hour": 7,
        },
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["name"]
    admin_a.tenant.refresh_from_db()
    assert admin_a.tenant.name == "Tenant A"


def test_the_visits_api_refuses_an_offset_the_database_cannot_store(manager_a):
    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    response = api.post(
        "/api/v1/visits/",
        {
            "account": account.pk,
            "purpose": "x",
            "starts_at": "2030-01-01T10:00:00-16:00",
            "ends_at": "2030-01-01T11:00:00+00:00",
            "attendees": [manager_a.user.pk],
        },
        format="json",
    )
    assert response.status_code == 400, response.content[:500]
    assert list(response.json()) == ["starts_at"]


@pytest.mark.parametrize("body", ["-92760", '"owner"', "[1, 2]", "null"])
def test_a_relationship_patch_that_is_not_an_object_is_a_400(manager_a, body):
    """Found by the fuzz run (tests/test_api_fuzz.py): a JSON body that is not an object was a 500."""
    from tests.hierarchy.factories import ContactFactory, make_relationship

    contact = ContactFactory(account__tenant=manager_a.tenant)
    with manager_a.scope():
        relationship = make_relationship(user=manager_a.user, contact=contact)
    response = api_client_for(manager_a).patch(
        f"/api/v1/hierarchy/relationships/{relationship.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("path", ["/api/v1/plans/", "/api/v1/plan-actions/"])
def test_a_search_with_a_nul_character_is_a_400_naming_the_parameter(manager_a, path):
    """Found by the fuzz run: DRF's search filter answered a bare list, outside the documented error shape."""
    response = api_client_for(manager_a).get(f"{path}?search=a%00b")
    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}
