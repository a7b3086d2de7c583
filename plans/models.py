"""Account plans and their actions, opportunities, call reports, visits and the calendar feeds.

Every table here is tenant-owned (TenantModel); the many-to-many joins are explicit through models so
they carry tenant_id and row-level security like everything else.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Account, Contact
from tenancy.models import TenantModel, validate_timezone

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(6)]


# --- Account plans ------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class AccountPlan(TenantModel):
    """What we want from an account and how we get there. One active plan per account; a new plan
    archives the previous one, which stays readable with its actions."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="plans")
    title = models.CharField(max_length=200)
    objectives = models.TextField(help_text="What this plan should achieve with the account, in the customer's terms.")
    target_level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=LEVEL_VALIDATORS,
        help_text="The hierarchy level we aim to reach with this account (1–6).",
    )
    target_date = models.DateField(null=True, blank=True, help_text="When we aim to be there.")
    review_date = models.DateField(null=True, blank=True, help_text="When the team next reviews this plan.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account"],
                condition=Q(status="active"),
                name="accountplan_one_active_per_account",
                violation_error_message="This account already has an active plan.",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "-created_at"], name="accountplan_tenant_acct_idx"),
            models.Index(fields=["tenant", "status", "review_date"], name="accountplan_tenant_status_idx"),
            # The API's default order: a page without sorting every plan of the tenant.
            models.Index(fields=["tenant", "-created_at", "-id"], name="accountplan_tenant_new_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_active(self):
        return self.status == PlanStatus.ACTIVE


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class PlanAction(TenantModel):
    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    source_call = models.ForeignKey(
        "CallReport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_steps",
        editable=False,
        help_text="The call report whose next step created this action.",
    )

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "plan", "due_date"], name="planaction_tenant_plan_idx"),
            models.Index(fields=["tenant", "owner", "status", "due_date"], name="planaction_tenant_owner_idx"),
            models.Index(fields=["tenant", "status", "due_date"], name="planaction_tenant_due_idx"),
            # The API's default order (due date, then id): a page without sorting every action.
            models.Index(fields=["tenant", "due_date", "id"], name="planaction_tenant_due_id_idx"),
        ]
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in OPEN_ACTION_STATUSES


# --- The customer's business and organisational issues --------------------------------------------


class IssueKind(models.TextChoices):
    """What levels 4 and 5 of the Buy-Sell Hierarchy are about: we contribute to their business issues
    (4), then to their organisational ones (5)."""

    BUSINESS = "business", "Business issue or initiative"
    ORGANISATIONAL = "organisational", "Organisational issue"


class CustomerIssue(TenantModel):
    """An initiative or issue of the customer's, in their words, on the account plan, with the
    relationships and opportunities through which we serve it."""

    plan = models.ForeignKey(AccountPlan, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=16, choices=IssueKind.choices, default=IssueKind.BUSINESS)
    statement = models.TextField(help_text="The initiative or issue in the customer's own words.")
    raised_by = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Whose words these are."
    )
    relationships = models.ManyToManyField(
        "hierarchy.Relationship", through="CustomerIssueRelationship", related_name="+", blank=True
    )
    opportunities = models.ManyToManyField(
        "Opportunity", through="CustomerIssueOpportunity", related_name="issues", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        indexes = [models.Index(fields=["tenant", "plan", "kind"], name="custissue_tenant_plan_idx")]
        ordering = ["kind", "created_at", "pk"]

    def __str__(self):
        return self.statement[:60]


class CustomerIssueRelationship(TenantModel):
    issue = models.ForeignKey(CustomerIssue, on_delete=models.CASCADE, related_name="+")
    relationship = models.ForeignKey("hierarchy.Relationship", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "issue", "relationship"], name="custissue_rel_unique")]
        indexes = [models.Index(fields=["tenant", "relationship"], name="custissue_rel_idx")]


class CustomerIssueOpportunity(TenantModel):
    issue = models.ForeignKey(CustomerIssue, on_delete=models.CASCADE, related_name="+")
    opportunity = models.ForeignKey("Opportunity", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "issue", "opportunity"], name="custissue_opp_unique")]
        indexes = [models.Index(fields=["tenant", "opportunity"], name="custissue_opp_idx")]


# --- Opportunities ----------------------------------------------------------------------------


class Stage(models.TextChoices):
    PROSPECTING = "prospecting", "Prospecting"
    QUALIFYING = "qualifying", "Qualifying"
    DEVELOPING = "developing", "Developing a solution"
    PROPOSING = "proposing", "Proposal"
    NEGOTIATING = "negotiating", "Negotiation"
    WON = "won", "Won"
    LOST = "lost", "Lost"


CLOSED_STAGES = (Stage.WON, Stage.LOST)


