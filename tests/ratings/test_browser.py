"""The issue's "done when", as a new admin would do it in the browser: change a weight, preview that
7 accounts move from C to B, activate; the ratings list, the accounts list and each account's "why"
panel show the new ratings. Celery runs eagerly here: the recompute runs as the activation commits."""

from decimal import Decimal

import pytest

from ratings import services
from tenancy.models import Role
from tests.conftest import browser_login
from tests.ratings.factories import AccountFactory, OpportunityFactory
from tests.ratings.helpers import activate_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRITERIA = [
    {
        "signal": "classification",
        "weight": 1,
        "scoring": "categories",
        "points": {"strategic": 100, "tactical": 50, "unqualified": 0},
        "missing": 0,
    },
    {"signal": "pipeline", "weight": 1, "scoring": "linear", "zero_at": 0, "full_at": 100, "missing": 0},
]


def _accounts(tenant):
    """Under classification 1 : pipeline 1 (A ≥ 70, B ≥ 55, C ≥ 30): seven strategic accounts without
    pipeline score 50 (C); doubling the classification weight gives them 66.67 (B). Nobody else moves."""
    movers = [AccountFactory(tenant=tenant, name=f"Mover {i}", classification="strategic") for i in range(7)]
    for name, classification, pipeline in (
        ("Steady A", "strategic", 100),
        ("Steady C1", "tactical", 50),
        ("Steady C2", "unqualified", 100),
        ("Steady D", "unqualified", 10),
    ):
        OpportunityFactory(
            account=AccountFactory(tenant=tenant, name=name, classification=classification), value=Decimal(pipeline)
        )
    return movers


def test_admin_changes_a_weight_previews_7_moves_from_c_to_b_and_activates(page, make_member, tenant_a):
    admin = make_member(tenant_a, Role.ADMIN)
    movers = _accounts(tenant_a)
    with admin.scope():
        current = activate_policy(admin, criteria=CRITERIA, threshold_a=70, threshold_b=55, threshold_c=30)
        services.ratings_recompute()
    new = current.version + 1

    browser_login(page, admin.user.email)
    page.click(".mainnav >> text=Ratings")
    assert page.locator(".rt-dist-C .rt-dist-count").inner_text() == "9"
    assert page.locator(".rt-dist-B .rt-dist-count").inner_text() == "0"

    page.click("text=Edit the policy")
    weight = page.locator("input[name=classification__weight]")
    assert weight.input_value() == "1"
    weight.fill("2")
    page.fill("input[name=note]", "Classification counts double")
    page.click("text=Save draft and preview")

    assert page.locator("h2.rt-summary").inner_text() == "7 accounts would change rating"
    assert page.locator(".rt-moves li").all_inner_texts() == ["7 from C to B"]
    assert sorted(page.locator(".rt-movers tbody td:first-child").all_inner_texts()) == [f"Mover {i}" for i in range(7)]
    assert "Classification: weight" in page.locator(".rt-changes").inner_text()
    page.screenshot(path="/tmp/ratings-preview.png", full_page=True)

    page.click(f"text=Activate v{new}")
    assert f"Version {new} is active" in page.locator(".messages").inner_text()
    assert page.locator(".rt-dist-B .rt-dist-count").inner_text() == "7"
    assert page.locator(".rt-dist-C .rt-dist-count").inner_text() == "2"

    page.click(".rt-dist-B")  # htmx filter: only the B accounts
    page.wait_for_selector("#rt-results >> text=7 accounts rated B")
    assert sorted(page.locator(".rt-table tbody td:first-child").all_inner_texts()) == [f"Mover {i}" for i in range(7)]

    page.goto(f"/t/{tenant_a.slug}/accounts/?rating=B")  # the accounts list filters on the stored rating
    assert sorted(page.locator("table tbody td:first-child a").all_inner_texts()) == [f"Mover {i}" for i in range(7)]

    for mover in movers[:3]:
        page.goto(f"/t/{tenant_a.slug}/ratings/accounts/{mover.pk}/")
        why = page.locator(".rt-why")
        assert f"Why B? Score 66.67 of 100 under policy version {new}." in why.locator("caption").inner_text()
        rows = why.locator("tbody tr").all_inner_texts()
        assert rows[0].split("\t")[:5] == [
            "Classification\nstrategic 100, tactical 50, unqualified 0",
            "Strategic",
            "100",
            "2 (66.7 %)",
            "66.67",
        ]
    page.screenshot(path="/tmp/ratings-why.png", full_page=True)


