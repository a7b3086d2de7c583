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

from tenancy.audit import audit_changes, audit_record, audit_record_many
from tenancy.context import tenant_context
from tenancy.models import ApiToken, AuditAction, BriefingDelivery, Invitation, Membership, Role, Tenant, User
from tenancy.tokens import INVITATION_PREFIX, generate_token, hash_token


@transaction.atomic
def tenant_create(
    *, name: str, slug: str, timezone_name: str = "UTC", admin_email: str | None = None, base_url: str = ""
) -> Tenant:
    """Platform operators only: a new tenant, and optionally its first admin (invited by e-mail)."""
    tenant = Tenant(name=name, slug=slug, timezone=timezone_name)
    tenant.full_clean()
    tenant.save()
    if admin_email:
        # The platform operator names the first admin: a member at once (no admin yet to see anything).
        with tenant_context(tenant.pk):
            _member_add_at_once(tenant=tenant, email=admin_email, role=Role.ADMIN, base_url=base_url)
    return tenant


def _admin_count() -> int:
    return Membership.objects.filter(role=Role.ADMIN).count()


def _user_for(email: str) -> User:
    """The account of this address; a new one (without a password yet) when there is none."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    return user


def _normalised(email: str, role: str) -> str:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    return User.objects.normalize_email(email.strip()).lower()


@transaction.atomic
def member_invite(*, tenant: Tenant, email: str, role: str, invited_by: User | None, base_url: str) -> Invitation:
    """Invites a person to the tenant: an invitation they accept from the link in the e-mail, never a
    membership at once. Until they accept, the tenant sees the address and "invited" only — whether the
    address already has an account, and the person's name, stay theirs. Someone without an account gets
    one, and the e-mail asks them to choose a password first."""
    email = _normalised(email, role)
    if Membership.objects.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {tenant.name}."})
    if Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True).exists():
        raise ValidationError({"email": f"{email} is already invited to {tenant.name}."})
    user = _user_for(email)
    raw = generate_token(tenant.pk, prefix=INVITATION_PREFIX)
    invitation = Invitation(tenant=tenant, email=email, role=role, invited_by=invited_by, key_hash=hash_token(raw))
    invitation.full_clean(exclude=["tenant"])
    invitation.save()
    audit_record(
        action=AuditAction.INVITATION_SENT, target=invitation, target_label=email, changes={"role": (None, role)}
    )
    needs_password = not user.has_usable_password()
    accept_link = base_url + reverse("invitation_accept", kwargs={"token": raw})
    transaction.on_commit(lambda: _send_invitation(tenant, user, needs_password, invited_by, base_url, accept_link))
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person joins the tenant with the role they were invited to. Only the person whose
    address was invited; the view answers 404 for anyone else, like for a wrong link."""
    if user.email.lower() != invitation.email.lower():
        raise ValidationError("This invitation is for another address.")
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        membership = Membership(tenant_id=locked.tenant_id, user=user, role=locked.role)
        membership.full_clean(exclude=["tenant"])
        membership.save()
        audit_record(
            action=AuditAction.MEMBER_JOINED,
            target=membership,
            target_label=user.email,
            changes={"role": (None, membership.role)},
        )
    if locked.accepted_at is None:
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at", "updated_at"])
    return membership


@transaction.atomic
def invitation_cancel(*, invitation: Invitation) -> None:
    if invitation.accepted_at is None:
        audit_record(
            action=AuditAction.INVITATION_WITHDRAWN,
            target=invitation,
            target_label=invitation.email,
            changes={"role": (invitation.role, None)},
        )
        invitation.delete()


def _member_add_at_once(*, tenant: Tenant, email: str, role: str, base_url: str) -> Membership:
    """Platform operators only (tenant_create): the first admin, a member at once."""
    user = _user_for(_normalised(email, role))
    membership = Membership(tenant=tenant, user=user, role=role)
    membership.full_clean(exclude=["tenant"])
    membership.save()
    audit_record(
        action=AuditAction.MEMBER_JOINED, target=membership, target_label=user.email, changes={"role": (None, role)}
    )
    needs_password = not user.has_usable_password()
    link = base_url + reverse("dashboard", kwargs={"tenant_slug": tenant.slug})
    transaction.on_commit(lambda: _send_invitation(tenant, user, needs_password, None, base_url, link))
    return membership


def _send_invitation(tenant, user, needs_password, invited_by, base_url, link):
    """Someone who never chose a password (new, or invited before and never signed in) gets a link to
    choose one first; then `link` (accept the invitation, or open the tenant)."""
    inviter = invited_by.get_full_name() if invited_by else "The Keystone team"
    body = f"{inviter} invited you to {tenant.name} on Keystone.\n\n"
    if needs_password:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        password_link = base_url + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        body += (
            f"First choose your password here (the link works once):\n{password_link}\n\n"
            f"Then sign in with {user.email}. Link expired or lost? Ask for a new one at\n"
            f"{base_url}{reverse('password_reset')}\n\n"
        )
    body += f"Accept the invitation and open {tenant.name} here:\n{link}"
    send_mail(f"You're invited to {tenant.name} on Keystone", body, None, [user.email])


@transaction.atomic
def member_change_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.ADMIN and role != Role.ADMIN and _admin_count() <= 1:
        raise ValidationError("A tenant needs at least one admin: make someone else admin first.")
    if locked.role != role:
        audit_record(
            action=AuditAction.MEMBER_ROLE_CHANGED,
            target=locked,
            target_label=locked.user.email,
            changes={"role": (locked.role, role)},
        )
    locked.role = role
    locked.save(update_fields=["role", "updated_at"])
    return locked


@transaction.atomic
def member_remove(*, membership: Membership) -> None:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.ADMIN and _admin_count() <= 1:
        raise ValidationError("You cannot remove the last admin of a tenant.")
    ApiToken.objects.filter(user_id=locked.user_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        action=AuditAction.MEMBER_REMOVED,
        target=locked,
        target_label=locked.user.email,
        changes={"role": (locked.role, None)},
    )
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
def tenant_update_settings(
    *,
    tenant: Tenant,
    name: str,
    timezone: str,
    briefing_lead_hours: int,
    briefing_delivery: str = BriefingDelivery.PER_VISIT,
    briefing_digest_hour: int = 7,
    currency: str | None = None,
) -> Tenant:
    fields = ["name", "timezone", "currency", "briefing_lead_hours", "briefing_delivery", "briefing_digest_hour"]
    before = {name: getattr(tenant, name) for name in fields}
    tenant.name = name.strip()
    tenant.timezone = timezone
    if currency:  # left out: unchanged
        tenant.currency = currency.upper()
    tenant.briefing_lead_hours = briefing_lead_hours
    tenant.briefing_delivery = briefing_delivery
    tenant.briefing_digest_hour = briefing_digest_hour
    tenant.full_clean()
    tenant.save(update_fields=fields)
    changes = audit_changes(before, {name: getattr(tenant, name) for name in fields})
    if changes:
        audit_record(action=AuditAction.TENANT_SETTINGS_CHANGED, target=tenant, changes=changes)
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
            leaving = Membership.objects.filter(user_id__in=user_ids).select_related("user")
            audit_record_many(
                (AuditAction.MEMBER_REMOVED, membership, {"role": (membership.role, None)}, membership.user.email)
                for membership in leaving
            )
            collector = Collector(using=DEFAULT_DB_ALIAS)
            collector.collect([User(pk=pk) for pk in user_ids])  # fresh: a delete clears pk on its objects
            collector.delete()
    User.objects.filter(pk__in=user_ids).delete()  # and what is not a tenant's (sessions, admin log)
