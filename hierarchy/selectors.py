"""Reads of the hierarchy app, for its own pages and for the apps above it (keyplayers, ratings,
briefings). Every function here runs a fixed number of queries, whatever the number of rows.

Definitions used everywhere:
- current level of a relationship, per source: its latest assessment of that source made under the
  active hierarchy model (Relationship.self_level / customer_level, kept by services.assessment_record
  and services.hierarchy_model_activate); histories and charts likewise count the active model only;
- effective level of a relationship: the customer's own view when given, otherwise ours;
- only relationships with contacts who are still there (Contact.is_active) count in roll-ups;
- executive contact: a contact at the top of the account's org chart (reports to nobody, and has at
  least one person reporting to them) or whose title names a top role (chief …, CEO/CFO/COO/CTO/CIO,
  president, vice president/VP, managing director, general manager, owner, founder, board). Callers
  that know better (keyplayers' "executive" buying role) pass `executive_contact_ids`;
- weighted level: the average effective level weighted by the contact's seniority: executive 3, a
  contact with direct reports 2, anyone else 1;
- highest level: the maximum effective level (this is what accounts.Account.current_level stores);
- perception gap: our view minus the customer's, on relationships that have both (positive: we
  rate the relationship higher than the customer does).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Account, AccountTeamMember, Contact
from hierarchy.models import (
    CRITICAL_CLIMB_FROM,
    Assessment,
    HierarchyAlert,
    HierarchyLevel,
    HierarchyModel,
    HierarchyModelSwitch,
    Relationship,
    Source,
    SurveyInvitation,
)
from tenancy import shared_cache

EXECUTIVE_TITLE_REGEX = (
    r"(^|[^a-z])(chief|ceo|cfo|coo|cto|cio|cmo|president|vp|vice[ -]president|managing director|"
    r"general manager|owner|founder|board)([^a-z]|$)"
)
WEIGHT_EXECUTIVE, WEIGHT_MANAGER, WEIGHT_OTHER = 3, 2, 1


# --- Model and levels -----------------------------------------------------------------------------


def active_model() -> HierarchyModel | None:
    return HierarchyModel.objects.filter(is_active=True).first()


def model_levels(model: HierarchyModel | None) -> list[HierarchyLevel]:
    if model is None:
        return []
    return list(HierarchyLevel.objects.filter(model=model).order_by("number"))


def level_names(levels: list[HierarchyLevel] | None = None) -> dict[int, str]:
    """{number: name} of the active model's levels (one query; empty before the tenant has a model), or
    of `levels` the caller has already read."""
    if levels is None:
        levels = HierarchyLevel.objects.filter(model__is_active=True).order_by("number").only("number", "name")
    return {level.number: level.name for level in levels}


def model_top_level(model: HierarchyModel | None = None) -> int:
    """The top level of `model` (default: the active one): 5 for the Buy-Sell Hierarchy, 6 for the needs
    model. Rules that name a level (rating criteria, departure alerts, declassification, the potential
    level) are relative to it. One query; 5 before the tenant has any model."""
    levels = (
        HierarchyLevel.objects.filter(model=model)
        if model is not None
        else HierarchyLevel.objects.filter(model__is_active=True)
    )
    return levels.count() or 5


def is_critical_climb(level_number: int | None) -> bool:
    """True when an account at this level faces the climb that changes the relationship's nature (3 -> 4:
    from products and services to the customer's business issues)."""
    return level_number == CRITICAL_CLIMB_FROM


def model_switches(*, limit: int = 10) -> list[HierarchyModelSwitch]:
    """The latest changes of the active model, newest first (who and when)."""
    return list(
        HierarchyModelSwitch.objects.select_related("from_model", "to_model", "switched_by").order_by(
            "-created_at", "-pk"
        )[:limit]
    )


def hierarchy_models() -> list[HierarchyModel]:
    return list(
        HierarchyModel.objects.prefetch_related(
            Prefetch("levels", queryset=HierarchyLevel.objects.order_by("number"))
        ).order_by("-is_active", "name")
    )


# --- Relationship levels (set-based building blocks) ----------------------------------------------