class CompetitiveStrategy(models.TextChoices):
    """The five opportunity strategies of the method, in the order it prefers them. An opportunity has a
    lead strategy and may name a fallback (the next one to turn to if the lead one stops working)."""

    PREFERRED = "preferred", "Preferred (get in first and set the requirements)"
    HEAD_TO_HEAD = "head_to_head", "Head-to-head (only with resources much larger than the competitor's)"
    END_AROUND = "end_around", "End-around (change the decision criteria or the people who decide)"
    DIVIDE_AND_CONQUER = "divide_and_conquer", "Divide and conquer (win part of the business first)"
    STALL = "stall", "Stall (slow the decision until we are ready)"


# What each strategy means and when it fits, as the method describes it (shown with the choice).
STRATEGY_GUIDANCE = {
    CompetitiveStrategy.PREFERRED: "Be there before the competition: help the customer define the problem and write "
    "the requirements, so that they fit what we do best. Protect it by staying close "
    "to the people who decide.",
    CompetitiveStrategy.HEAD_TO_HEAD: "Compete on the customer's stated criteria against the incumbent or a rival. "
    "Only when our resources are much larger than theirs: otherwise it is the "
    "costliest way to lose.",
    CompetitiveStrategy.END_AROUND: "Change the ground: bring new decision criteria, reach other people who decide, "
    "or offer a different solution, so the competitor's strength no longer counts.",
    CompetitiveStrategy.DIVIDE_AND_CONQUER: "Win one part first (a region, a department, a product line) where we are "
    "clearly better, and grow from the results.",
    CompetitiveStrategy.STALL: "Slow the decision until we are ready (a release, a reference, a new person); only "
    "when a quick decision would go against us.",
}


# The qualification checklist. Each criterion met counts 20 points: the score runs 0–100.
QUALIFICATION_CRITERIA = (
    ("pain_identified", "Pain identified and admitted", 20),
    ("access_to_power", "Access to power", 20),
    ("vision_agreed", "Agreed vision of a solution", 20),
    ("value_agreed", "Compelling value agreed", 20),
    ("control_of_sale", "Control of the sale", 20),
)


