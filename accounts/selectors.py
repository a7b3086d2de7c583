"""Reads of the accounts app. Each applies its own select_related/prefetch, so callers never N+1.

The account list is built for a tenant with 100,000 accounts:
- the page's ids come first from an index-only scan (the sort index ends in `id`), then only those
  rows are fetched with their owner: a deep page skips index entries, not joined rows;
- the search looks up word prefixes in AccountSearchToken (PostgreSQL; see that model for why not a
  trigram index: row-level security keeps non-leakproof operators such as ILIKE away from indexes);
- the count stops at COUNT_CAP ("1,000+"; exact on request), and is skipped when the page itself
  shows the end.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, Count, F, Func, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Collate, NullIf
from django.utils import timezone

from accounts.access import can_see_financials, financials_visible_filter
from accounts.models import (
    Account,
    AccountSearchToken,
    AccountTeamMember,
    Classification,
    ClassificationChange,
    Contact,
    FinancialPeriod,
)
from tenancy.models import Membership, User


def on_accounts(queryset, accounts: dict | None, path: str = "account__"):
    """`queryset` narrowed to the accounts that `accounts` ({Account lookup: value}, e.g.
    {"pk__in": ids, "classification": "strategic"}) selects, reached over `path`. The per-account
    selectors other apps compose into one statement take it, so the statement keeps plain joins."""
    return queryset.filter(**{f"{path}{lookup}": value for lookup, value in (accounts or {}).items()})


from tenancy.roles import EDITORS

COUNT_CAP = 1_000
PER_PAGE_CHOICES = (25, 50, 100)
MAX_SEARCH_WORDS = 6

# key → (label, ORDER BY). Each is served by an index on (tenant_id, …, name, id) (accounts.pg).
SORTS = {
    "name": ("Name A–Z", (F("name").asc(), F("id").asc())),
    "-name": ("Name Z–A", (F("name").desc(), F("id").desc())),
    "rating": ("Rating, A first", (NullIf("rating", Value("")).asc(), F("name").asc(), F("id").asc())),
    "-rating": (
        "Rating, unrated and D first",
        (NullIf("rating", Value("")).desc(nulls_first=True), F("name").desc(), F("id").desc()),
    ),
    "-level": (
        "Hierarchy level, highest first",
        (F("current_level").desc(nulls_last=True), F("name").asc(), F("id").asc()),
    ),
    "level": (
        "Hierarchy level, unassessed and lowest first",
        (F("current_level").asc(nulls_first=True), F("name").desc(), F("id").desc()),
    ),
    "last_contact": (
        "Longest without contact first",
        (F("last_contact_at").asc(nulls_first=True), F("name").asc(), F("id").asc()),
    ),
    "-last_contact": (
        "Most recent contact first",
        (F("last_contact_at").desc(nulls_last=True), F("name").desc(), F("id").desc()),
    ),
    "classification": ("Classification", (F("classification").asc(), F("name").asc(), F("id").asc())),
}
DEFAULT_SORT = "name"
LIST_FIELDS = (
    "name",
    "external_id",
    "industry",
    "segment",
    "owner",
    "revenue_tier",
    "classification",
    "status",
    "rating",
    "current_level",
    "potential_level",
    "last_contact_at",
    "tenant_id",
    "owner__full_name",
    "owner__email",
)


@dataclass
class AccountFilters:
    q: str = ""
    classification: str = ""
    revenue_tier: str = ""
    owner: str = ""  # a user id, or "none"
    status: str = ""
    rating: str = ""  # A–D, or "none"
    level: str = ""  # 1–6, or "none"
    mine: bool = False


@dataclass
class AccountPage:
    rows: list
    number: int
    per_page: int
    has_next: bool
    total: int  # exact unless capped
    capped: bool
    sort: str
    too_deep: bool = False  # the page lies past COUNT_CAP rows: narrow the list instead (tenancy.paging)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)

    @property
    def last_page(self) -> int | None:
        if self.capped:
            return None
        return max(1, -(-self.total // self.per_page))


def search_words(text: str) -> list[str]:
    """The search box split as the trigger splits names (accounts.pg): lower case, letters and digits."""
    return [w for w in re.split(r"[\W_]+", (text or "").lower()) if w][:MAX_SEARCH_WORDS]


class PkInArray(Func):
    """`id = ANY(ARRAY(subquery))`. PostgreSQL runs the subquery once, first (an InitPlan), then
    fetches exactly those accounts by primary key. A plain `id IN (subquery)` lets the planner walk
    the name index in order hoping to meet matches early — but a search word is usually the start of
    the name, so the matches sit together in name order and that walk can cover half the tenant."""

    output_field = BooleanField()
    conditional = True

    def as_sql(self, compiler, connection, **extra_context):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        rhs, rhs_params = compiler.compile(self.source_expressions[1])
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _search(queryset, text: str):
    """Every word of the search box must start a word of the name or external id."""
    words = search_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        # A word that starts another one adds nothing: "nor north" is "north".
        words = list(dict.fromkeys(w for w in words if not any(o != w and o.startswith(w) for o in words)))
        tokens = AccountSearchToken.objects.annotate(c_token=Collate("token", "C"))
        # token >= word AND token < word || U+10FFFF, in byte order: "starts with", from the index alone.
        per_word = [tokens.filter(c_token__gte=w, c_token__lt=w + "\U0010ffff").values("account_id") for w in words]
        matching = per_word[0] if len(per_word) == 1 else per_word[0].intersection(*per_word[1:])
        return queryset.filter(PkInArray(F("pk"), ArraySubquery(matching)))
    for word in words:
        queryset = queryset.filter(Q(name__icontains=word) | Q(external_id__icontains=word))
    return queryset


def mine_filter(user_id: int) -> Q:
    """Accounts the user owns or is on the team of, as a filter on Account. Written as one list of ids
    (owned UNION team) looked up by primary key: `owner_id = u OR pk IN (team)` makes PostgreSQL read
    every account of the tenant to test the OR (issue 12: 75 ms at 100,000 accounts, against 15 ms for
    a user on 2,500 of them)."""
    owned = Account.objects.filter(owner_id=user_id).values("pk")
    team = AccountTeamMember.objects.filter(user_id=user_id).values("account_id")
    if connection.vendor == "postgresql":
        return Q(PkInArray(F("pk"), ArraySubquery(owned.union(team))))
    return Q(owner_id=user_id) | Q(pk__in=team)


def account_filtered(*, filters: AccountFilters, user: User | None = None):
    """The tenant's accounts narrowed by the filters (no order, no page)."""
    qs = Account.objects.all()
    if filters.classification:
        qs = qs.filter(classification=filters.classification)
    if filters.revenue_tier:
        qs = qs.filter(revenue_tier=filters.revenue_tier)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif filters.owner:
        qs = qs.filter(owner_id=int(filters.owner))
    if filters.rating == "none":
        qs = qs.filter(rating="")
    elif filters.rating:
        qs = qs.filter(rating=filters.rating)
    if filters.level == "none":
        qs = qs.filter(current_level__isnull=True)
    elif filters.level:
        qs = qs.filter(current_level=int(filters.level))
    if filters.mine and user is not None:
        qs = qs.filter(mine_filter(user.pk))
    return _search(qs, filters.q)


