"""The pre-visit briefing: everything an executive needs before one visit, read from every other app
through their selectors, in a fixed number of queries (about 35) whatever the account's history.

`briefing_build(visit=…, membership=…)` is the one selector the page, the print view, the PDF, the
e-mail and the API all render, so they always show the same content. Money about the customer follows
accounts' money rule (`accounts.access.can_see_money`): who may not see it gets `None`
values and `financials_visible=False`, never zeros, and no score from which it could be derived.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from accounts import selectors as accounts_selectors
from accounts.access import can_see_money
from accounts.models import Account, Contact
from briefings.models import BriefingDelivery, DeliveryStatus
from briefings.schedule import MAX_ATTEMPTS, window_opens_at
from hierarchy import selectors as hierarchy_selectors
from hierarchy.models import Relationship
from keyplayers import selectors as keyplayers_selectors
from keyplayers.models import Stance
from plans import selectors as plans_selectors
from plans.models import CLOSED_STAGES, Opportunity, Visit
from ratings import selectors as ratings_selectors
from tenancy.models import Membership, User

# Without a previous visit, "what changed" looks this far back.
DEFAULT_LOOKBACK = dt.timedelta(days=90)
RECENT_CALLS = 3
TOP_REASONS = 3
FINANCIAL_PERIODS = 8
MAX_CHANGES = 12
HEADLINE_ITEMS = 7  # per box at the top: readable in two minutes


# --- the pieces -------------------------------------------------------------------------------------------


@dataclass
class RelationshipView:
    """One of ours with one of theirs (hierarchy's Relationship: both views, the effective level, the
    gap), with the level names and the step to climb one level."""

    relationship: Relationship
    level_names: dict
    playbook: dict
    in_meeting: bool = False  # both people are at this visit

    @property
    def ours(self) -> User:
        return self.relationship.user

    @property
    def theirs(self) -> Contact:
        return self.relationship.contact

    @property
    def self_level(self) -> int | None:
        return self.relationship.self_level

    @property
    def customer_level(self) -> int | None:
        return self.relationship.customer_level

    @property
    def effective(self) -> int | None:
        return self.relationship.effective_level

    @property
    def gap(self) -> int | None:
        return self.relationship.gap

    @property
    def effective_name(self) -> str:
        return self.level_names.get(self.effective, "") if self.effective else ""

    @property
    def next_level(self) -> int | None:
        level = self.effective or 1
        return level + 1 if level + 1 in self.level_names else None

    @property
    def next_steps(self) -> list[str]:
        """The playbook to climb from the current level (level 1 before any assessment)."""
        return self.playbook.get(self.effective or 1, [])

    @property
    def critical_step(self) -> bool:
        """3 → 4: from products and service to the customer's business issues, where the relationship
        changes nature."""
        return hierarchy_selectors.is_critical_climb(self.effective) and self.next_level is not None


@dataclass
class AttendingContact:
    contact: Contact
    key_player: object | None  # keyplayers.KeyPlayer with .guidance, or None
    relationships: list[RelationshipView] = field(default_factory=list)

    @property
    def best_level(self) -> int | None:
        return max((r.effective for r in self.relationships if r.effective), default=None)

    @property
    def wary(self) -> bool:
        return self.key_player is not None and self.key_player.stance in (Stance.BLOCKER, Stance.SKEPTIC)


@dataclass
class OpportunityView:
    opportunity: Opportunity
    score: int
    gaps: list[str]
    value: Decimal | None  # None when hidden
    currency: str

    @property
    def strategy(self) -> str:
        return self.opportunity.get_competitive_strategy_display() if self.opportunity.competitive_strategy else ""


@dataclass
class RatingView:
    letter: str
    manual: bool
    manual_reason: str
    score: Decimal | None  # None when money is hidden: with the weights it would give the money away
    reasons: list[tuple[str, str]]  # (criterion, value), strongest first
    cadence_days: int | None
    next_contact_due: dt.datetime | None


@dataclass
class Change:
    when: dt.datetime | dt.date | None
    text: str


@dataclass
class Briefing:
    visit: Visit
    account: Account
    generated_at: dt.datetime
    financials_visible: bool
    previous_visit: Visit | None
    since: dt.datetime
    # the top of the page
    must_know: list[str]
    must_not_say: list[str]
    want: list[str]
    # the account
    team: list
    rating: RatingView | None
    revenue: dict | None  # accounts.selectors.revenue_summary, None when hidden or unknown
    pipeline: list[tuple[str, Decimal]] | None  # [(currency, total)] of open opportunities; None when hidden
    # the hierarchy
    level_names: dict
    levels: object  # hierarchy.selectors.AccountLevels
    roles: list  # keyplayers.selectors.RoleLevel per buying role
    meeting_relationships: list[RelationshipView]
    other_relationships: list[RelationshipView]
    # the people
    our_attendees: list
    their_attendees: list[AttendingContact]
    # plans
    opportunities: list[OpportunityView]
    plan: object | None
    issues: list  # the customer's business and organisational issues on the active plan (plans.CustomerIssue)
    open_actions: list
    overdue_actions: list
    # operational issues
    recent_calls: list
    alerts: list
    departures: list[Contact]
    changes: list[Change]

    @property
    def executives(self) -> list:
        return [a.user for a in self.our_attendees if a.executive]

    @property
    def potential_gap(self) -> int | None:
        return self.levels.potential_gap

    @property
    def highest_name(self) -> str:
        return self.level_names.get(self.levels.highest, "")

    @property
    def at_critical_step(self) -> bool:
        level = self.account.current_level
        return hierarchy_selectors.is_critical_climb(level) and level is not None and level + 1 in self.level_names


# --- reads ------------------------------------------------------------------------------------------------


def _playbook(levels) -> dict[int, list[str]]:
    return {level.number: level.playbook_list for level in levels}


def _relationship_views(
    *, account: Account, level_names: dict, playbook: dict, our_ids: set, their_ids: set
) -> list[RelationshipView]:
    return [
        RelationshipView(
            relationship=r,
            level_names=level_names,
            playbook=playbook,
            in_meeting=r.user_id in our_ids and r.contact_id in their_ids,
        )
        for r in hierarchy_selectors.relationships_of_account(account=account)
    ]


def _rating_view(*, account: Account, membership: Membership, financials_visible: bool) -> RatingView | None:
    panel = ratings_selectors.account_rating_panel(account=account, membership=membership)
    if not panel.effective:
        return None
    shown = [row for row in panel.rows if not row.hidden and row.contribution is not None]
    shown.sort(key=lambda row: row.contribution, reverse=True)
    if financials_visible:
        reasons = [(row.label, f"{row.value} (+{row.contribution} points)") for row in shown[:TOP_REASONS]]
    else:
        # Letter and non-financial values only: points, weights and the score would let the hidden
        # financial contribution be worked out by subtraction.
        reasons = [(row.label, row.value) for row in shown[:TOP_REASONS]]
    return RatingView(
        letter=panel.effective,
        manual=panel.override is not None,
        manual_reason=panel.override.reason if panel.override else "",
        score=panel.state.score if financials_visible and panel.state and not panel.override else None,
        reasons=reasons,
        cadence_days=panel.cadence_days,
        next_contact_due=panel.next_contact_due,
    )


def _pipeline(opportunities: list[Opportunity]) -> list[tuple[str, Decimal]]:
    """Open pipeline per currency: amounts in different currencies are never added together."""
    return sorted(accounts_selectors.money_totals((opp.currency, opp.value) for opp in opportunities))


def _opportunity_views(opportunities: list[Opportunity], financials_visible: bool) -> list[OpportunityView]:
    return [
        OpportunityView(
            opportunity=o,
            score=o.qualification_score,
            gaps=[label for _, label, met in o.qualification_checklist if not met],
            value=o.value if financials_visible else None,
            currency=o.currency,
        )
        for o in opportunities
    ]


def _level_changes(*, account: Account, since: dt.datetime, model) -> list[Change]:
    changes = []
    for r in (
        hierarchy_selectors.level_changes_since(account=account, since=since, model=model, limit=MAX_CHANGES)
        if model
        else []
    ):
        parts = []
        if r.self_level is not None and r.self_level != r.self_then:
            parts.append(f"our view {r.self_then or '—'} → {r.self_level}")
        if r.customer_level is not None and r.customer_level != r.customer_then:
            parts.append(f"their view {r.customer_then or '—'} → {r.customer_level}")
        if parts:
            when = max(t for t in (r.self_assessed_at, r.customer_assessed_at) if t is not None)
            changes.append(Change(when, f"{r.contact.full_name} ↔ {r.user.get_full_name()}: {', '.join(parts)}"))
    return changes


def _rating_change(*, account: Account, since: dt.datetime, rating: RatingView | None) -> list[Change]:
    before = ratings_selectors.rating_at(account=account, at=since)
    now = rating.letter if rating else ""
    if before and now and before != now:
        return [Change(None, f"Rating {before} → {now}")]
    if not before and now:
        return [Change(None, f"Rated {now} (no rating before)")]
    return []


def _opportunity_changes(*, account: Account, since: dt.datetime) -> list[Change]:
    changes = []
    for opp in plans_selectors.opportunities_changed_since(account=account, since=since, limit=MAX_CHANGES):
        if opp.stage in CLOSED_STAGES and opp.closed_at and opp.closed_at >= since:
            changes.append(Change(opp.closed_at, f"Opportunity “{opp.name}” {opp.get_stage_display().lower()}"))
        elif opp.created_at >= since:
            changes.append(Change(opp.created_at, f"New opportunity “{opp.name}” ({opp.get_stage_display()})"))
    return changes


def _people_changes(*, account: Account, since: dt.datetime) -> tuple[list[Contact], list[Change]]:
    """Contacts who left since `since` and who joined."""
    rows = accounts_selectors.contacts_changed_since(account=account, since=since, limit=2 * MAX_CHANGES)
    left = [c for c in rows if not c.is_active]
    changes = [Change(c.left_on, f"{c.full_name}{f' ({c.title})' if c.title else ''} left") for c in left]
    changes += [
        Change(c.created_at, f"{c.full_name}{f' ({c.title})' if c.title else ''} joined our contacts")
        for c in rows
        if c.is_active
    ]
    return left, changes


# --- the headline ---------------------------------------------------------------------------------------


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def _level_text(level: int | None, names: dict) -> str:
    if level is None:
        return "not assessed"
    return f"level {level} ({names[level]})" if level in names else f"level {level}"


def _must_know(b: Briefing) -> list[str]:
    names, levels = b.level_names, b.levels
    line = f"{b.account.name} sees us at {_level_text(levels.highest, names)} at best"
    if levels.executive_level and levels.executive_level == levels.highest:
        line += ", with its executives too"
    elif levels.executive_level:
        line += f", at level {levels.executive_level} with its executives"
    if levels.potential_level and levels.highest and levels.potential_level <= levels.highest:
        line += f"; that is its potential (level {levels.potential_level})"
    elif levels.potential_level:
        line += f"; its potential is {_level_text(levels.potential_level, names)}"
    items = [line + "."]
    if b.at_critical_step:
        items.append(
            "The account stands at level 3: the step to 4 is the critical one, from products and service "
            "to the customer's business issues."
        )
    if b.rating:
        line = f"Rated {b.rating.letter}" + (" (set by hand)" if b.rating.manual else "")
        if b.rating.cadence_days:
            line += f", to be contacted every {b.rating.cadence_days} days"
        items.append(line + ".")
        due = b.rating.next_contact_due
        if due is not None and due < b.generated_at:
            items.append(
                f"Contact is overdue: it was due on {_day(timezone.localtime(due).date())} for a {b.rating.letter}."
            )
    if b.financials_visible and b.revenue and any(total for _, total in b.revenue["totals"]):
        growth = b.revenue.get("growth")
        totals = " + ".join(f"{total:,.0f} {currency}" for currency, total in b.revenue["totals"])
        items.append(
            f"Revenue over the last four periods: {totals}"
            + (f" ({growth:+.1f} % on the four before)." if growth is not None else ".")
        )
    if b.opportunities:
        nearest = min(b.opportunities, key=lambda o: o.opportunity.close_date)
        items.append(
            f"{len(b.opportunities)} open opportunit{'y' if len(b.opportunities) == 1 else 'ies'}; "
            f"the next to close: “{nearest.opportunity.name}” by {_day(nearest.opportunity.close_date)}."
        )
    if b.alerts:
        items.append(f"{len(b.alerts)} open hierarchy alert{'s' if len(b.alerts) != 1 else ''}: {b.alerts[0].message}")
    for person in b.their_attendees:
        if person.key_player is None:
            continue
        kp = person.key_player
        if kp.stance == Stance.SUPPORTER:
            items.append(
                f"{person.contact.full_name} supports us ({kp.get_buying_role_display().lower()}, "
                f"{kp.get_buying_stage_display().lower()})."
            )
    return items[:HEADLINE_ITEMS]


def _per_contact(relationships: list[RelationshipView], key) -> list[RelationshipView]:
    """One relationship per contact of theirs: the one that `key` ranks first."""
    best: dict[int, RelationshipView] = {}
    for rel in sorted(relationships, key=key):
        best.setdefault(rel.theirs.pk, rel)
    return list(best.values())


def _must_not_say(b: Briefing) -> list[str]:
    names = b.level_names
    items = []
    overrated = [r for r in b.meeting_relationships if r.gap is not None and r.gap > 0]
    for rel in _per_contact(overrated, key=lambda r: -r.gap):
        items.append(
            f"Do not speak to {rel.theirs.full_name} as if we were at {_level_text(rel.self_level, names)}: "
            f"they see us at {_level_text(rel.customer_level, names)}."
        )
    for person in b.their_attendees:
        if person.wary:
            kp = person.key_player
            concern = kp.concerns.strip() or "no concern recorded: ask before you argue"
            items.append(f"{person.contact.full_name} is a {kp.get_stance_display().lower()}: {concern}")
    for contact in b.departures:
        items.append(
            f"{contact.full_name}{f' ({contact.title})' if contact.title else ''} has left: do not count on them."
        )
    for action in b.overdue_actions[:2]:
        items.append(
            f"We owe them “{action.title}” (due {_day(action.due_date)}): acknowledge it before they raise it."
        )
    return items[:HEADLINE_ITEMS]


def _want(b: Briefing) -> list[str]:
    items = [f"Purpose: {b.visit.purpose}."]
    for person in b.their_attendees:
        kp = person.key_player
        if kp is not None:
            items.append(
                f"{person.contact.full_name}: {kp.guidance.communication.lower()} "
                f"({kp.get_buying_stage_display().lower()})."
            )
    climbing = [r for r in b.meeting_relationships if r.next_level and r.next_steps]
    for rel in _per_contact(climbing, key=lambda r: -(r.effective or 0)):
        items.append(
            f"With {rel.theirs.full_name}, level {rel.effective or 1} → {rel.next_level}"
            + (" (the critical step)" if rel.critical_step else "")
            + f": {rel.next_steps[0]}."
        )
    for opp in b.opportunities[:2]:
        if opp.gaps:
            items.append(f"“{opp.opportunity.name}”: establish {opp.gaps[0].lower()}.")
    if b.plan and b.plan.target_level:
        items.append(
            f"Plan “{b.plan.title}”: level {b.plan.target_level}"
            + (f" by {b.plan.target_date:%b %Y}." if b.plan.target_date else ".")
        )
    return items[: HEADLINE_ITEMS + 2]


# --- the selector ----------------------------------------------------------------------------------------


def briefing_build(*, visit: Visit, membership: Membership, now: dt.datetime | None = None) -> Briefing:
    """The briefing for one visit as `membership` may see it. `visit` as loaded by
    plans.selectors.visit_detail (attendees prefetched)."""
    now = now or timezone.now()
    account = visit.account
    team = accounts_selectors.account_team(account=account)
    financials_visible = can_see_money(membership=membership, account=account, team_user_ids={m.user_id for m in team})
    model = hierarchy_selectors.active_model()
    model_levels = hierarchy_selectors.model_levels(model)
    level_names = hierarchy_selectors.level_names(model_levels)
    playbook = _playbook(model_levels)

    our_attendees = list(visit.our_attendees.all())
    their_attendees = list(visit.their_attendees.all())
    our_ids = {a.user_id for a in our_attendees}
    their_ids = {c.contact_id for c in their_attendees}
    relationships = _relationship_views(
        account=account, level_names=level_names, playbook=playbook, our_ids=our_ids, their_ids=their_ids
    )
    meeting = [r for r in relationships if r.in_meeting]
    # Then the relationships of the people attending with anyone on the other side, best first.
    others = sorted(
        (r for r in relationships if not r.in_meeting and (r.ours.pk in our_ids or r.theirs.pk in their_ids)),
        key=lambda r: -(r.effective or 0),
    )

    players = {p.contact_id: p for p in keyplayers_selectors.account_key_players(account=account)}
    attending = []
    for link in their_attendees:
        contact = link.contact
        attending.append(
            AttendingContact(
                contact=contact,
                key_player=players.get(contact.pk),
                relationships=[r for r in relationships if r.theirs.pk == contact.pk],
            )
        )

    activity = plans_selectors.account_activity(account=account, now=now)
    opportunities = _opportunity_views(activity.open_opportunities, financials_visible)
    revenue = None
    if financials_visible:
        periods = accounts_selectors.financial_periods(account=account)[-FINANCIAL_PERIODS:]
        revenue = accounts_selectors.revenue_summary(periods) if periods else None

    previous = plans_selectors.previous_visit(visit)
    since = previous.starts_at if previous else visit.starts_at - DEFAULT_LOOKBACK
    rating = _rating_view(account=account, membership=membership, financials_visible=financials_visible)
    departures, people_changes = _people_changes(account=account, since=since)
    changes = (
        _level_changes(account=account, since=since, model=model)
        + _rating_change(account=account, since=since, rating=rating)
        + _opportunity_changes(account=account, since=since)
        + people_changes
    )

    briefing = Briefing(
        visit=visit,
        account=account,
        generated_at=now,
        financials_visible=financials_visible,
        previous_visit=previous,
        since=since,
        must_know=[],
        must_not_say=[],
        want=[],
        team=team,
        rating=rating,
        revenue=revenue,
        pipeline=_pipeline(activity.open_opportunities) if financials_visible else None,
        level_names=level_names,
        levels=hierarchy_selectors.account_levels_one(account),
        roles=keyplayers_selectors.levels_by_buying_role(account_ids=[account.pk])[account.pk],
        meeting_relationships=meeting,
        other_relationships=others[:8],
        our_attendees=our_attendees,
        their_attendees=attending,
        opportunities=opportunities,
        plan=activity.active_plan,
        issues=plans_selectors.plan_issues(activity.active_plan),
        open_actions=activity.open_actions,
        overdue_actions=activity.overdue_actions,
        recent_calls=activity.recent_calls[:RECENT_CALLS],
        alerts=hierarchy_selectors.open_alerts(account=account, limit=5),
        departures=departures,
        changes=changes[:MAX_CHANGES],
    )
    briefing.must_know = _must_know(briefing)
    briefing.must_not_say = _must_not_say(briefing)
    briefing.want = _want(briefing)
    return briefing


def upcoming_briefings(*, user: User, now: dt.datetime | None = None, days: int = 14) -> list[Visit]:
    """The visits this user attends in the next `days` days: an executive's "my upcoming visits"."""
    now = now or timezone.now()
    return plans_selectors.upcoming_visits_of(user, now=now, days=days)