class Opportunity(TenantModel):
    # Money about the customer: shown only to those the money rule (accounts.access) lets see the account's.
    MONEY_FIELDS = ("value", "must_get", "can_give", "walk_away", "value_roi")
    VALUE_CASE_FIELDS = (
        "value_roi",
        "value_pain_removed",
        "value_benefits",
        "value_timescales",
        "value_responsible",
        "value_agreed_with",
        "value_agreed_on",
    )

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="opportunities")
    name = models.CharField(max_length=200)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.PROSPECTING)
    value = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(0)], help_text="Expected contract value."
    )
    currency = models.CharField(max_length=3, default="EUR")
    close_date = models.DateField(help_text="When we expect the customer to decide.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Qualification checklist (see QUALIFICATION_CRITERIA).
    pain_identified = models.BooleanField(
        "pain identified and admitted", default=False, help_text="The customer has said, in their words, what hurts."
    )
    access_to_power = models.BooleanField(default=False, help_text="We can reach the person who decides and funds it.")
    vision_agreed = models.BooleanField(
        "agreed vision of a solution", default=False, help_text="The customer sees our solution solving the pain."
    )
    value_agreed = models.BooleanField(
        "compelling value agreed",
        default=False,
        help_text="The customer agrees the value is worth the price: the value case "
        "below, agreed with them in their terms.",
    )
    control_of_sale = models.BooleanField(
        "control of the sale", default=False, help_text="We know and influence the buying process and its timing."
    )
    qualification_notes = models.TextField(blank=True)
    # Opportunity strategy: the lead one, and the fallback in order of preference.
    competitive_strategy = models.CharField(
        "lead strategy", max_length=24, choices=CompetitiveStrategy.choices, blank=True
    )
    strategy_rationale = models.TextField(
        "why the lead strategy", blank=True, help_text="Why this strategy, against whom."
    )
    fallback_strategy = models.CharField(
        max_length=24,
        choices=CompetitiveStrategy.choices,
        blank=True,
        help_text="The strategy we turn to if the lead one stops working.",
    )
    fallback_rationale = models.TextField(
        "why the fallback", blank=True, help_text="When we switch to it, and why it would work then."
    )
    evaluation_plan = models.TextField(
        blank=True,
        help_text="The evaluation plan we offered the customer: how they "
        "can test our solution, the steps, dates and criteria.",
    )
    # The value case, agreed with the customer in their terms ("compelling value agreed" points here).
    value_roi = models.TextField(
        "return on investment", blank=True, help_text="Their figures: what they gain for what they pay."
    )
    value_pain_removed = models.TextField(
        "pain removed", blank=True, help_text="The problem that goes away, in their words."
    )
    value_benefits = models.TextField("benefits delivered", blank=True, help_text="What they get, in their terms.")
    value_timescales = models.CharField(
        "time scales", max_length=300, blank=True, help_text="When each benefit arrives."
    )
    value_responsible = models.CharField(
        "who is responsible", max_length=300, blank=True, help_text="Who delivers each benefit, on both sides."
    )
    value_agreed_with = models.CharField(
        "agreed with", max_length=200, blank=True, help_text="Who on the customer's side agreed the value case."
    )
    value_agreed_on = models.DateField("agreed on", null=True, blank=True)
    # The buyer's tactics we have seen (hard "shark" buyers: squeeze, bluff, last-minute demands) and our answer.
    buyer_tactics = models.TextField(
        "buyer tactics seen",
        blank=True,
        help_text="E.g. a “shark” buyer: false deadlines, invented competitors, last-minute demands for a discount.",
    )
    buyer_tactics_answer = models.TextField(
        "our answer", blank=True, help_text="How we will respond: what we trade, what we refuse."
    )
    # Negotiation plan.
    must_get = models.TextField("what we must get", blank=True)
    can_give = models.TextField("what we can give", blank=True)
    walk_away = models.TextField("when we walk away", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    key_players = models.ManyToManyField(
        "keyplayers.KeyPlayer",
        through="OpportunityKeyPlayer",
        related_name="opportunities",
        blank=True,
        help_text="The account's key players in this deal (each on one opportunity at most).",
    )

    class Meta:
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["tenant", "account", "stage"], name="opp_tenant_account_idx"),
            models.Index(fields=["tenant", "stage", "close_date"], name="opp_tenant_stage_idx"),
            models.Index(fields=["tenant", "owner", "stage"], name="opp_tenant_owner_idx"),
            # The open-opportunity list's order (close_date, id): read in order, a page at a time, instead
            # of sorting every open deal (the stage index cannot give that order for stage NOT IN (…)).
            models.Index(
                fields=["tenant", "close_date", "id"],
                condition=~Q(stage__in=CLOSED_STAGES),
                name="opp_tenant_open_close_idx",
            ),
            # The same order over every deal (the "all" tab).
            models.Index(fields=["tenant", "close_date", "id"], name="opp_tenant_close_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        return self.stage not in CLOSED_STAGES

    @property
    def qualification_score(self) -> int:
        return sum(points for field, _, points in QUALIFICATION_CRITERIA if getattr(self, field))

    @property
    def has_value_case(self) -> bool:
        """A value case worth the name: the benefits in their terms, and who on their side agreed them."""
        return bool((self.value_benefits or self.value_pain_removed) and self.value_agreed_with)

    @property
    def qualification_checklist(self) -> list[tuple[str, str, bool]]:
        return [(field, label, bool(getattr(self, field))) for field, label, _ in QUALIFICATION_CRITERIA]


class OpportunityNote(TenantModel):
    """The team's notes thread on an opportunity: what each of us knows, in context."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "opportunity", "created_at"], name="oppnote_tenant_opp_idx")]
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Note on {self.opportunity_id} by {self.author_id}"


class NoteMention(TenantModel):
    """A teammate named in a note (@their e-mail, or the part before the @): shown on their dashboard
    until they mark it seen."""

    note = models.ForeignKey(OpportunityNote, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "note", "user"], name="notemention_unique")]
        indexes = [models.Index(fields=["tenant", "user", "seen_at"], name="notemention_tenant_user_idx")]

    def __str__(self):
        return f"{self.user_id} in note {self.note_id}"


class OpportunityKeyPlayer(TenantModel):
    """A key player of the account taking part in this opportunity. A key player is on one
    opportunity at most (the link lives on the plans side: keyplayers never imports plans)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="key_player_links")
    key_player = models.ForeignKey("keyplayers.KeyPlayer", on_delete=models.CASCADE, related_name="opportunity_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "key_player"],
                name="oppkeyplayer_one_opportunity",
                violation_error_message="This key player is already on an opportunity.",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "opportunity"], name="oppkeyplayer_tenant_opp_idx")]

    def __str__(self):
        return f"Key player {self.key_player_id} on opportunity {self.opportunity_id}"


# --- Call reports -----------------------------------------------------------------------------


