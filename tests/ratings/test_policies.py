"""Rating policies: validation with specific messages, versions (draft → active → retired), activation
queueing a recompute after commit."""

import pytest
from django.core.exceptions import ValidationError

from ratings import services
from ratings.criteria import criteria_errors, default_criteria
from ratings.models import AccountRating, PolicyStatus, RatingPolicy
from tests.ratings.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _messages(criteria):
    return [message for _, message in criteria_errors(criteria)]


def linear(signal="pipeline", **extra):
    return {"signal": signal, "weight": 10, "scoring": "linear", "zero_at": 0, "full_at": 100, "missing": 0, **extra}


def test_default_criteria_are_valid():
    assert criteria_errors(default_criteria()) == []


@pytest.mark.parametrize(
    "criteria, expected",
    [
        ([], "Use at least one criterion: a policy without criteria cannot score anything."),
        (
            [linear(signal="mood")],
            "Criterion 1: unknown signal 'mood'. Known signals: exec_level, highest_level, "
            "potential_gap, classification, revenue, revenue_growth, pipeline, days_since_contact, "
            "keyplayer_coverage, survey_level.",
        ),
        ([linear(), linear()], "Open pipeline is used twice; each signal can be one criterion only."),
        ([linear(weight=0)], "Open pipeline: weight 0 — leave the signal out instead (weights must be at least 1)."),
        ([linear(weight=-3)], "Open pipeline: weight must be a whole number from 1 to 100 (got -3)."),
        ([linear(weight=2.5)], "Open pipeline: weight must be a whole number from 1 to 100 (got 2.5)."),
        ([linear(weight="heavy")], "Open pipeline: weight must be a whole number from 1 to 100 (got 'heavy')."),
        ([linear(weight=101)], "Open pipeline: weight must be a whole number from 1 to 100 (got 101)."),
        (
            [linear(zero_at=5, full_at=5)],
            "Open pipeline: the range is empty — 0 points and 100 points are both at 5; they must differ.",
        ),
        ([linear(zero_at=None)], "Open pipeline: give the value that scores 0 points."),
        ([linear(full_at="")], "Open pipeline: give the value that scores 100 points."),
        ([linear(full_at="lots")], "Open pipeline: give the value that scores 100 points (got 'lots', not a number)."),
        (
            [linear(missing=120)],
            "Open pipeline: the points for an account without a value must be from 0 to 100 (got 120).",
        ),
        ([linear(scoring="categories")], "Open pipeline: scoring must be linear range or bands (got 'categories')."),
        (
            [{"signal": "pipeline", "weight": 5, "scoring": "bands", "bands": [[0, 10], [50, 40], [50, 60]]}],
            "Open pipeline: bands must start at increasing values; band 3 starts at 50, not above band 2 (50).",
        ),
        (
            [{"signal": "pipeline", "weight": 5, "scoring": "bands", "bands": [[0, 10], [50, 140]]}],
            "Open pipeline: band 2 (from 50) must be from 0 to 100 (got 140).",
        ),
        (
            [{"signal": "pipeline", "weight": 5, "scoring": "bands", "bands": []}],
            "Open pipeline: give at least one band (from value → points).",
        ),
        (
            [{"signal": "classification", "weight": 5, "scoring": "categories", "points": {"strategic": 100}}],
            "Classification: give the points for tactical, unqualified too.",
        ),
        (
            [{"signal": "classification", "weight": 5, "scoring": "linear", "zero_at": 0, "full_at": 1}],
            "Classification: scoring must be points per category (got 'linear').",
        ),
    ],
)
def test_criteria_validation_messages(criteria, expected):
    assert expected in _messages(criteria)


def _draft_errors(member, **fields):
    with member.scope(), pytest.raises(ValidationError) as caught:
        services.policy_draft_save(by=member.user, **fields)
    return caught.value.message_dict


def test_thresholds_must_fall_from_a_to_c(admin_a):
    errors = _draft_errors(admin_a, threshold_a=50, threshold_b=60, threshold_c=60)
    assert errors["threshold_b"] == ["Thresholds must fall from A to C: B (60) must be below A (50)."]
    assert errors["threshold_c"] == ["Thresholds must fall from A to C: C (60) must be below B (60)."]


