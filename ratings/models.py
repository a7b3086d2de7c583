"""A/B/C/D priority ratings.

- RatingPolicy: per tenant, versioned. Editing creates a draft (one at a time); activating it makes it
  the one active version and retires the previous one, which stays readable. Criteria are validated
  JSON (ratings.criteria), thresholds and cadence are columns.
- AccountRating: an account's current computed rating (score, rating, per-criterion breakdown and
  the policy version), one row per account, kept by the recompute.
- RatingSnapshot: history — a row whenever an account's computed rating or score changed.
- RatingOverride: a manual rating with a reason and an expiry; at most one in force per account.
  History is kept: a replaced, cleared or expired override gets cleared_at.
- DeclassificationReview: an admin's decision on an account the declassification rule flagged (a
  declassification also goes through accounts.services.account_declassify: tactical, with the reason,
  and a cheaper coverage model).

Account.rating (accounts app) holds the effective rating — the override while one is in force, else
the computed rating — so the account list filters on an index; only ratings.services writes it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.models import Rating
from ratings.criteria import criteria_errors, fmt
from tenancy.models import TenantModel

RATINGS = ("A", "B", "C", "D")

# Each numeric policy field's range and how a message names it (model, form and API messages alike).
POLICY_RANGES = {
    **{f"threshold_{r}": (f"{r.upper()} threshold: the score", 0, 100, "") for r in "abc"},
    **{f"cadence_{r}_days": (f"{r.upper()}: the contact cadence", 1, 730, " days") for r in "abcd"},
    **{
        f"cadence_{c}_days": (f"{label}: the contact cadence", 1, 730, " days")
        for c, label in (("inside_sales", "Inside sales"), ("self_service", "Self-service"))
    },
    "declass_levels_below_top": ("Declassification: the levels below the top", 1, 5, ""),
    "declass_months": ("Declassification: the window", 1, 60, " months"),
    "declass_min_discount_rise": ("Declassification: the rise in discount", 0, 100, " points"),
    "declass_min_investment": ("Declassification: the investment", 1, 10000, ""),
}


def range_message(name: str, *, with_value: bool = True) -> str:
    """ "B threshold: the score must be from 0 to 100 (got 120)." — `with_value` adds Django's
    %(value)s placeholder (validators and form fields fill it; DRF's messages have none)."""
    label, low, high, unit = POLICY_RANGES[name]
    if with_value:
        return f"{label} must be from {low} to {high}{unit.replace('%', '%%')} (got %(value)s)."
    return f"{label} must be from {low} to {high}{unit}."


def _range(name: str) -> list:
    _, low, high, _ = POLICY_RANGES[name]
    return [MinValueValidator(low, message=range_message(name)), MaxValueValidator(high, message=range_message(name))]


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class RatingPolicy(TenantModel):
    version = models.PositiveIntegerField(editable=False)
    status = models.CharField(max_length=8, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT, editable=False)
    note = models.CharField(max_length=300, blank=True, help_text="What this version changes, for the history.")
    criteria = models.JSONField(default=list)
    threshold_a = models.DecimalField("A from score", max_digits=5, decimal_places=2, validators=_range("threshold_a"))
    threshold_b = models.DecimalField("B from score", max_digits=5, decimal_places=2, validators=_range("threshold_b"))
    threshold_c = models.DecimalField(
        "C from score",
        max_digits=5,
        decimal_places=2,
        validators=_range("threshold_c"),
        help_text="Below the C threshold an account is rated D.",
    )
    cadence_a_days = models.PositiveSmallIntegerField("A: contact every (days)", validators=_range("cadence_a_days"))
    cadence_b_days = models.PositiveSmallIntegerField("B: contact every (days)", validators=_range("cadence_b_days"))
    cadence_c_days = models.PositiveSmallIntegerField("C: contact every (days)", validators=_range("cadence_c_days"))
    cadence_d_days = models.PositiveSmallIntegerField("D: contact every (days)", validators=_range("cadence_d_days"))
    # Contact cadence of the cheaper coverage models (accounts.Coverage): lower-rated and declassified
    # accounts served by inside sales or self-service are contacted on this rhythm, whatever their rating.
    cadence_inside_sales_days = models.PositiveSmallIntegerField(
        "Inside sales: contact every (days)", default=60, validators=_range("cadence_inside_sales_days")
    )
    cadence_self_service_days = models.PositiveSmallIntegerField(
        "Self-service: contact every (days)", default=180, validators=_range("cadence_self_service_days")
    )
    # Declassification rule (the method: strategic accounts that do not value the investment and ask for
    # ever bigger discounts): a strategic account whose level stayed low for the whole window, whose
    # discount kept rising, while we kept investing in it. The level is relative to the active hierarchy
    # model (so the rule means the same on the 5-level and the 6-level model).
    declass_levels_below_top = models.PositiveSmallIntegerField(
        "levels below the top",
        default=3,
        validators=_range("declass_levels_below_top"),
        help_text="Flag strategic accounts whose level stayed this many levels or more below the active "
        "model's top (3: level 2 of 5, level 3 of 6) …",
    )
    declass_months = models.PositiveSmallIntegerField(
        "for months", validators=_range("declass_months"), help_text="… for this many months …"
    )
    declass_min_discount_rise = models.DecimalField(
        "discount rising by at least (points)",
        max_digits=5,
        decimal_places=2,
        default=2,
        validators=_range("declass_min_discount_rise"),
        help_text="… while their discount rose over those months by at least this many percentage points "
        "(the trend line through the financial periods) …",
    )
    declass_min_investment = models.PositiveSmallIntegerField(
        "investment at least",
        default=8,
        validators=_range("declass_min_investment"),
        help_text="… and we still invested in them: calls, visits and plan actions in those months plus the "
        "seats on the account team, at least this many.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "rating policies"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "version"], name="ratingpolicy_tenant_version_unique"),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status="active"),
                name="ratingpolicy_one_active",
                violation_error_message="Another version is already active.",
            ),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status="draft"),
                name="ratingpolicy_one_draft",
                violation_error_message="There is already a draft; edit that one.",
            ),
            models.CheckConstraint(
                condition=Q(threshold_a__gt=models.F("threshold_b")) & Q(threshold_b__gt=models.F("threshold_c")),
                name="ratingpolicy_thresholds_ordered",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "-version"], name="ratingpolicy_tenant_status_idx")]

    def __str__(self):
        return f"Rating policy v{self.version} ({self.get_status_display().lower()})"

    def get_absolute_url(self):
        return reverse("ratings:policy", args=[self.tenant.slug, self.pk])

    @property
    def is_draft(self):
        return self.status == PolicyStatus.DRAFT

    @property
    def is_active(self):
        return self.status == PolicyStatus.ACTIVE

    @property
    def total_weight(self) -> int:
        return sum(int(c["weight"]) for c in self.criteria)

    @property
    def thresholds(self) -> dict:
        return {"A": self.threshold_a, "B": self.threshold_b, "C": self.threshold_c}

    def declass_level_max(self, top_level: int) -> int:
        """The highest level that still counts as "low" under a model with `top_level` levels (at least 1)."""
        return max(1, top_level - self.declass_levels_below_top)

    @property
    def coverage_cadence(self) -> dict[str, int]:
        """Days between contacts for accounts served by inside sales or self-service."""
        return {"inside_sales": self.cadence_inside_sales_days, "self_service": self.cadence_self_service_days}

    @property
    def cadence(self) -> dict[str, int]:
        return {"A": self.cadence_a_days, "B": self.cadence_b_days, "C": self.cadence_c_days, "D": self.cadence_d_days}

    def clean(self):
        super().clean()
        errors: dict[str, list[str]] = {}
        problems = criteria_errors(self.criteria)
        if problems:
            errors["criteria"] = [message for _, message in problems]
        a, b, c = self.threshold_a, self.threshold_b, self.threshold_c
        if None not in (a, b, c):
            if not a > b:
                errors.setdefault("threshold_b", []).append(
                    f"Thresholds must fall from A to C: B ({fmt(b)}) must be below A ({fmt(a)})."
                )
            if not b > c:
                errors.setdefault("threshold_c", []).append(
                    f"Thresholds must fall from A to C: C ({fmt(c)}) must be below B ({fmt(b)})."
                )
        _, low, high, _ = POLICY_RANGES["cadence_a_days"]
        cadence = [(r, d) for r, d in self.cadence.items() if d is not None and low <= d <= high]  # else: range error
        for (higher, slower), (lower, faster) in zip(cadence, cadence[1:]):
            if faster < slower:
                errors.setdefault(f"cadence_{lower.lower()}_days", []).append(
                    f"{lower} accounts would be contacted more often (every {faster} days) than {higher} accounts "
                    f"(every {slower} days); the cadence must not get shorter from A to D."
                )
        if errors:
            raise ValidationError(errors)


