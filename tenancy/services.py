"""Writes with a business meaning for tenants, members and API tokens."""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.deletion import Collector
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenancy.context import tenant_context
from tenancy.models import ApiToken, BriefingDelivery, Membership, Role, Tenant, User
from tenancy.tokens import generate_token, hash_token


@transaction.atomic
def tenant_create(*, name: str, slug: str, timezone_name: str = "UTC", admin_email: str | None = None,
                  base_url: str = "") -> Tenant:
    """Platform operators only: a new tenant, and optionally its first admin (invited by e-mail)."""
    tenant = Tenant(name=name, slug=slug, timezone=timezone_name)
    tenant.full_clean()
    tenant.save()
    if admin_email:
        with tenant_context(tenant.pk):
            member_invite(tenant=tenant, email=admin_email, role=Role.ADMIN, invited_by=None, base_url=base_url)
    return tenant


def _admin_count() -> int:
    return Membership.objects.filter(role=Role.ADMIN).count()


def member_invite(*, tenant: Tenant, email: str, role: str, invited_by: User | None, base_url: str) -> Membership:
    """Adds a person to the tenant. Someone new gets an account and a link to choose a password."""
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(email=email)
            user.set_unusable_password()
            user.full_clean()
            user.save()
        if Membership.objects.filter(user=user).exists():
            raise ValidationError({"email": f"{email} is already a member of {tenant.name}."})
        membership = Membership(tenant=tenant, user=user, role=role)
        membership.full_clean(exclude=["tenant"])
        membership.save()
        # Someone who never chose a password (new, or invited before and removed) gets a link to
        # choose one; someone who signs in already gets a link to the tenant.
        needs_password = not user.has_usable_password()
        transaction.on_commit(lambda: _send_invitation(tenant, user, needs_password, invited_by, base_url))
    return membership


def _send_invitation(tenant, user, needs_password, invited_by, base_url):
    inviter = invited_by.get_full_name() if invited_by else "The Keystone team"
    if needs_password:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = base_url + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        body = (f"{inviter} invited you to {tenant.name} on Keystone.\n\n"
                f"Choose your password here (the link works once):\n{link}\n\n"
                f"Then sign in with {user.email}. Link expired or lost? Ask for a new one at\n"
                f"{base_url}{reverse('password_reset')}")
    else:
        link = base_url + reverse("dashboard", kwargs={"tenant_slug": tenant.slug})
        body = f"{inviter} added you to {tenant.name} on Keystone.\n\nOpen it here:\n{link}"
    send_mail(f"You're invited to {tenant.name} on Keystone", body, None, [user.email])


@transaction.atomic
def member_change_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.ADMIN and role != Role.ADMIN and _admin_count() <= 1:
        raise ValidationError("A tenant needs at least one admin: make someone else admin first.")
    locked.role = role
    locked.save(update_fields=["role", "updated_at"])
    return locked


@transaction.atomic
def member_remove(*, membership: Membership) -> None:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.ADMIN and _admin_count() <= 1:
        raise ValidationError("You cannot remove the last admin of a tenant.")
    ApiToken.objects.filter(user_id=locked.user_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    locked.delete()


@transaction.atomic
def api_token_create(*, tenant: Tenant, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown to the user exactly once."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the integration that uses it."})
    raw = generate_token(tenant.pk)
    token = ApiToken(tenant=tenant, user=user, name=name, prefix=raw[:16], key_hash=hash_token(raw))
    token.full_clean(exclude=["tenant"])
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])


@transaction.atomic
def tenant_update_settings(*, tenant: Tenant, name: str, timezone: str, briefing_lead_hours: int,
                           briefing_delivery: str = BriefingDelivery.PER_VISIT, briefing_digest_hour: int = 7) -> Tenant:
    tenant.name = name.strip()
    tenant.timezone = timezone
    tenant.briefing_lead_hours = briefing_lead_hours
    tenant.briefing_delivery = briefing_delivery
    tenant.briefing_digest_hour = briefing_digest_hour
    tenant.full_clean()
    tenant.save(update_fields=["name", "timezone", "briefing_lead_hours", "briefing_delivery", "briefing_digest_hour"])
    return tenant


@transaction.atomic
def users_delete(*, user_ids: list[int]) -> None:
    """Platform operators only (Django admin): deletes people and, in every tenant, what hangs off
    them (memberships, tokens, team seats; SET_NULL references cleared). Row-level security hides
    each tenant's rows from a cascade run without a tenant, so the cascade runs once per tenant, all
    in one transaction (the foreign keys are checked at its commit). ProtectedError/RestrictedError
    when something in a tenant must not go; nothing is deleted then."""
    for tenant_id in Tenant.objects.order_by("pk").values_list("pk", flat=True):
        with tenant_context(tenant_id):
            collector = Collector(using=DEFAULT_DB_ALIAS)
            collector.collect([User(pk=pk) for pk in user_ids])  # fresh: a delete clears pk on its objects
            collector.delete()
    User.objects.filter(pk__in=user_ids).delete()  # and what is not a tenant's (sessions, admin log)
