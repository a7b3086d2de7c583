"""plans.demo: works with whatever accounts exist (none included), covers every stage, two years of
calls that move last contact, visits ahead with executives, and a second run adds nothing."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from accounts.models import Account, Classification
from plans import demo
from plans.models import AccountPlan, CallReport, Opportunity, PlanAction, Stage, Visit, VisitAttendee
from tenancy.models import Role
from tests.plans.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users(tenant_a, make_member):
    return {role: make_member(tenant_a, role).user for role in Role.values}


def _counts():
    return (
        AccountPlan.objects.count(),
        PlanAction.objects.count(),
        Opportunity.objects.count(),
        CallReport.objects.count(),
        Visit.objects.count(),
    )


def test_demo_without_accounts_does_nothing(tenant_a, demo_users):
    from tenancy.context import tenant_context

    with tenant_context(tenant_a.pk):
        demo.seed(tenant_a, demo_users, random.Random(1))
        assert _counts() == (0, 0, 0, 0, 0)


def test_demo_data_is_complete_and_idempotent(tenant_a, demo_users):
    from tenancy.context import tenant_context

    strategic = [AccountFactory(tenant=tenant_a, classification=Classification.STRATEGIC) for _ in range(3)]
    AccountFactory(tenant=tenant_a, classification=Classification.TACTICAL)
    for account in strategic:
        ContactFactory(account=account)
        ContactFactory(account=account)
    with tenant_context(tenant_a.pk):
        demo.seed(tenant_a, demo_users, random.Random(7))
        first = _counts()
        # A plan per strategic account, active.
        assert set(AccountPlan.objects.filter(status="active").values_list("account_id", flat=True)) == {
            a.pk for a in strategic
        }
        # Opportunities at every stage.
        assert set(Opportunity.objects.values_list("stage", flat=True)) == set(Stage.values)
        # Two years of calls; the latest one is the account's last contact.
        oldest = CallReport.objects.order_by("occurred_at").first().occurred_at
        assert oldest < timezone.now() - dt.timedelta(days=690)
        for account in Account.objects.filter(pk__in=[a.pk for a in strategic]):
            latest = CallReport.objects.filter(account=account).order_by("-occurred_at").first()
            assert account.last_contact_at == latest.occurred_at
        # Visits in the coming two weeks with an executive attending.
        soon = Visit.objects.filter(starts_at__gt=timezone.now(), starts_at__lt=timezone.now() + dt.timedelta(days=15))
        assert VisitAttendee.objects.filter(visit__in=soon, is_executive=True).exists()
        # Overdue actions exist for the dashboards to show.
        assert PlanAction.objects.filter(due_date__lt=timezone.localdate(), status="open").exists()

        demo.seed(tenant_a, demo_users, random.Random(7))
        assert _counts() == first


def test_demo_puts_key_players_on_open_opportunities(tenant_a, demo_users):
    from keyplayers.models import KeyPlayer
    from plans.models import CLOSED_STAGES, OpportunityKeyPlayer
    from tenancy.context import tenant_context
    from tests.keyplayers.factories import KeyPlayerFactory

    accounts = [AccountFactory(tenant=tenant_a, classification=Classification.STRATEGIC) for _ in range(4)]
    for account in accounts:
        for role in ("executive", "purchasing"):
            KeyPlayerFactory(account=account, buying_role=role)
    with tenant_context(tenant_a.pk):
        demo.seed(tenant_a, demo_users, random.Random(3))
        links = list(OpportunityKeyPlayer.objects.select_related("opportunity", "key_player"))
        assert links and all(link.opportunity.account_id == link.key_player.account_id for link in links)
        assert not any(link.opportunity.stage in CLOSED_STAGES for link in links)
        assert len({link.key_player_id for link in links}) == len(links) <= KeyPlayer.objects.count()
        per_opportunity = {}
        for link in links:
            per_opportunity.setdefault(link.opportunity_id, []).append(link.key_player)
        assert all(1 <= len(players) <= 3 for players in per_opportunity.values())
        # The executive (who holds the budget) goes first: on every account with an open opportunity.
        open_accounts = set(Opportunity.objects.exclude(stage__in=CLOSED_STAGES).values_list("account_id", flat=True))
        executives = KeyPlayer.objects.filter(buying_role="executive", account_id__in=open_accounts)
        assert executives.exists() and all(p.pk in {link.key_player_id for link in links} for p in executives)
        demo.seed(tenant_a, demo_users, random.Random(3))
        assert OpportunityKeyPlayer.objects.count() == len(links)
