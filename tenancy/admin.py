"""Django admin: for platform operators (superusers) only. Tenant admins manage their members in the
app itself and never see another tenant here."""

from django.contrib import admin, messages
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserCreationForm, UserChangeForm

from tenancy.context import tenant_context
from tenancy.forms import ThrottledAdminLoginForm
from tenancy.models import Membership, Tenant, User
from tenancy.services import users_delete


def _superusers_only(request):
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only
admin.site.site_header = "Keystone platform administration"
admin.site.login_form = ThrottledAdminLoginForm  # /admin/login/ counts failures like /login/


def _is_tenant_id(object_id) -> bool:
    return isinstance(object_id, str) and object_id.isascii() and object_id.isdigit()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "role"]

    def get_queryset(self, request):
        return Membership.objects.all()  # the change view runs inside the tenant's context


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "briefing_lead_hours", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    # Editing one tenant's members happens inside that tenant's context (scope + app.tenant_id);
    # these are platform places listed in docs/architecture.md.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if not _is_tenant_id(object_id):  # add form, or not an id: Django answers "does not exist"
            return super().changeform_view(request, object_id, form_url, extra_context)
        with tenant_context(object_id):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
            return response

    def delete_view(self, request, object_id, extra_context=None):
        if not _is_tenant_id(object_id):
            return super().delete_view(request, object_id, extra_context)
        with tenant_context(object_id):
            response = super().delete_view(request, object_id, extra_context)
            if hasattr(response, "render"):
                response.render()
            return response


class KeystoneUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name"]


class KeystoneUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = KeystoneUserChangeForm
    add_form = KeystoneUserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser", "date_joined", "last_login"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name"]}),
        ("Platform", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    filter_horizontal = []

    # Deleting a person: their rows in every tenant go too (services.users_delete, tenant by tenant:
    # row-level security hides them from a plain cascade, which then fails at commit).
    def delete_model(self, request, obj):
        users_delete(user_ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        users_delete(user_ids=list(queryset.values_list("pk", flat=True)))

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ProtectedError, RestrictedError) as exc:
            return self._refused(request, exc, reverse("admin:tenancy_user_change", args=[object_id]))

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (ProtectedError, RestrictedError) as exc:
            return self._refused(request, exc, request.get_full_path())

    def _refused(self, request, exc, back):
        kinds = sorted(
            {
                str(type(o)._meta.verbose_name_plural)
                for o in getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", [])
            }
        )
        self.message_user(
            request,
            f"Not deleted: tenant data still refers to this person ({', '.join(kinds)}). Reassign or remove it first.",
            messages.ERROR,
        )
        return HttpResponseRedirect(back)
