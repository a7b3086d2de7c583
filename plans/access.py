"""Who may see or change what in plans (tenancy.access: one signature, the same 404 for "missing",
"another tenant's" and "not allowed"). Every member reads plans, issues, actions, opportunities, calls
and visits; admins and account managers change them (`for_edit=True`). Accounts and key players are found
by their own apps' access modules."""

from plans import selectors
from plans.models import AccountPlan, CallReport, CustomerIssue, Opportunity, PlanAction, Visit
from tenancy.access import editors_if, found
from tenancy.models import Role
from tenancy.roles import EDITORS, RoleRequired


def access_plan_by_id(*, membership, plan_id: int, for_edit: bool = False) -> AccountPlan:
    plan = AccountPlan.objects.select_related("account", "owner", "created_by").filter(pk=plan_id).first()
    return found(plan, membership, roles=editors_if(for_edit))


def access_issue_by_id(*, membership, issue_id: int, for_edit: bool = False) -> CustomerIssue:
    issue = CustomerIssue.objects.select_related("plan__account").filter(pk=issue_id).first()
    return found(issue, membership, roles=editors_if(for_edit))


def access_action_by_id(*, membership, action_id: int, for_edit: bool = False) -> PlanAction:
    action = PlanAction.objects.select_related("plan__account", "owner").filter(pk=action_id).first()
    return found(action, membership, roles=editors_if(for_edit))


def access_opportunity_by_id(*, membership, opportunity_id: int, for_edit: bool = False) -> Opportunity:
    return found(selectors.opportunity_list().filter(pk=opportunity_id).first(), membership, roles=editors_if(for_edit))


def access_call_by_id(*, membership, call_id: int, for_edit: bool = False) -> CallReport:
    return found(selectors.call_detail(call_id), membership, roles=editors_if(for_edit))


def access_visit_by_id(*, membership, visit_id: int, for_edit: bool = False) -> Visit:
    return found(selectors.visit_detail(visit_id), membership, roles=editors_if(for_edit))


def can_log_call(*, membership, visit=None) -> bool:
    """Editors log any call report; an executive logs the call report of a visit they attend."""
    if membership is None:
        return False
    if membership.can_edit:
        return True
    if visit is None or membership.role != Role.EXECUTIVE or visit.is_cancelled:
        return False
    return any(attendee.user_id == membership.user_id for attendee in visit.our_attendees.all())


def require_call_logger(*, membership, visit=None) -> None:
    if not can_log_call(membership=membership, visit=visit):
        raise RoleRequired(
            EDITORS,
            "Logging a call report",
            "An executive can log the call report of a visit they attend, from the visit's page.",
        )