def test_the_editor_shows_only_the_chosen_scorings_inputs(page, make_member, tenant_a):
    admin = make_member(tenant_a, Role.ADMIN)
    with admin.scope():
        activate_policy(admin, criteria=CRITERIA, threshold_a=70, threshold_b=55, threshold_c=30)
    browser_login(page, admin.user.email)
    page.goto(f"/t/{tenant_a.slug}/ratings/policies/draft/")
    row = page.locator("#row-pipeline")
    assert row.locator("input[name=pipeline__zero_at]").is_visible()
    assert not row.locator("input[name=pipeline__bands]").is_visible()
    row.locator("select[name=pipeline__scoring]").select_option("bands")
    assert row.locator("input[name=pipeline__bands]").is_visible()
    assert not row.locator("input[name=pipeline__zero_at]").is_visible()
    row.locator("input[name=pipeline__bands]").fill("0: 0, 50: 60, 90: 100")
    page.click("text=Save draft and preview")
    assert "≥ 50 EUR: 60" in page.locator(".rt-changes").inner_text()  # the hidden linear inputs did no harm


def test_admin_sets_the_rating_by_hand_without_touching_the_end_date(page, make_member, tenant_a):
    """The "Ends on" field arrives filled in (90 days on) in ISO format, so Chromium keeps it and the form
    submits; rendered as 03/03/2027 the browser dropped it and refused the required field."""
    from ratings.models import RatingOverride
    from tests.conftest import PageProblems

    admin = make_member(tenant_a, Role.ADMIN)
    account = AccountFactory(tenant=tenant_a, name="Handset Ltd", classification="strategic")
    with admin.scope():
        activate_policy(admin, criteria=CRITERIA, threshold_a=70, threshold_b=55, threshold_c=30)
        services.ratings_recompute()
    problems = PageProblems(page)
    browser_login(page, admin.user.email)
    page.goto(f"/t/{tenant_a.slug}/ratings/accounts/{account.pk}/")
    page.click("text=Set the rating by hand")
    assert page.locator("input[name=ends_on]").input_value() != ""
    page.select_option("select[name=rating]", "A")
    page.fill("textarea[name=reason]", "The board asked us to treat them as a flagship.")
    page.click("button:has-text('Save manual rating')")
    page.locator("text=Remove the manual rating").wait_for()
    with admin.scope():
        assert RatingOverride.objects.get(account=account, cleared_at__isnull=True).rating == "A"
    assert problems.take() == []


def test_ratings_filters_load_without_htmx_errors_and_filter_on_change(page, make_member, tenant_a):
    """The ratings list, the due list and the accounts list filter as soon as a select changes, and their
    trigger parses: "change from:#rt-filters select" raised htmx:syntax:error on every load."""
    from tests.conftest import PageProblems

    admin = make_member(tenant_a, Role.ADMIN)
    _accounts(tenant_a)
    with admin.scope():
        activate_policy(admin, criteria=CRITERIA, threshold_a=70, threshold_b=55, threshold_c=30)
        services.ratings_recompute()
    problems = PageProblems(page)
    browser_login(page, admin.user.email)
    page.goto(f"/t/{tenant_a.slug}/ratings/")
    page.select_option("#rt-rating", "A")
    page.wait_for_url("**rating=A**")
    assert page.locator("#rt-results tbody td:first-child").all_inner_texts() == ["Steady A"]
    page.goto(f"/t/{tenant_a.slug}/ratings/due/")
    page.select_option("#due-rating", "D")
    page.wait_for_url("**rating=D**")
    page.goto(f"/t/{tenant_a.slug}/accounts/")
    page.locator("#account-filters select").first.select_option(index=1)
    page.wait_for_url("**?**")
    assert problems.take() == []