def effective_level(through: str = ""):
    """The effective level of a relationship as an expression: the customer's own view when they have
    given one, ours until then (Relationship.effective_level in Python). `through` reaches the
    relationship over a relation, e.g. "contact__relationships__"."""
    return Coalesce(f"{through}customer_level", f"{through}self_level")


def relationship_levels(queryset=None, *, executive_contact_ids=None):
    """Relationships annotated with effective_level, is_executive and weight: a queryset other apps
    aggregate in SQL (e.g. .values("account_id").annotate(Max("effective_level")))."""
    queryset = Relationship.objects.all() if queryset is None else queryset
    has_reports = Exists(Contact.objects.filter(reports_to_id=OuterRef("contact_id"), is_active=True))
    if executive_contact_ids is None:
        executive = Q(contact__reports_to__isnull=True, contact_has_reports=True) | Q(
            contact__title__iregex=EXECUTIVE_TITLE_REGEX
        )
    else:
        executive = Q(contact_id__in=list(executive_contact_ids))
    return (
        queryset.annotate(
            effective_level=effective_level(),
            contact_has_reports=has_reports,
        )
        .annotate(
            is_executive=Case(When(executive, then=Value(True)), default=Value(False), output_field=BooleanField()),
        )
        .annotate(
            weight=Case(
                When(is_executive=True, then=Value(WEIGHT_EXECUTIVE)),
                When(contact_has_reports=True, then=Value(WEIGHT_MANAGER)),
                default=Value(WEIGHT_OTHER),
                output_field=IntegerField(),
            ),
        )
    )


def current_levels(*, account_ids=None) -> list[dict]:
    """Every relationship's current levels: account, contact, our user, self, customer, effective, gap."""
    queryset = Relationship.objects.all()
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=list(account_ids))
    rows = list(
        queryset.annotate(effective_level=effective_level())
        .values(
            "pk",
            "account_id",
            "contact_id",
            "user_id",
            "owner_id",
            "self_level",
            "customer_level",
            "effective_level",
            "self_assessed_at",
            "customer_assessed_at",
            "contact__is_active",
        )
        .order_by("account_id", "contact_id", "user_id")
    )
    for row in rows:
        row["gap"] = (
            row["self_level"] - row["customer_level"]
            if row["self_level"] is not None and row["customer_level"] is not None
            else None
        )
    return rows


# --- Account roll-ups -----------------------------------------------------------------------------


@dataclass
class AccountLevels:
    account_id: int
    stored_level: int | None = None  # Account.current_level (= highest)
    potential_level: int | None = None
    highest: int | None = None
    executive_level: int | None = None
    weighted: float | None = None
    self_highest: int | None = None
    self_average: float | None = None
    customer_highest: int | None = None
    customer_average: float | None = None
    gap_average: float | None = None
    gap_count: int = 0
    relationships: int = 0
    contacts: int = 0
    uncovered: int = 0

    @property
    def potential_gap(self) -> int | None:
        if self.potential_level is None or self.highest is None:
            return None
        return self.potential_level - self.highest

    @property
    def coverage_pct(self) -> int | None:
        if not self.contacts:
            return None
        return round(100 * (self.contacts - self.uncovered) / self.contacts)


def _round(value, digits=2):
    return None if value is None else round(float(value), digits)


