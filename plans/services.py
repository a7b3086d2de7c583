"""Every write with a business meaning in plans: account plans and actions, opportunities and their
notes, call reports (which move the last contact), visits, and the secret calendar feeds.

All functions run inside the caller's tenant context (a request or a task) and validate before they
write: bad input raises django.core.exceptions.ValidationError and nothing is changed.
"""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import Account, Contact
from hierarchy.selectors import level_names
from keyplayers.models import KeyPlayer
from tenancy.dates import OUT_OF_RANGE, in_supported_range
from plans.models import (
    CLOSED_STAGES,
    OPEN_ACTION_STATUSES,
    AccountPlan,
    ActionStatus,
    CalendarFeed,
    CallAttendee,
    CallChannel,
    CallContact,
    CallReport,
    CompetitiveStrategy,
    CustomerIssue,
    CustomerIssueOpportunity,
    CustomerIssueRelationship,
    FeedKind,
    IssueKind,
    NoteMention,
    Opportunity,
    OpportunityKeyPlayer,
    OpportunityNote,
    PlanAction,
    PlanStatus,
    Stage,
    Visit,
    VisitAttendee,
    VisitContact,
    VisitStatus,
)
from tenancy.context import current_tenant_id
from tenancy.members import require_members
from tenancy.models import Membership, Role, User
from tenancy.selectors import tenant_currency
from tenancy.tokens import FEED_PREFIX, generate_token, hash_token

# A call report records something that happened; allow a little clock skew between devices.
CALL_FUTURE_TOLERANCE = dt.timedelta(minutes=10)
MAX_VISIT_LENGTH = dt.timedelta(days=14)

# Sent after the commit of every change to a visit (scheduled, changed, cancelled), so apps above plans
# (briefings) react at once without plans importing them:
# visit_changed.send(sender=Visit, tenant_id=…, visit_id=…).
visit_changed = Signal()


def _announce_visit_change(visit: Visit) -> None:
    tenant_id, visit_id = visit.tenant_id, visit.pk
    transaction.on_commit(lambda: visit_changed.send(sender=Visit, tenant_id=tenant_id, visit_id=visit_id))


# --- helpers --------------------------------------------------------------------------------------


def _tenant_id() -> int:
    return current_tenant_id()


def _require_contacts_of(account: Account, contacts: Sequence[Contact], field: str) -> None:
    foreign = [c for c in contacts if c.account_id != account.pk]
    if foreign:
        names = ", ".join(sorted(c.full_name for c in foreign))
        raise ValidationError({field: f"Not a contact at {account.name}: {names}."})


def _today() -> dt.date:
    """Today in the active time zone (views and the API activate the tenant's)."""
    return timezone.localdate()


def _clean_and_save(obj, *, update_fields: list[str] | None = None):
    obj.full_clean(exclude=["tenant"])
    if update_fields is None:
        obj.save()
    else:
        obj.save(update_fields=[*update_fields, "updated_at"])
    return obj


def _apply(obj, changes: dict, allowed: set[str]) -> list[str]:
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"Unknown fields for {obj.__class__.__name__}: {', '.join(sorted(unknown))}")
    changed = []
    for name, value in changes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _lock_account(account: Account) -> None:
    """Serialises writers of one account's plans (two "new plan" clicks cannot both win)."""
    list(Account.objects.select_for_update().filter(pk=account.pk).values_list("pk", flat=True))


# --- account plans ----------------------------------------------------------------------------------


def _check_target_level(level: int | None) -> None:
    if level is None:
        return
    levels = level_names()
    if levels and level not in levels:
        raise ValidationError(
            {
                "target_level": f"The hierarchy model in use has levels {min(levels)} to {max(levels)}: "
                f"{level} is not one of them."
            }
        )


def _carry_open_actions(*, from_plan_ids: list[int], to_plan: AccountPlan) -> int:
    """Moves the open actions of plans just archived onto the account's newly active plan, so no
    open work is stranded on an archived (read-only) plan. One UPDATE; returns how many moved."""
    if not from_plan_ids:
        return 0
    return PlanAction.objects.filter(plan_id__in=from_plan_ids, status__in=OPEN_ACTION_STATUSES).update(
        plan=to_plan, updated_at=timezone.now()
    )


