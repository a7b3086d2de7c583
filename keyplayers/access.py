"""Who may see or change key players: the same 404 for "missing", "another tenant's" and "not allowed".

Every member of a tenant reads its key players (executives and viewers included); admins and account
managers change them (Membership.can_edit)."""

from django.http import Http404

from accounts import access as account_access
from accounts.models import Account
from keyplayers.models import KeyPlayer


def access_account_by_id(*, membership, account_id: int, for_edit: bool = False) -> Account:
    """The accounts app's rule: every member reads every account, editors change them."""
    if membership is None:
        raise Http404("No such page.")
    return account_access.access_account_by_id(membership=membership, account_id=account_id, edit=for_edit)


def access_key_player_by_id(*, membership, key_player_id: int, for_edit: bool = False) -> KeyPlayer:
    if membership is None:
        raise Http404("No such page.")
    player = KeyPlayer.objects.select_related("account", "contact").filter(pk=key_player_id).first()
    if player is None:
        raise Http404("No such key player.")
    if for_edit:
        account_access.require_editor(membership)
    return player