# --- deliveries ----------------------------------------------------------------------------------------


@dataclass
class RecipientState:
    """What happened, or will happen, with one executive's briefing e-mail for one visit."""

    user: User
    state: str  # "sent", "waiting", "sending", "failed", "not sent", "due"
    text: str
    deliveries: list = field(default_factory=list)


def delivery_states(*, visit: Visit, tenant, now: dt.datetime | None = None) -> list[RecipientState]:
    """Per executive attending (and anyone who was sent something for the visit): the latest delivery
    and what it means. One query; `visit` as loaded by plans.selectors.visit_detail."""
    now = now or timezone.now()
    rows = list(
        BriefingDelivery.objects.filter(visit=visit).select_related("recipient").order_by("visit_sequence", "pk")
    )
    by_user: dict[int, list] = defaultdict(list)
    for row in rows:
        by_user[row.recipient_id].append(row)
    people = {a.user_id: a.user for a in visit.our_attendees.all() if a.executive}
    people.update({row.recipient_id: row.recipient for row in rows})
    states = []
    for user_id, user in sorted(people.items(), key=lambda item: item[1].get_full_name()):
        history = by_user.get(user_id, [])
        latest = history[-1] if history else None
        if latest is None:
            if not (user.email or "").strip():
                states.append(RecipientState(user, "not sent", "not sent: no address"))
            elif visit.is_cancelled or visit.starts_at <= now:
                continue
            else:
                opens = window_opens_at(tenant, visit)
                text = "due now" if opens <= now else f"to be sent {timezone.localtime(opens):%a %d %b, %H:%M}"
                states.append(RecipientState(user, "waiting", text))
            continue
        kind = latest.get_kind_display().lower()
        if latest.status == DeliveryStatus.SENT:
            text = f"{kind} sent {timezone.localtime(latest.sent_at):%d %b, %H:%M} to {latest.address}"
            state = "sent"
        elif latest.status == DeliveryStatus.FAILED:
            retry = (
                f"; next try {timezone.localtime(latest.next_attempt_at):%H:%M}"
                if latest.attempts < MAX_ATTEMPTS and latest.next_attempt_at
                else "; no more tries"
            )
            text, state = (
                f"{kind} failed (attempt {latest.attempts} of {MAX_ATTEMPTS}{retry}): {latest.error}",
                "failed",
            )
        elif latest.status in (DeliveryStatus.SKIPPED, DeliveryStatus.SUPERSEDED):
            sent = [r for r in history if r.status == DeliveryStatus.SENT]
            text = (
                f"not sent: {latest.error}"
                if not sent
                else (f"{sent[-1].get_kind_display().lower()} sent {timezone.localtime(sent[-1].sent_at):%d %b, %H:%M}")
            )
            state = "not sent" if not sent else "sent"
        elif latest.status == DeliveryStatus.SENDING:
            text, state = f"{kind} being sent", "sending"
        else:
            text, state = f"{kind} waiting to be sent", "due"
        states.append(RecipientState(user, state, text, history))
    return states
