"""Key players in the customer's buying team, what each needs to hear, and when coverage is thin.

- KeyPlayer: a contact's part in buying from us on one account: buying role, buying stage, concerns,
  stance, degree of influence and a hand-set last contact. One row per (tenant, account, contact).
  Linking a key player to an opportunity is done from the plans side (plans depends on keyplayers,
  never the other way round).
- Guidance: per tenant, for each buying role × buying stage, the communication it calls for, the next
  message and the typical concern. Stored rows override the defaults in keyplayers/defaults.py;
  a cell without a row uses the default (see selectors.guidance_matrix).
- CoverageSettings: per tenant, the minimum relationship level each buying role should have.
- KeyPlayerConcern: the log of concerns a key player raised and how we answered each ("diagnose before
  you prescribe"; an open concern is a yellow light: stop and answer it before going on). KeyPlayer.concerns
  is kept by the services as the open concerns, one a line, for the lists and the briefing.
- BuyingStageChange: when a key player's buying stage changed, from what to what, by whom.

Last contact rule: a key player's last contact is the *later* of the date set by hand here
(`last_contact_at`) and the contact's `Contact.last_contact_at`, which plans' call reports maintain.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from tenancy.models import TenantModel

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(6)]


class BuyingRole(models.TextChoices):
    EXECUTIVE = "executive", "Executive"
    MIDDLE_MANAGEMENT = "middle_management", "Middle management"
    OPERATIONAL = "operational", "Operational"
    PURCHASING = "purchasing", "Purchasing"


BUYING_ROLE_HELP = {
    BuyingRole.EXECUTIVE: "Holds power and budget; makes or ratifies the decision.",
    BuyingRole.MIDDLE_MANAGEMENT: "Delegated to run the buying process.",
    BuyingRole.OPERATIONAL: "The users of what is bought.",
    BuyingRole.PURCHASING: "The professional buyers.",
}


class BuyingStage(models.TextChoices):
    PLANNING = "planning", "Planning"
    DETERMINE_NEEDS = "determine_needs", "Determine needs"
    EVALUATE_ALTERNATIVES = "evaluate_alternatives", "Evaluate alternatives"
    EVALUATE_RISK = "evaluate_risk", "Evaluate risk"
    DECISION = "decision", "Decision"


class Stance(models.TextChoices):
    SUPPORTER = "supporter", "Supporter"
    NEUTRAL = "neutral", "Neutral"
    SKEPTIC = "skeptic", "Skeptic"
    BLOCKER = "blocker", "Blocker"


class Influence(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class KeyPlayer(TenantModel):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="key_players")
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.CASCADE,
        related_name="key_player_roles",
        help_text="A person at this account.",
    )
    buying_role = models.CharField(max_length=24, choices=BuyingRole.choices)
    buying_stage = models.CharField(max_length=24, choices=BuyingStage.choices, default=BuyingStage.PLANNING)
    concerns = models.TextField(
        blank=True,
        editable=False,
        help_text="The open concerns of the log (KeyPlayerConcern), one a line; kept by the services.",
    )
    stance = models.CharField(max_length=16, choices=Stance.choices, default=Stance.NEUTRAL)
    influence = models.CharField(
        "degree of influence", max_length=8, choices=Influence.choices, default=Influence.MEDIUM
    )
    last_contact_at = models.DateTimeField(
        "last contact (set by hand)",
        null=True,
        blank=True,
        help_text="Call reports update the contact's own last contact; the later of the two is shown.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "contact"], name="keyplayer_tenant_account_contact_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "buying_stage"], name="keyplayer_tenant_acct_idx"),
            models.Index(fields=["tenant", "contact"], name="keyplayer_tenant_contact_idx"),
            models.Index(fields=["tenant", "buying_role", "buying_stage"], name="keyplayer_tenant_role_idx"),
            models.Index(fields=["tenant", "stance", "influence"], name="keyplayer_tenant_stance_idx"),
        ]

    def __str__(self):
        return f"{self.contact} — {self.get_buying_role_display()}"

    def get_absolute_url(self):
        return reverse("keyplayers:board", args=[self.tenant.slug, self.account_id]) + f"#kp-{self.pk}"

    def clean(self):
        super().clean()
        if self.contact_id and self.account_id:
            contact = self.contact
            if contact.account_id != self.account_id:
                raise ValidationError(
                    {"contact": f"{contact} works at another account; pick a contact of this account."}
                )
            if self._state.adding and not contact.is_active:
                raise ValidationError({"contact": f"{contact} has left the company (marked as no longer there)."})

    @property
    def effective_last_contact_at(self):
        """The later of the hand-set date and the contact's last contact (from call reports)."""
        from_calls = self.contact.last_contact_at
        if self.last_contact_at is None:
            return from_calls
        if from_calls is None:
            return self.last_contact_at
        return max(self.last_contact_at, from_calls)

    @property
    def last_contact_source(self) -> str:
        """'call report', 'set by hand' or '' (never)."""
        from_calls = self.contact.last_contact_at
        if from_calls is not None and (self.last_contact_at is None or from_calls > self.last_contact_at):
            return "call report"
        return "set by hand" if self.last_contact_at is not None else ""


