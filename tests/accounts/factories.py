import datetime as dt
from decimal import Decimal

import factory

from accounts.models import Account, AccountTeamMember, Contact, FinancialPeriod, ImportBatch, TeamRole
from tests.tenancy.factories import TenantFactory, TenantOwnedFactory, UserFactory


class AccountFactory(TenantOwnedFactory):
    class Meta:
        model = Account

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Account {n:04d}")
    external_id = factory.Sequence(lambda n: f"EXT-{n:05d}")
    industry = "Logistics"


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    full_name = factory.Sequence(lambda n: f"Person {n:04d}")
    external_id = factory.Sequence(lambda n: f"P-{n:05d}")
    title = "Director"


class TeamMemberFactory(TenantOwnedFactory):
    class Meta:
        model = AccountTeamMember

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    user = factory.SubFactory(UserFactory)
    team_role = TeamRole.ACCOUNT_MANAGER


class FinancialPeriodFactory(TenantOwnedFactory):
    class Meta:
        model = FinancialPeriod

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    period_start = factory.Sequence(lambda n: dt.date(2020, 1, 1) + dt.timedelta(days=92 * n))
    period_end = factory.LazyAttribute(lambda o: o.period_start + dt.timedelta(days=90))
    revenue = Decimal("100000.00")
    margin_pct = Decimal("25.00")
    discount_pct = Decimal("5.00")


class ImportBatchFactory(TenantOwnedFactory):
    class Meta:
        model = ImportBatch

    tenant = factory.SubFactory(TenantFactory)
    key = factory.Sequence(lambda n: f"batch-key-{n:06d}")
    kind = "accounts"
    created_by = factory.SubFactory(UserFactory)
    rows = factory.LazyFunction(lambda: [[2, {"external_id": "X-1", "name": "X"}]])
