import datetime as dt

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tenancy import health, services
from tenancy.access import access_api_token_by_id, access_invitation_by_id, access_membership_by_id
from tenancy.context import tenant_context
from tenancy.decorators import tenant_view
from tenancy.forms import (
    ApiTokenForm,
    add_errors,
    AuditFilterForm,
    ChangeRoleForm,
    InviteMemberForm,
    TenantSettingsForm,
    ThrottledLoginForm,
)
from tenancy.models import ApiToken, Invitation, Membership, Tenant
from tenancy.paging import CappedPaginator
from tenancy.tokens import INVITATION_PREFIX, hash_token, tenant_id_of
from tenancy.selectors import audit_entries, audit_kinds, memberships_of_user


class LoginView(auth_views.LoginView):
    form_class = ThrottledLoginForm
    template_name = "tenancy/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    """After login: straight into the only tenant, or the picker when there are several."""
    memberships = memberships_of_user(request.user)
    if len(memberships) == 1:
        return redirect("dashboard", tenant_slug=memberships[0].tenant.slug)
    return render(request, "tenancy/picker.html", {"memberships": memberships})


@tenant_view(admin=True)
def members(request):
    form = InviteMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_invite(
                tenant=request.tenant,
                invited_by=request.user,
                base_url=request.build_absolute_uri("/")[:-1],
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("members", tenant_slug=request.tenant.slug)
    rows = Membership.objects.select_related("user").order_by("user__email")
    # Waiting invitations show the address only: nothing of the person's account, if they have one.
    invited = Invitation.objects.filter(accepted_at__isnull=True).order_by("email").only("pk", "email", "role")
    return render(
        request,
        "tenancy/members.html",
        {"form": form, "rows": rows, "invited": invited, "roles": ChangeRoleForm.base_fields["role"].choices},
        status=400 if form.errors else 200,
    )


@require_POST
@tenant_view(admin=True)
def invitation_cancel(request, invitation_id):
    invitation = access_invitation_by_id(membership=request.membership, invitation_id=invitation_id, for_edit=True)
    services.invitation_cancel(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("members", tenant_slug=request.tenant.slug)


@login_required
def invitation_accept(request, token):
    """/invitations/<token>/ — the link in an invitation e-mail. Only the invited address's account may
    accept; a wrong, withdrawn or someone else's link is the same 404."""
    tenant_id = tenant_id_of(token, prefix=INVITATION_PREFIX)
    tenant = Tenant.objects.filter(pk=tenant_id).first() if tenant_id else None
    if tenant is None:
        raise Http404("No such invitation.")
    with tenant_context(tenant.pk, user_id=request.user.pk):
        invitation = Invitation.objects.select_related("invited_by").filter(key_hash=hash_token(token)).first()
        if invitation is None or invitation.email.lower() != request.user.email.lower():
            raise Http404("No such invitation.")
        if request.method == "POST" or invitation.accepted_at is not None:
            services.invitation_accept(invitation=invitation, user=request.user)
            return redirect("dashboard", tenant_slug=tenant.slug)
        return render(request, "tenancy/invitation_accept.html", {"tenant": tenant, "invitation": invitation})


@require_POST
@tenant_view(admin=True)
def member_role(request, membership_id):
    membership = access_membership_by_id(membership=request.membership, membership_id=membership_id, for_edit=True)
    form = ChangeRoleForm(request.POST)
    if form.is_valid():
        try:
            services.member_change_role(membership=membership, role=form.cleaned_data["role"])
            messages.success(
                request,
                f"{membership.user.email} is now {dict(form.fields['role'].choices)[form.cleaned_data['role']]}.",
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("members", tenant_slug=request.tenant.slug)


@require_POST
@tenant_view(admin=True)
def member_remove(request, membership_id):
    membership = access_membership_by_id(membership=request.membership, membership_id=membership_id, for_edit=True)
    try:
        services.member_remove(membership=membership)
        messages.success(request, f"{membership.user.email} was removed from {request.tenant.name}.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("members", tenant_slug=request.tenant.slug)


@tenant_view(admin=True)
def tenant_settings(request):
    tenant = request.tenant
    initial = {
        "name": tenant.name,
        "timezone": tenant.timezone,
        "currency": tenant.currency,
        "briefing_lead_hours": tenant.briefing_lead_hours,
        "briefing_delivery": tenant.briefing_delivery,
        "briefing_digest_hour": tenant.briefing_digest_hour,
    }
    form = TenantSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.tenant_update_settings(tenant=tenant, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("tenant_settings", tenant_slug=tenant.slug)
    return render(
        request,
        "tenancy/settings.html",
        {"form": form, "jobs": health.jobs_status()},
        status=400 if form.errors else 200,
    )


AUDIT_PAGE_SIZE = 50


@tenant_view(admin=True)
def audit_log(request):
    """Who changed what, when, from what to what: the tenant's audit trail, for its admins."""
    members = Membership.objects.select_related("user").order_by("user__email")
    form = AuditFilterForm(
        request.GET or None, kinds=audit_kinds(), members=[(m.user_id, m.user.email) for m in members]
    )
    filters = {}
    if form.is_bound and form.is_valid():
        zone = timezone.get_current_timezone()  # the tenant's: a day ends at its midnight
        data = form.cleaned_data
        filters = {
            "kind": data["kind"],
            "actor_id": data["actor"],
            "since": dt.datetime.combine(data["since"], dt.time.min, tzinfo=zone) if data["since"] else None,
            "until": (
                dt.datetime.combine(data["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
                if data["until"]
                else None
            ),
        }
    entries = audit_entries(**filters) if not form.errors else audit_entries().none()
    page = CappedPaginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tenancy/audit_log.html", {"form": form, "page": page}, status=400 if form.errors else 200)


@never_cache
@tenant_view
def api_tokens(request):
    # Post/redirect/get: reloading the page never creates a second token. The raw token crosses the
    # redirect in the (server-side) session and is shown on the next page only.
    session_key = f"new-api-token:{request.tenant.pk}"
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _, raw = services.api_token_create(tenant=request.tenant, user=request.user, name=form.cleaned_data["name"])
        request.session[session_key] = raw
        return redirect("api_tokens", tenant_slug=request.tenant.slug)
    new_token = request.session.pop(session_key, None) if request.method == "GET" else None
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "tenancy/api_tokens.html", {"form": form, "tokens": tokens, "new_token": new_token})


@require_POST
@tenant_view
def api_token_revoke(request, token_id):
    token = access_api_token_by_id(membership=request.membership, token_id=token_id, for_edit=True)
    services.api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("api_tokens", tenant_slug=request.tenant.slug)


def reverse_tenant(name, tenant, *args):
    return reverse(name, args=[tenant.slug, *args])
