"""Partner programme membership as data, the Lead revenue tier, and the coverage model (issue 15)."""

import pytest

from accounts import imports, services
from accounts.models import Account
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_partner_programme_is_data_shown_on_the_account_page(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Partnered", owner=manager_a.user)
    with manager_a.scope():
        services.account_update(
            account=account,
            by=manager_a.user,
            partner_programme="Keystone Partner Network",
            partner_tier="Gold",
            partner_since="2022-03-01",
            partner_benefits="Joint marketing fund",
            revenue_tier="lead",
            coverage="inside_sales",
        )
        stored = Account.objects.get(pk=account.pk)
        assert (stored.partner_programme, stored.partner_tier, str(stored.partner_since)) == (
            "Keystone Partner Network",
            "Gold",
            "2022-03-01",
        )
    page = manager_a.client.get(manager_a.url(f"accounts/{account.pk}/")).content.decode()
    assert "Keystone Partner Network, Gold, since Mar 2022" in page and "Joint marketing fund" in page
    assert "Partner: Keystone Partner Network · Gold" in page
    assert "Inside sales" in page and ">Lead<" in page


def test_the_import_reads_a_programme_name_and_the_old_yes_no(manager_a):
    csv = ("external_id,name,partner_programme\nP-1,Named,Alliance Plus\nP-2,Yes,yes\nP-3,No,no\n").encode()
    columns, rows, _ = imports.read_csv(csv, kind="accounts")
    with manager_a.scope():
        plan = imports.plan_accounts(rows)
        assert not plan.errors
        batch = services.import_batch_create(
            by=manager_a.user, kind="accounts", filename="p.csv", columns=columns, rows=rows
        )
        services.import_batch_apply(batch=batch, by=manager_a.user)
        assert dict(Account.objects.values_list("external_id", "partner_programme")) == {
            "P-1": "Alliance Plus",
            "P-2": "Partner programme",
            "P-3": "",
        }


def test_the_edit_form_offers_no_declassified_status(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Editable")
    form = manager_a.client.get(manager_a.url(f"accounts/{account.pk}/edit/")).content.decode()
    assert 'value="declassified"' not in form and 'value="inside_sales"' in form
    response = manager_a.client.post(
        manager_a.url(f"accounts/{account.pk}/edit/"), {"name": "Editable", "status": "declassified"}
    )
    assert response.status_code == 400
    with manager_a.scope():
        assert Account.objects.get(pk=account.pk).status == "prospect"
