"""Objects of this app for the cross-tenant URL walk (tests/test_tenant_walk.py)."""

from keyplayers import services
from keyplayers.models import Guidance


def _key_player(member):
    from tests.keyplayers.factories import KeyPlayerFactory

    return KeyPlayerFactory(account__tenant=member.tenant).pk


def _account(member):
    from tests.keyplayers.factories import AccountFactory

    return AccountFactory(tenant=member.tenant).pk


def _guidance(member):
    with member.scope():
        services.guidance_seed_defaults()
        return Guidance.objects.values_list("pk", flat=True).first()


OBJECTS = {
    "account_id": _account,
    "key_player_id": _key_player,
    "guidance_id": _guidance,
}
