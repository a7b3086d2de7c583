"""Objects of the ratings app for the cross-tenant URL walk (tests/test_tenant_walk.py):
URL keyword → function(member_of_other_tenant) -> primary key of an object in that tenant."""

from ratings import services
from ratings.models import RatingSnapshot
from tests.ratings.factories import AccountFactory


def _policy(member):
    with member.scope():
        return services.policy_defaults_ensure().pk


def _snapshot(member):
    account = AccountFactory(tenant=member.tenant)
    with member.scope():
        services.ratings_recompute(account_id=account.pk)
        return RatingSnapshot.objects.filter(account=account).values_list("pk", flat=True).get()


OBJECTS = {
    "account_id": lambda member: AccountFactory(tenant=member.tenant).pk,  # the same meaning as accounts' walk
    "policy_id": _policy,
    "snapshot_id": _snapshot,
}