@transaction.atomic
def plan_create(
    *,
    account: Account,
    title: str,
    objectives: str,
    owner: User | None = None,
    target_level: int | None = None,
    target_date: dt.date | None = None,
    review_date: dt.date | None = None,
    created_by: User | None = None,
) -> AccountPlan:
    """Starts the account's active plan. The previous active plan is archived and kept; its open
    actions move to the new plan (`plan.carried_over_actions` says how many)."""
    require_members([owner], "owner")
    if target_date is not None and target_date < _today():
        raise ValidationError({"target_date": "The target date is in the past: choose a date from today on."})
    _check_target_level(target_level)
    _lock_account(account)
    plan = AccountPlan(
        tenant_id=_tenant_id(),
        account=account,
        title=title.strip(),
        objectives=objectives.strip(),
        owner=owner,
        target_level=target_level,
        target_date=target_date,
        review_date=review_date,
        created_by=created_by,
        status=PlanStatus.ACTIVE,
    )
    previous = AccountPlan.objects.select_for_update().filter(account=account, status=PlanStatus.ACTIVE).first()
    if previous is not None:
        previous.status = PlanStatus.ARCHIVED
        previous.archived_at = timezone.now()
        previous.save(update_fields=["status", "archived_at", "updated_at"])
    _clean_and_save(plan)
    plan.carried_over_actions = _carry_open_actions(from_plan_ids=[previous.pk] if previous else [], to_plan=plan)
    return plan


PLAN_EDITABLE = {"title", "objectives", "owner", "target_level", "target_date", "review_date"}


@transaction.atomic
def plan_update(*, plan: AccountPlan, **changes) -> AccountPlan:
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError("Archived plans are kept as they were. Start a new plan for the account instead.")
    for text in ("title", "objectives"):
        if isinstance(changes.get(text), str):
            changes[text] = changes[text].strip()
    if "owner" in changes:
        require_members([changes["owner"]], "owner")
    if changes.get("target_level") not in (None, plan.target_level):
        _check_target_level(changes["target_level"])
    new_target = changes.get("target_date")
    if new_target is not None and new_target != plan.target_date and new_target < _today():
        raise ValidationError({"target_date": "The target date is in the past: choose a date from today on."})
    changed = _apply(plan, changes, PLAN_EDITABLE)
    if changed:
        _clean_and_save(plan, update_fields=changed)
    return plan


@transaction.atomic
def plan_archive(*, plan: AccountPlan) -> AccountPlan:
    """Closes a plan without a successor; it stays readable with its actions."""
    if plan.status == PlanStatus.ARCHIVED:
        return plan
    plan.status = PlanStatus.ARCHIVED
    plan.archived_at = timezone.now()
    plan.save(update_fields=["status", "archived_at", "updated_at"])
    return plan


@transaction.atomic
def plan_reactivate(*, plan: AccountPlan) -> AccountPlan:
    """Makes an archived plan the account's active plan again (archiving the current one, whose open
    actions move to this plan: `plan.carried_over_actions` says how many)."""
    plan.carried_over_actions = 0
    if plan.status == PlanStatus.ACTIVE:
        return plan
    _lock_account(plan.account)
    current = AccountPlan.objects.filter(account_id=plan.account_id, status=PlanStatus.ACTIVE)
    current_ids = list(current.values_list("pk", flat=True))
    current.update(status=PlanStatus.ARCHIVED, archived_at=timezone.now(), updated_at=timezone.now())
    plan.status = PlanStatus.ACTIVE
    plan.archived_at = None
    plan.save(update_fields=["status", "archived_at", "updated_at"])
    plan.carried_over_actions = _carry_open_actions(from_plan_ids=current_ids, to_plan=plan)
    return plan


# --- plan actions ------------------------------------------------------------------------------------


def _check_action(
    *, plan: AccountPlan, title: str, owner: User | None, due_date: dt.date | None, new_due_date: bool
) -> None:
    errors = {}
    if plan.status != PlanStatus.ACTIVE:
        errors["plan"] = "This plan is archived: add actions to the account's active plan."
    if not (title or "").strip():
        errors["title"] = "Say what needs doing."
    if due_date is None:
        errors["due_date"] = "Give the action a due date."
    elif new_due_date and due_date < _today():
        errors["due_date"] = f"The due date {due_date:%d %b %Y} is in the past: choose a date from today on."
    if errors:
        raise ValidationError(errors)
    require_members([owner], "owner")


@transaction.atomic
def action_create(
    *,
    plan: AccountPlan,
    title: str,
    due_date: dt.date,
    owner: User | None = None,
    notes: str = "",
    source_call: CallReport | None = None,
) -> PlanAction:
    _check_action(plan=plan, title=title, owner=owner, due_date=due_date, new_due_date=True)
    action = PlanAction(
        tenant_id=_tenant_id(),
        plan=plan,
        title=title.strip(),
        notes=notes.strip(),
        owner=owner,
        due_date=due_date,
        source_call=source_call,
    )
    return _clean_and_save(action)


ACTION_EDITABLE = {"title", "notes", "owner", "due_date", "status"}


