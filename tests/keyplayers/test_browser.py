"""The issue's "done when" story, in a real browser: a manager places the customer's executive at
"evaluate risk", sees "value communication" recommended, and sees the account flagged because that
executive has no relationship above level 2."""

import pytest

from keyplayers.models import KeyPlayer
from tenancy.models import Role
from tests.conftest import browser_login
from tests.keyplayers.factories import AccountFactory, ContactFactory, assess, make_relationship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_places_the_executive_at_evaluate_risk(page, tenant_a, make_member):
    manager = make_member(tenant_a, Role.MANAGER, full_name="Morgan Manager")
    account = AccountFactory(tenant=tenant_a, name="Globex Corporation")
    ceo = ContactFactory(account=account, tenant=tenant_a, full_name="Hank Scorpio", title="Chief Executive Officer")
    # Our best relationship with the CEO is at level 2 (the executive minimum is 3).
    assess(make_relationship(user=manager.user, contact=ceo), 2, by=manager.user)

    browser_login(page, manager.user.email)
    page.goto(manager.url(""))
    page.click(".mainnav >> text=Key players")
    page.click("text=Boards by account")
    page.click("text=Globex Corporation")
    assert page.locator("h1").inner_text() == "Buying team of Globex Corporation"

    # A new user adds the CEO to the buying team as the executive, at planning.
    page.select_option("#id_contact", label="Hank Scorpio — Chief Executive Officer")
    page.select_option("#id_buying_role", "executive")
    page.select_option("#id_influence", "high")
    page.click("text=Add to the buying team")
    card = page.locator(".kp-card", has_text="Hank Scorpio")
    assert "Strategic dialogue" in card.inner_text()
    assert page.locator("#col-planning").locator("..").locator(".kp-card", has_text="Hank Scorpio").count() == 1

    # Then moves him to "evaluate risk" inline: htmx swaps the board, no page load.
    page.evaluate("window.__same_page = true")
    card.locator("select[name=buying_stage]").select_option("evaluate_risk")
    page.locator("#board .msg-success", has_text="is now at “Evaluate risk”").wait_for()
    assert page.evaluate("window.__same_page") is True
    risk_column = page.locator("#col-evaluate_risk").locator("..")
    moved = risk_column.locator(".kp-card", has_text="Hank Scorpio")
    assert moved.count() == 1
    assert "Value communication" in moved.locator(".kp-next").inner_text()

    # The account is flagged: the executive has no relationship above level 2.
    flags = page.locator(".kp-flags")
    assert "Coverage gaps" in flags.inner_text()
    assert (
        "Hank Scorpio (executive): our best relationship is at level 2, below the minimum of level 3"
        in flags.inner_text()
    )
    assert "Below level 3" in moved.inner_text()
    with manager.scope():
        assert KeyPlayer.objects.get().buying_stage == "evaluate_risk"

    # The tenant-wide coverage list shows the same gap.
    page.click(".mainnav >> text=Coverage")
    assert "Hank Scorpio" in page.locator("table", has_text="Key player").inner_text()
