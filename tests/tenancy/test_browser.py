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