@transaction.atomic
def action_update(*, action: PlanAction, **changes) -> PlanAction:
    for text in ("title", "notes"):
        if isinstance(changes.get(text), str):
            changes[text] = changes[text].strip()
    due_date = changes.get("due_date", action.due_date)
    _check_action(
        plan=action.plan,
        title=changes.get("title", action.title),
        owner=changes.get("owner", action.owner),
        due_date=due_date,
        new_due_date=due_date != action.due_date,
    )
    status = changes.pop("status", None)
    changed = _apply(action, changes, ACTION_EDITABLE)
    if status is not None and status != action.status:
        changed += _set_status(action, status)
    if changed:
        _clean_and_save(action, update_fields=changed)
    return action


def _set_status(action: PlanAction, status: str) -> list[str]:
    if status not in ActionStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    action.status = status
    action.completed_at = timezone.now() if status == ActionStatus.DONE else None
    return ["status", "completed_at"]


@transaction.atomic
def action_set_status(*, action: PlanAction, status: str) -> PlanAction:
    if action.plan.status != PlanStatus.ACTIVE:
        raise ValidationError("This plan is archived: its actions are kept as they were.")
    if status != action.status:
        action.save(update_fields=[*_set_status(action, status), "updated_at"])
    return action


# --- the customer's business and organisational issues ------------------------------------------------


@transaction.atomic
def customer_issue_add(
    *,
    plan: AccountPlan,
    kind: str,
    statement: str,
    by: User | None,
    raised_by: Contact | None = None,
    relationships: Sequence = (),
    opportunities: Sequence[Opportunity] = (),
) -> CustomerIssue:
    """An initiative or issue of the customer's, in their words, on the (active) account plan, linked to
    the relationships and opportunities of the same account that serve it."""
    statement = (statement or "").strip()
    errors = {}
    if not plan.is_active:
        errors["plan"] = "This plan is archived; add the customer's issues to the account's active plan."
    if kind not in IssueKind.values:
        errors["kind"] = "Choose a business issue or an organisational issue."
    if not statement:
        errors["statement"] = "Write the issue as the customer puts it."
    if raised_by is not None and raised_by.account_id != plan.account_id:
        errors["raised_by"] = f"{raised_by} works at another account, not {plan.account.name}."
    strangers = [str(r) for r in relationships if r.account_id != plan.account_id]
    if strangers:
        errors["relationships"] = f"Not relationships at {plan.account.name}: {', '.join(strangers)}."
    elsewhere = [o.name for o in opportunities if o.account_id != plan.account_id]
    if elsewhere:
        errors["opportunities"] = f"Not opportunities of {plan.account.name}: {', '.join(elsewhere)}."
    if errors:
        raise ValidationError(errors)
    issue = _clean_and_save(
        CustomerIssue(
            tenant_id=_tenant_id(), plan=plan, kind=kind, statement=statement, raised_by=raised_by, created_by=by
        )
    )
    CustomerIssueRelationship.objects.bulk_create(
        [CustomerIssueRelationship(tenant_id=issue.tenant_id, issue=issue, relationship=r) for r in set(relationships)]
    )
    CustomerIssueOpportunity.objects.bulk_create(
        [CustomerIssueOpportunity(tenant_id=issue.tenant_id, issue=issue, opportunity=o) for o in set(opportunities)]
    )
    return issue


@transaction.atomic
def customer_issue_remove(*, issue: CustomerIssue) -> None:
    if not issue.plan.is_active:
        raise ValidationError("This plan is archived: its issues are kept as they were.")
    issue.delete()


# --- opportunities -------------------------------------------------------------------------------------

OPPORTUNITY_EDITABLE = {
    "name",
    "stage",
    "value",
    "currency",
    "close_date",
    "owner",
    "pain_identified",
    "access_to_power",
    "vision_agreed",
    "value_agreed",
    "control_of_sale",
    "qualification_notes",
    "competitive_strategy",
    "strategy_rationale",
    "must_get",
    "can_give",
    "walk_away",
    "fallback_strategy",
    "fallback_rationale",
    "evaluation_plan",
    *Opportunity.VALUE_CASE_FIELDS,
    "buyer_tactics",
    "buyer_tactics_answer",
}
VALUE_CASE_MISSING = (
    "Record the value case agreed with the customer first: the benefits (or the pain removed) in "
    "their terms, and who on their side agreed it."
)