def account_levels(*, account_ids=None, executive_contact_ids=None) -> dict[int, AccountLevels]:
    """Roll-ups for many accounts in three queries (all the tenant's accounts when account_ids is None).
    The level by buying role is keyplayers' (keyplayers.selectors.levels_by_buying_role): buying roles
    are its concept, and hierarchy sits below it."""
    accounts = Account.objects.all()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    result = {
        row["pk"]: AccountLevels(
            account_id=row["pk"], stored_level=row["current_level"], potential_level=row["potential_level"]
        )
        for row in accounts.values("pk", "current_level", "potential_level")
    }
    if not result:
        return result
    ids = list(result)
    both = Q(self_level__isnull=False, customer_level__isnull=False)
    rated = Q(effective_level__isnull=False)
    rows = (
        relationship_levels(
            Relationship.objects.filter(account_id__in=ids, contact__is_active=True),
            executive_contact_ids=executive_contact_ids,
        )
        .values("account_id")
        .annotate(
            n=Count("pk"),
            highest=Max("effective_level"),
            executive_level=Max("effective_level", filter=Q(is_executive=True)),
            weighted_sum=Sum(F("effective_level") * F("weight"), filter=rated),
            weight_total=Sum("weight", filter=rated),
            self_highest=Max("self_level"),
            self_average=Avg("self_level"),
            customer_highest=Max("customer_level"),
            customer_average=Avg("customer_level"),
            gap_sum=Sum(F("self_level") - F("customer_level"), filter=both),
            gap_count=Count("pk", filter=both),
        )
        .order_by()
    )
    for row in rows:
        item = result[row["account_id"]]
        item.relationships = row["n"]
        item.highest = row["highest"]
        item.executive_level = row["executive_level"]
        item.weighted = _round(row["weighted_sum"] / row["weight_total"]) if row["weight_total"] else None
        item.self_highest, item.customer_highest = row["self_highest"], row["customer_highest"]
        item.self_average, item.customer_average = _round(row["self_average"]), _round(row["customer_average"])
        item.gap_count = row["gap_count"]
        item.gap_average = _round(row["gap_sum"] / row["gap_count"]) if row["gap_count"] else None
    coverage = (
        Contact.objects.filter(account_id__in=ids, is_active=True)
        .values("account_id")
        .annotate(
            total=Count("pk"),
            uncovered=Count("pk", filter=~Q(Exists(Relationship.objects.filter(contact_id=OuterRef("pk"))))),
        )
        .order_by()
    )
    for row in coverage:
        result[row["account_id"]].contacts = row["total"]
        result[row["account_id"]].uncovered = row["uncovered"]
    return result


def account_levels_one(account: Account, **kwargs) -> AccountLevels:
    return account_levels(account_ids=[account.pk], **kwargs)[account.pk]


# --- Relationship map -----------------------------------------------------------------------------


@dataclass
class MapRow:
    contact: Contact
    depth: int
    cells: list  # one per column: (our user, Relationship or None)


@dataclass
class RelationshipMap:
    account: Account
    model: HierarchyModel | None
    levels: list
    columns: list  # our users
    rows: list  # MapRow, in org-chart order
    levels_summary: AccountLevels
    open_invitations: dict  # relationship_id -> count
    alerts: list
    relationships: list

    @property
    def level_by_number(self):
        return {level.number: level for level in self.levels}

    @property
    def gaps(self) -> list:
        return [r for r in self.relationships if r.gap not in (None, 0)]

    @property
    def playbook_level(self):
        """The level the account stands at (its stored roll-up, or level 1 before any assessment)."""
        number = self.account.current_level or 1
        return self.level_by_number.get(number)

    @property
    def next_level(self):
        number = (self.account.current_level or 1) + 1
        return self.level_by_number.get(number)

    @property
    def critical_climb(self) -> bool:
        """The account sits where the next climb changes the relationship's nature (see is_critical_climb)."""
        return is_critical_climb(self.account.current_level) and self.next_level is not None


def _org_chart_order(contacts: list[Contact]) -> list[tuple[Contact, int]]:
    by_id = {c.pk: c for c in contacts}
    children = defaultdict(list)
    roots = []
    for contact in contacts:
        if contact.reports_to_id in by_id and contact.reports_to_id != contact.pk:
            children[contact.reports_to_id].append(contact)
        else:
            roots.append(contact)
    ordered, seen = [], set()

    def visit(contact, depth):
        if contact.pk in seen:
            return
        seen.add(contact.pk)
        ordered.append((contact, depth))
        for child in children[contact.pk]:
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    for contact in contacts:  # cycles in reports_to: still show everyone
        visit(contact, 0)
    return ordered


