"""Demo data: two tenants, a user for every role in each, one user in both. Each app adds a step with its
`demo` hook (tenancy.contributions): `seed(tenant, users, rng)` runs inside that tenant's context, in
INSTALLED_APPS order, and must be safe to repeat."""

import random
from dataclasses import dataclass

from django.db import transaction

from tenancy import contributions
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant, User

DEMO_PASSWORD = "keystone-demo"

TENANTS = [
    ("northwind", "Northwind Systems", "Europe/London", "GBP"),
    ("alpine", "Alpine Analytics", "Europe/Zurich", "CHF"),
]
PEOPLE = {
    Role.ADMIN: "Alex Admin",
    Role.MANAGER: "Morgan Manager",
    Role.EXECUTIVE: "Erin Executive",
    Role.VIEWER: "Val Viewer",
}
SHARED_USER = ("sam@consulting.example", "Sam Shared")


@dataclass
class DemoLogin:
    email: str
    tenants: list[str]


def _user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name)
    return user


@transaction.atomic
def seed(tenants=TENANTS) -> list[DemoLogin]:
    """`tenants`: all demo tenants by default; the browser crawl seeds only the one it walks."""
    logins: dict[str, DemoLogin] = {}
    for slug, name, tz, currency in tenants:
        tenant, _ = Tenant.objects.get_or_create(
            slug=slug, defaults={"name": name, "timezone": tz, "currency": currency}
        )
        users = {}
        with tenant_context(tenant.pk):
            for role, full_name in PEOPLE.items():
                email = f"{role}@{slug}.example"
                users[role] = _user(email, f"{full_name} ({name.split()[0]})")
                Membership.objects.get_or_create(tenant=tenant, user=users[role], defaults={"role": role})
                logins.setdefault(email, DemoLogin(email, [])).tenants.append(f"{name} ({role})")
            shared = _user(*SHARED_USER)
            Membership.objects.get_or_create(tenant=tenant, user=shared, defaults={"role": Role.MANAGER})
            logins.setdefault(shared.email, DemoLogin(shared.email, [])).tenants.append(f"{name} (manager)")
            rng = random.Random(f"keystone-demo-{slug}")
            for step in contributions.functions("demo"):
                step(tenant, users, rng)
    return list(logins.values())
