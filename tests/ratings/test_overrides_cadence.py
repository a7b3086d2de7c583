"""Manual overrides (with expiry), contact cadence, and the declassification rule."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import Account, ClassificationChange
from hierarchy.models import Assessment, HierarchyModel
from plans.models import AccountPlan, PlanAction, Visit
from ratings import selectors, services
from ratings.models import DeclassificationReview, RatingOverride, ReviewDecision
from tests.ratings.factories import (
    AccountFactory,
    CallReportFactory,
    ContactFactory,
    FinancialPeriodFactory,
    OpportunityFactory,
    RelationshipFactory,
    TeamMemberFactory,
)
from tests.ratings.helpers import activate_policy, pipeline_only

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def _rating(member, account):
    with member.scope():
        return Account.objects.get(pk=account.pk).rating


@time_machine.travel(NOW, tick=False)
def test_override_applies_until_it_expires_by_itself(admin_a):
    account = AccountFactory(tenant=admin_a.tenant)
    OpportunityFactory(account=account, value=Decimal(35))  # computed: C
    with admin_a.scope():
        activate_policy(admin_a, **pipeline_only())
        services.ratings_recompute()
        services.override_set(
            account=account,
            rating="A",
            reason="Strategic renewal",
            by=admin_a.user,
            expires_at=NOW + dt.timedelta(days=10),
        )
        panel = selectors.account_rating_panel(
            account=Account.objects.get(pk=account.pk), membership=admin_a.membership
        )
        assert (panel.effective, panel.computed) == ("A", "C")
    assert _rating(admin_a, account) == "A"
    with admin_a.scope():
        services.ratings_recompute()  # a recompute keeps the override in force
    assert _rating(admin_a, account) == "A"

    with time_machine.travel(NOW + dt.timedelta(days=10, seconds=1), tick=False):
        with admin_a.scope():
            # before a job runs, the reads that look at the override (the panel, the badges' mark) ignore
            # the ended one, but the stored Account.rating — which lists filter and sort on — still says A
            panel = selectors.account_rating_panel(
                account=Account.objects.get(pk=account.pk), membership=admin_a.membership
            )
            assert (panel.effective, panel.override) == ("C", None)
            assert selectors.overrides_in_force_map() == {}
            assert Account.objects.get(pk=account.pk).rating == "A"
            result = services.ratings_recompute()  # a recompute (or the hourly sweep) clears it and puts C back
            assert result.overrides_expired == 1
            override = RatingOverride.objects.get()
            assert override.cleared_reason == "expired" and override.cleared_at is not None
    assert _rating(admin_a, account) == "C"


def test_ended_overrides_are_cleared_between_nightly_runs(admin_a, admin_b):
    from ratings.tasks import expire_overrides_all_tenants_task

    mine = AccountFactory(tenant=admin_a.tenant)
    theirs = AccountFactory(tenant=admin_b.tenant)
    with time_machine.travel(NOW, tick=False):
        for member, account in ((admin_a, mine), (admin_b, theirs)):
            with member.scope():
                services.ratings_recompute()  # computed: D
                services.override_set(
                    account=account,
                    rating="A",
                    reason="for now",
                    by=member.user,
                    expires_at=NOW + dt.timedelta(hours=2),
                )
        assert _rating(admin_a, mine) == "A"
    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        assert expire_overrides_all_tenants_task.delay().get() == 2
    assert (_rating(admin_a, mine), _rating(admin_b, theirs)) == ("D", "D")
    with admin_a.scope():
        assert RatingOverride.objects.get().cleared_reason == "expired"


def test_override_validation_and_replacement(admin_a):
    account = AccountFactory(tenant=admin_a.tenant)
    with admin_a.scope():
        with pytest.raises(ValidationError) as caught:
            services.override_set(
                account=account,
                rating="E",
                reason=" ",
                by=admin_a.user,
                expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            )
        assert caught.value.message_dict == {
            "rating": ["Choose A, B, C or D (got 'E')."],
            "reason": ["Say why this account's rating should differ from the computed one."],
            "expires_at": ["The expiry must be in the future."],
        }
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
        services.override_set(account=account, rating="B", reason="one", by=admin_a.user, expires_at=soon)
        services.override_set(account=account, rating="D", reason="two", by=admin_a.user, expires_at=soon)
        assert list(RatingOverride.objects.order_by("pk").values_list("rating", "cleared_reason")) == [
            ("B", "replaced"),
            ("D", ""),
        ]
        assert Account.objects.get(pk=account.pk).rating == "D"
        assert services.override_clear(account=account, by=admin_a.user) == 1
        assert Account.objects.get(pk=account.pk).rating == ""  # never computed
        with pytest.raises(ValidationError, match="no manual rating to remove"):
            services.override_clear(account=account, by=admin_a.user)


@time_machine.travel(NOW, tick=False)
def test_contact_due_uses_the_cadence_of_the_effective_rating(manager_a):
    tenant = manager_a.tenant
    mine = dict(owner=manager_a.user)
    overdue_a = AccountFactory(tenant=tenant, name="A overdue", last_contact_at=NOW - dt.timedelta(days=15), **mine)
    fine_a = AccountFactory(tenant=tenant, name="A fine", last_contact_at=NOW - dt.timedelta(days=1), **mine)
    soon_d = AccountFactory(tenant=tenant, name="D soon", last_contact_at=NOW - dt.timedelta(days=170))
    TeamMemberFactory(account=soon_d, user=manager_a.user)
    never = AccountFactory(tenant=tenant, name="C never", **mine)
    not_mine = AccountFactory(tenant=tenant, name="B not mine", last_contact_at=NOW - dt.timedelta(days=31))
    for account, value in ((overdue_a, 90), (fine_a, 90), (soon_d, 0), (never, 35), (not_mine, 60)):
        OpportunityFactory(account=account, value=Decimal(value))
    with manager_a.scope():
        policy = activate_policy(manager_a, **pipeline_only())  # cadence A 14, B 30, C 90, D 180
        services.ratings_recompute()
        names = lambda qs: [a.name for a in qs]  # noqa: E731
        assert names(selectors.contact_due(policy=policy, user=manager_a.user)) == [
            "C never",
            "A overdue",
            "D soon",
            "A fine",
        ]  # A fine: due in 13 days, within the default 14
        assert names(selectors.contact_due(policy=policy, user=manager_a.user, within_days=12)) == [
            "C never",
            "A overdue",
            "D soon",
        ]
        assert names(selectors.contact_due(policy=policy, user=manager_a.user, state="overdue")) == [
            "C never",
            "A overdue",
        ]
        assert names(selectors.contact_due(policy=policy, state="overdue")) == ["C never", "A overdue", "B not mine"]
        assert names(selectors.contact_due(policy=policy, state="due", within_days=12)) == ["D soon"]
        due = {a.name: a for a in selectors.contact_due(policy=policy)}
        assert due["A overdue"].next_due == NOW - dt.timedelta(days=1)
        assert due["D soon"].cadence_days == 180
        counts = selectors.contact_due_counts(policy=policy, user=manager_a.user, within_days=12, now=NOW)
        assert counts == {"overdue": 2, "due": 1}
        # a manual D rating gives the fine A account D's cadence: no longer due at all
        services.override_set(
            account=overdue_a, rating="D", reason="parked", by=manager_a.user, expires_at=NOW + dt.timedelta(days=30)
        )
        assert "A overdue" not in names(selectors.contact_due(policy=policy))
        # logging a call resets the clock
        Account.objects.filter(pk=never.pk).update(last_contact_at=NOW)
        assert "C never" not in names(selectors.contact_due(policy=policy))


RISING = (10, 12, 14, 16)


def _declass_account(
    tenant,
    *,
    name,
    discounts=RISING,
    calls=8,
    level=2,
    assessed=None,
    old_model=False,
    classification="strategic",
    visits=0,
    actions=0,
    seats=0,
):
    account = AccountFactory(
        tenant=tenant, name=name, current_level=level, classification=classification, potential_level=4
    )
    for quarter, discount in enumerate(discounts):
        start = dt.date(2026, 1 + 3 * quarter, 1)
        FinancialPeriodFactory(
            account=account,
            period_start=start,
            period_end=start + dt.timedelta(days=80),
            revenue=Decimal(50000),
            discount_pct=Decimal(discount),
        )
    for i in range(calls):
        CallReportFactory(account=account, occurred_at=NOW - dt.timedelta(days=20 * i + 1))
    for i in range(visits):
        start = NOW - dt.timedelta(days=30 * i + 5)
        Visit.objects.create(
            tenant=tenant,
            account=account,
            purpose="Review",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            timezone="UTC",
        )
    if actions:
        plan = AccountPlan.objects.create(tenant=tenant, account=account, title=f"{name} plan", objectives="Grow")
        for i in range(actions):
            PlanAction.objects.create(tenant=tenant, plan=plan, title=f"Action {i}", due_date=NOW.date())
    for _ in range(seats):
        TeamMemberFactory(account=account)
    if assessed is not None:
        relationship = RelationshipFactory(contact=ContactFactory(account=account, tenant=tenant))
        kind = "needs" if old_model else "buy_sell"
        model = HierarchyModel.objects.filter(kind=kind).first() or HierarchyModel.objects.create(
            tenant=tenant, kind=kind, name=kind, is_active=not old_model
        )
        Assessment.objects.create(
            tenant=tenant,
            relationship=relationship,
            account=account,
            hierarchy_model=model,
            level=assessed,
            evidence="Seen",
            assessed_at=NOW - dt.timedelta(days=100),
        )
    with_level = Account.objects.filter(pk=account.pk)
    with_level.update(current_level=level)
    return account


def _least_squares_rise(points: list[tuple[dt.date, float]], since: dt.date, days: int) -> Decimal:
    """The trend line's rise over `days`, computed here the textbook way to check the SQL."""
    xs = [(d - since).days for d, _ in points]
    ys = [y for _, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    return Decimal(str(slope * days)).quantize(Decimal("0.01"))


@time_machine.travel(NOW, tick=False)
def test_declassification_flags_strategic_accounts_with_rising_discounts_and_investment(admin_a):
    """The rule as the method states it: only strategic accounts; a discount that keeps rising (a high
    but steady discount is not asking for more); investment counted as calls + visits + plan actions +
    team seats; the level relative to the active model (3 below the top of 5: at most 2)."""
    tenant = admin_a.tenant
    with admin_a.scope():
        flagged = _declass_account(tenant, name="Flagged")
        _declass_account(tenant, name="Steady high discount", discounts=(25, 25, 25, 25))
        _declass_account(tenant, name="Falling discount", discounts=(16, 14, 12, 10))
        _declass_account(tenant, name="Tactical squeezer", classification="tactical", discounts=(10, 14, 18, 22))
        _declass_account(tenant, name="Unqualified squeezer", classification="unqualified", discounts=(10, 14, 18, 22))
        _declass_account(tenant, name="Few calls only", calls=3)
        _declass_account(tenant, name="Mixed investment", calls=2, visits=2, actions=2, seats=2)
        _declass_account(tenant, name="Climbed", assessed=3)
        _declass_account(tenant, name="Level 3", level=3)
        kept = _declass_account(tenant, name="Kept", discounts=(10, 14, 18, 22))
        # A 3 under the model no longer active means something else: it does not count.
        other = _declass_account(tenant, name="Old model", discounts=(10, 13, 16, 19), assessed=3, old_model=True)
        policy = services.policy_defaults_ensure()  # 3 below the top, 12 months, rise ≥ 2 points, investment ≥ 8
        candidates = selectors.declassification_candidates(policy=policy)
        # biggest rise first, then by name
        assert [c.name for c in candidates] == ["Kept", "Old model", "Flagged", "Mixed investment"]
        by_name = {c.name: c for c in candidates}
        since = (NOW - dt.timedelta(days=365)).date()
        periods = [(dt.date(2026, 1 + 3 * q, 1) + dt.timedelta(days=80), y) for q, y in enumerate(RISING)]
        assert by_name["Flagged"].discount_rise == _least_squares_rise(periods, since, 365)
        assert by_name["Flagged"].avg_discount == Decimal("13.00") and by_name["Flagged"].periods == 4
        mixed = by_name["Mixed investment"]
        assert (mixed.calls, mixed.visits, mixed.actions, mixed.seats, mixed.investment) == (2, 2, 2, 2, 8)
        assert all(c.classification == "strategic" for c in candidates)

        assert selectors.declassification_evidence(account=other).figures.matches_level
        services.declassification_decide(account=other, decision=ReviewDecision.KEEP, by=admin_a.user, reason="Later")
        evidence = selectors.declassification_evidence(account=flagged)
        figures = evidence.figures
        assert (
            figures.matches_strategic,
            figures.matches_level,
            figures.matches_discount,
            figures.matches_investment,
        ) == (True, True, True, True)
        assert (evidence.top_level, evidence.level_max, figures.calls, len(evidence.level_history)) == (5, 2, 8, 12)
        assert figures.potential_level == 4
        tactical = selectors.declassification_evidence(account=Account.objects.get(name="Tactical squeezer"))
        assert not tactical.figures.matches_strategic and tactical.figures.matches_discount
        steady = selectors.declassification_evidence(account=Account.objects.get(name="Steady high discount"))
        assert not steady.figures.matches_discount and steady.figures.discount_rise == Decimal("0.00")

        with pytest.raises(ValidationError) as caught:
            services.declassification_decide(account=kept, decision="keep", reason="", by=admin_a.user)
        assert caught.value.message_dict == {
            "reason": ["Give the reason for the decision; it stays on the account's record."]
        }
        services.declassification_decide(
            account=kept, decision=ReviewDecision.KEEP, by=admin_a.user, reason="Reference customer for the new segment"
        )
        assert [c.name for c in selectors.declassification_candidates(policy=policy)] == ["Flagged", "Mixed investment"]
    with time_machine.travel(NOW + dt.timedelta(days=200), tick=False), admin_a.scope():
        # the keep decision lapses after its review date (6 months by default)
        assert "Kept" in [c.name for c in selectors.declassification_candidates(policy=policy)]


@time_machine.travel(NOW, tick=False)
def test_declassify_records_the_change_to_tactical_and_moves_to_a_cheaper_coverage(admin_a):
    tenant = admin_a.tenant
    with admin_a.scope():
        flagged = _declass_account(tenant, name="Flagged")
        policy = services.policy_defaults_ensure()
        with pytest.raises(ValidationError) as caught:  # the coverage is part of the decision
            services.declassification_decide(
                account=flagged,
                decision=ReviewDecision.DECLASSIFY,
                by=admin_a.user,
                reason="Discounts without progress",
                coverage="field_team",
            )
        assert list(caught.value.message_dict) == ["coverage"]
        assert Account.objects.get(pk=flagged.pk).status != "declassified"
        assert not DeclassificationReview.objects.exists()
        review = services.declassification_decide(
            account=flagged,
            decision=ReviewDecision.DECLASSIFY,
            by=admin_a.user,
            reason="Discounts without progress",
            coverage="inside_sales",
        )
        assert review.evidence["matches"] == {"strategic": True, "level": True, "discount": True, "investment": True}
        assert review.evidence["investment"]["calls"] == 8 and review.evidence["potential_level"] == 4
        account = Account.objects.get(pk=flagged.pk)
        assert (account.status, account.classification, account.coverage) == (
            "declassified",
            "tactical",
            "inside_sales",
        )
        change = ClassificationChange.objects.get(account=account)
        assert (change.from_classification, change.to_classification, change.changed_by) == (
            "strategic",
            "tactical",
            admin_a.user,
        )
        assert change.reason == "Declassified: Discounts without progress"
        assert selectors.declassification_candidates(policy=policy) == []
        with pytest.raises(ValidationError, match="already declassified"):
            services.declassification_decide(
                account=account, decision="declassify", reason="again", by=admin_a.user, coverage="inside_sales"
            )
        # not ignored: the inside-sales cadence (60 days) puts it on the due list, declassified as it is
        Account.objects.filter(pk=account.pk).update(last_contact_at=NOW - dt.timedelta(days=61))
        due = {a.name: a for a in selectors.contact_due(policy=policy)}
        assert due["Flagged"].cadence_days == 60 and due["Flagged"].next_due == NOW - dt.timedelta(days=1)
        Account.objects.filter(pk=account.pk).update(last_contact_at=NOW - dt.timedelta(days=30))
        assert "Flagged" not in {a.name for a in selectors.contact_due(policy=policy, within_days=14)}


def test_only_the_review_declassifies_an_account(manager_a):
    from accounts import services as account_services

    with manager_a.scope():
        account = AccountFactory(tenant=manager_a.tenant, name="Editable", classification="tactical")
        with pytest.raises(ValidationError) as caught:
            account_services.account_update(account=account, by=manager_a.user, status="declassified")
        assert "declassification review" in caught.value.message_dict["status"][0]
        with pytest.raises(ValidationError) as caught:
            account_services.account_create(by=manager_a.user, name="New", status="declassified")
        assert "declassification review" in caught.value.message_dict["status"][0]
        with pytest.raises(ValidationError) as caught:  # tactical accounts are not declassified
            account_services.account_declassify(account=account, reason="x", coverage="inside_sales", by=manager_a.user)
        assert caught.value.message_dict["decision"] == [
            "Editable is tactical, not strategic: only strategic accounts are declassified."
        ]
        assert Account.objects.get(pk=account.pk).status == "prospect"
