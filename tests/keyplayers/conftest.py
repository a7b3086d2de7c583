import pytest

from tests.keyplayers.factories import AccountFactory, ContactFactory, KeyPlayerFactory, assess, make_relationship


@pytest.fixture
def account_a(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Globex Corporation")


@pytest.fixture
def make_player(account_a):
    """A key player on account_a (or another account), with a new contact."""

    def make(account=None, *, name=None, title="", **fields):
        account = account or account_a
        contact = ContactFactory(
            account=account, tenant=account.tenant, title=title, **({"full_name": name} if name else {})
        )
        return KeyPlayerFactory(account=account, tenant=account.tenant, contact=contact, **fields)

    return make


@pytest.fixture
def relate():
    """relate(player_or_contact, user, level=None, customer_level=None): a relationship through hierarchy's
    services, assessed at `level` (ours) and/or `customer_level` (their survey answer)."""

    def make(target, user, level=None, customer_level=None):
        contact = getattr(target, "contact", target)
        relationship = make_relationship(user=user, contact=contact)
        if level is not None:
            assess(relationship, level, by=user)
        if customer_level is not None:
            assess(relationship, customer_level, source="customer_survey", by=None)
        return relationship

    return make