class AccountRating(TenantModel):
    """The account's current computed rating; the recompute rewrites it only when something changed."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="rating_states")
    policy = models.ForeignKey(RatingPolicy, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=1, choices=Rating.choices)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    breakdown = models.JSONField(default=dict, help_text="{signal: [value, points]} under the policy version.")
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "account"], name="acctrating_tenant_account_unique")]
        indexes = [models.Index(fields=["tenant", "rating"], name="acctrating_tenant_rating_idx")]

    def __str__(self):
        return f"{self.account_id}: {self.rating} ({self.score})"


class RatingSnapshot(TenantModel):
    """History: written by the recompute whenever an account's computed rating or score changed."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(RatingPolicy, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=1, choices=Rating.choices)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    breakdown = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "account", "-computed_at"], name="snapshot_tenant_acct_idx"),
            # "Recent changes": a recompute writes thousands of snapshots with one computed_at, so the
            # id breaks the tie in the index too (else every one of them is sorted to find the latest 8).
            models.Index(fields=["tenant", "-computed_at", "-id"], name="snapshot_tenant_at_id_idx"),
        ]
        ordering = ["-computed_at", "-pk"]

    def __str__(self):
        return f"{self.account_id}: {self.rating} ({self.score}) at {self.computed_at:%Y-%m-%d %H:%M}"


