"""The hierarchy of how a customer sees us, per relationship.

- HierarchyModel / HierarchyLevel: the levels as data, per tenant (Buy-Sell Hierarchy by default, the
  6-level needs model also shipped). Exactly one model is active per tenant.
- Relationship: one of our users ↔ one of their contacts (unique per pair), with an owner.
- Assessment: append-only. Nothing updates or deletes a row (services, API, and on PostgreSQL a
  trigger). Each records the model it was made under. The current level of a relationship is the
  latest assessment *per source* made under the tenant's active model; it is copied onto Relationship
  (self_level / customer_level) by hierarchy.services.assessment_record, and recomputed for all
  relationships when another model is activated, so reads are single-table aggregates.
- SurveyInvitation: a signed, expiring, single-use link a contact answers without logging in.
- HierarchyAlert: a level drop, or a contact who left while holding one of the model's two top levels.
- HierarchyModelSwitch: who made which model the active one, and when (append-only).

Level numbers mean something only within their model, so rules that name a level are stated relative
to the active model's top level (see the helpers below): the two top levels are the "high" ones a
departure alert watches, and the climb from level 3 to 4 is the critical step.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tenancy.models import TenantModel

MAX_LEVELS = 6
LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(MAX_LEVELS)]
# The climb from this level to the next changes the relationship's nature: in the Buy-Sell Hierarchy
# from products and services (1-3) to the customer's business issues (4-5). The method names 3 -> 4 as
# the critical step; the needs model has the same turn (comfort -> personal recognition).
CRITICAL_CLIMB_FROM = 3


def high_level_from(top_level: int) -> int:
    """The lowest of the model's two top levels (Buy-Sell: 4 of 5; needs model: 5 of 6): losing a contact
    who holds one of them is what a departure alert is for."""
    return max(1, top_level - 1)


class ModelKind(models.TextChoices):
    BUY_SELL = "buy_sell", "Buy-Sell Hierarchy (5 levels)"
    NEEDS = "needs", "Needs model (6 levels)"


class HierarchyModel(TenantModel):
    kind = models.CharField(max_length=16, choices=ModelKind.choices)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind"], name="hiermodel_tenant_kind_unique"),
            models.UniqueConstraint(fields=["tenant"], condition=Q(is_active=True), name="hiermodel_tenant_one_active"),
        ]

    def __str__(self):
        return self.name


class HierarchyModelSwitch(TenantModel):
    """Append-only record of each change of the active model: the levels everyone sees change meaning."""

    from_model = models.ForeignKey(HierarchyModel, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    to_model = models.ForeignKey(HierarchyModel, on_delete=models.RESTRICT, related_name="+")
    switched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["tenant", "-created_at"], name="hiermodelswitch_tenant_at_idx")]

    def __str__(self):
        return f"{self.from_model or '—'} → {self.to_model} ({self.created_at:%Y-%m-%d %H:%M})"


class HierarchyLevel(TenantModel):
    model = models.ForeignKey(HierarchyModel, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField(validators=LEVEL_VALIDATORS)
    name = models.CharField(max_length=120)
    description = models.TextField(help_text="What this level means, from the customer's side.")
    signals = models.TextField(blank=True, help_text="How you can tell a relationship is at this level; one per line.")
    climb_playbook = models.TextField(
        blank=True,
        help_text="How to climb from this level to the next one; one practice per line. Empty on the top level.",
    )
    survey_statement = models.CharField(
        max_length=300,
        blank=True,
        help_text="The plain-language statement a customer picks in the survey when this level fits.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "model", "number"], name="hierlevel_tenant_model_number_unique"),
        ]
        ordering = ["model_id", "number"]

    def __str__(self):
        return f"{self.number}. {self.name}"

    @property
    def signal_list(self) -> list[str]:
        return [line.strip() for line in self.signals.splitlines() if line.strip()]

    @property
    def playbook_list(self) -> list[str]:
        return [line.strip() for line in self.climb_playbook.splitlines() if line.strip()]


class Source(models.TextChoices):
    SELF = "self", "Our view"
    CUSTOMER_SURVEY = "customer_survey", "Customer survey"


class Relationship(TenantModel):
    # account is the contact's account, copied so maps and roll-ups filter on one indexed column.
    account = models.ForeignKey("accounts.Account", on_delete=models.RESTRICT, related_name="relationships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.RESTRICT,
        related_name="+",
        help_text="Our person in this relationship.",
    )
    contact = models.ForeignKey("accounts.Contact", on_delete=models.RESTRICT, related_name="relationships")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who is accountable for developing this relationship.",
    )
    # Current level per source: the latest assessment of that source (maintained by assessment_record).
    self_level = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    self_assessed_at = models.DateTimeField(null=True, blank=True, editable=False)
    customer_level = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    customer_assessed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "contact"], name="relationship_tenant_user_contact_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account"], name="rel_tenant_acct_idx"),
            models.Index(fields=["tenant", "contact"], name="rel_tenant_contact_idx"),
            models.Index(fields=["tenant", "owner"], name="rel_tenant_owner_idx"),
        ]

    def __str__(self):
        return f"{self.user} ↔ {self.contact}"

    @property
    def effective_level(self) -> int | None:
        """The customer's own view when they have given one; ours until then."""
        return self.customer_level if self.customer_level is not None else self.self_level

    @property
    def gap(self) -> int | None:
        """Our view minus the customer's (positive: we think more of it than they do)."""
        if self.self_level is None or self.customer_level is None:
            return None
        return self.self_level - self.customer_level


