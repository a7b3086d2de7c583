from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from keystone import views as keystone_views
from tenancy import contributions
from tenancy import views as tenancy_views
from tenancy.forms import InviteeAwarePasswordResetForm

# Each app mounts its urls inside the tenant, and its public_urls (token-addressed pages, no login: each
# opens its tenant's context from a signed token) at the root, where its AppConfig says.
tenant_patterns = [path("", keystone_views.dashboard, name="dashboard")] + [
    path(prefix, include(f"{app}.urls")) for app, prefix in contributions.declared("tenant_urls")
]
public_patterns = [path(prefix, include(f"{app}.public_urls")) for app, prefix in contributions.declared("public_urls")]

urlpatterns = [
    path("", tenancy_views.home, name="home"),
    path("login/", tenancy_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(template_name="tenancy/password_change.html"),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="tenancy/password_change_done.html"),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=InviteeAwarePasswordResetForm,
            template_name="tenancy/password_reset.html",
            email_template_name="tenancy/password_reset_email.txt",
            subject_template_name="tenancy/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="tenancy/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="tenancy/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="tenancy/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("healthz", keystone_views.healthz, name="healthz"),
    path("invitations/<str:token>/", tenancy_views.invitation_accept, name="invitation_accept"),
    path("healthz/ready", keystone_views.healthz_ready, name="healthz_ready"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("keystone.api_urls")),
    path("t/<slug:tenant_slug>/", include(tenant_patterns)),
    *public_patterns,
]

handler403 = "keystone.errors.permission_denied"
handler404 = "keystone.errors.not_found"
handler500 = "keystone.errors.server_error"
