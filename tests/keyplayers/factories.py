"""Factories for the keyplayers tests. Accounts, contacts, relationships and assessments come from
tests/hierarchy/factories.py (relationships and assessments through hierarchy's services, so the
denormalised current levels are right)."""

import factory

from keyplayers.models import BuyingRole, BuyingStage, Influence, KeyPlayer, Stance
from tests.hierarchy.factories import AccountFactory, ContactFactory, assess, make_relationship
from tests.tenancy.factories import TenantOwnedFactory

__all__ = ["AccountFactory", "ContactFactory", "KeyPlayerFactory", "assess", "make_relationship"]


class KeyPlayerFactory(TenantOwnedFactory):
    class Meta:
        model = KeyPlayer

    account = factory.SubFactory(AccountFactory)
    tenant = factory.LazyAttribute(lambda o: o.account.tenant)
    contact = factory.SubFactory(ContactFactory, account=factory.SelfAttribute("..account"))
    buying_role = BuyingRole.EXECUTIVE
    buying_stage = BuyingStage.PLANNING
    stance = Stance.NEUTRAL
    influence = Influence.MEDIUM