def opportunity_field_errors(
    *,
    competitive_strategy: str = "",
    strategy_rationale: str = "",
    currency: str = "",
    value=None,
    fallback_strategy: str = "",
    fallback_rationale: str = "",
    value_agreed_now: bool = False,
    value_case: dict | None = None,
) -> dict[str, str]:
    """The opportunity's own rules, field by field (no query): the service raises them, and the browser
    form shows them next to its other errors at once. `value_agreed_now`: "compelling value agreed" is
    being ticked (created with it, or turned on), which needs the value case (`value_case`)."""
    errors = {}
    labels = dict(CompetitiveStrategy.choices)
    if competitive_strategy and not (strategy_rationale or "").strip():
        label = labels.get(competitive_strategy, competitive_strategy)
        errors["strategy_rationale"] = (
            f"Say why “{label.split(' (')[0]}” is the right strategy here: against whom, and what makes it work."
        )
    if fallback_strategy:
        if not competitive_strategy:
            errors["fallback_strategy"] = (
                "Choose the lead strategy first; the fallback is the one to turn to if it fails."
            )
        elif fallback_strategy == competitive_strategy:
            errors["fallback_strategy"] = "The fallback must differ from the lead strategy."
        elif not (fallback_rationale or "").strip():
            label = labels.get(fallback_strategy, fallback_strategy)
            errors["fallback_rationale"] = f"Say when we switch to “{label.split(' (')[0]}” and why it would work then."
    if value_agreed_now:
        case = value_case or {}
        if not (
            (case.get("value_benefits") or case.get("value_pain_removed") or "").strip()
            and (case.get("value_agreed_with") or "").strip()
        ):
            errors["value_agreed"] = VALUE_CASE_MISSING
    if currency and (len(currency) != 3 or not currency.isalpha()):
        errors["currency"] = "Use a three-letter currency code such as EUR, GBP or USD."
    if value is not None and Decimal(value) < 0:
        errors["value"] = "The value cannot be negative."
    return errors


def _check_opportunity(opp: Opportunity, *, value_agreed_now: bool = False) -> None:
    errors = opportunity_field_errors(
        competitive_strategy=opp.competitive_strategy,
        strategy_rationale=opp.strategy_rationale,
        currency=opp.currency,
        value=opp.value,
        fallback_strategy=opp.fallback_strategy,
        fallback_rationale=opp.fallback_rationale,
        value_agreed_now=value_agreed_now,
        value_case={name: getattr(opp, name) for name in ("value_benefits", "value_pain_removed", "value_agreed_with")},
    )
    if errors:
        raise ValidationError(errors)


def _normalise_opportunity(changes: dict) -> dict:
    for name in (
        "name",
        "qualification_notes",
        "strategy_rationale",
        "must_get",
        "can_give",
        "walk_away",
        "fallback_rationale",
        "evaluation_plan",
        "value_roi",
        "value_pain_removed",
        "value_benefits",
        "value_timescales",
        "value_responsible",
        "value_agreed_with",
        "buyer_tactics",
        "buyer_tactics_answer",
    ):
        if isinstance(changes.get(name), str):
            changes[name] = changes[name].strip()
    if isinstance(changes.get("currency"), str):
        changes["currency"] = changes["currency"].strip().upper()
    return changes


@transaction.atomic
def opportunity_create(
    *,
    account: Account,
    name: str,
    value: Decimal,
    close_date: dt.date,
    stage: str = Stage.PROSPECTING,
    owner: User | None = None,
    key_players: Sequence[KeyPlayer] | None = None,
    **details,
) -> Opportunity:
    """`details`: currency, the qualification checklist booleans, the lead and fallback strategies with
    their rationales, the evaluation plan, the value case (value_*; "value agreed" needs it), the buyer
    tactics seen and our answer, and the negotiation plan (must_get, can_give, walk_away). `key_players`: the account's key players
    in the deal (see opportunity_key_players_set)."""
    fields = _normalise_opportunity(
        {"name": name, "value": value, "close_date": close_date, "stage": stage, "owner": owner, **details}
    )
    require_members([owner], "owner")
    opp = Opportunity(tenant_id=_tenant_id(), account=account)
    _apply(opp, fields, OPPORTUNITY_EDITABLE)
    if not fields.get("currency"):
        opp.currency = tenant_currency()  # not the model's fallback: the tenant's own
    if opp.stage in CLOSED_STAGES:
        opp.closed_at = timezone.now()
    _check_opportunity(opp, value_agreed_now=opp.value_agreed)
    _clean_and_save(opp)
    if key_players:
        opportunity_key_players_set(opportunity=opp, key_players=key_players)
    return opp


