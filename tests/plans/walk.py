"""Objects of the plans app for the cross-tenant URL walk (tests/test_tenant_walk.py):
URL keyword → function(member_of_other_tenant) -> primary key of an object in that tenant."""

from tests.plans.factories import (
    AccountFactory,
    ActionFactory,
    OpportunityFactory,
    PlanFactory,
    make_call,
    make_visit,
)


def _account(member):
    return AccountFactory(tenant=member.tenant)


def _issue(member):
    from plans.models import CustomerIssue
    from tenancy.context import tenant_context

    plan = PlanFactory(account=_account(member))
    with tenant_context(member.tenant.pk):
        return CustomerIssue.objects.create(tenant=member.tenant, plan=plan, statement="Their issue").pk


OBJECTS = {
    "account_id": lambda member: _account(member).pk,
    "plan_id": lambda member: PlanFactory(account=_account(member)).pk,
    "action_id": lambda member: ActionFactory(plan=PlanFactory(account=_account(member))).pk,
    "opportunity_id": lambda member: OpportunityFactory(account=_account(member)).pk,
    "call_id": lambda member: make_call(account=_account(member), author=member.user).pk,
    "issue_id": lambda member: _issue(member),
    "visit_id": lambda member: make_visit(account=_account(member), organiser=member.user, attendees=[member.user]).pk,
}
