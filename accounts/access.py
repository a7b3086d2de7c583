"""Who may see what in accounts. "Missing" and "not allowed" answer with the same 404.

The money rule lives here, once. Money about a customer — financial periods, opportunity values, the
pipeline, walk-away terms, and anything they can be worked out from (a rating score or criterion points
beside which the other parts are shown) — is visible to tenant admins, executives and the account's
team (its owner included), in pages, API, exports and briefings alike:

- `can_see_money(membership=, account=)` for one account;
- `money_visible_filter(membership=, prefix="")` as a filter on Account (or on rows pointing at one);
- `money_visible_expression(membership=, prefix="")` as a boolean to annotate querysets with;
- `sees_all_money(membership)` for figures over the whole tenant (totals across accounts, rankings:
  `money_orderings()` for API ordering fields).

`can_see_financials` and `financials_visible_filter` are the same functions under their older names.
Other apps (plans, ratings, briefings) call these rather than restating the rule.
"""

from django.db.models import BooleanField, Case, Q, Value, When
from django.http import Http404

from accounts.models import Account, AccountTeamMember, Contact, FinancialPeriod, ImportBatch
from tenancy.access import NOT_FOUND, editors_if, found, membership_of
from tenancy.models import Membership


# --- Money: tenant admins, executives and the account's team (its owner included) ------------------


def sees_all_money(membership: Membership | None) -> bool:
    """Admins and executives see every account's money, so tenant-wide totals too."""
    return membership is not None and membership.sees_all_financials


def can_see_money(*, membership: Membership, account: Account, team_user_ids=None) -> bool:
    """Whether this member may see money about the account (pages, API, exports, briefings).

    `team_user_ids`: the account's team as already loaded by the caller, to save the query."""
    if membership is None:
        return False
    if membership.sees_all_financials:
        return True
    if account.owner_id is not None and account.owner_id == membership.user_id:
        return True
    if team_user_ids is not None:
        return membership.user_id in team_user_ids
    return AccountTeamMember.objects.filter(account_id=account.pk, user_id=membership.user_id).exists()


def can_manage_team(*, membership: Membership, account: Account, team_user_ids=None) -> bool:
    """Who may change an account's team or owner: tenant admins and editors already on its team (its
    owner included). Anyone else could make themselves a member and so read the financials.

    `team_user_ids`: the account's team as already loaded by the caller, to save the query."""
    if membership is None or not membership.can_edit:
        return False
    return membership.is_admin or can_see_financials(
        membership=membership, account=account, team_user_ids=team_user_ids
    )


def team_managed_filter(*, membership: Membership) -> Q:
    """The same rule as a filter on Account: the accounts whose team and owner this member may change."""
    if membership is None or not membership.can_edit:
        return Q(pk__in=[])
    return financials_visible_filter(membership=membership)


TEAM_RULE = "Only the account's team or a tenant admin can change its team or owner."


def money_visible_filter(*, membership: Membership, prefix: str = "") -> Q:
    """The same rule as a filter on Account (or, with prefix="account__", on rows pointing at one)."""
    if membership is None:
        return Q(pk__in=[])
    if membership.sees_all_financials:
        return Q()
    team_accounts = AccountTeamMember.objects.filter(user_id=membership.user_id).values("account_id")
    return Q(**{f"{prefix}owner_id": membership.user_id}) | Q(**{f"{prefix}pk__in": team_accounts})


def money_visible_expression(*, membership: Membership, prefix: str = ""):
    """The same rule as a boolean expression, e.g. `.annotate(money_visible=money_visible_expression(...))`."""
    if sees_all_money(membership):
        return Value(True, output_field=BooleanField())
    return Case(
        When(money_visible_filter(membership=membership, prefix=prefix), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def money_orderings(request, *names: str) -> list[str]:
    """API ordering fields over money (`?ordering=value`): a ranking reveals what it ranks, so only for those
    who see every account's money. Without a request (the schema generator) they are all listed."""
    if request is None:
        return list(names)
    return list(names) if sees_all_money(membership_of(request)) else []


# The older names of the same rule.
can_see_financials = can_see_money
financials_visible_filter = money_visible_filter


# --- Objects by id (tenancy.access: one signature, 404 before 403) ----------------------------------


def access_account_by_id(*, membership: Membership, account_id: int, for_edit: bool = False) -> Account:
    """Every member of the tenant reads every account; admins and managers change them."""
    account = Account.objects.select_related("owner", "classified_by").filter(pk=account_id).first()
    return found(account, membership, roles=editors_if(for_edit))


def access_account_financials_by_id(*, membership: Membership, account_id: int, for_edit: bool = False) -> Account:
    account = access_account_by_id(membership=membership, account_id=account_id, for_edit=for_edit)
    if not can_see_financials(membership=membership, account=account):
        raise Http404(NOT_FOUND)
    return account


def access_contact_by_id(*, membership: Membership, contact_id: int, for_edit: bool = False) -> Contact:
    contact = Contact.objects.select_related("account", "reports_to").filter(pk=contact_id).first()
    return found(contact, membership, roles=editors_if(for_edit))


def access_team_member_by_id(
    *, membership: Membership, team_member_id: int, for_edit: bool = False
) -> AccountTeamMember:
    member = AccountTeamMember.objects.select_related("account", "user").filter(pk=team_member_id).first()
    return found(member, membership, roles=editors_if(for_edit))


def access_financial_period_by_id(
    *, membership: Membership, financial_period_id: int, for_edit: bool = False
) -> FinancialPeriod:
    period = FinancialPeriod.objects.select_related("account").filter(pk=financial_period_id).first()
    if period is not None and not can_see_financials(membership=membership, account=period.account):
        period = None  # the money rule hides it: the same 404 as a missing one
    return found(period, membership, roles=editors_if(for_edit))


def access_import_batch_by_key(*, membership: Membership, batch_key: str, for_edit: bool = True) -> ImportBatch:
    """An upload is visible only to the editor who made it."""
    batch = None
    if membership is not None:
        batch = ImportBatch.objects.filter(key=batch_key, created_by_id=membership.user_id).first()
    return found(batch, membership, roles=editors_if(for_edit))
