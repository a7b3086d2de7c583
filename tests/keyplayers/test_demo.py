import random

import pytest

from keyplayers import demo
from keyplayers.models import BuyingRole, Guidance, KeyPlayer
from tests.keyplayers.factories import AccountFactory, ContactFactory, make_relationship

pytestmark = pytest.mark.django_db


def test_demo_seeds_every_account_with_contacts_and_is_idempotent(manager_a, tenant_a):
    first = AccountFactory(tenant=tenant_a)
    second = AccountFactory(tenant=tenant_a)
    AccountFactory(tenant=tenant_a)  # no contacts: nothing to seed
    unmet = AccountFactory(tenant=tenant_a)
    for title in ("Chief Financial Officer", "IT Manager", "Head of Procurement", "Warehouse clerk"):
        make_relationship(user=manager_a.user, contact=ContactFactory(account=first, tenant=tenant_a, title=title))
    ContactFactory(account=second, tenant=tenant_a, title="CEO")
    for _ in range(4):
        ContactFactory(account=unmet, tenant=tenant_a)
    with manager_a.scope():
        demo.seed(tenant_a, {}, random.Random(1))
        demo.seed(tenant_a, {}, random.Random(2))
        assert Guidance.objects.count() == 20
        roles = dict(KeyPlayer.objects.filter(account=first).values_list("contact__title", "buying_role"))
        assert KeyPlayer.objects.filter(account=second).count() == 1
        # An account where we know nobody yet still gets a small buying team (three people).
        assert KeyPlayer.objects.filter(account=unmet).count() == 3
    assert roles == {
        "Chief Financial Officer": BuyingRole.EXECUTIVE,
        "IT Manager": BuyingRole.MIDDLE_MANAGEMENT,
        "Head of Procurement": BuyingRole.PURCHASING,
        "Warehouse clerk": BuyingRole.OPERATIONAL,
    }


def test_demo_with_no_accounts_only_seeds_guidance(manager_a, tenant_a):
    with manager_a.scope():
        demo.seed(tenant_a, {}, random.Random(1))
        assert Guidance.objects.count() == 20 and not KeyPlayer.objects.exists()


def test_demo_meets_most_key_players_through_the_account_owner(manager_a, tenant_a):
    from hierarchy.models import Relationship

    accounts = [AccountFactory(tenant=tenant_a, owner=manager_a.user) for _ in range(6)]
    for account in accounts:
        for title in ("Chief Executive Officer", "Head of Operations", "Buyer"):
            ContactFactory(account=account, tenant=tenant_a, title=title)
    with manager_a.scope():
        demo.seed(tenant_a, {}, random.Random(5))
        players = KeyPlayer.objects.count()
        met = Relationship.objects.filter(user=manager_a.user, self_level__isnull=False).count()
    assert players == 18 and players * 0.6 <= met < players  # most, not all: some boards keep their gaps
