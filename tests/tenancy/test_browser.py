import pytest

from tenancy.models import Role
from tests.conftest import browser_login
from tests.tenancy.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_pick_a_tenant_and_switch(page, tenant_a, tenant_b, make_member):
    member = make_member(tenant_a, Role.ADMIN)
    MembershipFactory(tenant=tenant_b, user=member.user, role=Role.VIEWER)
    browser_login(page, member.user.email)
    assert page.locator("h1").inner_text() == "Choose where to work"
    page.click(".picker >> text=Tenant A")
    assert page.locator("h1").inner_text() == "Tenant A"
    page.click("summary")
    page.click(".menu >> text=Tenant B")
    assert page.locator("h1").inner_text() == "Tenant B"
    # Members is an admin page: visible in A's navigation, not in B's where this user is a viewer.
    assert page.locator(".mainnav >> text=Members").count() == 0


def test_removing_a_member_asks_with_their_address_as_plain_text(page, tenant_a, make_member):
    from tenancy.models import Membership

    tenant_a.name = "Acme'); window.pwned = 1; ('"
    tenant_a.save()
    admin = make_member(tenant_a, Role.ADMIN)
    crafted = make_member(tenant_a, Role.VIEWER, email="'-(window.pwned=2)-'@example.com")
    browser_login(page, admin.user.email)
    page.goto(admin.url("members/"))
    messages = []

    def answer(dialog):
        messages.append(dialog.message)
        dialog.dismiss() if len(messages) == 1 else dialog.accept()

    page.on("dialog", answer)
    row = page.locator("tr", has_text=crafted.user.email)
    row.locator("button", has_text="Remove").click()
    assert page.evaluate("window.pwned") is None
    with page.expect_navigation():
        row.locator("button", has_text="Remove").click()
    assert messages == [f"Remove {crafted.user.email} from {tenant_a.name}?"] * 2
    assert page.evaluate("window.pwned") is None
    with admin.scope():
        assert not Membership.objects.filter(pk=crafted.membership.pk).exists()