class CallChannel(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video call"
    PHONE = "phone", "Phone"


class CallReport(TenantModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="call_reports")
    occurred_at = models.DateTimeField("when")
    channel = models.CharField(max_length=16, choices=CallChannel.choices, default=CallChannel.IN_PERSON)
    summary = models.TextField(help_text="What was discussed.")
    outcomes = models.TextField(blank=True, help_text="What was agreed or learnt.")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="call_reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, through="CallAttendee", related_name="+", blank=True)
    contacts = models.ManyToManyField(Contact, through="CallContact", related_name="call_reports", blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "account", "-occurred_at"], name="call_tenant_account_idx"),
            models.Index(fields=["tenant", "-occurred_at"], name="call_tenant_when_idx"),
            models.Index(fields=["tenant", "opportunity", "-occurred_at"], name="call_tenant_opp_idx"),
        ]

    def __str__(self):
        return f"{self.account} — {self.occurred_at:%Y-%m-%d}"


class CallAttendee(TenantModel):
    """One of our people on a call."""

    call = models.ForeignKey(CallReport, on_delete=models.CASCADE, related_name="our_attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "call", "user"], name="callattendee_unique")]
        indexes = [models.Index(fields=["tenant", "user"], name="callattendee_tenant_user_idx")]

    def __str__(self):
        return f"{self.user_id} on call {self.call_id}"


class CallContact(TenantModel):
    """One of the customer's people on a call."""

    call = models.ForeignKey(CallReport, on_delete=models.CASCADE, related_name="their_attendees")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "call", "contact"], name="callcontact_unique")]
        indexes = [models.Index(fields=["tenant", "contact"], name="callcontact_tenant_cont_idx")]

    def __str__(self):
        return f"{self.contact_id} on call {self.call_id}"


# --- Visits and the shared calendar -------------------------------------------------------------


class VisitStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    CANCELLED = "cancelled", "Cancelled"


class Visit(TenantModel):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="visits")
    purpose = models.CharField(
        max_length=200, help_text="Why we go, in one line. It becomes the calendar entry's title."
    )
    agenda = models.TextField(blank=True)
    location = models.CharField(max_length=255, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(
        max_length=64, validators=[validate_timezone], help_text="The time zone the visit's times are given in."
    )
    status = models.CharField(max_length=16, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text="Revision number for calendar clients (iCalendar SEQUENCE)."
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, through="VisitAttendee", related_name="+", blank=True)
    contacts = models.ManyToManyField(Contact, through="VisitContact", related_name="visits", blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="visit_ends_after_start",
                violation_error_message="A visit must end after it starts.",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "starts_at"], name="visit_tenant_start_idx"),
            models.Index(fields=["tenant", "account", "starts_at"], name="visit_tenant_account_idx"),
        ]

    def __str__(self):
        return f"{self.account} — {self.purpose}"

    @property
    def is_cancelled(self):
        return self.status == VisitStatus.CANCELLED

    @property
    def executive_attendees(self):
        """Attending executives (uses the prefetched attendees when there are)."""
        return [a for a in self.our_attendees.all() if a.executive]


class VisitAttendee(TenantModel):
    """One of our people on a visit. `is_executive` records their role when they were added; what the
    pages, feeds and filters call an executive is the member's current role (`executive`)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="our_attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_executive = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "visit", "user"], name="visitattendee_unique")]
        indexes = [
            models.Index(fields=["tenant", "user", "visit"], name="visitattendee_tenant_user_idx"),
            models.Index(fields=["tenant", "is_executive", "visit"], name="visitattendee_tenant_exec_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} at visit {self.visit_id}"

    @property
    def executive(self) -> bool:
        """An executive now: annotated by selectors.with_visit_details (`executive_now`); the role when
        they were added only for a row loaded some other way."""
        return getattr(self, "executive_now", self.is_executive)


class VisitContact(TenantModel):
    """One of the customer's people at a visit."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="their_attendees")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "visit", "contact"], name="visitcontact_unique")]
        indexes = [models.Index(fields=["tenant", "contact"], name="visitcontact_tenant_cont_idx")]

    def __str__(self):
        return f"{self.contact_id} at visit {self.visit_id}"


class FeedKind(models.TextChoices):
    MINE = "mine", "My visits"
    TENANT = "tenant", "All visits"


class CalendarFeed(TenantModel):
    """A secret iCalendar subscription URL. The token is `<tenant id>_<secret>`; only its SHA-256 is
    stored. Rotating revokes the old token and issues a new one; a revoked token is a 404."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=FeedKind.choices)
    prefix = models.CharField(max_length=16, help_text="The first characters, to recognise a feed URL.")
    key_hash = models.CharField(max_length=64)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key_hash"], name="calendarfeed_tenant_hash_unique"),
            models.UniqueConstraint(
                fields=["tenant", "user", "kind"],
                condition=Q(revoked_at__isnull=True),
                name="calendarfeed_one_active_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "user", "kind"], name="calendarfeed_tenant_user_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} feed of {self.user_id} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None