@transaction.atomic
def opportunity_update(
    *, opportunity: Opportunity, key_players: Sequence[KeyPlayer] | None = None, **changes
) -> Opportunity:
    """`key_players` (when given) replaces the opportunity's key players."""
    changes = _normalise_opportunity(changes)
    if "owner" in changes:
        require_members([changes["owner"]], "owner")
    was_open = opportunity.is_open
    changed = _apply(opportunity, changes, OPPORTUNITY_EDITABLE)
    if "stage" in changed:
        if was_open and not opportunity.is_open:
            opportunity.closed_at = timezone.now()
            changed.append("closed_at")
        elif opportunity.is_open and opportunity.closed_at is not None:
            opportunity.closed_at = None
            changed.append("closed_at")
    # "Value agreed" points to the value case: checked when it is ticked or the case is edited (a deal ticked
    # before value cases existed is left alone until then).
    touches_value = "value_agreed" in changed or any(name in changed for name in Opportunity.VALUE_CASE_FIELDS)
    _check_opportunity(opportunity, value_agreed_now=opportunity.value_agreed and touches_value)
    if changed:
        _clean_and_save(opportunity, update_fields=changed)
    if key_players is not None:
        opportunity_key_players_set(opportunity=opportunity, key_players=key_players)
    return opportunity