class Assessment(TenantModel):
    """Append-only. Corrections are new assessments."""

    relationship = models.ForeignKey(Relationship, on_delete=models.RESTRICT, related_name="assessments")
    account = models.ForeignKey("accounts.Account", on_delete=models.RESTRICT, related_name="+")
    hierarchy_model = models.ForeignKey(HierarchyModel, on_delete=models.RESTRICT, related_name="+")
    level = models.PositiveSmallIntegerField(validators=LEVEL_VALIDATORS)
    evidence = models.TextField(help_text="What you saw or heard that shows this level.")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SELF)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        help_text="Empty for a customer's survey answer.",
    )
    assessed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(evidence=""), name="assessment_evidence_required"),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=MAX_LEVELS), name="assessment_level_range"),
        ]
        indexes = [
            models.Index(fields=["tenant", "relationship", "source", "-assessed_at"], name="assessment_tenant_rel_idx"),
            models.Index(fields=["tenant", "account", "assessed_at"], name="assessment_tenant_acct_idx"),
            models.Index(fields=["tenant", "assessed_at"], name="assessment_tenant_at_idx"),
        ]

    def __str__(self):
        return f"{self.relationship}: {self.level} ({self.get_source_display()}, {self.assessed_at:%Y-%m-%d})"


class SurveyInvitation(TenantModel):
    relationship = models.ForeignKey(Relationship, on_delete=models.RESTRICT, related_name="survey_invitations")
    account = models.ForeignKey("accounts.Account", on_delete=models.RESTRICT, related_name="+")
    email = models.EmailField(help_text="Where the link was sent.")
    nonce = models.CharField(max_length=64, editable=False, help_text="Random; part of the signed token.")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    assessment = models.OneToOneField(
        Assessment, null=True, blank=True, on_delete=models.RESTRICT, related_name="survey_invitation", editable=False
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "nonce"], name="survey_tenant_nonce_unique"),
        ]
        indexes = [
            models.Index(fields=["tenant", "relationship", "-created_at"], name="survey_tenant_rel_idx"),
            models.Index(fields=["tenant", "account", "-created_at"], name="survey_tenant_acct_idx"),
        ]

    def __str__(self):
        return f"Survey for {self.relationship} ({self.email})"


class AlertKind(models.TextChoices):
    LEVEL_DROP = "level_drop", "Level dropped"
    CONTACT_LEFT = "contact_left", "Contact left while holding a high level"


class HierarchyAlert(TenantModel):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="hierarchy_alerts")
    relationship = models.ForeignKey(
        Relationship, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    message = models.CharField(max_length=300)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "assessment"],
                condition=Q(assessment__isnull=False),
                name="hieralert_tenant_assessment_unique",
            ),
            models.UniqueConstraint(
                fields=["tenant", "relationship", "kind"],
                condition=Q(kind="contact_left"),
                name="hieralert_tenant_rel_left_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "acknowledged_at", "-created_at"], name="hieralert_tenant_open_idx"),
            models.Index(fields=["tenant", "account", "-created_at"], name="hieralert_tenant_acct_idx"),
        ]

    def __str__(self):
        return self.message

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
