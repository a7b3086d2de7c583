"""Who may see or change what in plans, with the same 404 for "missing", "another tenant's" and "not
allowed". Every member reads plans, opportunities, calls and visits; admins and account managers
change them (`edit=True`)."""

from django.http import Http404

from accounts import access as accounts_access
from accounts.models import Account
from plans import selectors
from plans.models import AccountPlan, CallReport, Opportunity, PlanAction, Visit
from tenancy.models import Role
from tenancy.roles import EDITORS, RoleRequired, require_role


def _require(request, edit: bool) -> None:
    if getattr(request, "membership", None) is None:
        raise Http404("No such page.")


def _found(obj, what: str, request=None, edit: bool = False):
    """The object, once found (else 404); for a change, a role that cannot make it gets 403."""
    if obj is None:
        raise Http404(f"No such {what}.")
    if edit:
        require_role(request.membership, EDITORS)
    return obj


def access_account_by_id(*, request, account_id: int, edit: bool = False) -> Account:
    """The accounts app's rule (every member reads every account), with plans' editor rule on top."""
    _require(request, edit)
    return accounts_access.access_account_by_id(membership=request.membership, account_id=account_id, edit=edit)


def access_plan_by_id(*, request, plan_id: int, edit: bool = False) -> AccountPlan:
    _require(request, edit)
    return _found(AccountPlan.objects.select_related("account", "owner", "created_by").filter(pk=plan_id).first(), "plan",
                  request, edit)


def access_issue_by_id(*, request, issue_id: int, edit: bool = False):
    from plans.models import CustomerIssue

    _require(request, edit)
    return _found(CustomerIssue.objects.select_related("plan__account").filter(pk=issue_id).first(), "issue")


def access_action_by_id(*, request, action_id: int, edit: bool = False) -> PlanAction:
    _require(request, edit)
    return _found(PlanAction.objects.select_related("plan__account", "owner").filter(pk=action_id).first(), "action",
                  request, edit)


def access_opportunity_by_id(*, request, opportunity_id: int, edit: bool = False) -> Opportunity:
    _require(request, edit)
    opportunity = (selectors.opportunity_list().filter(pk=opportunity_id).first())
    return _found(opportunity, "opportunity", request, edit)


def access_key_player_by_id(*, request, key_player_id: int, edit: bool = False):
    """keyplayers' rule (every member reads key players, editors change them), with plans' on top."""
    from keyplayers import access as keyplayers_access

    _require(request, edit)
    return keyplayers_access.access_key_player_by_id(membership=request.membership, key_player_id=key_player_id,
                                                     for_edit=edit)


def access_call_by_id(*, request, call_id: int, edit: bool = False) -> CallReport:
    _require(request, edit)
    return _found(selectors.call_detail(call_id), "call report", request, edit)


def access_visit_by_id(*, request, visit_id: int, edit: bool = False) -> Visit:
    _require(request, edit)
    return _found(selectors.visit_detail(visit_id), "visit", request, edit)


def can_log_call(*, membership, visit=None) -> bool:
    """Editors log any call report; an executive logs the call report of a visit they attend."""
    if membership is None:
        return False
    if membership.can_edit:
        return True
    if visit is None or membership.role != Role.EXECUTIVE or visit.is_cancelled:
        return False
    return any(attendee.user_id == membership.user_id for attendee in visit.our_attendees.all())


def require_call_logger(*, request, visit=None) -> None:
    if not can_log_call(membership=request.membership, visit=visit):
        raise RoleRequired(EDITORS, "Logging a call report",
                           "An executive can log the call report of a visit they attend, from the visit's page.")
