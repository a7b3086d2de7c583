"""Many accounts with data in every signal, bulk-inserted inside the tenant's context (for the query
count tests: a recompute must cost the same at 10 and at 1,000 accounts)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account, Contact, FinancialPeriod
from hierarchy.models import Relationship
from keyplayers.models import KeyPlayer
from plans.models import CallReport, Opportunity
from tenancy.context import tenant_context
from tests.tenancy.factories import UserFactory


def bulk_accounts(tenant, n: int, *, prefix: str = "Bulk") -> list[int]:
    """n accounts, each with two contacts (one an executive key player with a relationship), two
    financial periods, an open and a won opportunity and a call report. Returns the account ids."""
    user = UserFactory()
    now = timezone.now()
    classes = ["strategic", "tactical", "unqualified"]
    with tenant_context(tenant.pk):
        accounts = Account.objects.bulk_create(
            [
                Account(
                    tenant=tenant,
                    name=f"{prefix} {i:05d}",
                    classification=classes[i % 3],
                    potential_level=1 + i % 5,
                    current_level=1 + (i * 7) % 5,
                    last_contact_at=now - dt.timedelta(days=i % 200),
                )
                for i in range(n)
            ]
        )
        contacts = Contact.objects.bulk_create(
            [
                Contact(tenant=tenant, account=a, full_name=f"{a.name} {role}")
                for a in accounts
                for role in ("boss", "user")
            ]
        )
        Relationship.objects.bulk_create(
            [
                Relationship(
                    tenant=tenant,
                    account_id=c.account_id,
                    contact=c,
                    user=user,
                    self_level=1 + i % 5,
                    customer_level=(1 + i % 4) if i % 3 == 0 else None,
                )
                for i, c in enumerate(contacts[::2])
            ]
        )
        KeyPlayer.objects.bulk_create(
            [
                KeyPlayer(
                    tenant=tenant,
                    account_id=c.account_id,
                    contact=c,
                    buying_role="executive" if i % 2 == 0 else "operational",
                )
                for i, c in enumerate(contacts)
            ]
        )
        FinancialPeriod.objects.bulk_create(
            [
                FinancialPeriod(
                    tenant=tenant,
                    account=a,
                    period_start=dt.date(year, 1, 1),
                    period_end=dt.date(year, 12, 31),
                    revenue=Decimal(10000 * (1 + i % 150) + (year - 2024) * 5000 * (i % 7)),
                    discount_pct=Decimal(i % 30 + (year - 2024) * (i % 2)),
                )  # half of them rising
                for i, a in enumerate(accounts)
                for year in (2024, 2025)
            ]
        )
        Opportunity.objects.bulk_create(
            [
                Opportunity(
                    tenant=tenant,
                    account=a,
                    name=f"{a.name} deal {stage}",
                    stage=stage,
                    value=Decimal(5000 * (1 + i % 300)),
                    close_date=dt.date(2027, 6, 30),
                )
                for i, a in enumerate(accounts)
                for stage in ("proposing", "won")
            ]
        )
        CallReport.objects.bulk_create(
            [
                CallReport(tenant=tenant, account=a, occurred_at=now - dt.timedelta(days=i % 200), summary="Call")
                for i, a in enumerate(accounts)
            ]
        )
    return [a.pk for a in accounts]
