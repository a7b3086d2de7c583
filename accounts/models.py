"""Customer accounts, their people, our team on them, and their financials."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from tenancy.models import TenantModel

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(6)]


class RevenueTier(models.TextChoices):
    PLATINUM = "platinum", "Platinum"
    GOLD = "gold", "Gold"
    SILVER = "silver", "Silver"
    BRONZE = "bronze", "Bronze"
    LEAD = "lead", "Lead"


class Classification(models.TextChoices):
    STRATEGIC = "strategic", "Strategic"
    TACTICAL = "tactical", "Tactical"
    UNQUALIFIED = "unqualified", "Unqualified"


class Motivation(models.TextChoices):
    ACQUIRE = "acquire", "Acquire"
    RETAIN = "retain", "Retain"
    GROW = "grow", "Grow"


class RelationshipCategory(models.TextChoices):
    DEDICATED = "dedicated", "Dedicated personal assistance"
    PERSONAL = "personal", "Personal assistance"
    SELF_SERVICE = "self_service", "Self-service"
    AUTOMATED = "automated", "Automated services"
    COMMUNITY = "community", "Community"
    CO_CREATION = "co_creation", "Co-creation"


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    CUSTOMER = "customer", "Customer"
    DECLASSIFIED = "declassified", "Declassified"


class Coverage(models.TextChoices):
    """How we serve the account. Lower-rated and declassified accounts are not ignored: they move to a
    cheaper model with a contact cadence of its own (ratings' policy sets the cadences)."""

    FIELD_TEAM = "field_team", "Field team"
    INSIDE_SALES = "inside_sales", "Inside sales"
    SELF_SERVICE = "self_service", "Self-service"


class Rating(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Account(TenantModel):
    name = models.CharField(max_length=200)
    external_id = models.CharField(
        max_length=64, blank=True, help_text="The id in your CRM or ERP; CSV imports match on it."
    )
    industry = models.CharField(max_length=100, blank=True)
    segment = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revenue_tier = models.CharField(
        max_length=16,
        choices=RevenueTier.choices,
        blank=True,
        help_text="The size view. Independent of the strategic/tactical classification.",
    )
    classification = models.CharField(
        max_length=16,
        choices=Classification.choices,
        default=Classification.UNQUALIFIED,
        help_text="Strategic means future advantage to us, not size.",
    )
    classification_reason = models.TextField(blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    classified_at = models.DateTimeField(null=True, blank=True)
    motivation = models.CharField(max_length=16, choices=Motivation.choices, blank=True)
    relationship_category = models.CharField(max_length=16, choices=RelationshipCategory.choices, blank=True)
    potential_level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=LEVEL_VALIDATORS,
        help_text="The highest hierarchy level this customer could see us at.",
    )
    # Maintained by the hierarchy app (latest assessments rolled up); stored here so lists filter on an index.
    current_level = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Maintained by the ratings app; stored here for the same reason.
    rating = models.CharField(max_length=1, choices=Rating.choices, blank=True, editable=False)
    status = models.CharField(
        max_length=16,
        choices=AccountStatus.choices,
        default=AccountStatus.PROSPECT,
        help_text="Declassified is set by the declassification review, which records why.",
    )
    coverage = models.CharField(
        max_length=16,
        choices=Coverage.choices,
        default=Coverage.FIELD_TEAM,
        help_text="Field team: contact cadence by rating. Inside sales and self-service: "
        "the cadence the rating policy sets for them.",
    )
    # Partner programme membership as data (blank programme: not a partner).
    partner_programme = models.CharField(
        max_length=120, blank=True, help_text="The partner programme the account is in; blank when none."
    )
    partner_tier = models.CharField(max_length=60, blank=True, help_text="Its tier in that programme.")
    partner_since = models.DateField(null=True, blank=True, help_text="Member since.")
    partner_benefits = models.TextField(blank=True, help_text="What the programme gives them (and us).")
    reference_customer = models.BooleanField(default=False, help_text="May be cited to other prospects.")
    beachhead = models.BooleanField(
        "breakthrough / beachhead", default=False, help_text="Our first account in a new segment."
    )
    notes = models.TextField(blank=True)
    # Maintained by plans (call reports); the contact cadence counts from it.
    last_contact_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"], condition=~Q(external_id=""), name="account_tenant_external_id_unique"
            ),
        ]
        indexes = [
            # name + id: the default order, with the id as the tie-break that keeps pages stable; the id
            # in the index lets deep pages be found by an index-only scan (accounts.selectors).
            models.Index(fields=["tenant", "name", "id"], name="account_tenant_name_id_idx"),
            models.Index(fields=["tenant", "classification", "name"], name="account_tenant_class_idx"),
            models.Index(fields=["tenant", "revenue_tier", "name"], name="account_tenant_tier_idx"),
            models.Index(fields=["tenant", "owner", "name"], name="account_tenant_owner_idx"),
            models.Index(fields=["tenant", "status", "name"], name="account_tenant_status_idx"),
            models.Index(fields=["tenant", "rating", "name"], name="account_tenant_rating_idx"),
            models.Index(fields=["tenant", "current_level", "name"], name="account_tenant_level_idx"),
            # A search (or "only mine") hands the list a set of ids to sort by name: found here by an
            # index-only scan instead of one table fetch per match (2,500 for a common word at 100,000).
            models.Index(fields=["tenant", "id"], include=["name"], name="account_tenant_id_name_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:detail", args=[self.tenant.slug, self.pk])


class AccountSearchToken(TenantModel):
    """One lower-cased word of an account's name or external id: what the list's search looks up.

    On PostgreSQL a statement trigger keeps these rows in step with every INSERT/UPDATE of
    accounts_account (migration 0003), and an index on (tenant_id, token COLLATE "C", account_id)
    serves word-prefix search through leakproof comparisons, which row-level security lets use an
    index (ILIKE and pg_trgm's operators are not leakproof, so under FORCE ROW LEVEL SECURITY the
    planner never uses a trigram index for them). Other databases search with icontains instead.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["tenant", "account"], name="searchtoken_tenant_acct_idx")]

    def __str__(self):
        return self.token


class ClassificationChange(TenantModel):
    """History of strategic/tactical/unqualified decisions, with who decided and why."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="classification_changes")
    from_classification = models.CharField(max_length=16, choices=Classification.choices, blank=True)
    to_classification = models.CharField(max_length=16, choices=Classification.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["tenant", "account", "-created_at"], name="classchange_tenant_acct_idx")]

    def __str__(self):
        return f"{self.account}: {self.from_classification or '—'} → {self.to_classification}"


