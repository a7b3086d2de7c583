"""Tenants, users, memberships and API tokens; the abstract base every tenant-owned model inherits."""

import unicodedata
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_scopes import ScopedManager


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address. Platform-level: belongs to tenants via Membership."""

    email = models.EmailField("e-mail address", max_length=254, unique=True, help_text="Stored lower-case.")
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Platform operator: may use the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def save(self, *args, **kwargs):
        self.email = (self.email or "").lower()  # one spelling per address: login is case-insensitive
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (use an IANA name such as Europe/Berlin).")


class BriefingDelivery(models.TextChoices):
    PER_VISIT = "per_visit", "One e-mail per visit, when its briefing window opens"
    MORNING = "morning", "One morning digest: every visit whose window opens before the next morning"


def validate_one_line(value):
    """No line breaks, tabs or other control characters: the name goes into e-mail subjects, where a
    line break is a header injection (Django then refuses to send anything)."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError("Use one line of text: no line breaks, tabs or control characters.", code="one_line")


class Tenant(models.Model):
    """A vendor company sharing the deployment. Not itself tenant-owned: it is the tenant."""

    name = models.CharField(max_length=120, validators=[validate_one_line])
    slug = models.SlugField(max_length=50, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO code, e.g. GBP.")],
        help_text="The tenant's currency: new opportunities and financial periods start in it, and the ratings' "
        "money criteria count amounts in it (amounts in other currencies are never added to them).",
    )
    briefing_lead_hours = models.PositiveSmallIntegerField(
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text="How many hours before a visit its executives receive the briefing.",
    )
    briefing_delivery = models.CharField(
        max_length=16,
        choices=BriefingDelivery.choices,
        default=BriefingDelivery.PER_VISIT,
        help_text="One e-mail per visit, or one morning digest with every visit whose briefing is due that day.",
    )
    briefing_digest_hour = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(23)],
        help_text="With the morning digest: the hour (tenant time) it is sent.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("dashboard", kwargs={"tenant_slug": self.slug})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The tenant's time zone: pages show its days and times, manual ratings end at its midnight."""
        return zoneinfo.ZoneInfo(self.timezone or "UTC")


class TenantModel(models.Model):
    """Base of every tenant-owned model: tenant FK, timestamps and the fail-closed scoped manager.

    Outside `tenant_context()` (or django-scopes' `scope(tenant=…)`) any query raises ScopeError;
    on PostgreSQL, row-level security filters the same rows a second time.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(tenant="tenant")

    class Meta:
        abstract = True


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Account manager"
    EXECUTIVE = "executive", "Executive"
    VIEWER = "viewer", "Viewer"


class Membership(TenantModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_tenant_user_unique")]
        indexes = [models.Index(fields=["tenant", "role"], name="membership_tenant_role_idx")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    @property
    def can_edit(self):
        """Admins and account managers change data; executives and viewers read."""
        return self.role in (Role.ADMIN, Role.MANAGER)

    @property
    def sees_all_financials(self):
        return self.role in (Role.ADMIN, Role.EXECUTIVE)


class Invitation(TenantModel):
    """An invitation to join the tenant, waiting for the person to accept it. Until then the tenant sees
    only the address and "invited": not whether the address has an account, nor the person's name.
    Only the SHA-256 of the link's secret is stored."""

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    key_hash = models.CharField(max_length=64)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key_hash"], name="invitation_tenant_hash_unique")]
        indexes = [models.Index(fields=["tenant", "email", "accepted_at"], name="invitation_tenant_email_idx")]

    def __str__(self):
        return f"{self.email} (invited)"


class ApiToken(TenantModel):
    """A personal API token bound to one tenant. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=24, help_text="The first characters, to recognise a token.")
    key_hash = models.CharField(max_length=64)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key_hash"], name="apitoken_tenant_hash_unique")]
        indexes = [models.Index(fields=["tenant", "user", "revoked_at"], name="apitoken_tenant_user_idx")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class OutboxMessage(TenantModel):
    """A task that a write started, recorded in the write's own transaction (tenancy.outbox): sent to
    the broker after commit, sent again by the sweep until a worker has run it once."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True, help_text="After the tenant id; ids only.")
    kwargs = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(
        max_length=200, blank=True, help_text="While a message with this key waits to start, no second one is recorded."
    )
    not_before = models.DateTimeField(help_text="Due from then (the debounce countdown).")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to the broker.")
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="Given up after too many failed runs.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "dedupe_key"],
                name="outbox_one_waiting_per_key",
                condition=models.Q(started_at__isnull=True) & ~models.Q(dedupe_key=""),
            ),
        ]
        indexes = [
            # The sweep's and the health check's platform read (all tenants): only the rows not done.
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(done_at__isnull=True, failed_at__isnull=True),
            ),
            models.Index(fields=["tenant", "done_at"], name="outbox_tenant_done_idx"),
        ]

    def __str__(self):
        return f"{self.task_name}{self.args} #{self.pk}"


