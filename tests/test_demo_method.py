"""Issue 15's "done when", tried as a new user would with the demo data: the declassification review
lists only strategic accounts whose discount keeps rising; declassifying one records the change to
tactical and moves it to inside sales with its cadence; switching to the needs model and recomputing
rates level-5 and level-6 accounts apart."""

import random

import pytest
from django.db import transaction
from django.test import Client
from django.utils.module_loading import import_string

from accounts.models import Account, ClassificationChange
from hierarchy.models import HierarchyModel, HierarchyModelSwitch
from plans.models import Opportunity
from ratings import selectors, services
from ratings.models import AccountRating
from tenancy import contributions
from tenancy.context import tenant_context
from tenancy.models import Role
from tests.conftest import Member
from tests.tenancy.factories import MembershipFactory, TenantFactory, UserFactory

# Both tests on one worker (pytest-xdist, --dist loadgroup): the module's seeded story is built once.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-method")]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo's story in one tenant, seeded once for the module (about 15 s) inside a transaction that
    is rolled back after its last test; each test runs in a savepoint of its own within it, so what one
    test changes the next does not see."""
    with django_db_blocker.unblock(), transaction.atomic():
        tenant = TenantFactory(name="Tenant A", slug="tenant-a")
        members = {}
        for role in Role:
            user = UserFactory()
            client = Client()
            client.force_login(user)
            members[role] = Member(tenant, user, MembershipFactory(tenant=tenant, user=user, role=role), client)
        users = {role: member.user for role, member in members.items()}
        with tenant_context(tenant.pk):
            rng = random.Random("keystone-demo-test")
            for app, step in contributions.declared("demo"):
                if app == "briefings":
                    continue  # the digest's deliveries are not part of this story
                import_string(step)(tenant, users, rng)
        yield members
        transaction.set_rollback(True)


def test_its_tests_share_one_worker(request):
    """The module's story is seeded once only if pytest-xdist keeps the group together (it tags the node
    id with the group; a pytest that breaks that makes every test of the group seed on its own)."""
    if request.config.getoption("loadgroup", default=False):
        assert request.node.nodeid.endswith("@demo-method")


def test_the_demo_shows_declassification_and_the_six_level_model(demo):
    admin = demo[Role.ADMIN]
    with admin.scope():
        policy = services.policy_defaults_ensure()
        candidates = selectors.declassification_candidates(policy=policy)
        assert candidates, "the demo has strategic accounts asking for ever bigger discounts"
        assert all(c.classification == "strategic" and c.discount_rise > 0 and c.matches for c in candidates)
        steady = Account.objects.filter(classification="strategic").exclude(pk__in=[c.account_id for c in candidates])
        assert steady.exists()  # the other strategic accounts are not flagged
        first = candidates[0]

    listing = admin.client.get(admin.url("ratings/declassification/")).content.decode()
    assert first.name in listing
    done = admin.client.post(
        admin.url(f"ratings/declassification/{first.account_id}/"),
        {
            "decision": "declassify",
            "reason": "Bigger discount every quarter, level 2 for a year",
            "coverage": "inside_sales",
        },
    )
    assert done.status_code == 302
    with admin.scope():
        account = Account.objects.get(pk=first.account_id)
        assert (account.classification, account.status, account.coverage) == (
            "tactical",
            "declassified",
            "inside_sales",
        )
        change = ClassificationChange.objects.filter(account=account).latest("created_at")
        assert (change.from_classification, change.to_classification) == ("strategic", "tactical")
        due = selectors.contact_due(policy=services.policy_defaults_ensure(), state="all", within_days=3650)
        assert {a.pk: a.cadence_days for a in due}[account.pk] == policy.cadence_inside_sales_days

    with admin.scope():
        before = dict(AccountRating.objects.values_list("account_id", "score"))
        needs = HierarchyModel.objects.get(kind="needs")
    assert admin.client.post(admin.url("hierarchy/settings/"), {"model": needs.pk}).status_code == 302
    with admin.scope():
        assert HierarchyModelSwitch.objects.get().switched_by == admin.user
        services.ratings_recompute()
        after = dict(AccountRating.objects.values_list("account_id", "score"))
        level = dict(Account.objects.filter(current_level__in=[5, 6]).values_list("pk", "current_level"))
        assert set(level.values()) == {5, 6}
        assert any(after[pk] != before[pk] for pk in level)
        breakdown = {
            r.account_id: r.breakdown["highest_level"] for r in AccountRating.objects.filter(account__in=level)
        }
        assert {tuple(breakdown[pk]) for pk, lv in level.items() if lv == 5} == {(5, 80.0)}
        assert {tuple(breakdown[pk]) for pk, lv in level.items() if lv == 6} == {(6, 100.0)}


def test_the_demo_shows_lead_and_fallback_strategies_and_an_agreed_value_case(demo):
    admin = demo[Role.ADMIN]
    with admin.scope():
        opportunity = (
            Opportunity.objects.exclude(fallback_strategy="")
            .filter(value_agreed=True)
            .exclude(value_agreed_with="")
            .order_by("pk")
            .first()
        )
        assert opportunity is not None and opportunity.has_value_case
        assert opportunity.fallback_strategy != opportunity.competitive_strategy
    page = admin.client.get(admin.url(f"plans/opportunities/{opportunity.pk}/")).content.decode()
    assert "Lead: " in page and "Fallback: " in page and "Value case" in page and opportunity.value_agreed_with in page
