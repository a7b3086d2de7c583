"""Objects of the accounts app for the cross-tenant URL walk (tests/test_tenant_walk.py):
URL keyword → function(member_of_other_tenant) -> key of an object in that tenant."""

from tests.accounts.factories import (
    AccountFactory,
    ContactFactory,
    FinancialPeriodFactory,
    ImportBatchFactory,
    TeamMemberFactory,
)


def _team_member(member):
    return TeamMemberFactory(account=AccountFactory(tenant=member.tenant), user=member.user).pk


OBJECTS = {
    "account_id": lambda member: AccountFactory(tenant=member.tenant).pk,
    "contact_id": lambda member: ContactFactory(account=AccountFactory(tenant=member.tenant)).pk,
    "team_member_id": _team_member,
    "financial_period_id": lambda member: FinancialPeriodFactory(account=AccountFactory(tenant=member.tenant)).pk,
    "batch_key": lambda member: ImportBatchFactory(tenant=member.tenant, created_by=member.user).key,
}
OBJECTS["section"] = lambda member: "hierarchy"  # a deferred account panel (accounts.sections)