def account_list(
    *,
    filters: AccountFilters,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    per_page: int = 25,
    user: User | None = None,
    exact_count: bool = False,
) -> AccountPage:
    """One page of the account list: one query for the rows (with owners), at most one count —
    capped at COUNT_CAP unless `exact_count` (which costs a scan of every matching account). A search
    takes its page's ids and the exact number of matches in one query, then the rows by id."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    per_page = per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]
    page = max(1, page)
    ordering = SORTS[sort][1]
    base = account_filtered(filters=filters, user=user)
    offset = (page - 1) * per_page
    if offset >= COUNT_CAP and not exact_count:
        # Deeper than the list goes (tenancy.paging): count up to the cap, read no row before the page.
        counted = base.order_by().values("pk")[: COUNT_CAP + 1].count()
        return AccountPage(
            rows=[],
            number=page,
            per_page=per_page,
            has_next=False,
            total=min(counted, COUNT_CAP),
            capped=counted > COUNT_CAP,
            sort=sort,
            too_deep=counted > COUNT_CAP,
        )
    page_ids = base.order_by(*ordering).values("pk")[offset : offset + per_page + 1]
    total = None
    if search_words(filters.q):
        # A search hands the sort every match (their ids come first, from the tokens), so counting them
        # in the same statement costs nothing more; a count of its own would run the search again.
        found = list(page_ids.annotate(matches=Window(Count("pk"))).values_list("pk", "matches"))
        page_ids = [pk for pk, _ in found]  # none: no query for the rows either
        total = found[0][1] if found else None
    rows = list(Account.objects.filter(pk__in=page_ids).select_related("owner").only(*LIST_FIELDS).order_by(*ordering))
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if not has_next and (rows or page == 1):
        total, capped = offset + len(rows), False  # this page shows the end: no count needed
    elif total is not None:
        capped = False  # the search counted its matches with the page's ids
    else:
        counted = base.order_by().values("pk")
        total = counted.count() if exact_count else counted[: COUNT_CAP + 1].count()
        capped = not exact_count and total > COUNT_CAP
        total = min(total, COUNT_CAP) if capped else total
    return AccountPage(
        rows=rows, number=page, per_page=per_page, has_next=has_next, total=total, capped=capped, sort=sort
    )


def account_export_rows(*, filters: AccountFilters, sort: str, membership: Membership):
    """Every account the filters select, in the list's order, as the CSV export shows them.
    Revenue of the periods that ended in the last twelve months is filled only where the member may see
    financials."""
    ordering = SORTS.get(sort, SORTS[DEFAULT_SORT])[1]
    today = timezone.localdate()
    revenue = (
        FinancialPeriod.objects.filter(
            account=OuterRef("pk"), period_end__gt=today - dt.timedelta(days=365), period_end__lte=today
        )
        .order_by()
        .values("account")
        .annotate(total=Sum("revenue"))
        .values("total")
    )
    currency = FinancialPeriod.objects.filter(account=OuterRef("pk")).order_by("-period_start").values("currency")[:1]
    visible = set()
    if not membership.sees_all_financials:
        visible = set(
            Account.objects.filter(financials_visible_filter(membership=membership)).values_list("pk", flat=True)
        )
    qs = (
        account_filtered(filters=filters, user=membership.user)
        .order_by(*ordering)
        .select_related("owner")
        .annotate(revenue_last_year=Subquery(revenue), revenue_currency=Subquery(currency))
    )
    for account in qs.iterator(chunk_size=2000):
        if not (membership.sees_all_financials or account.pk in visible):
            account.revenue_last_year = account.revenue_currency = None
        yield account


def member_choices(*, owners: bool = False, keep_user_id: int | None = None) -> list[User]:
    """People of this tenant, for team pickers; with `owners`, those who may own an account (admins and
    account managers: an owner changes the account), plus `keep_user_id` (the current owner, whatever
    their role now, so saving the form does not drop them)."""
    memberships = Membership.objects.select_related("user").order_by("user__full_name", "user__email")
    if owners:
        memberships = memberships.filter(Q(role__in=EDITORS) | Q(user_id=keep_user_id))
    return [m.user for m in memberships]


# --- One account ----------------------------------------------------------------------------------


@dataclass
class OrgNode:
    contact: Contact
    reports: list = field(default_factory=list)


def org_chart(*, account: Account) -> tuple[list[OrgNode], list[Contact]]:
    """The account's people as a reports-to forest, from one query. People whose manager is at
    another account (or missing) are roots. Returns (roots, everyone in name order)."""
    people = list(Contact.objects.filter(account=account).order_by("full_name", "pk"))
    nodes = {c.pk: OrgNode(c) for c in people}
    roots = []
    for contact in people:
        boss = nodes.get(contact.reports_to_id)
        if boss is None or _reaches(nodes, boss, contact.pk):
            roots.append(nodes[contact.pk])
        else:
            boss.reports.append(nodes[contact.pk])
    for contact in people:  # lets templates name the manager without another query
        if contact.reports_to_id in nodes:
            contact.reports_to = nodes[contact.reports_to_id].contact
    return roots, people


def _reaches(nodes, start: OrgNode, target: int) -> bool:
    """Whether walking up from `start` meets `target` (a loop that slipped in through the API)."""
    seen, current = set(), start
    while current is not None and current.contact.pk not in seen:
        if current.contact.pk == target:
            return True
        seen.add(current.contact.pk)
        current = nodes.get(current.contact.reports_to_id)
    return False


def account_team(*, account: Account) -> list[AccountTeamMember]:
    return list(
        AccountTeamMember.objects.filter(account=account)
        .select_related("user")
        .order_by("team_role", "user__full_name")
    )


def classification_history(*, account: Account) -> list[ClassificationChange]:
    return list(
        ClassificationChange.objects.filter(account=account).select_related("changed_by").order_by("-created_at", "-pk")
    )


def financial_periods(*, account: Account) -> list[FinancialPeriod]:
    return list(FinancialPeriod.objects.filter(account=account).order_by("period_start"))


@dataclass
class AccountOverview:
    account: Account
    team: list
    financials_visible: bool
    history: list
    contact_count: int


def account_overview(*, account: Account, membership: Membership) -> AccountOverview:
    team = account_team(account=account)
    visible = can_see_financials(membership=membership, account=account, team_user_ids={t.user_id for t in team})
    return AccountOverview(
        account=account,
        team=team,
        financials_visible=visible,
        history=classification_history(account=account),
        contact_count=Contact.objects.filter(account=account, is_active=True).count(),
    )


def money_totals(amounts) -> list[tuple[str, Decimal]]:
    """[(currency, total)] from (currency, amount) pairs, in order of first appearance: amounts in
    different currencies are never added together (no rates are kept)."""
    totals: dict[str, Decimal] = {}
    for currency, amount in amounts:
        totals[currency] = totals.get(currency, Decimal(0)) + (amount or 0)
    return list(totals.items())


def revenue_summary(periods: list[FinancialPeriod]) -> dict:
    """Last four periods against the four before them: a total per currency; growth only where all
    eight periods are in one currency (comparing sums of different currencies would mean nothing)."""
    recent, before = periods[-4:], periods[-8:-4]
    totals = money_totals((p.currency, p.revenue) for p in recent)
    previous = money_totals((p.currency, p.revenue) for p in before)
    growth = None
    if len(totals) == 1 and len(previous) == 1 and totals[0][0] == previous[0][0] and previous[0][1]:
        growth = (totals[0][1] - previous[0][1]) / previous[0][1] * 100
    return {
        "totals": totals,
        "growth": growth,
        "margin": _avg([p.margin_pct for p in recent]),
        "discount": _avg([p.discount_pct for p in recent]),
    }


def _avg(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


# --- Dashboard ------------------------------------------------------------------------------------


def my_accounts_summary(*, user: User, limit: int = 6) -> dict:
    """ "My accounts": those the user owns or is on the team of — counts by classification and the
    ones longest without contact. Two queries."""
    mine = Account.objects.filter(mine_filter(user.pk))
    counts = mine.aggregate(
        total=Count("pk"),
        strategic=Count("pk", filter=Q(classification=Classification.STRATEGIC)),
        tactical=Count("pk", filter=Q(classification=Classification.TACTICAL)),
        unqualified=Count("pk", filter=Q(classification=Classification.UNQUALIFIED)),
    )
    stale = list(
        mine.only("name", "classification", "rating", "last_contact_at", "tenant_id").order_by(
            F("last_contact_at").asc(nulls_first=True), "name"
        )[:limit]
    )
    return {"counts": counts, "stale": stale}


def contacts_changed_since(*, account: Account, since: dt.datetime, limit: int = 24) -> list[Contact]:
    """The account's contacts who left since `since` (by their leaving date, or marked gone since then
    without one) and those added since; in name order."""
    return list(
        Contact.objects.filter(account=account)
        .filter(
            Q(is_active=False, left_on__gte=since.date())
            | Q(is_active=False, left_on__isnull=True, updated_at__gte=since)
            | Q(is_active=True, created_at__gte=since)
        )
        .order_by("full_name", "pk")[:limit]
    )
