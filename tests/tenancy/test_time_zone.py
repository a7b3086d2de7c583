"""The tenant's time zone is opened with its tenant_context: a page, an API call and a task agree on
"today" near midnight, where the tenant's day and the server's (UTC) day differ."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Contact
from tenancy.context import tenant_context
from tenancy.tasks import tenant_task
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.conftest import api_client_for

# 12:30 UTC on 15 June is 00:30 on 16 June in Auckland (UTC+12 in winter).
NOW = dt.datetime(2026, 6, 15, 12, 30, tzinfo=dt.UTC)
TENANT_TODAY = dt.date(2026, 6, 16)


@tenant_task(name="tests.contact_leave")
def contact_leave_task(tenant_id, contact_id):
    account_services.contact_leave(contact=Contact.objects.get(pk=contact_id))
    return timezone.localdate().isoformat()


@pytest.fixture
def auckland(tenant_a, time_machine):
    tenant_a.timezone = "Pacific/Auckland"
    tenant_a.save(update_fields=["timezone"])
    time_machine.move_to(NOW, tick=False)
    assert NOW.date() != TENANT_TODAY
    return tenant_a


def _contact(tenant):
    with tenant_context(tenant.pk):
        return ContactFactory(account=AccountFactory(tenant=tenant))


def test_tenant_context_activates_the_tenant_time_zone(auckland, tenant_b):
    with tenant_context(auckland.pk):
        assert str(timezone.get_current_timezone()) == "Pacific/Auckland"
        with tenant_context(tenant_b.pk):
            assert str(timezone.get_current_timezone()) == tenant_b.timezone
        assert timezone.localdate() == TENANT_TODAY  # the outer tenant's zone is back
    assert str(timezone.get_current_timezone()) == "UTC"


def test_page_api_and_task_agree_on_today_near_midnight(auckland, manager_a):
    page = manager_a.client.get(manager_a.url(f"accounts/contacts/{_contact(auckland).pk}/edit/"))
    assert page.status_code == 200
    assert page.context["leave_form"].initial["left_on"] == TENANT_TODAY

    by_api = _contact(auckland)
    response = api_client_for(manager_a).patch(f"/api/v1/contacts/{by_api.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["left_on"] == TENANT_TODAY.isoformat()

    by_task = _contact(auckland)
    assert contact_leave_task.apply(args=[auckland.pk, by_task.pk]).get() == TENANT_TODAY.isoformat()
    with tenant_context(auckland.pk):
        assert Contact.objects.get(pk=by_task.pk).left_on == TENANT_TODAY
