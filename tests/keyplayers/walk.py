"""Objects of this app for the cross-tenant URL walk (tests/test_tenant_walk.py)."""

import datetime as dt

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


def _concern(member):
    from keyplayers.models import KeyPlayerConcern

    key_player_id = _key_player(member)
    with member.scope():
        return KeyPlayerConcern.objects.create(
            tenant=member.tenant, key_player_id=key_player_id, concern="Price", raised_on=dt.date(2026, 1, 5)
        ).pk


OBJECTS = {
    "account_id": _account,
    "concern_id": _concern,
    "key_player_id": _key_player,
    "guidance_id": _guidance,
}