MENTION = re.compile(r"(?<![\w.])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def _mentioned_users(body: str, *, author: User | None) -> list[User]:
    """Teammates named in a note: @their e-mail, or @ the part of it before the @ when that is unique
    among the tenant's members. An @ that names nobody (or several) is refused, so no one is missed."""
    tokens = {m.group(1).rstrip(".").lower() for m in MENTION.finditer(body)}
    if not tokens:
        return []
    members = list(User.objects.filter(pk__in=Membership.objects.values("user_id")).only("pk", "email", "full_name"))
    found, problems = {}, []
    for token in sorted(tokens):
        exact = [u for u in members if u.email.lower() == token]
        local = [u for u in members if u.email.lower().split("@")[0] == token]
        matches = exact or local
        if len(matches) == 1:
            found[matches[0].pk] = matches[0]
        elif not matches:
            problems.append(f"“@{token}” names no one in this team")
        else:
            problems.append(f"“@{token}” could be {', '.join(u.email for u in matches)}: write the whole e-mail")
    if problems:
        raise ValidationError({"body": "; ".join(problems) + ". Mention a teammate as @ and their e-mail."})
    return [u for pk, u in found.items() if author is None or pk != author.pk]


@transaction.atomic
def opportunity_note_add(*, opportunity: Opportunity, author: User, body: str) -> OpportunityNote:
    """A note in the opportunity's thread; teammates it mentions (@e-mail) see it on their dashboard."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the note first."})
    mentioned = _mentioned_users(body, author=author)
    note = OpportunityNote(tenant_id=_tenant_id(), opportunity=opportunity, author=author, body=body)
    note = _clean_and_save(note)
    NoteMention.objects.bulk_create([NoteMention(tenant_id=note.tenant_id, note=note, user=u) for u in mentioned])
    return note


def mentions_mark_seen(*, user: User, mention_ids: Sequence[int] | None = None) -> int:
    """Marks the user's unseen mentions (all, or those given) as seen; returns how many."""
    mentions = NoteMention.objects.filter(user=user, seen_at__isnull=True)
    if mention_ids is not None:
        mentions = mentions.filter(pk__in=list(mention_ids))
    return mentions.update(seen_at=timezone.now(), updated_at=timezone.now())


# --- key players on opportunities ------------------------------------------------------------------------


def _check_key_players_for(opportunity: Opportunity, key_players: Sequence[KeyPlayer]) -> None:
    """Each key player must be on the opportunity's account and on no other opportunity."""
    errors = []
    for player in key_players:
        if player.account_id != opportunity.account_id:
            errors.append(
                f"{player.contact} is a key player at another account, not {opportunity.account.name}: "
                "only the account's own key players can be on its opportunities."
            )
    if errors:
        raise ValidationError({"key_players": errors})
    elsewhere = (
        OpportunityKeyPlayer.objects.filter(key_player__in=[p.pk for p in key_players])
        .exclude(opportunity=opportunity)
        .select_related("opportunity", "key_player__contact")
        .order_by("pk")
    )
    errors = [
        f"{link.key_player.contact} is already on the opportunity “{link.opportunity.name}”: "
        "take them off it first (a key player is on one opportunity at most)."
        for link in elsewhere
    ]
    if errors:
        raise ValidationError({"key_players": errors})


def _lock_key_players(key_players: Sequence[KeyPlayer]) -> None:
    """Serialises two writers putting the same key player on opportunities."""
    list(KeyPlayer.objects.select_for_update().filter(pk__in=[p.pk for p in key_players]).values_list("pk", flat=True))


@transaction.atomic
def opportunity_key_player_add(*, opportunity: Opportunity, key_player: KeyPlayer) -> OpportunityKeyPlayer:
    """Puts one of the account's key players on the opportunity (already on it: nothing changes)."""
    _lock_key_players([key_player])
    _check_key_players_for(opportunity, [key_player])
    link = OpportunityKeyPlayer.objects.filter(opportunity=opportunity, key_player=key_player).first()
    if link is not None:
        return link
    link = OpportunityKeyPlayer(tenant_id=_tenant_id(), opportunity=opportunity, key_player=key_player)
    return _clean_and_save(link)


@transaction.atomic
def opportunity_key_player_remove(*, opportunity: Opportunity, key_player: KeyPlayer) -> bool:
    """Takes the key player off the opportunity (they stay a key player of the account)."""
    deleted, _ = OpportunityKeyPlayer.objects.filter(opportunity=opportunity, key_player=key_player).delete()
    return bool(deleted)


@transaction.atomic
def opportunity_key_players_set(*, opportunity: Opportunity, key_players: Sequence[KeyPlayer]) -> None:
    """Makes these the opportunity's key players (the API's writable list): all checked first, then
    one DELETE for those taken off and one INSERT for those added."""
    key_players = list({p.pk: p for p in key_players}.values())
    _lock_key_players(key_players)
    _check_key_players_for(opportunity, key_players)
    current = set(OpportunityKeyPlayer.objects.filter(opportunity=opportunity).values_list("key_player_id", flat=True))
    wanted = {p.pk for p in key_players}
    if current - wanted:
        OpportunityKeyPlayer.objects.filter(opportunity=opportunity, key_player_id__in=current - wanted).delete()
    tenant_id = _tenant_id()
    OpportunityKeyPlayer.objects.bulk_create(
        [
            OpportunityKeyPlayer(tenant_id=tenant_id, opportunity=opportunity, key_player=p)
            for p in key_players
            if p.pk not in current
        ]
    )


# --- call reports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    """A next step agreed on a call; it becomes an action on the account's active plan."""

    title: str
    due_date: dt.date
    owner: User | None = None


@transaction.atomic
def call_report_record(
    *,
    account: Account,
    occurred_at: dt.datetime,
    summary: str,
    author: User,
    outcomes: str = "",
    channel: str = CallChannel.IN_PERSON,
    opportunity: Opportunity | None = None,
    attendees: Sequence[User] = (),
    contacts: Sequence[Contact] = (),
    next_steps: Sequence[NextStep] = (),
) -> CallReport:
    """Records a call: who was there, what was said, what comes next. Next steps become actions on the
    account's active plan (a plan is started when the account has none). The account's and the
    contacts' last contact move forward to the call's time, never back."""
    errors = {}
    if occurred_at is None or timezone.is_naive(occurred_at):
        errors["occurred_at"] = "Give the date and time of the call."
    elif occurred_at > timezone.now() + CALL_FUTURE_TOLERANCE:
        errors["occurred_at"] = "A call report records a call that happened: the date is in the future."
    if not (summary or "").strip():
        errors["summary"] = "Summarise what was discussed."
    if opportunity is not None and opportunity.account_id != account.pk:
        errors["opportunity"] = f"“{opportunity.name}” is an opportunity of another account, not {account.name}."
    step_errors = []
    for index, step in enumerate(next_steps, start=1):
        if not step.title.strip():
            step_errors.append(f"Next step {index}: say what needs doing.")
        elif step.due_date is None:
            step_errors.append(f"Next step {index} (“{step.title}”): give it a due date.")
        elif step.due_date < _today():
            step_errors.append(
                f"Next step {index} (“{step.title}”): the due date {step.due_date:%d %b %Y} is in the past."
            )
    if step_errors:
        errors["next_steps"] = step_errors
    if errors:
        raise ValidationError(errors)
    attendees = list(dict.fromkeys(attendees))
    contacts = list(dict.fromkeys(contacts))
    require_members(attendees, "attendees")
    require_members([s.owner for s in next_steps], "next_steps")
    _require_contacts_of(account, contacts, "contacts")

    tenant_id = _tenant_id()
    call = CallReport(
        tenant_id=tenant_id,
        account=account,
        occurred_at=occurred_at,
        channel=channel,
        summary=summary.strip(),
        outcomes=(outcomes or "").strip(),
        opportunity=opportunity,
        author=author,
    )
    _clean_and_save(call)
    CallAttendee.objects.bulk_create([CallAttendee(tenant_id=tenant_id, call=call, user=u) for u in attendees])
    CallContact.objects.bulk_create([CallContact(tenant_id=tenant_id, call=call, contact=c) for c in contacts])
    if next_steps:
        plan = AccountPlan.objects.filter(account=account, status=PlanStatus.ACTIVE).first()
        if plan is None:
            plan = plan_create(
                account=account,
                title=f"{account.name} account plan",
                owner=account.owner or author,
                objectives=f"Started from the call report of {timezone.localtime(occurred_at):%d %b %Y}. "
                "Write down what we want to achieve with this account.",
                created_by=author,
            )
        PlanAction.objects.bulk_create(
            [
                PlanAction(
                    tenant_id=tenant_id,
                    plan=plan,
                    title=s.title.strip(),
                    owner=s.owner,
                    due_date=s.due_date,
                    source_call=call,
                )
                for s in next_steps
            ]
        )
    contact_touch(account=account, contacts=contacts, at=occurred_at)
    return call


def contact_touch(*, account: Account, contacts: Sequence[Contact], at: dt.datetime) -> None:
    """Moves the last contact of the account and of these contacts forward to `at` (never back).
    One UPDATE each; the condition in the WHERE clause makes it safe against concurrent calls."""
    later = Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=at)
    Account.objects.filter(pk=account.pk).filter(later).update(last_contact_at=at)
    if contacts:
        Contact.objects.filter(pk__in=[c.pk for c in contacts]).filter(later).update(last_contact_at=at)


