"""The financials rule, once: tenant admins, executives and the account's team (owner included)."""

import pytest

from accounts.access import can_see_financials, financials_visible_filter
from accounts.models import Account
from tenancy.models import Role
from tests.accounts.factories import AccountFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role, on_team, owner, expected",
    [
        (Role.ADMIN, False, False, True),
        (Role.EXECUTIVE, False, False, True),
        (Role.MANAGER, False, False, False),
        (Role.VIEWER, False, False, False),
        (Role.MANAGER, True, False, True),
        (Role.VIEWER, True, False, True),
        (Role.MANAGER, False, True, True),
    ],
)
def test_who_sees_financials(tenant_a, make_member, role, on_team, owner, expected):
    member = make_member(tenant_a, role)
    account = AccountFactory(tenant=tenant_a, owner=member.user if owner else None)
    AccountFactory(tenant=tenant_a)  # someone else's
    if on_team:
        TeamMemberFactory(account=account, user=member.user)
    with member.scope():
        assert can_see_financials(membership=member.membership, account=account) is expected
        visible = set(
            Account.objects.filter(financials_visible_filter(membership=member.membership)).values_list("pk", flat=True)
        )
        assert (account.pk in visible) is expected
        # The one-account answer and the queryset answer never disagree.
        for other in Account.objects.all():
            assert can_see_financials(membership=member.membership, account=other) == (other.pk in visible)


def test_team_of_another_account_does_not_count(tenant_a, make_member):
    member = make_member(tenant_a, Role.MANAGER)
    mine, theirs = AccountFactory(tenant=tenant_a), AccountFactory(tenant=tenant_a)
    TeamMemberFactory(account=mine, user=member.user)
    with member.scope():
        assert can_see_financials(membership=member.membership, account=theirs) is False
        assert can_see_financials(membership=member.membership, account=theirs, team_user_ids=set()) is False
