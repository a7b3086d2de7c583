"""Factories for the plans tests. Account and Contact are small stand-ins until
tests/accounts/factories.py exists; rows are created inside their tenant's context, like the app does.
Plans, calls and visits with people are made through plans.services (same validation as the app)."""

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Account, Classification, Contact
from plans import services
from plans.models import AccountPlan, Opportunity, PlanAction, Stage
from tenancy.context import tenant_context
from tests.tenancy.factories import TenantFactory, TenantOwnedFactory


class AccountFactory(TenantOwnedFactory):
    class Meta:
        model = Account

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Plans Customer {n} GmbH")
    classification = Classification.STRATEGIC


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    tenant = factory.LazyAttribute(lambda o: o.account.tenant)
    full_name = factory.Sequence(lambda n: f"Buyer Person {n}")
    title = "Head of Operations"
    email = factory.Sequence(lambda n: f"buyer{n}@customer.example")


class PlanFactory(TenantOwnedFactory):
    class Meta:
        model = AccountPlan

    account = factory.SubFactory(AccountFactory)
    tenant = factory.LazyAttribute(lambda o: o.account.tenant)
    title = factory.Sequence(lambda n: f"Plan {n}")
    objectives = "Become their trusted adviser for logistics."


class ActionFactory(TenantOwnedFactory):
    class Meta:
        model = PlanAction

    plan = factory.SubFactory(PlanFactory)
    tenant = factory.LazyAttribute(lambda o: o.plan.tenant)
    title = factory.Sequence(lambda n: f"Action {n}")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class OpportunityFactory(TenantOwnedFactory):
    class Meta:
        model = Opportunity

    account = factory.SubFactory(AccountFactory)
    tenant = factory.LazyAttribute(lambda o: o.account.tenant)
    name = factory.Sequence(lambda n: f"Opportunity {n}")
    stage = Stage.QUALIFYING
    value = 100_000
    close_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))


def make_visit(*, account, organiser, attendees, contacts=(), start=None, hours=2, purpose="Quarterly review",
               timezone_name=None, location="Their HQ"):
    start = start or (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    with tenant_context(account.tenant_id):
        return services.visit_schedule(
            account=account, starts_at=start, ends_at=start + dt.timedelta(hours=hours),
            timezone_name=timezone_name or account.tenant.timezone, purpose=purpose, organiser=organiser,
            attendees=list(attendees), contacts=list(contacts), location=location)


def make_call(*, account, author, at=None, contacts=(), attendees=None, next_steps=(), summary="Discussed the roadmap."):
    with tenant_context(account.tenant_id):
        return services.call_report_record(
            account=account, occurred_at=at or timezone.now() - dt.timedelta(days=1), summary=summary,
            author=author, attendees=[author] if attendees is None else attendees, contacts=list(contacts),
            next_steps=list(next_steps))
