"""tenancy.access.found and tenancy.api_permissions: the role rule written once for pages and the API."""

from types import SimpleNamespace

import pytest
from django.http import Http404

from tenancy.access import editors_if, found
from tenancy.api_permissions import IsTenantAdmin, IsTenantAdminToRead, IsTenantMember
from tenancy.models import Role
from tenancy.roles import ADMINS, EDITORS, RoleRequired


def _member(role):
    return SimpleNamespace(role=role, user_id=1)


def test_missing_object_or_member_is_404_before_any_role_check():
    with pytest.raises(Http404):
        found(None, _member(Role.VIEWER), roles=ADMINS)
    with pytest.raises(Http404):
        found(object(), None)


def test_a_found_object_refuses_a_role_by_naming_the_roles_that_can():
    obj = object()
    assert found(obj, _member(Role.VIEWER)) is obj
    assert found(obj, _member(Role.MANAGER), roles=editors_if(True)) is obj
    with pytest.raises(RoleRequired) as refused:
        found(obj, _member(Role.VIEWER), roles=editors_if(True), action="Changing it")
    assert refused.value.roles == EDITORS and "Changing it" in str(refused.value)
    with pytest.raises(RoleRequired):
        found(obj, _member(Role.MANAGER), roles=editors_if(True, ADMINS))
    assert editors_if(False) == ()


@pytest.mark.parametrize(
    ("permission", "role", "method", "allowed"),
    [
        (IsTenantMember, Role.VIEWER, "GET", True),
        (IsTenantMember, Role.VIEWER, "POST", False),
        (IsTenantMember, Role.MANAGER, "POST", True),
        (IsTenantAdmin, Role.MANAGER, "GET", True),
        (IsTenantAdmin, Role.MANAGER, "PATCH", False),
        (IsTenantAdmin, Role.ADMIN, "PATCH", True),
        (IsTenantAdminToRead, Role.EXECUTIVE, "GET", False),
        (IsTenantAdminToRead, Role.ADMIN, "GET", True),
    ],
)
def test_the_api_asks_for_the_same_roles(permission, role, method, allowed):
    request = SimpleNamespace(method=method, user=object(), _request=SimpleNamespace(membership=_member(role)))
    assert permission().has_permission(request, view=None) is allowed
    no_member = SimpleNamespace(method="GET", user=object(), _request=SimpleNamespace(membership=None))
    assert permission().has_permission(no_member, view=None) is False
