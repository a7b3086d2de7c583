"""Who may see and change what in ratings. "Missing" and "not allowed" are the same 404.

- Every member reads ratings, the "why" panel (financial criteria hidden unless accounts' financials
  rule allows), policies and the contact cadence lists.
- Admins edit, preview, activate and discard policies.
- Overrides: admins, and managers who own the account or are on its team.
- Declassification review: admins and executives see it for every account (it shows discounts); managers
  see it, read-only, for the accounts they own or are on the team of (whose money they see anyway);
  admins decide.
"""

from django.http import Http404

from accounts.access import access_account_by_id
from accounts.models import Account, AccountTeamMember
from ratings.models import RatingPolicy
from tenancy.access import NOT_FOUND, editors_if, found
from tenancy.models import Membership, Role
from tenancy.roles import ADMINS, RoleRequired


def can_override(*, membership: Membership, account: Account) -> bool:
    if membership is None:
        return False
    if membership.is_admin:
        return True
    if membership.role != Role.MANAGER:
        return False
    if account.owner_id == membership.user_id:
        return True
    return AccountTeamMember.objects.filter(account_id=account.pk, user_id=membership.user_id).exists()


def access_account_override_by_id(*, membership: Membership, account_id: int, for_edit: bool = True) -> Account:
    """Setting a rating by hand is always a change: the editor roles first, then the team rule (a manager
    not on the account's team gets the 404 of a missing account)."""
    account = access_account_by_id(membership=membership, account_id=account_id)
    found(account, membership, roles=editors_if(for_edit), action="Setting a rating by hand")
    if not can_override(membership=membership, account=account):
        raise Http404(NOT_FOUND)
    return account


def access_policy_by_id(*, membership: Membership, policy_id: int, for_edit: bool = False) -> RatingPolicy:
    policy = RatingPolicy.objects.select_related("created_by", "activated_by").filter(pk=policy_id).first()
    return found(policy, membership, roles=editors_if(for_edit, ADMINS))


def can_review_declassification(membership: Membership) -> bool:
    """May open the review at all (managers: their own accounts only, see declassification_scope_user)."""
    return membership is not None and (membership.sees_all_financials or membership.role == Role.MANAGER)


def require_declassification_reader(membership: Membership) -> None:
    if membership is None:
        raise Http404(NOT_FOUND)
    if not can_review_declassification(membership):
        raise RoleRequired((Role.ADMIN, Role.EXECUTIVE, Role.MANAGER), "The declassification review")


def declassification_scope_user(membership: Membership):
    """None when the member reviews every account; else the user whose own accounts they review."""
    return None if membership.sees_all_financials else membership.user


def access_declassification_account_by_id(
    *, membership: Membership, account_id: int, for_edit: bool = False
) -> Account:
    """Readers of the review see it; `for_edit` (deciding) is for admins."""
    account = access_account_by_id(membership=membership, account_id=account_id)
    require_declassification_reader(membership)
    if not membership.sees_all_financials and not can_override(membership=membership, account=account):
        raise Http404(NOT_FOUND)  # a manager, not on this account's team
    return found(account, membership, roles=editors_if(for_edit, ADMINS), action="Deciding a declassification")
