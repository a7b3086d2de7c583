"""Factories for the hierarchy tests. Account/Contact here are small stand-ins until
tests/accounts/factories.py exists (they create rows inside their tenant's context, like the app)."""

import factory
from django.utils import timezone

from accounts.models import Account, AccountTeamMember, Contact
from hierarchy import services
from hierarchy.models import Relationship
from tenancy.context import tenant_context
from tests.tenancy.factories import TenantFactory, TenantOwnedFactory, UserFactory


class AccountFactory(TenantOwnedFactory):
    class Meta:
        model = Account

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Customer {n} Ltd")


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    tenant = factory.LazyAttribute(lambda o: o.account.tenant)
    full_name = factory.Sequence(lambda n: f"Contact Person {n}")
    email = factory.Sequence(lambda n: f"contact{n}@customer.example")


class TeamMemberFactory(TenantOwnedFactory):
    class Meta:
        model = AccountTeamMember

    account = factory.SubFactory(AccountFactory)
    tenant = factory.LazyAttribute(lambda o: o.account.tenant)
    user = factory.SubFactory(UserFactory)


def make_relationship(*, user, contact, owner=None) -> Relationship:
    """Through the service (so the same validation applies), inside the contact's tenant."""
    with tenant_context(contact.tenant_id):
        return services.relationship_create(user=user, contact=contact, owner=owner)


def assess(relationship, level, *, by=None, source="self", at=None, evidence="Seen in the quarterly review."):
    with tenant_context(relationship.tenant_id):
        return services.assessment_record(
            relationship=relationship,
            level=level,
            evidence=evidence,
            assessed_by=by or relationship.user,
            source=source,
            assessed_at=at or timezone.now(),
        )


def leave(contact):
    """Marks `contact` as gone the way the app does (accounts' service, inside an open tenant scope) and
    delivers the after-commit contacts_left announcement hierarchy acts on."""
    from django.test import TestCase

    from accounts.services import contact_leave

    with TestCase.captureOnCommitCallbacks(execute=True):
        contact_leave(contact=contact)