def test_out_of_range_policy_fields_are_named(admin_a):
    errors = _draft_errors(
        admin_a,
        threshold_a=120,
        cadence_c_days=0,
        declass_levels_below_top=6,
        declass_months=61,
        declass_min_discount_rise=-1,
        declass_min_investment=0,
        cadence_inside_sales_days=0,
    )
    assert errors["threshold_a"] == ["A threshold: the score must be from 0 to 100 (got 120)."]
    assert errors["cadence_c_days"] == ["C: the contact cadence must be from 1 to 730 days (got 0)."]
    assert errors["declass_levels_below_top"] == [
        "Declassification: the levels below the top must be from 1 to 5 (got 6)."
    ]
    assert errors["cadence_inside_sales_days"] == [
        "Inside sales: the contact cadence must be from 1 to 730 days (got 0)."
    ]
    assert errors["declass_months"] == ["Declassification: the window must be from 1 to 60 months (got 61)."]
    assert errors["declass_min_discount_rise"] == [
        "Declassification: the rise in discount must be from 0 to 100 points (got -1)."
    ]
    assert errors["declass_min_investment"] == ["Declassification: the investment must be from 1 to 10000 (got 0)."]


def test_cadence_must_not_get_shorter_from_a_to_d(admin_a):
    errors = _draft_errors(admin_a, cadence_b_days=10)
    assert errors["cadence_b_days"] == [
        "B accounts would be contacted more often (every 10 days) than A accounts (every 14 days); "
        "the cadence must not get shorter from A to D."
    ]


def test_invalid_criteria_are_refused_and_nothing_is_saved(admin_a):
    errors = _draft_errors(admin_a, criteria=[linear(weight=0)])
    assert errors["criteria"] == [
        "Open pipeline: weight 0 — leave the signal out instead (weights must be at least 1)."
    ]
    with admin_a.scope():
        assert not RatingPolicy.objects.filter(status=PolicyStatus.DRAFT).exists()


def test_versions_draft_active_retired(admin_a, django_capture_on_commit_callbacks):
    account = AccountFactory(tenant=admin_a.tenant)
    with admin_a.scope():
        v1 = services.policy_defaults_ensure()
        draft = services.policy_draft_save(by=admin_a.user, criteria=[linear()], note="Only pipeline")
        assert (draft.version, draft.status, v1.status) == (2, "draft", "active")
        with pytest.raises(ValidationError, match="There is already a draft"):
            services.policy_draft_save(by=admin_a.user, note="another")
        draft = services.policy_draft_save(by=admin_a.user, draft=draft, threshold_a=80)
        assert draft.threshold_a == 80 and draft.criteria == [linear()]
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.policy_activate(policy=draft, by=admin_a.user)
        # The recompute, queued after commit (and run eagerly here; it then drops the cached distribution).
        assert [c.__qualname__.split(".")[0] for c in callbacks] == ["enqueue_on_commit", "tenant_figure_changed"]
        v1.refresh_from_db()
        draft.refresh_from_db()
        assert (v1.status, draft.status) == ("retired", "active")
        assert v1.retired_at is not None and draft.activated_by == admin_a.user
        assert v1.criteria == default_criteria()  # old versions stay readable, unchanged
        assert AccountRating.objects.get(account=account).policy == draft
        with pytest.raises(ValidationError, match="only a draft can be changed"):
            services.policy_draft_save(by=admin_a.user, draft=v1, threshold_a=90)
        with pytest.raises(ValidationError, match="only a draft can be activated"):
            services.policy_activate(policy=v1, by=admin_a.user)
        with pytest.raises(ValidationError, match="only a draft can be discarded"):
            services.policy_discard(policy=draft)
        v3 = services.policy_draft_save(by=admin_a.user, note="to throw away")
        assert v3.version == 3 and v3.criteria == [linear()]  # a copy of the active version
        services.policy_discard(policy=v3)
        assert list(RatingPolicy.objects.order_by("version").values_list("version", "status")) == [
            (1, "retired"),
            (2, "active"),
        ]


