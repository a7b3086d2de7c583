"""Manual overrides (with expiry), contact cadence, and the declassification rule."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import Account
from hierarchy.models import Assessment, HierarchyModel
from ratings import selectors, services
from ratings.models import RatingOverride, ReviewDecision
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
        services.override_set(account=account, rating="A", reason="Strategic renewal", by=admin_a.user,
                              expires_at=NOW + dt.timedelta(days=10))
        panel = selectors.account_rating_panel(account=Account.objects.get(pk=account.pk), membership=admin_a.membership)
        assert (panel.effective, panel.computed) == ("A", "C")
    assert _rating(admin_a, account) == "A"
    with admin_a.scope():
        services.ratings_recompute()  # a recompute keeps the override in force
    assert _rating(admin_a, account) == "A"

    with time_machine.travel(NOW + dt.timedelta(days=10, seconds=1), tick=False):
        with admin_a.scope():
            # before a job runs, the reads that look at the override (the panel, the badges' mark) ignore
            # the ended one, but the stored Account.rating — which lists filter and sort on — still says A
            panel = selectors.account_rating_panel(account=Account.objects.get(pk=account.pk),
                                                   membership=admin_a.membership)
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
                services.override_set(account=account, rating="A", reason="for now", by=member.user,
                                      expires_at=NOW + dt.timedelta(hours=2))
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
            services.override_set(account=account, rating="E", reason=" ", by=admin_a.user,
                                  expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        assert caught.value.message_dict == {
            "rating": ["Choose A, B, C or D (got 'E')."],
            "reason": ["Say why this account's rating should differ from the computed one."],
            "expires_at": ["The expiry must be in the future."]}
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
        services.override_set(account=account, rating="B", reason="one", by=admin_a.user, expires_at=soon)
        services.override_set(account=account, rating="D", reason="two", by=admin_a.user, expires_at=soon)
        assert list(RatingOverride.objects.order_by("pk").values_list("rating", "cleared_reason")) == [
            ("B", "replaced"), ("D", "")]
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
            "C never", "A overdue", "D soon", "A fine"]  # A fine: due in 13 days, within the default 14
        assert names(selectors.contact_due(policy=policy, user=manager_a.user, within_days=12)) == [
            "C never", "A overdue", "D soon"]
        assert names(selectors.contact_due(policy=policy, user=manager_a.user, state="overdue")) == ["C never", "A overdue"]
        assert names(selectors.contact_due(policy=policy, state="overdue")) == ["C never", "A overdue", "B not mine"]
        assert names(selectors.contact_due(policy=policy, state="due", within_days=12)) == ["D soon"]
        due = {a.name: a for a in selectors.contact_due(policy=policy)}
        assert due["A overdue"].next_due == NOW - dt.timedelta(days=1)
        assert due["D soon"].cadence_days == 180
        counts = selectors.contact_due_counts(policy=policy, user=manager_a.user, within_days=12, now=NOW)
        assert counts == {"overdue": 2, "due": 1}
        # a manual D rating gives the fine A account D's cadence: no longer due at all
        services.override_set(account=overdue_a, rating="D", reason="parked", by=manager_a.user,
                              expires_at=NOW + dt.timedelta(days=30))
        assert "A overdue" not in names(selectors.contact_due(policy=policy))
        # logging a call resets the clock
        Account.objects.filter(pk=never.pk).update(last_contact_at=NOW)
        assert "C never" not in names(selectors.contact_due(policy=policy))


def _declass_account(tenant, *, name, discount, calls, level=2, assessed=None, old_model=False):
    account = AccountFactory(tenant=tenant, name=name, current_level=level)
    for quarter in range(4):
        start = dt.date(2026, 1 + 3 * quarter, 1)
        FinancialPeriodFactory(account=account, period_start=start, period_end=start + dt.timedelta(days=80),
                               revenue=Decimal(50000), discount_pct=Decimal(discount))
    for i in range(calls):
        CallReportFactory(account=account, occurred_at=NOW - dt.timedelta(days=20 * i + 1))
    if assessed is not None:
        relationship = RelationshipFactory(contact=ContactFactory(account=account, tenant=tenant))
        kind = "needs" if old_model else "buy_sell"
        model = HierarchyModel.objects.filter(kind=kind).first() or HierarchyModel.objects.create(
            tenant=tenant, kind=kind, name=kind, is_active=not old_model)
        Assessment.objects.create(tenant=tenant, relationship=relationship, account=account, hierarchy_model=model,
                                  level=assessed, evidence="Seen", assessed_at=NOW - dt.timedelta(days=100))
    with_level = Account.objects.filter(pk=account.pk)
    with_level.update(current_level=level)
    return account


@time_machine.travel(NOW, tick=False)
def test_declassification_rule_and_decisions(admin_a):
    tenant = admin_a.tenant
    with admin_a.scope():
        flagged = _declass_account(tenant, name="Flagged", discount=20, calls=7)
        _declass_account(tenant, name="Small discount", discount=10, calls=7)
        _declass_account(tenant, name="No effort", discount=20, calls=3)
        _declass_account(tenant, name="Climbed", discount=20, calls=7, assessed=3)
        _declass_account(tenant, name="Level 3", discount=20, calls=7, level=3)
        kept = _declass_account(tenant, name="Kept", discount=25, calls=8)
        # A 3 under the model no longer active means something else: it does not count.
        other = _declass_account(tenant, name="Old model", discount=22, calls=7, assessed=3, old_model=True)
        policy = services.policy_defaults_ensure()  # level ≤ 2, 12 months, discount ≥ 15 %, ≥ 6 calls
        names = [c.name for c in selectors.declassification_candidates(policy=policy)]
        assert names == ["Kept", "Old model", "Flagged"]  # highest discount first
        assert selectors.declassification_evidence(account=other).matches_level
        services.declassification_decide(account=other, decision=ReviewDecision.KEEP, by=admin_a.user, reason="Later")
        candidate = selectors.declassification_candidates(policy=policy)[1]
        assert (candidate.avg_discount, candidate.calls, candidate.periods) == (Decimal("20.00"), 7, 4)
        evidence = selectors.declassification_evidence(account=flagged)
        assert (evidence.matches_level, evidence.matches_discount, evidence.matches_effort) == (True, True, True)
        assert evidence.call_count == 7 and len(evidence.level_history) == 12

        with pytest.raises(ValidationError) as caught:
            services.declassification_decide(account=kept, decision="keep", reason="", by=admin_a.user)
        assert caught.value.message_dict == {"reason": ["Give the reason for the decision; it stays on the "
                                                        "account's record."]}
        services.declassification_decide(account=kept, decision=ReviewDecision.KEEP, by=admin_a.user,
                                         reason="Reference customer for the new segment")
        review = services.declassification_decide(account=flagged, decision=ReviewDecision.DECLASSIFY,
                                                  by=admin_a.user, reason="Discounts without progress")
        assert review.evidence["matches"] == {"level": True, "discount": True, "effort": True}
        assert Account.objects.get(pk=flagged.pk).status == "declassified"
        assert selectors.declassification_candidates(policy=policy) == []
        with pytest.raises(ValidationError, match="already declassified"):
            services.declassification_decide(account=Account.objects.get(pk=flagged.pk), decision="declassify",
                                             reason="again", by=admin_a.user)
    with time_machine.travel(NOW + dt.timedelta(days=200), tick=False), admin_a.scope():
        # the keep decision lapses after its review date (6 months by default); the data has aged too
        assert [c.name for c in selectors.declassification_candidates(policy=policy)] == ["Kept", "Old model"]
