"""URLs inside a tenant: mounted at /t/<tenant_slug>/."""

from django.urls import path

from tenancy import views

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<int:invitation_id>/cancel/", views.invitation_cancel, name="invitation_cancel"),
    path("settings/", views.tenant_settings, name="tenant_settings"),
    path("audit/", views.audit_log, name="audit_log"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
