"""The API's role rule: the same role tuples as pages (tenancy.roles), a class per endpoint kind."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tenancy.access import membership_of
from tenancy.roles import ADMINS, EDITORS, roles_text


class TenantRoles(BasePermission):
    """A member of the token's tenant; `read_roles` to read (None: every member), `write_roles` to change."""

    read_roles = None
    write_roles = EDITORS

    def has_permission(self, request, view):
        membership = membership_of(request)
        if membership is None or request.user is None:
            return False
        roles = self.read_roles if request.method in SAFE_METHODS else self.write_roles
        return roles is None or membership.role in roles

    @property
    def message(self):
        return f"This needs the {roles_text(self.write_roles)} role."


class IsTenantMember(TenantRoles):
    """Every member reads; only admins and account managers write (the default for every endpoint)."""


class IsTenantAdmin(TenantRoles):
    write_roles = ADMINS


class IsTenantAdminToRead(TenantRoles):
    """Only tenant admins, reading too (the audit trail): others get 403 (they see the tenant anyway)."""

    read_roles = ADMINS
    write_roles = ADMINS
