import random

import pytest
from django.db.models import Count, F

from hierarchy import demo
from hierarchy.models import Assessment, HierarchyAlert, HierarchyModel, Relationship, Source
from tenancy.models import Role
from tests.hierarchy.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(tenant_a, make_member):
    return {role: make_member(tenant_a, role).user for role in Role}


def _counts():
    return (
        HierarchyModel.objects.count(),
        Relationship.objects.count(),
        Assessment.objects.count(),
        HierarchyAlert.objects.count(),
    )


def test_demo_without_accounts_seeds_only_the_models(tenant_a, users, manager_a):
    with manager_a.scope():
        demo.seed(tenant_a, users, random.Random(1))
        assert _counts() == (2, 0, 0, 0)


def test_demo_builds_18_months_with_rises_falls_and_disagreement_and_is_idempotent(tenant_a, users, manager_a):
    for i in range(3):
        account = AccountFactory(tenant=tenant_a)
        top = ContactFactory(account=account, title="CEO")
        for _ in range(3):
            ContactFactory(account=account, reports_to=top)
    with manager_a.scope():
        demo.seed(tenant_a, users, random.Random(7))
        first = _counts()
        demo.seed(tenant_a, users, random.Random(99))  # another random state: still nothing new
        assert _counts() == first
        assert first[1] >= 9
        rows = list(
            Assessment.objects.order_by("relationship_id", "assessed_at").values_list(
                "relationship_id", "source", "level", "assessed_at"
            )
        )
        span = max(r[3] for r in rows) - min(r[3] for r in rows)
        assert span.days >= 15 * 30
        own = [(r[0], r[2]) for r in rows if r[1] == Source.SELF]
        rises = sum(1 for a, b in zip(own, own[1:]) if a[0] == b[0] and b[1] > a[1])
        falls = sum(1 for a, b in zip(own, own[1:]) if a[0] == b[0] and b[1] < a[1])
        assert rises and falls
        disagree = (
            Relationship.objects.filter(self_level__isnull=False, customer_level__isnull=False)
            .exclude(self_level=F("customer_level"))
            .count()
        )
        assert disagree >= 1
        per_rel = Assessment.objects.values("relationship").annotate(n=Count("pk")).order_by()
        assert min(r["n"] for r in per_rel) >= 6