class Guidance(TenantModel):
    """One cell of the guidance matrix: what a buying role needs to hear at a buying stage."""

    buying_role = models.CharField(max_length=24, choices=BuyingRole.choices)
    buying_stage = models.CharField(max_length=24, choices=BuyingStage.choices)
    communication = models.CharField(max_length=120, help_text="The kind of communication, e.g. “Value communication”.")
    message = models.TextField(blank=True, help_text="The next message to get across, in a sentence or two.")
    typical_concern = models.TextField(blank=True, help_text="What this role typically worries about at this stage.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "buying_role", "buying_stage"], name="guidance_tenant_role_stage_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_buying_role_display()} at {self.get_buying_stage_display()}: {self.communication}"


class CoverageSettings(TenantModel):
    """The minimum relationship level per buying role below which a key player is flagged."""

    min_level_executive = models.PositiveSmallIntegerField(default=3, validators=LEVEL_VALIDATORS)
    min_level_middle_management = models.PositiveSmallIntegerField(default=3, validators=LEVEL_VALIDATORS)
    min_level_operational = models.PositiveSmallIntegerField(default=2, validators=LEVEL_VALIDATORS)
    min_level_purchasing = models.PositiveSmallIntegerField(default=2, validators=LEVEL_VALIDATORS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="coveragesettings_tenant_unique")]
        verbose_name_plural = "coverage settings"

    def __str__(self):
        return "Coverage settings"

    def min_level_for(self, role: str) -> int:
        return getattr(self, f"min_level_{role}")

    @property
    def by_role(self) -> dict[str, int]:
        return {role: self.min_level_for(role) for role in BuyingRole.values}


class CoverageSummary(TenantModel):
    """The tenant's coverage figures as of `computed_at`, for the dashboard panel: counting them means
    reading every key player of the tenant, too much for every dashboard view of a large tenant. Kept
    by keyplayers.services.coverage_summary_refresh (queued, debounced, after any change to key players,
    relationships, contacts or the thresholds; and when a dashboard view finds it old). `counts` holds
    selectors.coverage_counts()."""

    counts = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="coveragesummary_tenant_unique")]
        verbose_name_plural = "coverage summaries"

    def __str__(self):
        return f"Coverage as of {self.computed_at:%Y-%m-%d %H:%M}"


class KeyPlayerConcern(TenantModel):
    """A concern a key player raised, in their words, and our answer once we have given it."""

    key_player = models.ForeignKey(KeyPlayer, on_delete=models.CASCADE, related_name="concern_log")
    concern = models.TextField(help_text="What worries them, in their words.")
    raised_on = models.DateField()
    raised_by = models.ForeignKey(
        "tenancy.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who of ours heard it.",
    )
    answer = models.TextField(blank=True, help_text="How we answered it (after diagnosing, not before).")
    answered_on = models.DateField(null=True, blank=True)
    answered_by = models.ForeignKey("tenancy.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["tenant", "key_player", "-raised_on"], name="kpconcern_tenant_kp_idx")]
        ordering = ["-raised_on", "-pk"]

    def __str__(self):
        return self.concern[:60]

    @property
    def is_open(self) -> bool:
        return not self.answer


class BuyingStageChange(TenantModel):
    """Append-only: each change of a key player's buying stage, dated (created_at)."""

    key_player = models.ForeignKey(KeyPlayer, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=24, choices=BuyingStage.choices, blank=True)
    to_stage = models.CharField(max_length=24, choices=BuyingStage.choices)
    changed_by = models.ForeignKey("tenancy.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["tenant", "key_player", "-created_at"], name="kpstage_tenant_kp_idx")]
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.from_stage or '—'} → {self.to_stage}"