def test_criteria_are_stored_in_canonical_form(admin_a):
    with admin_a.scope():
        draft = services.policy_draft_save(
            by=admin_a.user,
            criteria=[
                {
                    "signal": "pipeline",
                    "weight": "10",
                    "scoring": "bands",
                    "bands": [["0", "0"], ["50000.50", "40"]],
                    "missing": "0",
                    "extra": "dropped",
                },
                {"signal": "exec_level", "weight": 20, "scoring": "linear", "zero_at": "1", "full_at": "5"},
            ],
        )
    assert draft.criteria == [
        {"signal": "exec_level", "weight": 20, "scoring": "linear", "missing": 0, "zero_at": 1, "full_at": 5},
        {"signal": "pipeline", "weight": 10, "scoring": "bands", "missing": 0, "bands": [[0, 0], [50000.5, 40]]},
    ]


def test_preview_recompute_and_list_leave_declassified_accounts_out_and_mark_manual_ratings(admin_a):
    """The preview counts the accounts the ratings list shows and the recompute rates — not declassified
    ones — and marks the movers that keep a manual rating in force."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import Account
    from ratings import selectors
    from tests.ratings.factories import OpportunityFactory
    from tests.ratings.helpers import activate_policy, pipeline_only

    tenant = admin_a.tenant
    movers = [AccountFactory(tenant=tenant, name=f"Mover {i}") for i in range(3)]
    gone = AccountFactory(tenant=tenant, name="Gone")
    for account in (*movers, gone):
        OpportunityFactory(account=account, value=Decimal(40))  # C under pipeline-only; B under the draft
    with admin_a.scope():
        activate_policy(admin_a, **pipeline_only())
        services.ratings_recompute()
        until = timezone.now() + dt.timedelta(days=30)
        services.override_set(account=movers[1], rating="A", reason="Strategic deal", expires_at=until, by=admin_a.user)
        services.override_set(account=gone, rating="A", reason="Before it went", expires_at=until, by=admin_a.user)
        Account.objects.filter(pk=gone.pk).update(status="declassified")
        AccountRating.objects.filter(account=gone).delete()
        result = services.ratings_recompute()
        assert result.accounts == 3
        assert not AccountRating.objects.filter(account=gone).exists()  # the recompute does not rate it
        assert set(selectors.rated_accounts(membership=admin_a.membership).values_list("pk", flat=True)) == {
            a.pk for a in movers
        }
        draft = services.policy_draft_save(
            by=admin_a.user,
            criteria=[
                {"signal": "pipeline", "weight": 1, "scoring": "linear", "zero_at": 20, "full_at": 60, "missing": 0}
            ],
        )
        preview = selectors.policy_preview(draft=draft, active=services.policy_defaults_ensure())
    assert preview.total == 3
    assert preview.current == {"C": 3} and preview.proposed == {"B": 3}
    assert preview.moves == [("C", "B", 3)] and preview.movers_total == 3
    assert [m.name for m in preview.movers] == ["Mover 0", "Mover 1", "Mover 2"]
    assert [m.override_rating for m in preview.movers] == [None, "A", None]
    assert preview.movers_overridden == 1 and preview.overrides_in_force == 1

    page = admin_a.client.get(admin_a.url(f"ratings/policies/{draft.pk}/preview/")).content.decode()
    assert "3 accounts would change rating" in page and "Gone" not in page
    assert "1 of them has a manual rating in force and keeps it until it ends." in page
    assert page.count("keeps manual") == 1


@pytest.mark.parametrize(
    "item, expected",
    [
        (
            {"signal": "exec_level", "scoring": "linear", "zero_at": 1, "full_at": 5},
            "0 points at level 1, 100 at level 5, linear between",
        ),
        (
            {"signal": "days_since_contact", "scoring": "linear", "zero_at": 180, "full_at": 7},
            "0 points at 180 days, 100 at 7 days, linear between",
        ),
        ({"signal": "survey_level", "scoring": "bands", "bands": [[0, 0], [3, 60]]}, "≥ level 0: 0; ≥ level 3: 60"),
        ({"signal": "pipeline", "scoring": "bands", "bands": [[0, 0], [50000, 40]]}, "≥ 0: 0; ≥ 50,000: 40"),
    ],
)
def test_scoring_is_described_in_words(item, expected):
    from ratings.criteria import describe_scoring

    assert describe_scoring(item) == expected
