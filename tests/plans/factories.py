"""Factories for the plans tests. Accounts and contacts come from tests/accounts/factories.py; rows are
created inside their tenant's context, like the app does. Calls and visits with people are made
through plans.services (the same validation as the app)."""

import datetime as dt

import factory
from django.utils import timezone

from plans import services
from plans.models import AccountPlan, Opportunity, PlanAction, Stage
from tenancy.context import tenant_context
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.tenancy.factories import TenantOwnedFactory

__all__ = [
    "AccountFactory",
    "ContactFactory",
    "PlanFactory",
    "ActionFactory",
    "OpportunityFactory",
    "make_visit",
    "make_call",
]


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


def make_visit(
    *,
    account,
    organiser,
    attendees,
    contacts=(),
    start=None,
    hours=2,
    purpose="Quarterly review",
    timezone_name=None,
    location="Their HQ",
):
    start = start or (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    with tenant_context(account.tenant_id):
        return services.visit_schedule(
            account=account,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            timezone_name=timezone_name or account.tenant.timezone,
            purpose=purpose,
            organiser=organiser,
            attendees=list(attendees),
            contacts=list(contacts),
            location=location,
        )


def make_call(
    *, account, author, at=None, contacts=(), attendees=None, next_steps=(), summary="Discussed the roadmap."
):
    with tenant_context(account.tenant_id):
        return services.call_report_record(
            account=account,
            occurred_at=at or timezone.now() - dt.timedelta(days=1),
            summary=summary,
            author=author,
            attendees=[author] if attendees is None else attendees,
            contacts=list(contacts),
            next_steps=list(next_steps),
        )


def opportunity_with_errors(account) -> dict:
    """The opportunity form's fields with three mistakes: no name, a two-letter currency, a blank rationale."""
    return {
        "account": account.pk,
        "name": "",
        "stage": "qualifying",
        "value": "1000",
        "currency": "EU",
        "close_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "competitive_strategy": "stall",
        "strategy_rationale": " ",
    }
