"""Layout at the widths people use (issue 13, item 6): nothing cut off at 1280 px, a board's selects stay
inside their cards, and on a phone the main navigation folds behind "Menu"."""

import pytest

from keyplayers.models import BuyingStage, Stance
from tenancy.models import Role
from tests.conftest import browser_login
from tests.keyplayers.factories import AccountFactory, ContactFactory, KeyPlayerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Elements whose right edge lies beyond their box's (cut off, or hidden in a scroller the user must find).
OVERFLOWING = """(selector) => Array.from(document.querySelectorAll(selector))
    .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.outerHTML.slice(0, 120))"""


def test_the_contacts_table_is_whole_at_1280_px(page, tenant_a, make_member):
    manager = make_member(tenant_a, Role.MANAGER)
    account = AccountFactory(tenant=tenant_a, name="Contoso Freight")
    boss = ContactFactory(
        account=account,
        full_name="Alexandra Vandenberghe-Montgomery",
        title="Chief Executive Officer",
        department="Executive board",
        email="alexandra.vandenberghe-montgomery@contoso-freight.example",
    )
    for n in range(6):
        ContactFactory(
            account=account,
            full_name=f"Bartholomew Featherstonehaugh {n}",
            reports_to=boss,
            title="Head of Global Supply Chain Operations",
            department="Operations",
            email=f"bartholomew.featherstonehaugh.{n}@contoso-freight.example",
        )
    browser_login(page, manager.user.email)
    page.goto(f"/t/{tenant_a.slug}/accounts/{account.pk}/contacts/")
    assert page.evaluate(OVERFLOWING, ".table-wrap, main, body") == []
    edit = page.get_by_role("link", name="Edit").last
    card = page.locator("section.card").filter(has=page.get_by_role("heading", name="People"))
    assert (
        edit.bounding_box()["x"] + edit.bounding_box()["width"]
        <= card.bounding_box()["x"] + card.bounding_box()["width"]
    )


def test_the_board_selects_stay_inside_their_cards_at_1280_px(page, tenant_a, make_member):
    manager = make_member(tenant_a, Role.MANAGER)
    account = AccountFactory(tenant=tenant_a, name="Contoso Freight")
    for stage in (BuyingStage.PLANNING, BuyingStage.EVALUATE_ALTERNATIVES, BuyingStage.DECISION):
        KeyPlayerFactory(account=account, buying_stage=stage, stance=Stance.SUPPORTER)
    browser_login(page, manager.user.email)
    page.goto(f"/t/{tenant_a.slug}/key-players/accounts/{account.pk}/")
    cards = page.locator(".kp-card")
    assert cards.count() == 3
    for i in range(3):
        card = cards.nth(i).bounding_box()
        for select in cards.nth(i).locator("select").all():
            box = select.bounding_box()
            assert box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"] + 0.5, cards.nth(
                i
            ).inner_text()[:60]


def test_on_a_phone_the_navigation_folds_behind_menu(page, tenant_a, make_member):
    manager = make_member(tenant_a, Role.MANAGER, full_name="Morgan Manager")
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, manager.user.email)
    page.goto(f"/t/{tenant_a.slug}/")
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] <= 70, header  # it took about 200 of 844 px unfolded
    accounts_link = page.locator(".mainnav a", has_text="Accounts")
    assert not accounts_link.is_visible()
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    accounts_link.click()
    page.wait_for_url(f"**/t/{tenant_a.slug}/accounts/")
    # At a desktop width the navigation is always there, and no "Menu" button.
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator(".mainnav a", has_text="Accounts").is_visible()
    assert not page.get_by_role("button", name="Menu").is_visible()