def relationship_map(*, account: Account, model: HierarchyModel | None = None) -> RelationshipMap:
    """Our people × their people for one account. Twelve queries, whatever the number of relationships
    (eleven when the caller passes the active model)."""
    contacts = list(Contact.objects.filter(account=account).order_by("-is_active", "full_name"))
    relationships = list(
        Relationship.objects.filter(account=account).select_related("user", "owner", "contact").order_by("pk")
    )
    team = list(AccountTeamMember.objects.filter(account=account).select_related("user").order_by("pk"))
    columns, seen = [], set()
    for user in [m.user for m in team] + sorted((r.user for r in relationships), key=lambda u: u.get_full_name()):
        if user.pk not in seen:
            seen.add(user.pk)
            columns.append(user)
    cells = {(r.contact_id, r.user_id): r for r in relationships}
    rows = [
        MapRow(contact=c, depth=d, cells=[(u, cells.get((c.pk, u.pk))) for u in columns])
        for c, d in _org_chart_order(contacts)
    ]
    model = model or active_model()
    invitations = dict(
        SurveyInvitation.objects.filter(
            account=account, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .values("relationship_id")
        .annotate(n=Count("pk"))
        .values_list("relationship_id", "n")
        .order_by()
    )
    return RelationshipMap(
        account=account,
        model=model,
        levels=model_levels(model),
        columns=columns,
        rows=rows,
        levels_summary=account_levels_one(account),
        open_invitations=invitations,
        alerts=open_alerts(account=account),
        relationships=relationships,
    )


# --- History --------------------------------------------------------------------------------------


def relationship_assessments(*, relationship: Relationship) -> list[Assessment]:
    return list(
        Assessment.objects.filter(relationship=relationship)
        .select_related("assessed_by", "hierarchy_model")
        .order_by("-assessed_at", "-pk")
    )


def relationship_history(
    *, relationship: Relationship, model: HierarchyModel | None = None
) -> dict[str, list[tuple[dt.datetime, int]]]:
    """{"self": [(when, level), …], "customer_survey": […]}, oldest first; only assessments made under
    `model` (the active one by default): levels of another model mean something else."""
    series = {Source.SELF: [], Source.CUSTOMER_SURVEY: []}
    model = model or active_model()
    for at, level, source in (
        Assessment.objects.filter(relationship=relationship, hierarchy_model=model)
        .order_by("assessed_at", "pk")
        .values_list("assessed_at", "level", "source")
    ):
        series[source].append((at, level))
    return series


def _month_ends(months: int, now: dt.datetime) -> list[dt.datetime]:
    points = []
    year, month = now.year, now.month
    for _ in range(months):
        points.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    ends = []
    for year, month in reversed(points):
        nxt = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.UTC)
        ends.append(min(nxt - dt.timedelta(microseconds=1), now))
    return ends


def account_history(
    *, account: Account, months: int = 18, now: dt.datetime | None = None, model: HierarchyModel | None = None
) -> list[dict]:
    """The account's level at the end of each of the last `months` months (the current month ends now):
    [{"at", "highest" (effective roll-up), "self" (highest of our views), "customer" (highest of theirs)}].
    Only assessments made under `model` (the active one by default) count, like the current levels.
    Contacts count until their left_on date (or until now if they left without a date). One query
    (two without `model`)."""
    now = now or timezone.now()
    model = model or active_model()
    rows = list(
        Assessment.objects.filter(account=account, hierarchy_model=model)
        .order_by("assessed_at", "pk")
        .values_list(
            "relationship_id",
            "source",
            "level",
            "assessed_at",
            "relationship__contact__left_on",
            "relationship__contact__is_active",
        )
    )
    points, index = [], 0
    latest: dict[tuple[int, str], int] = {}
    left_on: dict[int, dt.date | None] = {}
    for at in _month_ends(months, now):
        while index < len(rows) and rows[index][3] <= at:
            rel, source, level, _, left, active = rows[index]
            latest[(rel, source)] = level
            left_on[rel] = left if left is not None else (None if active else now.date())
            index += 1
        present = {rel for rel, gone in left_on.items() if gone is None or gone > at.date()}
        own = [lvl for (rel, src), lvl in latest.items() if src == Source.SELF and rel in present]
        theirs = [lvl for (rel, src), lvl in latest.items() if src == Source.CUSTOMER_SURVEY and rel in present]
        effective = [latest.get((rel, Source.CUSTOMER_SURVEY), latest.get((rel, Source.SELF))) for rel in present]
        effective = [lvl for lvl in effective if lvl is not None]
        points.append(
            {
                "at": at,
                "highest": max(effective, default=None),
                "self": max(own, default=None),
                "customer": max(theirs, default=None),
            }
        )
    return points


# --- Tenant-wide ----------------------------------------------------------------------------------


