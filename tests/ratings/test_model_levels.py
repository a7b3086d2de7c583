"""Rating criteria on levels follow the active hierarchy model (issue 15, item 2): with "top" as the
100-points level, a 6-level model tells level 5 from level 6, where a fixed 5 scored both 100."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Account
from hierarchy import services as hierarchy_services
from hierarchy.models import Assessment, HierarchyModel, ModelKind, Source
from ratings import services
from ratings.criteria import criteria_errors, default_criteria, describe_scoring
from ratings.models import AccountRating
from tests.hierarchy.factories import AccountFactory, ContactFactory, assess, make_relationship
from tests.ratings.helpers import SIMPLE_THRESHOLDS, activate_policy

pytestmark = pytest.mark.django_db

HIGHEST_TO_TOP = {
    "criteria": [
        {"signal": "highest_level", "weight": 1, "scoring": "linear", "zero_at": 1, "full_at": "top", "missing": 0}
    ],
    **SIMPLE_THRESHOLDS,
}


def _scores(member, *accounts):
    with member.scope():
        return [AccountRating.objects.get(account=a).score for a in accounts]


def test_the_shipped_criteria_score_levels_up_to_the_models_top():
    levels = {
        c["signal"]: c for c in default_criteria() if c["signal"] in ("exec_level", "highest_level", "survey_level")
    }
    assert {c["full_at"] for c in levels.values()} == {"top"}
    assert criteria_errors(default_criteria()) == []
    assert describe_scoring(levels["highest_level"]) == (
        "0 points at level 1, 100 at the model's top level, linear between"
    )


def test_top_is_for_level_criteria_only(admin_a):
    revenue = {"signal": "revenue", "weight": 1, "scoring": "linear", "zero_at": 0, "full_at": "top", "missing": 0}
    assert criteria_errors([revenue]) == [
        ("revenue", 'Latest revenue: 100 points at "top" is only for level criteria; give a number.')
    ]
    with admin_a.scope(), pytest.raises(ValidationError):
        services.policy_draft_save(by=admin_a.user, criteria=[revenue])


def test_switching_to_the_needs_model_rates_level_5_and_level_6_apart(admin_a):
    five, six = AccountFactory(tenant=admin_a.tenant, name="Five"), AccountFactory(tenant=admin_a.tenant, name="Six")
    relationships = {a.pk: make_relationship(user=admin_a.user, contact=ContactFactory(account=a)) for a in (five, six)}
    for relationship in relationships.values():
        assess(relationship, 5)  # the Buy-Sell top for both
    with admin_a.scope():
        activate_policy(admin_a, **HIGHEST_TO_TOP)
        services.ratings_recompute()
    assert _scores(admin_a, five, six) == [100, 100]
    with admin_a.scope():
        needs = HierarchyModel.objects.get(kind=ModelKind.NEEDS)
        for account, level in ((five, 5), (six, 6)):  # judged again under the 6-level model
            relationship = relationships[account.pk]
            Assessment.objects.create(
                tenant=admin_a.tenant,
                relationship=relationship,
                account=account,
                hierarchy_model=needs,
                level=level,
                source=Source.SELF,
                evidence="Needs view",
                assessed_by=admin_a.user,
                assessed_at=timezone.now() - dt.timedelta(days=1),
            )
        hierarchy_services.hierarchy_model_activate(model=needs, by=admin_a.user)
        assert list(Account.objects.order_by("name").values_list("current_level", flat=True)) == [5, 6]
        services.ratings_recompute()
    assert _scores(admin_a, five, six) == [80, 100]  # (5 - 1) / (6 - 1) of the way: 80 points


def test_the_policy_editor_keeps_top_and_accepts_a_level(admin_a):
    """Saving the shipped policy untouched keeps "top" on the level criteria; a level can be typed instead."""
    from ratings.models import RatingPolicy
    from tests.ratings.helpers import editor_values
    from tests.ratings.test_views import _policy_post

    with admin_a.scope():
        services.policy_defaults_ensure()
    edit = admin_a.url("ratings/policies/draft/")
    values = editor_values(admin_a.client, edit)
    assert values["exec_level__full_at"] == "top"
    assert admin_a.client.post(edit, _policy_post(values, note="Untouched")).status_code == 302
    with admin_a.scope():
        draft = RatingPolicy.objects.get(status="draft")
        assert {c["signal"]: c["full_at"] for c in draft.criteria if c["signal"].endswith("level")} == {
            "exec_level": "top",
            "highest_level": "top",
            "survey_level": "top",
        }
    saved = admin_a.client.post(edit, _policy_post(values, note="Six", **{"exec_level__full_at": "4"}))
    assert saved.status_code == 302
    bad = admin_a.client.post(edit, _policy_post(values, **{"exec_level__full_at": "summit"})).content.decode()
    assert (
        "Executive-level hierarchy level: give the value that scores 100 points (got &#x27;summit&#x27;, not a number or"
        in bad
    )
    with admin_a.scope():
        draft = RatingPolicy.objects.get(status="draft")
        assert next(c for c in draft.criteria if c["signal"] == "exec_level")["full_at"] == 4
