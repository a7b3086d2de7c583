"""Factories for the ratings tests: accounts and the rows of other apps the signals read.
Children take their tenant from their parent; every row is created inside its tenant's context."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Account, AccountTeamMember, Contact, FinancialPeriod
from hierarchy.models import Relationship
from tests.tenancy.factories import TenantFactory, TenantOwnedFactory, UserFactory


class AccountFactory(TenantOwnedFactory):
    class Meta:
        model = Account

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Account {n:04d}")
    classification = "unqualified"


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    full_name = factory.Sequence(lambda n: f"Contact {n}")


class TeamMemberFactory(TenantOwnedFactory):
    class Meta:
        model = AccountTeamMember

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    user = factory.SubFactory(UserFactory)


class RelationshipFactory(TenantOwnedFactory):
    """A relationship with its current levels set directly (what hierarchy's assessment_record keeps)."""

    class Meta:
        model = Relationship

    contact = factory.SubFactory(ContactFactory)
    tenant = factory.SelfAttribute("contact.tenant")
    account = factory.SelfAttribute("contact.account")
    user = factory.SubFactory(UserFactory)


class FinancialPeriodFactory(TenantOwnedFactory):
    class Meta:
        model = FinancialPeriod

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    period_start = dt.date(2025, 1, 1)
    period_end = factory.LazyAttribute(lambda o: dt.date(o.period_start.year, 12, 31))
    revenue = Decimal("100000.00")


class KeyPlayerFactory(TenantOwnedFactory):
    class Meta:
        model = "keyplayers.KeyPlayer"

    contact = factory.SubFactory(ContactFactory)
    tenant = factory.SelfAttribute("contact.tenant")
    account = factory.SelfAttribute("contact.account")
    buying_role = "operational"


class OpportunityFactory(TenantOwnedFactory):
    class Meta:
        model = "plans.Opportunity"

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    name = factory.Sequence(lambda n: f"Deal {n}")
    value = Decimal("10000.00")
    stage = "qualifying"
    close_date = dt.date(2027, 6, 30)


class CallReportFactory(TenantOwnedFactory):
    class Meta:
        model = "plans.CallReport"

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    occurred_at = factory.LazyFunction(timezone.now)
    summary = "Talked about next year."