class RatingOverride(TenantModel):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="rating_overrides")
    rating = models.CharField(max_length=1, choices=Rating.choices)
    reason = models.TextField(help_text="Why the computed rating is not right for this account.")
    expires_at = models.DateTimeField(help_text="The override ends by itself at this time.")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    cleared_at = models.DateTimeField(null=True, blank=True, editable=False)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    cleared_reason = models.CharField(
        max_length=16, blank=True, editable=False, help_text="removed, replaced or expired"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account"], condition=Q(cleared_at__isnull=True), name="override_one_open_per_account"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="override_reason_required"),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "-created_at"], name="override_tenant_acct_idx"),
            models.Index(fields=["tenant", "cleared_at", "expires_at"], name="override_tenant_open_idx"),
        ]

    def __str__(self):
        return f"{self.account_id}: {self.rating} until {self.expires_at:%Y-%m-%d}"

    def in_force(self, now) -> bool:
        return self.cleared_at is None and self.expires_at > now


class ReviewDecision(models.TextChoices):
    DECLASSIFY = "declassify", "Declassified"
    KEEP = "keep", "Kept"


class DeclassificationReview(TenantModel):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="declassification_reviews")
    decision = models.CharField(max_length=16, choices=ReviewDecision.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    policy = models.ForeignKey(RatingPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    review_again_on = models.DateField(
        null=True, blank=True, help_text="A kept account is not flagged again before this date."
    )
    evidence = models.JSONField(default=dict, help_text="The evidence as it stood when the decision was made.")

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="declass_review_reason_required")]
        indexes = [models.Index(fields=["tenant", "account", "-created_at"], name="declass_tenant_acct_idx")]

    def __str__(self):
        return f"{self.account_id}: {self.get_decision_display()}"
