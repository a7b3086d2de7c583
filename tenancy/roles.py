"""Refusing an action for the member's role, inside their own tenant: 403 with a page that names the
roles that can and the tenant's admins (keystone.errors.permission_denied). The member sees the tenant
anyway, so nothing is revealed. A missing id, another tenant's id and an object hidden by a team rule
stay 404: a role refusal for a URL about an object is only given once that object is found here.

Which object a URL keyword names is registered by each app (`url_objects(...)` in its AppConfig.ready),
so `tenant_view(editor=True)` can tell "exists, but not for your role" (403) from "missing" (404)
before the view runs. A keyword nobody registered keeps the 404: refusals fail closed."""

from django.apps import apps
from django.core.exceptions import PermissionDenied

from tenancy.models import Membership, Role

EDITORS = (Role.ADMIN, Role.MANAGER)
ADMINS = (Role.ADMIN,)

_URL_OBJECTS: dict[tuple[str, str], tuple[str, str]] = {}


class RoleRequired(PermissionDenied):
    def __init__(self, roles=EDITORS, action: str = "", note: str = ""):
        self.roles = tuple(Role(role) for role in roles)
        self.action = action
        self.note = note  # another way to be allowed, e.g. "as an attendee of the visit"
        super().__init__(f"{action or 'This'} needs the {roles_text(self.roles)} role.")


def roles_text(roles) -> str:
    labels = [Role(role).label for role in roles]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def require_role(membership: Membership, roles=EDITORS, action: str = "") -> None:
    """Call after the object is found (a missing one is 404 first)."""
    if membership is None or membership.role not in roles:
        raise RoleRequired(roles, action)


def url_objects(app: str, **models: str) -> None:
    """`url_objects("plans", plan_id="plans.AccountPlan")`: in app `app`'s URLs, keyword plan_id names
    an AccountPlan by primary key; "label:field" looks up another field (batch_key → "accounts.ImportBatch:key")."""
    for keyword, target in models.items():
        label, _, field = target.partition(":")
        _URL_OBJECTS[(app, keyword)] = (label, field or "pk")


def url_objects_exist(app: str, kwargs: dict) -> bool:
    """Whether every object the URL names exists in the current tenant (scoped managers filter by it)."""
    for keyword, value in kwargs.items():
        target = _URL_OBJECTS.get((app, keyword)) or _URL_OBJECTS.get(("*", keyword))
        if target is None:
            return False
        label, field = target
        if not apps.get_model(label).objects.filter(**{field: value}).exists():
            return False
    return True