@transaction.atomic
def last_contact_refresh(*, account_ids: Iterable[int]) -> None:
    """Set-based catch-up (bulk loads, demo data): each account's and each of its contacts' last
    contact becomes the latest of its current value and its latest call report. Two UPDATEs."""
    account_ids = list(account_ids)
    latest_call = (
        CallReport.objects.filter(account_id=OuterRef("pk"))
        .order_by()
        .values("account_id")
        .annotate(latest=Max("occurred_at"))
        .values("latest")
    )
    Account.objects.filter(pk__in=account_ids, call_reports__isnull=False).distinct().update(
        last_contact_at=Greatest(Coalesce("last_contact_at", Subquery(latest_call)), Subquery(latest_call))
    )
    latest_for_contact = (
        CallContact.objects.filter(contact_id=OuterRef("pk"))
        .order_by()
        .values("contact_id")
        .annotate(latest=Max("call__occurred_at"))
        .values("latest")
    )
    Contact.objects.filter(account_id__in=account_ids).filter(
        Exists(CallContact.objects.filter(contact_id=OuterRef("pk")))
    ).update(
        last_contact_at=Greatest(
            Coalesce("last_contact_at", Subquery(latest_for_contact)), Subquery(latest_for_contact)
        )
    )


# --- visits ---------------------------------------------------------------------------------------------


def _check_visit(
    *,
    account: Account,
    starts_at,
    ends_at,
    timezone_name: str,
    purpose: str,
    attendees: Sequence[User],
    contacts: Sequence[Contact],
) -> dict[int, str]:
    errors = {}
    if not (purpose or "").strip():
        errors["purpose"] = "Say what the visit is for."
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = "Give the start date and time."
    if ends_at is None or timezone.is_naive(ends_at):
        errors["ends_at"] = "Give the end date and time."
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if name not in errors and not in_supported_range(value):
            errors[name] = OUT_OF_RANGE  # pages, the API and ICS feeds move it into far time zones
    if not errors.keys() & {"starts_at", "ends_at"}:
        if ends_at <= starts_at:
            errors["ends_at"] = "The visit must end after it starts."
        elif ends_at - starts_at > MAX_VISIT_LENGTH:
            errors["ends_at"] = "A visit can last at most 14 days: split longer trips into several visits."
    if not attendees:
        errors["attendees"] = "Add at least one of our people."
    if errors:
        raise ValidationError(errors)
    roles = require_members(attendees, "attendees")
    _require_contacts_of(account, contacts, "contacts")
    return roles


@transaction.atomic
def visit_schedule(
    *,
    account: Account,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    timezone_name: str,
    purpose: str,
    organiser: User,
    attendees: Sequence[User],
    contacts: Sequence[Contact] = (),
    location: str = "",
    agenda: str = "",
) -> Visit:
    """Puts a visit on the shared calendar. Attending executives are flagged from their role."""
    attendees = list(dict.fromkeys(attendees))
    contacts = list(dict.fromkeys(contacts))
    roles = _check_visit(
        account=account,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone_name=timezone_name,
        purpose=purpose,
        attendees=attendees,
        contacts=contacts,
    )
    tenant_id = _tenant_id()
    visit = Visit(
        tenant_id=tenant_id,
        account=account,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone_name,
        purpose=purpose.strip(),
        location=(location or "").strip(),
        agenda=(agenda or "").strip(),
        organiser=organiser,
    )
    _clean_and_save(visit)
    VisitAttendee.objects.bulk_create(
        [
            VisitAttendee(tenant_id=tenant_id, visit=visit, user=u, is_executive=roles[u.pk] == Role.EXECUTIVE)
            for u in attendees
        ]
    )
    VisitContact.objects.bulk_create([VisitContact(tenant_id=tenant_id, visit=visit, contact=c) for c in contacts])
    _announce_visit_change(visit)
    return visit


