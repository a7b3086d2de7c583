from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsTenantMember(BasePermission):
    """Every member reads; only admins and account managers write."""

    message = "Your role in this tenant may read but not change data."

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None)
        if membership is None or request.user is None:
            return False
        return request.method in SAFE_METHODS or membership.can_edit


class IsTenantAdmin(BasePermission):
    message = "Only tenant admins may do this."

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None)
        return membership is not None and (request.method in SAFE_METHODS or membership.is_admin)


class IsTenantAdminToRead(BasePermission):
    """Only tenant admins, reading too (the audit trail): others get 403 (they see the tenant anyway)."""

    message = "Only tenant admins may read the audit log."

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None)
        return membership is not None and membership.is_admin
