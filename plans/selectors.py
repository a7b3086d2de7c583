"""Reads used by more than one caller: pages, the API, the dashboard, the account page, the feeds.

Each selector loads what its callers show (select_related / prefetch_related / annotate), so a page
costs the same number of queries whatever the number of rows.
"""

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone

from accounts.models import Account
from accounts.selectors import on_accounts
from plans.models import (
    CLOSED_STAGES,
    OPEN_ACTION_STATUSES,
    QUALIFICATION_CRITERIA,
    AccountPlan,
    ActionStatus,
    CallAttendee,
    CallContact,
    CallReport,
    Opportunity,
    OpportunityKeyPlayer,
    PlanAction,
    PlanStatus,
    Visit,
    VisitAttendee,
    VisitContact,
    VisitStatus,
)
from tenancy.members import member_users
from tenancy.models import Membership, Role, User

# --- people ----------------------------------------------------------------------------------------------


def executive_users() -> QuerySet[User]:
    return member_users().filter(pk__in=current_executive_ids())


# --- opportunities ---------------------------------------------------------------------------------------


def qualification_score_expression():
    """The qualification score in SQL: the same sum as Opportunity.qualification_score."""
    parts = [
        Case(When(**{name: True}, then=Value(points)), default=Value(0), output_field=IntegerField())
        for name, _, points in QUALIFICATION_CRITERIA
    ]
    return functools.reduce(operator.add, parts)


def opportunity_list(
    *, account_id: int | None = None, stage: str | None = None, owner_id: int | None = None, open_only: bool = False
) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.select_related("account", "owner").annotate(score=qualification_score_expression())
    if account_id:
        qs = qs.filter(account_id=account_id)
    if stage:
        qs = qs.filter(stage=stage)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if open_only:
        qs = qs.exclude(stage__in=CLOSED_STAGES)
    return qs.order_by("close_date", "pk")


@dataclass
class OpportunityTeam:
    """The opportunity's key players (each with `.guidance`, the recommended message) and the account's
    key players who could join it (on no opportunity yet)."""

    players: list
    available: list
    account_has_players: bool = False  # whether the account has any key player at all


def opportunity_team(opportunity: Opportunity) -> OpportunityTeam:
    """Two queries whatever the number of key players: the account's key players (with the opportunity
    each is on), and the guidance matrix."""
    from keyplayers.models import KeyPlayer
    from keyplayers.selectors import attach_guidance

    on = OpportunityKeyPlayer.objects.filter(key_player_id=OuterRef("pk")).values("opportunity_id")[:1]
    players = list(
        KeyPlayer.objects.filter(account_id=opportunity.account_id)
        .select_related("contact")
        .annotate(on_opportunity_id=Subquery(on))
        .order_by("contact__full_name", "pk")
    )
    mine = [p for p in players if p.on_opportunity_id == opportunity.pk]
    return OpportunityTeam(
        players=attach_guidance(mine) if mine else [],
        available=[p for p in players if p.on_opportunity_id is None],
        account_has_players=bool(players),
    )


# --- plans and actions --------------------------------------------------------------------------------------