class Heartbeat(models.Model):
    """When a Celery worker or beat was last seen (platform table: processes, not tenants)."""

    class Kind(models.TextChoices):
        WORKER = "worker", "Worker"
        BEAT = "beat", "Beat"

    name = models.CharField(max_length=200, unique=True, help_text="beat, or the worker's node name.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class AuditAction(models.TextChoices):
    """What an audit entry records. The prefix before the dot is the kind of object changed."""

    MEMBER_JOINED = "member.joined", "Member joined"
    MEMBER_ROLE_CHANGED = "member.role_changed", "Member's role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    INVITATION_SENT = "invitation.sent", "Invitation sent"
    INVITATION_WITHDRAWN = "invitation.withdrawn", "Invitation withdrawn"
    TENANT_SETTINGS_CHANGED = "tenant.settings_changed", "Tenant settings changed"
    HIERARCHY_MODEL_SWITCHED = "hierarchy.model_switched", "Hierarchy model switched"
    HIERARCHY_LEVEL_EDITED = "hierarchy.level_edited", "Hierarchy level edited"
    GUIDANCE_SET = "guidance.set", "Guidance changed"
    GUIDANCE_RESET = "guidance.reset", "Guidance reset to the default"
    COVERAGE_SETTINGS_CHANGED = "coverage.settings_changed", "Coverage settings changed"
    RATING_POLICY_DRAFT_SAVED = "rating_policy.draft_saved", "Rating policy draft saved"
    RATING_POLICY_ACTIVATED = "rating_policy.activated", "Rating policy activated"
    RATING_POLICY_DISCARDED = "rating_policy.discarded", "Rating policy draft discarded"
    MANUAL_RATING_SET = "manual_rating.set", "Manual rating set"
    MANUAL_RATING_CLEARED = "manual_rating.cleared", "Manual rating removed"
    MANUAL_RATING_EXPIRED = "manual_rating.expired", "Manual rating ended"
    ACCOUNT_OWNER_CHANGED = "account.owner_changed", "Account owner changed"
    ACCOUNT_STATUS_CHANGED = "account.status_changed", "Account status changed"
    ACCOUNT_CLASSIFIED = "account.classified", "Account classified"
    TEAM_MEMBER_ADDED = "team.member_added", "Added to an account team"
    TEAM_ROLE_CHANGED = "team.role_changed", "Account team role changed"
    TEAM_MEMBER_REMOVED = "team.member_removed", "Removed from an account team"


class AuditEntry(TenantModel):
    """One change an admin may need to account for: who (the user of the tenant context, or the system),
    what (`action` on a target), when (`created_at`), from what to what (`changes`). Written by
    tenancy.audit.audit_record() in the same transaction as the change itself. Append-only: the database
    refuses UPDATE and DELETE (tenancy.append_only); the rows go only when their tenant is deleted."""

    # Deleting the tenant deletes its trail in the database (ON DELETE CASCADE), not row by row from
    # Python, which the append-only trigger would refuse.
    tenant = models.ForeignKey(Tenant, on_delete=models.DB_CASCADE, related_name="+", editable=False)
    # No database constraint and no cascade: the trail outlives the people in it (deleting a user must
    # not have to update or delete rows that cannot change). `actor_label` keeps their address.
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_label = models.CharField(max_length=254, help_text="The actor's e-mail address then, or 'system'.")
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    target_type = models.CharField(max_length=64, help_text="The kind of object changed, e.g. account.")
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=200, blank=True, help_text="The object's name then.")
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [from, to]}")

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"], name="audit_tenant_time_idx"),
            models.Index(fields=["tenant", "action", "-created_at"], name="audit_tenant_action_idx"),
            models.Index(fields=["tenant", "actor", "-created_at"], name="audit_tenant_actor_idx"),
            models.Index(fields=["tenant", "target_type", "target_id"], name="audit_tenant_target_idx"),
        ]

    def __str__(self):
        return f"{self.actor_label} {self.action} {self.target_label}"
