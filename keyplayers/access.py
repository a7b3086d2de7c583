"""Who may see or change key players (tenancy.access: one signature, the same 404 for "missing",
"another tenant's" and "not allowed"). Every member of a tenant reads its key players (executives and
viewers included); admins and account managers change them. Accounts are found by accounts.access."""

from keyplayers.models import KeyPlayer
from tenancy.access import editors_if, found


def access_key_player_by_id(*, membership, key_player_id: int, for_edit: bool = False) -> KeyPlayer:
    player = KeyPlayer.objects.select_related("account", "contact").filter(pk=key_player_id).first()
    return found(player, membership, roles=editors_if(for_edit))
