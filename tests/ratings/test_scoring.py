"""Scores on hand-computed accounts, threshold edges, and what each signal means."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.models import Account
from ratings import services
from ratings.models import AccountRating, RatingSnapshot
from ratings.inputs import account_signals
from tenancy.context import tenant_context
from tests.ratings.factories import (
    AccountFactory,
    ContactFactory,
    FinancialPeriodFactory,
    KeyPlayerFactory,
    OpportunityFactory,
    RelationshipFactory,
)
from tests.ratings.helpers import activate_policy, pipeline_only

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def _rich_account(tenant):
    """Every signal has a value; see test_default_policy_scores_a_rich_account for the arithmetic."""
    account = AccountFactory(
        tenant=tenant,
        name="Rich",
        classification="strategic",
        potential_level=5,
        current_level=3,
        last_contact_at=NOW - dt.timedelta(days=40, hours=3),
    )
    boss = ContactFactory(account=account, tenant=tenant, title="CEO")
    user_contact = ContactFactory(account=account, tenant=tenant)
    other = ContactFactory(account=account, tenant=tenant)
    gone = ContactFactory(account=account, tenant=tenant, is_active=False)
    RelationshipFactory(contact=boss, self_level=4, customer_level=3)
    RelationshipFactory(contact=other, self_level=2)
    RelationshipFactory(contact=gone, self_level=5, customer_level=5)  # left: counts nowhere
    KeyPlayerFactory(contact=boss, buying_role="executive")
    KeyPlayerFactory(contact=user_contact, buying_role="operational")
    FinancialPeriodFactory(account=account, period_start=dt.date(2024, 1, 1), revenue=Decimal("400000"))
    FinancialPeriodFactory(account=account, period_start=dt.date(2025, 1, 1), revenue=Decimal("500000"))
    OpportunityFactory(account=account, value=Decimal("100000"), stage="qualifying")
    OpportunityFactory(account=account, value=Decimal("200000"), stage="proposing")
    OpportunityFactory(account=account, value=Decimal("1000000"), stage="won")
    OpportunityFactory(account=account, value=Decimal("5000000"), stage="lost")
    with tenant_context(tenant.pk):  # hierarchy keeps current_level; set it as it would stand
        Account.objects.filter(pk=account.pk).update(current_level=3)
    return account


def test_signals_of_a_rich_account(manager_a):
    account = _rich_account(manager_a.tenant)
    with manager_a.scope():
        signals = account_signals(now=NOW)[account.pk]
    assert signals["exec_level"] == 3  # the executive key player's relationship: customer's view 3
    assert signals["highest_level"] == 3
    assert signals["potential_gap"] == 2
    assert signals["classification"] == "strategic"
    assert signals["revenue"] == Decimal("500000")
    assert signals["revenue_growth"] == Decimal("25.00")
    assert signals["pipeline"] == Decimal("300000")  # won and lost deals are not pipeline
    assert signals["days_since_contact"] == 40
    assert signals["keyplayer_coverage"] == Decimal("50.00")  # 1 of 2 key players has a relationship
    assert signals["survey_level"] == 3  # the departed contact's 5 does not count


@time_machine.travel(NOW, tick=False)
def test_default_policy_scores_a_rich_account(manager_a):
    account = _rich_account(manager_a.tenant)
    with manager_a.scope():
        result = services.ratings_recompute()
        state = AccountRating.objects.get(account=account)
    # points: exec 3 → 50, highest 3 → 50, gap 2 → 70, strategic → 100, revenue 500k → 60,
    # growth 25% → 100, pipeline 300k → 70, 40 days → 60, coverage 50% → 50, survey 3 → 50
    # score = (20·50 + 10·50 + 10·70 + 15·100 + 15·60 + 5·100 + 10·70 + 5·60 + 5·50 + 5·50) / 100 = 66.00
    assert state.score == Decimal("66.00")
    assert state.rating == "B"
    assert state.breakdown["exec_level"] == [3, 50]
    assert state.breakdown["revenue_growth"] == [25, 100]
    assert state.breakdown["days_since_contact"] == [40, 60]
    assert result.accounts == 1 and result.snapshots == 1
    with manager_a.scope():
        assert Account.objects.get(pk=account.pk).rating == "B"


@time_machine.travel(NOW, tick=False)
def test_an_account_without_any_data_scores_zero_and_is_d(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        services.ratings_recompute()
        state = AccountRating.objects.get(account=account)
    assert (state.score, state.rating) == (Decimal("0"), "D")
    assert state.breakdown["pipeline"] == [0, 0]
    assert state.breakdown["revenue"] == [None, 0]


@time_machine.travel(NOW, tick=False)
def test_missing_points_linear_interpolation_and_inverted_range(manager_a):
    tenant = manager_a.tenant
    unassessed = AccountFactory(tenant=tenant, current_level=4, last_contact_at=NOW - dt.timedelta(days=45))
    boss = ContactFactory(account=unassessed, tenant=tenant)
    KeyPlayerFactory(contact=boss, buying_role="executive")
    RelationshipFactory(contact=boss)  # a relationship nobody assessed yet
    no_key_players = AccountFactory(tenant=tenant, current_level=4, last_contact_at=NOW - dt.timedelta(days=120))
    criteria = [
        {"signal": "exec_level", "weight": 3, "scoring": "linear", "zero_at": 1, "full_at": 5, "missing": 40},
        {"signal": "days_since_contact", "weight": 1, "scoring": "linear", "zero_at": 90, "full_at": 0, "missing": 0},
    ]
    with manager_a.scope():
        activate_policy(manager_a, criteria=criteria, threshold_a=70, threshold_b=50, threshold_c=30)
        services.ratings_recompute()
        states = {s.account_id: s for s in AccountRating.objects.all()}
    # executive key player without an assessed relationship → missing 40; 45 days on 90→0 → 50
    assert states[unassessed.pk].breakdown == {"exec_level": [None, 40], "days_since_contact": [45, 50]}
    assert states[unassessed.pk].score == Decimal("42.50")  # (3·40 + 1·50) / 4
    assert states[unassessed.pk].rating == "C"
    # no executive key players → the account's own level 4 → 75; 120 days is past 90 → 0
    assert states[no_key_players.pk].breakdown == {"exec_level": [4, 75], "days_since_contact": [120, 0]}
    assert states[no_key_players.pk].score == Decimal("56.25")  # (3·75 + 0) / 4
    assert states[no_key_players.pk].rating == "B"


@pytest.mark.parametrize(
    "pipeline, rating",
    [
        ("100", "A"),
        ("70.00", "A"),
        ("69.99", "B"),
        ("50.00", "B"),
        ("49.99", "C"),
        ("30.00", "C"),
        ("29.99", "D"),
        ("0", "D"),
    ],
)
def test_threshold_edges(manager_a, pipeline, rating):
    account = AccountFactory(tenant=manager_a.tenant)
    OpportunityFactory(account=account, value=Decimal(pipeline))
    with manager_a.scope():
        activate_policy(manager_a, **pipeline_only())
        services.ratings_recompute()
        state = AccountRating.objects.get(account=account)
        stored = Account.objects.get(pk=account.pk).rating
    assert state.score == Decimal(pipeline)
    assert state.rating == rating
    assert stored == rating


def test_bands_below_the_first_band_score_zero_and_each_band_applies_from_its_start(manager_a):
    tenant = manager_a.tenant
    values = {"-1": "0", "0": "10", "9.99": "10", "10": "60", "25": "100", "1000": "100"}
    accounts = {}
    for value in values:
        accounts[value] = AccountFactory(tenant=tenant)
        OpportunityFactory(
            account=accounts[value],
            value=Decimal(value) if Decimal(value) >= 0 else Decimal(0),
            stage="qualifying" if Decimal(value) >= 0 else "lost",
        )
    criteria = [
        {"signal": "pipeline", "weight": 5, "scoring": "bands", "bands": [[0, 10], [10, 60], [25, 100]], "missing": 0}
    ]
    with manager_a.scope():
        activate_policy(manager_a, criteria=criteria, threshold_a=70, threshold_b=50, threshold_c=30)
        services.ratings_recompute()
        scores = dict(AccountRating.objects.values_list("account_id", "score"))
    # the "-1" account has only a lost deal: pipeline 0 → first band
    assert {v: scores[a.pk] for v, a in accounts.items()} == {
        "-1": Decimal(10),
        "0": Decimal(10),
        "9.99": Decimal(10),
        "10": Decimal(60),
        "25": Decimal(100),
        "1000": Decimal(100),
    }


@time_machine.travel(NOW, tick=False)
def test_snapshots_only_when_rating_or_score_changes(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    deal = OpportunityFactory(account=account, value=Decimal("40"))
    with manager_a.scope():
        activate_policy(manager_a, **pipeline_only())
        first = services.ratings_recompute()
        second = services.ratings_recompute()
        assert (first.snapshots, second.snapshots) == (1, 0)
        assert (first.ratings_changed, second.ratings_changed) == (1, 0)
        deal.value = Decimal("45")  # score changes, rating (C) does not
        deal.save(update_fields=["value"])
        third = services.ratings_recompute()
        deal.value = Decimal("55")
        deal.save(update_fields=["value"])
        fourth = services.ratings_recompute()
        history = list(RatingSnapshot.objects.filter(account=account).order_by("pk").values_list("rating", "score"))
    assert (third.snapshots, third.ratings_changed) == (1, 0)
    assert (fourth.snapshots, fourth.ratings_changed) == (1, 1)
    assert history == [("C", Decimal("40")), ("C", Decimal("45")), ("B", Decimal("55"))]
