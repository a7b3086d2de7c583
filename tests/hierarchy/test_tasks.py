"""Tasks run for real (eagerly, through the task wrapper and JSON serialisation)."""

import pytest

from accounts.models import Account, Contact
from hierarchy.models import AlertKind, HierarchyAlert
from hierarchy.tasks import account_levels_refresh_task, contact_departures_scan_all_task, contact_departures_scan_task
from tenancy.context import TenantRequired
from tests.hierarchy.factories import AccountFactory, ContactFactory, assess, make_relationship

pytestmark = pytest.mark.django_db


def _departed(member, level):
    contact = ContactFactory(account=AccountFactory(tenant=member.tenant))
    assess(make_relationship(user=member.user, contact=contact), level)
    with member.scope():
        Contact.objects.filter(pk=contact.pk).update(is_active=False)  # a bulk change: no save() signal
    return contact


def test_scan_all_tenants_raises_alerts_in_each_tenant_only(manager_a, manager_b):
    _departed(manager_a, 4)
    _departed(manager_a, 3)  # below level 4: no alert
    _departed(manager_b, 5)
    assert contact_departures_scan_all_task.delay().get() >= 2
    with manager_a.scope():
        assert list(HierarchyAlert.objects.values_list("kind", "from_level")) == [(AlertKind.CONTACT_LEFT, 4)]
    with manager_b.scope():
        assert list(HierarchyAlert.objects.values_list("kind", "from_level")) == [(AlertKind.CONTACT_LEFT, 5)]
    assert contact_departures_scan_task.delay(manager_a.tenant.pk).get() == 0  # idempotent


def test_levels_refresh_task_recomputes_from_relationships(manager_a):
    contact = _departed(manager_a, 4)
    with manager_a.scope():
        Account.objects.filter(pk=contact.account_id).update(current_level=None)
    account_levels_refresh_task.delay(manager_a.tenant.pk, [contact.account_id])
    with manager_a.scope():
        assert Account.objects.get(pk=contact.account_id).current_level is None  # the only contact has left
        Contact.objects.filter(pk=contact.pk).update(is_active=True)
    account_levels_refresh_task.delay(manager_a.tenant.pk)
    with manager_a.scope():
        assert Account.objects.get(pk=contact.account_id).current_level == 4


def test_tasks_need_a_tenant():
    with pytest.raises(TenantRequired):
        contact_departures_scan_task.delay(None)
