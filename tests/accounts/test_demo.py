import random

import pytest
from django.db.models import Count, F

from accounts import demo
from accounts.models import Account, AccountTeamMember, ClassificationChange, Contact, FinancialPeriod
from tenancy.models import Role

pytestmark = pytest.mark.django_db


def _users(tenant, make_member):
    return {role: make_member(tenant, role).user for role in Role}


def _snapshot():
    return (
        Account.objects.count(),
        Contact.objects.count(),
        AccountTeamMember.objects.count(),
        FinancialPeriod.objects.count(),
        ClassificationChange.objects.count(),
    )


def test_demo_is_believable_deterministic_and_idempotent(tenant_a, tenant_b, make_member):
    users = _users(tenant_a, make_member)
    with tenant_context(tenant_a):
        demo.seed(tenant_a, users, random.Random("demo"))
        first = _snapshot()
        demo.seed(tenant_a, users, random.Random("demo"))
        assert _snapshot() == first
        names = sorted(Account.objects.values_list("name", flat=True))
        assert first[0] == 60 and len(set(names)) == 60
        assert Account.objects.exclude(industry="").count() == 60
        # Org charts: every account has people, most of them reporting to someone; some have left.
        per_account = Contact.objects.values("account").annotate(n=Count("pk"))
        assert all(row["n"] >= 3 for row in per_account) and len(per_account) == 60
        assert Contact.objects.filter(reports_to__isnull=False).count() > 60 * 2
        assert Contact.objects.filter(is_active=False, left_on__isnull=False).exists()
        assert not Contact.objects.exclude(reports_to__isnull=True).exclude(reports_to__account=F("account")).exists()
        # Three years of quarterly financials for every account.
        assert set(FinancialPeriod.objects.values("account").annotate(n=Count("pk")).values_list("n", flat=True)) == {
            12
        }
        # Teams include the demo users; the viewer is on none (so cannot see financials).
        team_users = set(AccountTeamMember.objects.values_list("user_id", flat=True))
        assert {users[Role.MANAGER].pk, users[Role.EXECUTIVE].pk} <= team_users
        assert users[Role.VIEWER].pk not in team_users
        # Strategic is not size: some small accounts are strategic, with their reason recorded.
        strategic = Account.objects.filter(classification="strategic")
        assert strategic.filter(revenue_tier__in=["silver", "bronze"]).exists()
        assert not strategic.filter(classification_reason="").exists()
        assert ClassificationChange.objects.count() == Account.objects.exclude(classification="unqualified").count()
    other_users = _users(tenant_b, make_member)
    with tenant_context(tenant_b):
        demo.seed(tenant_b, other_users, random.Random("demo"))
        assert sorted(Account.objects.values_list("name", flat=True)) == names  # same rng, same data, own tenant


def tenant_context(tenant):
    from tenancy.context import tenant_context as ctx

    return ctx(tenant.pk)