@transaction.atomic
def visit_update(
    *,
    visit: Visit,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    timezone_name: str,
    purpose: str,
    attendees: Sequence[User],
    contacts: Sequence[Contact] = (),
    location: str = "",
    agenda: str = "",
) -> Visit:
    """Changes a visit; calendar clients see a new revision (SEQUENCE) of the same event."""
    if visit.is_cancelled:
        raise ValidationError("This visit was cancelled; schedule a new one instead.")
    attendees = list(dict.fromkeys(attendees))
    contacts = list(dict.fromkeys(contacts))
    roles = _check_visit(
        account=visit.account,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone_name=timezone_name,
        purpose=purpose,
        attendees=attendees,
        contacts=contacts,
    )
    tenant_id = _tenant_id()
    changed = _apply(
        visit,
        {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "timezone": timezone_name,
            "purpose": purpose.strip(),
            "location": (location or "").strip(),
            "agenda": (agenda or "").strip(),
        },
        {"starts_at", "ends_at", "timezone", "purpose", "location", "agenda"},
    )

    current_users = set(VisitAttendee.objects.filter(visit=visit).values_list("user_id", flat=True))
    wanted_users = {u.pk for u in attendees}
    current_contacts = set(VisitContact.objects.filter(visit=visit).values_list("contact_id", flat=True))
    wanted_contacts = {c.pk for c in contacts}
    people_changed = current_users != wanted_users or current_contacts != wanted_contacts
    if current_users - wanted_users:
        VisitAttendee.objects.filter(visit=visit, user_id__in=current_users - wanted_users).delete()
    VisitAttendee.objects.bulk_create(
        [
            VisitAttendee(tenant_id=tenant_id, visit=visit, user=u, is_executive=roles[u.pk] == Role.EXECUTIVE)
            for u in attendees
            if u.pk not in current_users
        ]
    )
    if current_contacts - wanted_contacts:
        VisitContact.objects.filter(visit=visit, contact_id__in=current_contacts - wanted_contacts).delete()
    VisitContact.objects.bulk_create(
        [VisitContact(tenant_id=tenant_id, visit=visit, contact=c) for c in contacts if c.pk not in current_contacts]
    )
    if changed or people_changed:
        visit.sequence += 1
        _clean_and_save(visit, update_fields=[*changed, "sequence"])
        _announce_visit_change(visit)
    return visit


@transaction.atomic
def visit_cancel(*, visit: Visit) -> Visit:
    """Cancels a visit. It stays in the feeds as CANCELLED so subscribed calendars remove it."""
    if visit.is_cancelled:
        return visit
    visit.status = VisitStatus.CANCELLED
    visit.sequence += 1
    visit.save(update_fields=["status", "sequence", "updated_at"])
    _announce_visit_change(visit)
    return visit


# --- calendar feeds --------------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_rotate(*, user: User, kind: str) -> tuple[CalendarFeed, str]:
    """Issues a new secret feed URL token for `user` (their visits, or all of the tenant's) and revokes
    the previous one of that kind. Returns the row and the raw token, which is shown only once."""
    if kind not in FeedKind.values:
        raise ValidationError({"kind": f"Unknown feed {kind!r}: use “mine” or “tenant”."})
    require_members([user], "user")
    tenant_id = _tenant_id()
    now = timezone.now()
    for old in CalendarFeed.objects.select_for_update().filter(user=user, kind=kind, revoked_at__isnull=True):
        old.revoked_at = now
        old.save(update_fields=["revoked_at", "updated_at"])
    raw = generate_token(tenant_id, prefix=FEED_PREFIX)
    feed = CalendarFeed(tenant_id=tenant_id, user=user, kind=kind, prefix=raw[:12], key_hash=hash_token(raw))
    _clean_and_save(feed)
    return feed, raw


@transaction.atomic
def calendar_feed_revoke(*, user: User, kind: str) -> int:
    """Revokes the user's active feed of that kind; its URL answers 404 from now on."""
    if kind not in FeedKind.values:
        raise ValidationError({"kind": f"Unknown feed {kind!r}: use “mine” or “tenant”."})
    return CalendarFeed.objects.filter(user=user, kind=kind, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )
