"""Finding what a URL names, one way in every app: `access_<entity>_by_id(*, membership, <entity>_id,
for_edit=False)` returns the object or raises.

- Not a member, a missing id and another tenant's id are the same 404 (scoped managers filter by tenant).
- Once the object is found, `for_edit=True` asks for the roles that may change it: a member whose role
  cannot gets 403 naming the roles that can (tenancy.roles.RoleRequired); nothing is revealed, since
  they see the tenant anyway.

`found()` is that rule written once; each app's access module says which query finds the object and
which roles change it."""

from django.http import Http404

from tenancy.models import ApiToken, Invitation, Membership
from tenancy.roles import ADMINS, EDITORS, require_role

NOT_FOUND = "No such page."


def membership_of(request) -> Membership | None:
    """The member a page or API request acts as (a DRF request wraps Django's, where the middleware put it)."""
    return getattr(getattr(request, "_request", request), "membership", None)


def found(obj, membership: Membership | None, *, roles=(), action: str = ""):
    """`obj` if the member may have it: 404 when there is no member or no object; then, with `roles`,
    403 for a member whose role is not among them."""
    if membership is None or obj is None:
        raise Http404(NOT_FOUND)
    if roles:
        require_role(membership, roles, action)
    return obj


def editors_if(for_edit: bool, roles=EDITORS):
    """The roles `found()` asks for: none to read, `roles` (by default admins and managers) to change."""
    return roles if for_edit else ()


def access_membership_by_id(*, membership: Membership, membership_id: int, for_edit: bool = False) -> Membership:
    """Members are listed to everyone; only admins change a role or remove someone."""
    member = Membership.objects.select_related("user").filter(pk=membership_id).first()
    return found(member, membership, roles=editors_if(for_edit, ADMINS))


def access_invitation_by_id(*, membership: Membership, invitation_id: int, for_edit: bool = False) -> Invitation:
    invitation = Invitation.objects.filter(pk=invitation_id, accepted_at__isnull=True).first()
    return found(invitation, membership, roles=editors_if(for_edit, ADMINS))


def access_api_token_by_id(*, membership: Membership, token_id: int, for_edit: bool = False) -> ApiToken:
    """A token is its owner's alone, whatever their role: anyone else's is missing."""
    token = None if membership is None else ApiToken.objects.filter(pk=token_id, user_id=membership.user_id).first()
    return found(token, membership)
