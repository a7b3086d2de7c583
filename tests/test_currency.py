"""Money in one tenant currency (issue 13, item 7): new amounts start in it, the ratings' money criteria
count only amounts in it (never adding currencies), and the "why" panel shows every amount with it."""

from decimal import Decimal

import pytest

from ratings import services
from tenancy.models import Tenant
from tests.ratings.factories import AccountFactory, OpportunityFactory
from tests.ratings.helpers import activate_policy, pipeline_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def gbp(admin_a):
    Tenant.objects.filter(pk=admin_a.tenant.pk).update(currency="GBP")
    admin_a.tenant.currency = "GBP"
    return admin_a


def test_new_opportunities_and_financial_periods_start_in_the_tenant_currency(gbp):
    account = AccountFactory(tenant=gbp.tenant)
    opportunity_form = gbp.client.get(gbp.url(f"plans/opportunities/new/?account={account.pk}")).content.decode()
    assert 'name="currency" value="GBP"' in opportunity_form
    period_form = gbp.client.get(gbp.url(f"accounts/{account.pk}/financials/")).content.decode()
    assert 'name="currency" value="GBP"' in period_form


def test_the_admin_sets_the_tenant_currency_in_the_settings(admin_a):
    data = {"name": admin_a.tenant.name, "timezone": "Europe/London", "currency": "chf", "briefing_lead_hours": 48,
            "briefing_delivery": "per_visit", "briefing_digest_hour": 7}
    assert admin_a.client.post(admin_a.url("settings/"), data).status_code == 302
    assert Tenant.objects.get(pk=admin_a.tenant.pk).currency == "CHF"
    bad = admin_a.client.post(admin_a.url("settings/"), {**data, "currency": "pounds"})
    assert bad.status_code == 400 and "three-letter ISO code" in bad.content.decode()


def test_the_pipeline_criterion_never_adds_another_currency_and_shows_its_own(gbp):
    account = AccountFactory(tenant=gbp.tenant, name="Orbit Airlines")
    OpportunityFactory(account=account, value=Decimal("60.4"), currency="GBP")
    OpportunityFactory(account=account, value=Decimal("1000"), currency="EUR")  # not added to GBP
    with gbp.scope():
        activate_policy(gbp, **pipeline_only())
        services.ratings_recompute()
    html = gbp.client.get(gbp.url(f"ratings/accounts/{account.pk}/")).content.decode()
    assert "<td>60 GBP</td>" in html
    assert "1,060" not in html
