"""Money about a customer follows one rule (accounts.access.can_see_money): admins, executives and the
account's team see it; anyone else sees neither it nor what it can be worked out from (issue 11, item 2).

Before: a viewer saw the total score, every other criterion's points and the policy's weights, so a hidden
revenue contribution followed by subtraction; opportunity values, the pipeline and walk-away terms were
shown to everyone."""

from decimal import Decimal

import pytest

from accounts.access import can_see_money, money_visible_filter, sees_all_money
from accounts.models import Account
from ratings import services as ratings_services
from tenancy.models import Role
from tests.accounts.factories import TeamMemberFactory
from tests.conftest import api_client_for
from tests.plans.factories import AccountFactory, OpportunityFactory
from tests.ratings.factories import FinancialPeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(tenant_a, make_member):
    """An account with revenue and an open deal, rated under the default policy; a viewer outside its
    team, a viewer on it, an executive."""
    outsider, insider, executive = (make_member(tenant_a, role) for role in (Role.VIEWER, Role.VIEWER, Role.EXECUTIVE))
    account = AccountFactory(tenant=tenant_a, name="Acme", classification="strategic")
    FinancialPeriodFactory(account=account, revenue=Decimal("750000"))
    deal = OpportunityFactory(
        account=account,
        name="Big deal",
        value=Decimal("123456"),
        walk_away="Below 98,765 we walk away",
        must_get="Three-year term",
        can_give="5 % discount",
    )
    TeamMemberFactory(account=account, user=insider.user)
    with outsider.scope():
        ratings_services.ratings_recompute()
    return account, deal, outsider, insider, executive


def test_the_rule_is_one_function_for_one_account_and_one_filter_for_many(rated):
    account, _, outsider, insider, executive = rated
    for member, expected in ((outsider, False), (insider, True), (executive, True)):
        with member.scope():
            assert can_see_money(membership=member.membership, account=account) is expected
            assert (
                Account.objects.filter(money_visible_filter(membership=member.membership))
                .filter(pk=account.pk)
                .exists()
                is expected
            )
    assert sees_all_money(executive.membership) and not sees_all_money(insider.membership)


def test_the_ratings_api_gives_no_score_or_points_to_whoever_may_not_see_the_money(rated):
    account, _, outsider, insider, executive = rated
    hidden = api_client_for(outsider).get(f"/api/v1/ratings/{account.pk}/").json()
    assert hidden["rating"] and hidden["score"] is None
    assert hidden["breakdown"]["revenue"] == ["hidden", None] and hidden["breakdown"]["pipeline"] == ["hidden", None]
    assert all(points is None for _, points in hidden["breakdown"].values())
    assert hidden["breakdown"]["classification"][0] == "strategic"  # the other reasons stay
    snapshots = api_client_for(outsider).get(f"/api/v1/rating-snapshots/?account={account.pk}").json()["results"]
    assert snapshots and all(s["score"] is None for s in snapshots)
    assert all(points is None for s in snapshots for _, points in s["breakdown"].values())
    for member in (insider, executive):
        shown = api_client_for(member).get(f"/api/v1/ratings/{account.pk}/").json()
        assert shown["score"] is not None and shown["breakdown"]["revenue"][0] == 750000
        assert shown["breakdown"]["pipeline"][0] == 123456


def test_ordering_snapshots_by_score_reveals_nothing(rated, tenant_a):
    _, _, outsider, _, _ = rated
    other = AccountFactory(tenant=tenant_a, name="Other")
    FinancialPeriodFactory(account=other, revenue=Decimal("10"))
    with outsider.scope():
        ratings_services.ratings_recompute()
    api = api_client_for(outsider)
    up = [s["id"] for s in api.get("/api/v1/rating-snapshots/?ordering=score").json()["results"]]
    down = [s["id"] for s in api.get("/api/v1/rating-snapshots/?ordering=-score").json()["results"]]
    assert up == down  # the score is not an ordering for whoever may not see it


def test_the_why_page_and_the_list_show_the_letter_and_the_other_reasons_only(rated):
    account, _, outsider, insider, _ = rated
    with insider.scope():
        from ratings.models import AccountRating

        score = f"{AccountRating.objects.get(account=account).score:.2f}"
    page = outsider.client.get(outsider.url(f"ratings/accounts/{account.pk}/")).content.decode()
    assert "Why " in page and "Strategic" in page
    assert score not in page and "750,000" not in page and "123,456" not in page and "Score (weighted" not in page
    listing = outsider.client.get(outsider.url("ratings/")).content.decode()
    assert "Acme" in listing and score not in listing
    overview = outsider.client.get(outsider.url(f"accounts/{account.pk}/")).content.decode()
    assert score not in overview and "123,456" not in overview
    page = insider.client.get(insider.url(f"ratings/accounts/{account.pk}/")).content.decode()
    assert score in page and "750,000" in page


def test_opportunity_values_and_walk_away_terms_follow_the_rule(rated):
    account, deal, outsider, insider, executive = rated
    hidden = api_client_for(outsider).get(f"/api/v1/opportunities/{deal.pk}/").json()
    assert hidden["name"] == "Big deal"
    assert [hidden[k] for k in ("value", "must_get", "can_give", "walk_away")] == [None] * 4
    listed = api_client_for(outsider).get("/api/v1/opportunities/").json()["results"]
    assert [o["value"] for o in listed] == [None]
    shown = api_client_for(insider).get(f"/api/v1/opportunities/{deal.pk}/").json()
    assert shown["value"] == "123456.00" and shown["walk_away"] == "Below 98,765 we walk away"
    for path in (
        f"plans/opportunities/{deal.pk}/",
        "plans/opportunities/",
        f"plans/account/{account.pk}/",
        f"accounts/{account.pk}/",
    ):
        body = outsider.client.get(outsider.url(path)).content.decode()
        assert "123,456" not in body and "98,765" not in body, path
        assert "123,456" in executive.client.get(executive.url(path)).content.decode(), path


def test_an_editor_outside_the_team_edits_a_deal_without_seeing_its_money(rated, tenant_a, make_member):
    _, deal, _, _, _ = rated
    manager = make_member(tenant_a, Role.MANAGER)
    form = manager.client.get(manager.url(f"plans/opportunities/{deal.pk}/edit/")).content.decode()
    assert "123456" not in form and "98,765" not in form and 'name="value"' not in form
    response = manager.client.post(
        manager.url(f"plans/opportunities/{deal.pk}/edit/"),
        {"name": "Big deal", "stage": "proposing", "close_date": deal.close_date.isoformat()},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with manager.scope():
        deal.refresh_from_db()
    assert (deal.stage, deal.value, deal.walk_away) == ("proposing", Decimal("123456"), "Below 98,765 we walk away")


def test_the_api_orders_by_value_only_for_those_who_see_every_value(rated, tenant_a):
    account, deal, outsider, _, executive = rated
    OpportunityFactory(account=AccountFactory(tenant=tenant_a), name="Small deal", value=Decimal("5"))
    for member, moves in ((outsider, False), (executive, True)):
        api = api_client_for(member)
        up = [o["name"] for o in api.get("/api/v1/opportunities/?ordering=value").json()["results"]]
        down = [o["name"] for o in api.get("/api/v1/opportunities/?ordering=-value").json()["results"]]
        assert (up != down) is moves
