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
    data = {
        "name": admin_a.tenant.name,
        "timezone": "Europe/London",
        "currency": "chf",
        "briefing_lead_hours": 48,
        "briefing_delivery": "per_visit",
        "briefing_digest_hour": 7,
    }
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


def test_the_policy_says_money_thresholds_in_the_tenant_currency(gbp):
    """The policy page, the editor and the "why" panel write money thresholds with the currency they
    count in, and the editor says other currencies are not added in."""
    account = AccountFactory(tenant=gbp.tenant)
    with gbp.scope():
        services.ratings_recompute()
    with gbp.scope():
        from ratings.models import PolicyStatus, RatingPolicy

        active = RatingPolicy.objects.get(status=PolicyStatus.ACTIVE)
    policy_page = gbp.client.get(gbp.url(f"ratings/policies/{active.pk}/")).content.decode()
    assert "≥ 100,000 GBP: 30" in policy_page and "≥ 50,000 GBP: 40" in policy_page
    assert "≥ 31 days: 60" in policy_page  # other units as before
    editor = gbp.client.get(gbp.url("ratings/policies/draft/")).content.decode()
    assert "Bands (from, in GBP)" in editor and "Bands (from, in days)" in editor
    assert "counted in GBP, the tenant&#x27;s currency" in editor or "counted in GBP, the tenant's currency" in editor
    why = gbp.client.get(gbp.url(f"ratings/accounts/{account.pk}/")).content.decode()
    assert "≥ 1,000,000 GBP: 100" in why


def test_revenue_in_two_currencies_is_shown_per_currency_and_never_added(gbp):
    """Periods in GBP and EUR: the account page, the financials tab and the briefing's selector give a
    total per currency, and no growth (it would compare sums of different currencies)."""
    from accounts import selectors as account_selectors
    from tests.accounts.factories import AccountFactory as Accounts
    from tests.accounts.factories import FinancialPeriodFactory

    account = Accounts(tenant=gbp.tenant, name="Orbit Airlines")
    for currency, revenue in [("GBP", 100), ("GBP", 100), ("GBP", 1000), ("GBP", 2000), ("EUR", 500), ("EUR", 700)]:
        FinancialPeriodFactory(account=account, currency=currency, revenue=Decimal(revenue))
    for tab in ("", "financials/"):
        html = gbp.client.get(gbp.url(f"accounts/{account.pk}/{tab}")).content.decode()
        assert "3,000 GBP + 1,200 EUR" in html, tab
        assert "4,200" not in html
    with gbp.scope():
        summary = account_selectors.revenue_summary(account_selectors.financial_periods(account=account))
    assert summary["totals"] == [("GBP", Decimal(3000)), ("EUR", Decimal(1200))] and summary["growth"] is None