class Contact(TenantModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    external_id = models.CharField(max_length=64, blank=True)
    full_name = models.CharField(max_length=150)
    title = models.CharField(max_length=150, blank=True)
    department = models.CharField(max_length=100, blank=True)
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reports"
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(
        "still there", default=True, help_text="Untick when the person leaves; history stays."
    )
    left_on = models.DateField(null=True, blank=True)
    # Maintained by plans (call reports).
    last_contact_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"], condition=~Q(external_id=""), name="contact_tenant_external_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "full_name"], name="contact_tenant_account_idx"),
            models.Index(fields=["tenant", "full_name"], name="contact_tenant_name_idx"),
        ]

    def __str__(self):
        return self.full_name


class TeamRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
    SPECIALIST = "specialist", "Specialist"


class AccountTeamMember(TenantModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team_role = models.CharField(max_length=24, choices=TeamRole.choices, default=TeamRole.ACCOUNT_MANAGER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "account", "user"], name="team_tenant_account_user_unique")
        ]
        indexes = [models.Index(fields=["tenant", "user"], name="team_tenant_user_idx")]

    def __str__(self):
        return f"{self.user} — {self.get_team_role_display()}"


class FinancialPeriod(TenantModel):
    """Sensitive: visible to tenant admins, executives and the account's team only (accounts.access)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="financials")
    period_start = models.DateField()
    period_end = models.DateField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    margin_pct = models.DecimalField(
        "margin %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
    )
    discount_pct = models.DecimalField(
        "discount %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    currency = models.CharField(max_length=3, default="EUR")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "period_start"], name="financial_tenant_account_period_unique"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="financial_period_ordered"
            ),
        ]
        ordering = ["period_start"]

    def __str__(self):
        return f"{self.account} {self.period_start:%Y-%m}"


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"


class ImportBatch(TenantModel):
    """An uploaded CSV between preview and confirm: the parsed rows live here, server-side, under a
    random key, so the confirm step never trusts anything the browser sends back."""

    key = models.CharField(max_length=64, editable=False)
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    filename = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    columns = models.JSONField(default=list)
    rows = models.JSONField(default=list, help_text="[[row number, {column: value}], …] as parsed from the file.")
    applied_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="importbatch_tenant_key_unique")]
        indexes = [models.Index(fields=["tenant", "created_at"], name="importbatch_tenant_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} import {self.filename or self.key}"