def level_distribution() -> dict:
    """How many relationships sit at each level (effective, ours, the customer's) and how many accounts
    (by their stored roll-up level). Two queries."""
    row_counts = (
        Relationship.objects.filter(contact__is_active=True)
        .alias(effective=effective_level())
        .aggregate(
            **{f"effective_{n}": Count("pk", filter=Q(effective=n)) for n in range(1, 7)},
            **{f"self_{n}": Count("pk", filter=Q(self_level=n)) for n in range(1, 7)},
            **{f"customer_{n}": Count("pk", filter=Q(customer_level=n)) for n in range(1, 7)},
            unassessed=Count("pk", filter=Q(self_level__isnull=True, customer_level__isnull=True)),
        )
    )
    accounts = dict(
        Account.objects.filter(current_level__isnull=False)
        .values("current_level")
        .annotate(n=Count("pk"))
        .values_list("current_level", "n")
        .order_by()
    )
    return {
        "effective": {n: row_counts[f"effective_{n}"] for n in range(1, 7)},
        "self": {n: row_counts[f"self_{n}"] for n in range(1, 7)},
        "customer": {n: row_counts[f"customer_{n}"] for n in range(1, 7)},
        "unassessed": row_counts["unassessed"],
        "accounts": {n: accounts.get(n, 0) for n in range(1, 7)},
    }


# The overview's tenant-wide distribution reads every relationship and account of the tenant (0.2 s at
# 100,000 accounts): kept this long, and counted afresh when the tenant's levels change (services).
DISTRIBUTION = "hierarchy-distribution"
DISTRIBUTION_SECONDS = 120


def level_distribution_recent() -> dict:
    """level_distribution() and `as_of`, at most DISTRIBUTION_SECONDS old."""
    figure = shared_cache.tenant_figure(DISTRIBUTION, level_distribution, DISTRIBUTION_SECONDS)
    return {**figure["value"], "as_of": figure["as_of"]}


def open_alerts(*, account: Account | None = None, limit: int | None = 20) -> list[HierarchyAlert]:
    queryset = (
        HierarchyAlert.objects.filter(acknowledged_at__isnull=True)
        .select_related("account", "relationship__contact", "relationship__user")
        .order_by("-created_at", "-pk")
    )
    if account is not None:
        queryset = queryset.filter(account=account)
    return list(queryset[:limit] if limit else queryset)


def open_alert_count() -> int:
    return HierarchyAlert.objects.filter(acknowledged_at__isnull=True).count()


def accounts_overview(*, limit: int = 50) -> list[dict]:
    """Accounts with relationships, their stored level, potential and customer-view summary (4 queries)."""
    accounts = list(
        Account.objects.filter(Exists(Relationship.objects.filter(account_id=OuterRef("pk")))).order_by("name")[:limit]
    )
    levels = account_levels(account_ids=[a.pk for a in accounts])
    return [{"account": a, "levels": levels[a.pk]} for a in accounts]


def relationships_of_account(*, account: Account) -> list[Relationship]:
    """The account's relationships with contacts still there, people loaded (one query)."""
    return list(
        Relationship.objects.filter(account=account, contact__is_active=True)
        .select_related("user", "contact")
        .order_by("contact__full_name", "user__full_name", "pk")
    )


def level_changes_since(
    *, account: Account, since: dt.datetime, model: HierarchyModel | None = None, limit: int = 12
) -> list[Relationship]:
    """Relationships assessed since `since`, each with `self_then` / `customer_then`: its level per
    source at that time (the latest assessment before it, under `model`, the active one by default).
    One query (two without `model`); the caller compares them with self_level / customer_level."""
    model = model or active_model()
    if model is None:
        return []

    def then(source):
        return Subquery(
            Assessment.objects.filter(
                relationship_id=OuterRef("pk"), source=source, hierarchy_model=model, assessed_at__lt=since
            )
            .order_by("-assessed_at", "-pk")
            .values("level")[:1]
        )

    return list(
        Relationship.objects.filter(account=account)
        .filter(Q(self_assessed_at__gte=since) | Q(customer_assessed_at__gte=since))
        .select_related("user", "contact")
        .annotate(self_then=then(Source.SELF), customer_then=then(Source.CUSTOMER_SURVEY))
        .order_by("-self_assessed_at", "pk")[:limit]
    )