def _overdue_q(today: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": OPEN_ACTION_STATUSES, f"{prefix}due_date__lt": today})


def plan_list(
    *,
    today: dt.date,
    status: str | None = PlanStatus.ACTIVE,
    owner_id: int | None = None,
    account_id: int | None = None,
) -> QuerySet[AccountPlan]:
    # Counted per plan by a subquery, not by a join grouped over every plan: PostgreSQL then counts the
    # actions of the page's plans only, after the sort and the LIMIT (issue 12: 0.6 s at 100k accounts).
    def count_of(condition):
        actions = PlanAction.objects.filter(condition, plan_id=OuterRef("pk")).order_by().values("plan_id")
        return Coalesce(Subquery(actions.annotate(n=Count("pk")).values("n")), 0)

    qs = AccountPlan.objects.select_related("account", "owner").annotate(
        open_actions=count_of(Q(status__in=OPEN_ACTION_STATUSES)), overdue_actions=count_of(_overdue_q(today))
    )
    if status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if account_id:
        qs = qs.filter(account_id=account_id)
    return qs.order_by("account__name", "-created_at")


def plan_issues(plan: AccountPlan | None) -> list:
    """The customer's issues on the plan, business ones first, with the relationships (our person and
    theirs, both views of the level) and opportunities that serve each. Four queries for any number."""
    from django.db.models import Prefetch

    from hierarchy.models import Relationship
    from plans.models import CustomerIssue

    if plan is None:
        return []
    return list(
        CustomerIssue.objects.filter(plan=plan)
        .select_related("raised_by")
        .prefetch_related(
            Prefetch("relationships", queryset=Relationship.objects.select_related("user", "contact").order_by("pk")),
            Prefetch("opportunities", queryset=Opportunity.objects.order_by("close_date", "pk")),
        )
        .order_by("kind", "created_at", "pk")
    )


def plan_actions(plan: AccountPlan) -> list[PlanAction]:
    return list(plan.actions.select_related("owner", "source_call").order_by("due_date", "pk"))


def action_list(
    *,
    today: dt.date,
    owner_id: int | None = None,
    account_id: int | None = None,
    open_only: bool = True,
    overdue_only: bool = False,
) -> QuerySet[PlanAction]:
    """Actions of active plans. `owner_id`: the actions this user answers for: theirs, and those
    without an owner on plans they own (so no open action reaches nobody)."""
    qs = PlanAction.objects.select_related("plan__account", "owner").filter(plan__status=PlanStatus.ACTIVE)
    if owner_id:
        qs = qs.filter(Q(owner_id=owner_id) | Q(owner__isnull=True, plan__owner_id=owner_id))
    if account_id:
        qs = qs.filter(plan__account_id=account_id)
    if overdue_only:
        qs = qs.filter(_overdue_q(today))
    elif open_only:
        qs = qs.filter(status__in=OPEN_ACTION_STATUSES)
    return qs.order_by("due_date", "pk")


def overdue_actions(*, today: dt.date, account: Account | None = None, owner: User | None = None) -> list[PlanAction]:
    """Open actions of active plans whose due date has passed, oldest first: for the account page
    (pass `account`) and the owner's dashboard (pass `owner`)."""
    return list(
        action_list(
            today=today,
            owner_id=owner.pk if owner else None,
            account_id=account.pk if account else None,
            overdue_only=True,
        )
    )


# --- call reports ---------------------------------------------------------------------------------------------


def with_call_details(qs: QuerySet[CallReport]) -> QuerySet[CallReport]:
    return qs.select_related("account", "opportunity", "author").prefetch_related(
        Prefetch("our_attendees", queryset=CallAttendee.objects.select_related("user").order_by("user__full_name")),
        Prefetch(
            "their_attendees", queryset=CallContact.objects.select_related("contact").order_by("contact__full_name")
        ),
        Prefetch("next_steps", queryset=PlanAction.objects.select_related("owner").order_by("due_date", "pk")),
    )


def call_list(
    *, account_id: int | None = None, opportunity_id: int | None = None, attendee: User | None = None
) -> QuerySet[CallReport]:
    qs = CallReport.objects.all()
    if account_id:
        qs = qs.filter(account_id=account_id)
    if opportunity_id:
        qs = qs.filter(opportunity_id=opportunity_id)
    if attendee is not None:
        qs = qs.filter(Exists(CallAttendee.objects.filter(call=OuterRef("pk"), user=attendee)))
    return with_call_details(qs).order_by("-occurred_at", "-pk")


def call_detail(call_id: int) -> CallReport | None:
    return with_call_details(CallReport.objects.filter(pk=call_id)).first()


# --- visits and the calendar -----------------------------------------------------------------------------------


def current_executive_ids() -> QuerySet:
    """User ids of the tenant's executives now. "Executive" in plans always means the member's
    current role (a person promoted later counts on their earlier visits; one who changed role does not)."""
    return Membership.objects.filter(role=Role.EXECUTIVE).values("user_id")


def with_visit_details(qs: QuerySet[Visit]) -> QuerySet[Visit]:
    attendees = (
        VisitAttendee.objects.select_related("user")
        .annotate(executive_now=Exists(current_executive_ids().filter(user_id=OuterRef("user_id"))))
        .order_by("-executive_now", "user__full_name")
    )
    return qs.select_related("account", "organiser").prefetch_related(
        Prefetch("our_attendees", queryset=attendees),
        Prefetch(
            "their_attendees", queryset=VisitContact.objects.select_related("contact").order_by("contact__full_name")
        ),
    )


def _visits_filtered(
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    attendee: User | None = None,
    account_id: int | None = None,
    executive_id: int | None = None,
    any_executive: bool = False,
    include_cancelled: bool = False,
) -> QuerySet[Visit]:
    qs = Visit.objects.all()
    if start is not None:
        qs = qs.filter(ends_at__gt=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    if attendee is not None:
        qs = qs.filter(Exists(VisitAttendee.objects.filter(visit=OuterRef("pk"), user=attendee)))
    if account_id:
        qs = qs.filter(account_id=account_id)
    if executive_id:
        qs = qs.filter(
            Exists(
                VisitAttendee.objects.filter(
                    visit=OuterRef("pk"), user_id=executive_id, user_id__in=current_executive_ids()
                )
            )
        )
    elif any_executive:
        qs = qs.filter(Exists(VisitAttendee.objects.filter(visit=OuterRef("pk"), user_id__in=current_executive_ids())))
    if not include_cancelled:
        qs = qs.filter(status=VisitStatus.PLANNED)
    return qs


def visit_list(
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    attendee: User | None = None,
    account_id: int | None = None,
    executive_id: int | None = None,
    any_executive: bool = False,
    include_cancelled: bool = False,
) -> QuerySet[Visit]:
    """Visits overlapping [start, end), with attendees loaded. `attendee`: only visits this user attends
    ("mine"); `executive_id`: visits that executive attends; `any_executive`: visits with an executive
    (an executive: the member's current role, see current_executive_ids)."""
    qs = _visits_filtered(
        start=start,
        end=end,
        attendee=attendee,
        account_id=account_id,
        executive_id=executive_id,
        any_executive=any_executive,
        include_cancelled=include_cancelled,
    )
    return with_visit_details(qs).order_by("starts_at", "pk")


def visit_calendar(*, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo, per_day: int, **filters) -> list[Visit]:
    """A calendar window's visits (filters as visit_list): of those starting on each day (in `tz`), the
    first `per_day` in time order, each carrying `day_total`, how many start that day. A month of a
    large tenant holds thousands of visits; the page shows a few per day and "N more". Ranked in the
    database over ids alone (the details of thousands of rows would cost 6× more), then the shown
    visits are read with their details: a fixed number of queries whatever the month holds."""
    day = TruncDate("starts_at", tzinfo=tz)
    ranked = _visits_filtered(start=start, end=end, **filters).annotate(
        day_rank=Window(RowNumber(), partition_by=[day], order_by=[F("starts_at").asc(), F("pk").asc()]),
        day_total=Window(Count("pk"), partition_by=[day]),
    )
    totals = dict(ranked.filter(day_rank__lte=per_day).values_list("pk", "day_total"))
    visits = list(with_visit_details(Visit.objects.filter(pk__in=totals)).order_by("starts_at", "pk"))
    for visit in visits:
        visit.day_total = totals[visit.pk]
    return visits


def visit_detail(visit_id: int) -> Visit | None:
    return with_visit_details(Visit.objects.filter(pk=visit_id)).first()


# How far back a calendar feed reaches (the future is unbounded).
FEED_HISTORY = dt.timedelta(days=180)


def feed_visits(*, user: User | None, now: dt.datetime) -> list[Visit]:
    """The visits of one calendar feed: the user's (None: everyone's), recent and future, cancelled
    ones included so subscribed calendars drop them."""
    return list(visit_list(start=now - FEED_HISTORY, attendee=user, include_cancelled=True))


# --- the account's activity --------------------------------------------------------------------------------------

RECENT_CALLS = 5
NEXT_VISITS = 5


@dataclass
class AccountActivity:
    """What the account page shows of plans: the active plan and its open actions, overdue actions,
    open opportunities, recent calls and the next visits."""

    account: Account
    active_plan: AccountPlan | None
    open_actions: list[PlanAction]
    overdue_actions: list[PlanAction]
    open_opportunities: list[Opportunity]
    recent_calls: list[CallReport]
    next_visits: list[Visit]
    older_plans: list[AccountPlan] = field(default_factory=list)


def account_activity(
    *, account: Account, today: dt.date | None = None, now: dt.datetime | None = None
) -> AccountActivity:
    """A fixed number of queries (at most eleven), whatever the account holds."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    plans = list(AccountPlan.objects.filter(account=account).select_related("owner").order_by("-created_at", "-pk"))
    active = next((p for p in plans if p.status == PlanStatus.ACTIVE), None)
    open_actions = []
    if active is not None:
        open_actions = list(
            active.actions.filter(status__in=OPEN_ACTION_STATUSES).select_related("owner").order_by("due_date", "pk")
        )
    return AccountActivity(
        account=account,
        active_plan=active,
        open_actions=open_actions,
        overdue_actions=[a for a in open_actions if a.due_date < today],
        open_opportunities=list(opportunity_list(account_id=account.pk, open_only=True)),
        recent_calls=list(call_list(account_id=account.pk)[:RECENT_CALLS]),
        next_visits=list(visit_list(account_id=account.pk, start=now)[:NEXT_VISITS]),
        older_plans=[p for p in plans if p is not active],
    )


# --- per account, for set-based statements (ratings' inputs) ----------------------------------------------
# Grouped querysets, one row per account; `accounts`: see accounts.selectors.on_accounts.


def open_pipeline_per_account(*, currency, accounts: dict | None = None) -> QuerySet:
    """`pipeline`: the value of the open opportunities (not won or lost) in `currency` (a value or an
    expression: amounts in different currencies are never added)."""
    return (
        on_accounts(Opportunity.objects.exclude(stage__in=list(CLOSED_STAGES)).filter(currency=currency), accounts)
        .values("account_id")
        .annotate(pipeline=Sum("value"))
        .order_by()
    )


def calls_per_account(*, since: dt.datetime, accounts: dict | None = None) -> QuerySet:
    """`calls`: call reports since `since`; `last_call`: when the latest took place."""
    return (
        on_accounts(CallReport.objects.filter(occurred_at__gte=since), accounts)
        .values("account_id")
        .annotate(calls=Count("pk"), last_call=Max("occurred_at"))
        .order_by()
    )


def visits_held_per_account(*, since: dt.datetime, until: dt.datetime, accounts: dict | None = None) -> QuerySet:
    """`visits`: visits from `since` to `until` that were not cancelled."""
    return (
        on_accounts(
            Visit.objects.filter(starts_at__gte=since, starts_at__lte=until).exclude(status=VisitStatus.CANCELLED),
            accounts,
        )
        .values("account_id")
        .annotate(visits=Count("pk"))
        .order_by()
    )


def actions_opened_per_account(*, since: dt.datetime, accounts: dict | None = None) -> QuerySet:
    """`actions`: plan actions opened since `since` and not cancelled; the account is `action_account_id`."""
    return (
        on_accounts(
            PlanAction.objects.filter(created_at__gte=since).exclude(status=ActionStatus.CANCELLED),
            accounts,
            "plan__account__",
        )
        .values(action_account_id=F("plan__account_id"))
        .annotate(actions=Count("pk"))
        .order_by()
    )


def latest_calls(*, account: Account, since: dt.datetime, limit: int = 10) -> list[CallReport]:
    """The account's call reports since `since`, newest first, with their author."""
    return list(
        CallReport.objects.filter(account=account, occurred_at__gte=since)
        .select_related("author")
        .order_by("-occurred_at")[:limit]
    )


# --- the dashboard ---------------------------------------------------------------------------------------------


def upcoming_visits_of(user: User, *, now: dt.datetime, days: int = 14) -> list[Visit]:
    return list(visit_list(start=now, end=now + dt.timedelta(days=days), attendee=user))


# --- briefings ---------------------------------------------------------------------------------------------------


def visits_with_details(visit_ids) -> list[Visit]:
    """These visits (any status) with their attendees loaded: three queries."""
    return list(with_visit_details(Visit.objects.filter(pk__in=list(visit_ids))).order_by("starts_at", "pk"))


def previous_visit(visit: Visit) -> Visit | None:
    """The account's latest visit that took place (or was planned) before this one, cancelled ones aside."""
    return (
        Visit.objects.filter(account_id=visit.account_id, status=VisitStatus.PLANNED, starts_at__lt=visit.starts_at)
        .exclude(pk=visit.pk)
        .order_by("-starts_at", "-pk")
        .first()
    )


def opportunities_changed_since(*, account: Account, since: dt.datetime, limit: int = 12) -> list[Opportunity]:
    """The account's opportunities opened or closed (won, lost) since `since`, latest change first."""
    return list(
        Opportunity.objects.filter(account=account)
        .filter(Q(created_at__gte=since) | Q(closed_at__gte=since))
        .order_by("-updated_at", "-pk")[:limit]
    )


def unseen_mentions(*, user, limit: int = 10) -> list:
    """The notes that mention the user and that they have not marked seen, newest first (one query)."""
    from plans.models import NoteMention

    return list(
        NoteMention.objects.filter(user=user, seen_at__isnull=True)
        .select_related("note__author", "note__opportunity__account")
        .order_by("-created_at", "-pk")[:limit]
    )


def has_active_plan(account_id: int) -> bool:
    """Whether the account has an active plan (a call report's next steps go there; without one they start one)."""
    return AccountPlan.objects.filter(account_id=account_id, status=PlanStatus.ACTIVE).exists()
