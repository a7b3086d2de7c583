"""Reads of the ratings app: pages, API, dashboard and the account page's panel. Each runs a fixed
number of queries whatever the number of accounts."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import NullIf
from django.utils import timezone

from accounts.access import can_see_money, money_visible_expression
from accounts.models import Account, AccountStatus, Classification, Coverage, FinancialPeriod
from accounts.selectors import mine_filter
from ratings.criteria import SIGNALS, describe_scoring, fmt
from ratings.models import (
    RATINGS,
    AccountRating,
    DeclassificationReview,
    PolicyStatus,
    RatingOverride,
    RatingPolicy,
    RatingSnapshot,
    ReviewDecision,
)
from ratings.scoring import _num, scored_select
from ratings.inputs import db_datetime, declassification_ctes, signals_ctes_with_sig, with_clause
from tenancy import shared_cache
from tenancy.context import current_tenant_id
from tenancy.models import Membership


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _query(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Policies -------------------------------------------------------------------------------------


def policy_versions() -> list[RatingPolicy]:
    return list(RatingPolicy.objects.select_related("created_by", "activated_by").order_by("-version"))


def policy_draft() -> RatingPolicy | None:
    return RatingPolicy.objects.filter(status=PolicyStatus.DRAFT).first()


@dataclass
class CriterionRow:
    signal: str
    label: str
    help: str
    weight: int
    share: float  # per cent of the total weight
    scoring: str


def policy_rows(policy: RatingPolicy) -> list[CriterionRow]:
    total = policy.total_weight or 1
    currency = policy.tenant.currency
    return [
        CriterionRow(
            signal=c["signal"],
            label=SIGNALS[c["signal"]].label,
            help=SIGNALS[c["signal"]].help,
            weight=c["weight"],
            share=round(100 * c["weight"] / total, 1),
            scoring=describe_scoring(c, currency) + (f"; no value: {fmt(c.get('missing', 0))}"),
        )
        for c in policy.criteria
    ]


def policy_changes(before: RatingPolicy, after: RatingPolicy) -> list[tuple[str, str, str]]:
    """[(what, before, after)] for every difference between two versions, in reading order."""
    changes = []
    currency = after.tenant.currency
    old = {c["signal"]: c for c in before.criteria}
    new = {c["signal"]: c for c in after.criteria}
    for name, signal in SIGNALS.items():
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if a is None or b is None:
            changes.append(
                (
                    signal.label,
                    "not used" if a is None else f"weight {a['weight']}",
                    "not used" if b is None else f"weight {b['weight']}",
                )
            )
            continue
        if a["weight"] != b["weight"]:
            changes.append((f"{signal.label}: weight", str(a["weight"]), str(b["weight"])))
        scoring_a, scoring_b = describe_scoring(a, currency), describe_scoring(b, currency)
        if scoring_a != scoring_b or a.get("missing") != b.get("missing"):
            changes.append(
                (
                    f"{signal.label}: scoring",
                    f"{scoring_a}; no value: {fmt(a.get('missing', 0))}",
                    f"{scoring_b}; no value: {fmt(b.get('missing', 0))}",
                )
            )
    labels = {
        "threshold_a": "A from score",
        "threshold_b": "B from score",
        "threshold_c": "C from score",
        "cadence_a_days": "A: contact every (days)",
        "cadence_b_days": "B: contact every (days)",
        "cadence_c_days": "C: contact every (days)",
        "cadence_d_days": "D: contact every (days)",
        "cadence_inside_sales_days": "Inside sales: contact every (days)",
        "cadence_self_service_days": "Self-service: contact every (days)",
        "declass_levels_below_top": "Declassification: levels below the top",
        "declass_months": "Declassification: months",
        "declass_min_discount_rise": "Declassification: discount rising by at least (points)",
        "declass_min_investment": "Declassification: investment at least",
    }
    for field_name, label in labels.items():
        a, b = getattr(before, field_name), getattr(after, field_name)
        if a != b:
            changes.append((label, fmt(a), fmt(b)))
    return changes


@dataclass
class Mover:
    account_id: int
    name: str
    old_rating: str
    old_score: Decimal
    new_rating: str
    new_score: Decimal
    override_rating: str | None = None  # a manual rating in force: the account keeps it until it ends

    @property
    def overridden(self) -> bool:
        return bool(self.override_rating)


@dataclass
class PolicyPreview:
    active: RatingPolicy
    draft: RatingPolicy
    total: int
    current: dict  # rating → accounts under the active policy (today's data)
    proposed: dict  # rating → accounts under the draft
    moves: list  # [(old, new, count)], most first
    movers: list[Mover]
    movers_total: int
    overrides_in_force: int
    movers_overridden: int = 0  # of movers_total: those with a manual rating in force (they keep it)

    @property
    def unchanged(self) -> int:
        return self.total - self.movers_total

    @property
    def distribution(self) -> list[tuple[str, int, int, int]]:
        return [
            (r, self.current.get(r, 0), self.proposed.get(r, 0), self.proposed.get(r, 0) - self.current.get(r, 0))
            for r in RATINGS
        ]


def policy_preview(
    *, draft: RatingPolicy, active: RatingPolicy, now: dt.datetime | None = None, limit: int = 200
) -> PolicyPreview:
    """What activating `draft` would do, on today's data: the A–D distribution under the active
    policy and under the draft, and the accounts whose computed rating would move. Uses the recompute's
    own signal and scoring SQL for both policies, so it covers the accounts the recompute rates and the
    ratings list shows (declassified ones are left out: see inputs.accounts_source). Movers with a
    manual rating in force are marked: they keep it until it ends. Four queries."""
    from ratings.services import BATCH_SETTINGS

    now = now or timezone.now()
    if connection.vendor == "postgresql":
        _query(f"SELECT {BATCH_SETTINGS}", [])  # transaction-local, as in the recompute
    from hierarchy.selectors import model_top_level

    top = model_top_level()
    ctes = signals_ctes_with_sig(now=now)
    ctes += [("old", *scored_select(active, top_level=top)), ("new", *scored_select(draft, top_level=top))]
    head, params = with_clause(ctes)
    in_force = (
        f"LEFT JOIN {_table(RatingOverride)} ov ON ov.account_id = old.account_id AND ov.tenant_id = %s "
        "AND ov.cleared_at IS NULL AND ov.expires_at > %s"
    )
    in_force_params = [current_tenant_id(), db_datetime(now)]
    matrix = _query(
        f"{head} SELECT old.rating, new.rating, COUNT(*), COUNT(ov.id) FROM old JOIN new ON "
        f"new.account_id = old.account_id {in_force} GROUP BY old.rating, new.rating",
        [*params, *in_force_params],
    )
    order = "CASE new.rating WHEN 'A' THEN 1 WHEN 'B' THEN 2 WHEN 'C' THEN 3 ELSE 4 END"
    rows = _query(
        f"{head} SELECT old.account_id, a.name, old.rating, old.score, new.rating, new.score, ov.rating FROM old "
        f"JOIN new ON new.account_id = old.account_id JOIN {_table(Account)} a ON a.id = old.account_id "
        f"AND a.tenant_id = %s {in_force} WHERE old.rating <> new.rating "
        f"ORDER BY old.rating, {order}, a.name, a.id LIMIT %s",
        [*params, current_tenant_id(), *in_force_params, limit],
    )
    current, proposed, moves, movers_overridden = Counter(), Counter(), [], 0
    for old, new, count, overridden in matrix:
        current[old] += count
        proposed[new] += count
        if old != new:
            moves.append((old, new, count))
            movers_overridden += overridden
    moves.sort(key=lambda m: (-m[2], m[0], m[1]))
    overrides = (
        RatingOverride.objects.filter(cleared_at__isnull=True, expires_at__gt=now)
        .exclude(account__status=AccountStatus.DECLASSIFIED)
        .count()
    )
    return PolicyPreview(
        active=active,
        draft=draft,
        total=sum(current.values()),
        current=dict(current),
        proposed=dict(proposed),
        moves=moves,
        movers=[Mover(*row) for row in rows],
        movers_total=sum(m[2] for m in moves),
        overrides_in_force=overrides,
        movers_overridden=movers_overridden,
    )


# --- One account ----------------------------------------------------------------------------------


def override_in_force(*, account_id: int, now: dt.datetime | None = None) -> RatingOverride | None:
    now = now or timezone.now()
    return (
        RatingOverride.objects.select_related("set_by")
        .filter(account_id=account_id, cleared_at__isnull=True, expires_at__gt=now)
        .first()
    )


def override_history(*, account_id: int, limit: int = 20) -> list[RatingOverride]:
    return list(
        RatingOverride.objects.select_related("set_by", "cleared_by")
        .filter(account_id=account_id)
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass
class BreakdownRow:
    signal: str
    label: str
    help: str
    value: str
    points: Decimal | None
    weight: int
    share: float
    contribution: Decimal | None
    hidden: bool = False
    scoring: str = ""


@dataclass
class RatingPanel:
    account: Account
    state: AccountRating | None
    override: RatingOverride | None
    active_policy: RatingPolicy
    rows: list[BreakdownRow] = field(default_factory=list)
    financials_hidden: bool = False
    # False when the member may not see the account's money: the score and every criterion's points are
    # withheld too, or the hidden part would follow by subtraction (accounts.access, the money rule).
    score_visible: bool = True
    next_contact_due: dt.datetime | None = None
    cadence_days: int | None = None

    @property
    def computed(self) -> str:
        return self.state.rating if self.state else ""

    @property
    def effective(self) -> str:
        return self.override.rating if self.override else self.computed

    @property
    def policy(self) -> RatingPolicy | None:
        return self.state.policy if self.state else None

    @property
    def stale_policy(self) -> bool:
        return self.state is not None and self.state.policy_id != self.active_policy.pk

    @property
    def overdue(self) -> bool:
        return self.next_contact_due is not None and self.next_contact_due < timezone.now()

    @property
    def never_contacted(self) -> bool:
        return self.account.last_contact_at is None

    @property
    def cadence_label(self) -> str:
        """Whose cadence applies: "B accounts" or "inside-sales accounts"."""
        if self.account.coverage != Coverage.FIELD_TEAM:
            return f"{self.account.get_coverage_display().lower()} accounts"
        return f"{self.effective} accounts"

    @property
    def band(self) -> str:
        """Why this letter: the threshold band the score falls in."""
        if not self.state or not self.score_visible:
            return ""
        policy = self.state.policy
        score, letter = fmt(self.state.score), self.state.rating
        a, b, c = (fmt(t) for t in (policy.threshold_a, policy.threshold_b, policy.threshold_c))
        if letter == "A":
            return f"A from {a}; the score {score} reaches it."
        upper = {"B": a, "C": b, "D": c}[letter]
        lower = {"B": b, "C": c, "D": None}[letter]
        if lower is None:
            return f"D below {upper}; the score {score} is below it."
        return f"{letter} from {lower} to below {upper}; the score {score} is in that band."


def _format_value(signal: str, value, currency: str = "") -> str:
    if value is None:
        return "no value"
    if signal == "classification":
        return str(value).capitalize()
    unit = SIGNALS[signal].unit
    if unit == "level":
        return f"level {fmt(value)}"
    if unit == "%":
        return f"{fmt(value)} %"
    if unit in ("levels", "days"):
        return f"{fmt(value)} {unit}"
    if unit in ("revenue", "value") and currency:
        return f"{fmt(round(Decimal(str(value))))} {currency}"  # money: whole units, always with its currency
    return fmt(value)


def cadence_for(policy: RatingPolicy, rating: str, coverage: str = Coverage.FIELD_TEAM) -> int | None:
    """Days between contacts: the coverage model's own cadence for inside sales and self-service (so
    lower-rated and declassified accounts are not ignored), else the rating's."""
    if coverage in policy.coverage_cadence:
        return policy.coverage_cadence[coverage]
    return policy.cadence.get(rating) if rating else None


def account_rating_panel(*, account: Account, membership: Membership, now: dt.datetime | None = None) -> RatingPanel:
    """ "Why is this a B?": each criterion's value, points, weight and share of the score, the
    override in force, the next contact due. At most four queries."""
    from ratings.services import policy_defaults_ensure

    now = now or timezone.now()
    state = AccountRating.objects.select_related("policy").filter(account=account).first()
    panel = RatingPanel(
        account=account,
        state=state,
        override=override_in_force(account_id=account.pk, now=now),
        active_policy=policy_defaults_ensure(),
    )
    if state is not None:
        sees_financials = can_see_money(membership=membership, account=account)
        panel.score_visible = sees_financials
        total = state.policy.total_weight or 1
        for item in state.policy.criteria:
            name = item["signal"]
            value, points = state.breakdown.get(name) or [None, None]
            points = None if points is None else Decimal(str(points))
            hidden = SIGNALS[name].financial and not sees_financials
            panel.financials_hidden |= hidden
            panel.rows.append(
                BreakdownRow(
                    signal=name,
                    label=SIGNALS[name].label,
                    help=SIGNALS[name].help,
                    value="hidden" if hidden else _format_value(name, value, membership.tenant.currency),
                    points=points if sees_financials else None,
                    weight=item["weight"],
                    share=round(100 * item["weight"] / total, 1),
                    contribution=None
                    if not sees_financials or points is None
                    else (points * item["weight"] / total).quantize(Decimal("0.01")),
                    hidden=hidden,
                    scoring=describe_scoring(item, membership.tenant.currency),
                )
            )
    panel.cadence_days = cadence_for(panel.active_policy, panel.effective, account.coverage)
    if panel.cadence_days and account.last_contact_at:
        panel.next_contact_due = account.last_contact_at + dt.timedelta(days=panel.cadence_days)
    return panel


def rating_history(*, account: Account, limit: int = 120) -> list[RatingSnapshot]:
    """The latest `limit` snapshots, oldest first."""
    rows = list(
        RatingSnapshot.objects.select_related("policy").filter(account=account).order_by("-computed_at", "-pk")[:limit]
    )
    return rows[::-1]


# --- Lists ----------------------------------------------------------------------------------------


def rating_distribution() -> dict[str, int]:
    """Accounts per effective rating ("" = not rated yet). One query."""
    from django.db.models import Count

    counts = dict(
        Account.objects.exclude(status=AccountStatus.DECLASSIFIED)
        .values("rating")
        .annotate(n=Count("pk"))
        .values_list("rating", "n")
        .order_by()
    )
    return {r: counts.get(r, 0) for r in (*RATINGS, "")}


# The ratings page's distribution reads every account of the tenant: kept this long, counted afresh
# when ratings or classifications change (ratings.services).
DISTRIBUTION = "rating-distribution"
DISTRIBUTION_SECONDS = 120


def rating_distribution_recent() -> dict:
    """{"value": rating_distribution(), "as_of": …}, at most DISTRIBUTION_SECONDS old."""
    return shared_cache.tenant_figure(DISTRIBUTION, rating_distribution, DISTRIBUTION_SECONDS)


def _in_force_q(now):
    return RatingOverride.objects.filter(account_id=OuterRef("pk"), cleared_at__isnull=True, expires_at__gt=now)


def rated_accounts(
    *, membership: Membership, rating: str = "", query: str = "", mine_of=None, now: dt.datetime | None = None
) -> QuerySet:
    """Accounts with their effective rating, score, computed rating and override flag (annotations
    computed in SQL, so a page of them is one query). The score is null where the member may not see
    the account's money (so the order within a letter reveals nothing either)."""
    now = now or timezone.now()
    state = AccountRating.objects.filter(account_id=OuterRef("pk"))
    score = Case(When(Q(money_visible=True), then=Subquery(state.values("score")[:1])), default=None)
    qs = (
        Account.objects.exclude(status=AccountStatus.DECLASSIFIED)
        .select_related("owner")
        .alias(money_visible=money_visible_expression(membership=membership))
        .annotate(
            score=score,
            computed_rating=Subquery(state.values("rating")[:1]),
            overridden=Exists(_in_force_q(now)),
            override_until=Subquery(_in_force_q(now).values("expires_at")[:1]),
        )
    )
    if rating == "none":
        qs = qs.filter(rating="")
    elif rating in RATINGS:
        qs = qs.filter(rating=rating)
    if query:
        qs = qs.filter(name__icontains=query)
    if mine_of is not None:
        qs = qs.filter(_mine_q(mine_of))
    # Letter, then name: the index (tenant, NULLIF(rating, ''), name, id) gives a page without reading the
    # tenant (ordering by score within a letter needed every account's score first: 0.12 s at 100k).
    return qs.order_by(NullIf("rating", Value("")).asc(nulls_last=True), "name", "pk")


def recent_changes(*, membership: Membership, limit: int = 10) -> list[RatingSnapshot]:
    """The latest rating changes of accounts still rated (not declassified, like the list);
    `money_visible` says whether the member may see each one's score."""
    return list(
        RatingSnapshot.objects.select_related("account", "policy")
        .exclude(account__status=AccountStatus.DECLASSIFIED)
        .annotate(money_visible=money_visible_expression(membership=membership, prefix="account__"))
        .order_by("-computed_at", "-pk")[:limit]
    )


def overrides_in_force_map(*, now: dt.datetime | None = None) -> dict[int, RatingOverride]:
    """{account_id: override} for the whole tenant — few rows; lets a list mark overridden ratings
    with one query for any number of accounts (the rating_badge template tag uses it)."""
    now = now or timezone.now()
    return {o.account_id: o for o in RatingOverride.objects.filter(cleared_at__isnull=True, expires_at__gt=now)}


# --- Contact cadence ------------------------------------------------------------------------------


def _mine_q(user) -> Q:
    return mine_filter(user.pk)


DUE_STATES = {"overdue": "Overdue", "due": "Due soon", "all": "Overdue and due soon"}


def contact_due(
    *,
    policy: RatingPolicy,
    queryset=None,
    user=None,
    state: str = "all",
    within_days: int = 14,
    rating: str = "",
    now: dt.datetime | None = None,
) -> QuerySet:
    """Accounts whose next contact — last contact + their cadence — is past (overdue; never contacted
    counts as overdue) or within `within_days`. The cadence: for accounts served by inside sales or
    self-service (declassified ones included: lower-rated accounts are not ignored), that coverage
    model's; for field-team accounts (rated, not declassified), the effective rating's under the active
    policy. `user`: only accounts they own or are on the team of. Ordered most overdue first; annotated
    with cadence_days and next_due."""
    now = now or timezone.now()
    by_coverage = policy.coverage_cadence
    cadence = Case(
        *[When(coverage=c, then=Value(d)) for c, d in by_coverage.items()],
        *[When(rating=r, then=Value(d)) for r, d in policy.cadence.items()],
        default=Value(None),
    )
    cadence_interval = Case(
        *[When(coverage=c, then=Value(dt.timedelta(days=d))) for c, d in by_coverage.items()],
        *[When(rating=r, then=Value(dt.timedelta(days=d))) for r, d in policy.cadence.items()],
        default=Value(None),
        output_field=DurationField(),
    )
    queryset = Account.objects.all() if queryset is None else queryset
    covered = Q(coverage__in=list(by_coverage)) | (
        Q(coverage=Coverage.FIELD_TEAM) & ~Q(status=AccountStatus.DECLASSIFIED) & ~Q(rating="")
    )
    qs = (
        queryset.filter(covered)
        .select_related("owner")
        .annotate(
            cadence_days=cadence,
            next_due=ExpressionWrapper(F("last_contact_at") + cadence_interval, output_field=DateTimeField()),
        )
    )
    if rating in RATINGS:
        qs = qs.filter(rating=rating)
    if user is not None:
        qs = qs.filter(_mine_q(user))
    overdue = Q(last_contact_at__isnull=True) | Q(next_due__lt=now)
    soon = Q(next_due__gte=now, next_due__lte=now + dt.timedelta(days=within_days))
    qs = qs.filter({"overdue": overdue, "due": soon}.get(state, overdue | soon))
    return qs.order_by(F("next_due").asc(nulls_first=True), "rating", "name", "pk")


def contact_due_counts(
    *, policy: RatingPolicy, user=None, within_days: int = 14, now: dt.datetime | None = None
) -> dict[str, int]:
    from django.db.models import Count

    now = now or timezone.now()
    qs = contact_due(policy=policy, user=user, within_days=within_days, now=now).order_by()
    return qs.aggregate(
        overdue=Count("pk", filter=Q(last_contact_at__isnull=True) | Q(next_due__lt=now)),
        due=Count("pk", filter=Q(next_due__gte=now)),
    )


# --- Declassification -----------------------------------------------------------------------------


@dataclass
class Candidate:
    """One account under the declassification rule: the figures over the window and which parts match."""

    account_id: int
    name: str
    rating: str
    classification: str
    current_level: int | None
    potential_level: int | None
    max_level: int | None
    assessments: int
    avg_discount: Decimal | None
    periods: int
    discount_rise: Decimal | None  # percentage points over the window, from the trend line
    calls: int
    last_call: dt.datetime | None
    visits: int
    actions: int
    seats: int
    matches_strategic: bool
    matches_level: bool
    matches_discount: bool
    matches_investment: bool

    @property
    def investment(self) -> int:
        return self.calls + self.visits + self.actions + self.seats

    @property
    def matches(self) -> bool:
        return self.matches_strategic and self.matches_level and self.matches_discount and self.matches_investment


def _window_start(policy: RatingPolicy, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=round(policy.declass_months * 365.25 / 12))


def _declassification_rows(
    *, policy: RatingPolicy, now: dt.datetime, top_level: int, account_ids=None, only_matching: bool, limit: int = 500
) -> list[Candidate]:
    """The rule in one statement. Each part is a column (m_*), so the list (only_matching: every part
    holds, and no "keep" decision stands) and one account's evidence (every row) read the same rule:
    - strategic: only strategic accounts are candidates;
    - level: the current level and every assessment in the window at most policy.declass_level_max(top)
      (never assessed counts as low);
    - discount: the trend line through the window's periods rises by at least declass_min_discount_rise
      points over the window (and does rise);
    - investment: calls + visits + plan actions in the window + team seats ≥ declass_min_investment."""
    since = _window_start(policy, now)
    window_days = max((now - since).days, 1)
    level_max = policy.declass_level_max(top_level)
    head, params = with_clause(
        declassification_ctes(since=since, now=now, account_ids=account_ids, strategic_only=only_matching)
    )
    rise = f"(disc.slope * {window_days})"
    investment = (
        "(COALESCE(calls.calls, 0) + COALESCE(vis.visits, 0) + COALESCE(act.actions, 0) + COALESCE(seats.seats, 0))"
    )
    kept = (
        f"SELECT 1 FROM {_table(DeclassificationReview)} r WHERE r.account_id = ev.account_id "
        "AND r.tenant_id = %s AND r.decision = %s AND r.review_again_on > %s"
    )
    select = (
        "SELECT acc.id AS account_id, a.name, acc.rating, acc.classification, acc.current_level, acc.potential_level, "
        "lvl.max_level, COALESCE(lvl.assessments, 0) AS assessments, disc.avg_discount, COALESCE(disc.periods, 0) AS periods, "
        f"{rise} AS discount_rise, COALESCE(calls.calls, 0) AS calls, calls.last_call, COALESCE(vis.visits, 0) AS visits, "
        "COALESCE(act.actions, 0) AS actions, COALESCE(seats.seats, 0) AS seats, "
        "(acc.classification = %s) AS m_strategic, "
        "((acc.current_level IS NULL OR acc.current_level <= %s) AND (lvl.max_level IS NULL OR lvl.max_level <= %s)) "
        "AS m_level, "
        f"(disc.slope IS NOT NULL AND disc.slope > 0 AND {rise} >= %s) AS m_discount, "
        f"({investment} >= %s) AS m_investment "
        f"FROM acc JOIN {_table(Account)} a ON a.id = acc.id AND a.tenant_id = %s "
        "LEFT JOIN lvl ON lvl.account_id = acc.id LEFT JOIN disc ON disc.account_id = acc.id "
        "LEFT JOIN calls ON calls.account_id = acc.id LEFT JOIN vis ON vis.account_id = acc.id "
        "LEFT JOIN act ON act.action_account_id = acc.id LEFT JOIN seats ON seats.account_id = acc.id"
    )
    select_params = [
        Classification.STRATEGIC,
        level_max,
        level_max,
        _num(policy.declass_min_discount_rise),
        policy.declass_min_investment,
        current_tenant_id(),
    ]
    sql = f"{head} SELECT * FROM ({select}) ev"
    tail_params = []
    if only_matching:
        sql += f" WHERE ev.m_strategic AND ev.m_level AND ev.m_discount AND ev.m_investment AND NOT EXISTS ({kept})"
        tail_params = [
            current_tenant_id(),
            ReviewDecision.KEEP,
            connection.ops.adapt_datefield_value(timezone.localdate(now)),
        ]
    sql += " ORDER BY ev.discount_rise DESC NULLS LAST, ev.name LIMIT %s"
    result = []
    for row in _query(sql, [*params, *select_params, *tail_params, limit]):
        candidate = Candidate(*row)
        for name in ("avg_discount", "discount_rise"):
            value = getattr(candidate, name)
            setattr(candidate, name, None if value is None else Decimal(str(value)).quantize(Decimal("0.01")))
        for name in ("matches_strategic", "matches_level", "matches_discount", "matches_investment"):
            setattr(candidate, name, bool(getattr(candidate, name)))
        if isinstance(candidate.last_call, str):  # SQLite
            candidate.last_call = dt.datetime.fromisoformat(candidate.last_call).replace(tzinfo=dt.UTC)
        result.append(candidate)
    return result


def declassification_candidates(
    *, policy: RatingPolicy, now: dt.datetime | None = None, user=None, limit: int = 500
) -> list[Candidate]:
    """Strategic accounts (not declassified, not kept until a later review date) that match the policy's
    rule over the last declass_months (see _declassification_rows), biggest discount rise first.
    `user`: only the accounts they own or are on the team of (an account manager's own review).
    Two queries (the active model's top level, then the rule)."""
    from hierarchy.selectors import model_top_level

    now = now or timezone.now()
    account_ids = None
    if user is not None:
        account_ids = list(Account.objects.filter(_mine_q(user)).values_list("pk", flat=True))
        if not account_ids:
            return []
    return _declassification_rows(
        policy=policy, now=now, top_level=model_top_level(), account_ids=account_ids, only_matching=True, limit=limit
    )


# The tenant-wide review reads every strategic account's calls, visits, actions, seats, periods and
# assessments over the window (a second at 100,000 accounts): kept this long, dropped by a decision.
CANDIDATES_SECONDS = 600


def candidates_figure(policy: RatingPolicy) -> str:
    return f"declassification-candidates:{policy.pk}"


def declassification_candidates_recent(*, policy: RatingPolicy) -> dict:
    """{"value": declassification_candidates(policy=policy), "as_of": …}, at most CANDIDATES_SECONDS old."""
    return shared_cache.tenant_figure(
        candidates_figure(policy), lambda: declassification_candidates(policy=policy), CANDIDATES_SECONDS
    )


@dataclass
class Evidence:
    account: Account
    policy: RatingPolicy
    since: dt.datetime
    top_level: int
    level_max: int
    figures: Candidate
    level_history: list[dict]
    levels_by_role: list[tuple[str, int]]
    periods: list[FinancialPeriod]
    calls: list

    @property
    def matches(self) -> bool:
        return self.figures.matches

    def as_json(self) -> dict:
        f = self.figures
        return {
            "since": self.since.isoformat(),
            "policy_version": self.policy.version,
            "top_level": self.top_level,
            "level_at_most": self.level_max,
            "classification": f.classification,
            "current_level": f.current_level,
            "potential_level": f.potential_level,
            "max_level_in_window": f.max_level,
            "levels_by_role": dict(self.levels_by_role),
            "average_discount_pct": None if f.avg_discount is None else str(f.avg_discount),
            "discount_rise_points": None if f.discount_rise is None else str(f.discount_rise),
            "periods": f.periods,
            "investment": {
                "calls": f.calls,
                "visits": f.visits,
                "plan_actions": f.actions,
                "team_seats": f.seats,
                "total": f.investment,
            },
            "matches": {
                "strategic": f.matches_strategic,
                "level": f.matches_level,
                "discount": f.matches_discount,
                "investment": f.matches_investment,
            },
        }


def declassification_evidence(*, account: Account, now: dt.datetime | None = None) -> Evidence:
    """The evidence for one account: the rule's figures (the same statement as the list), the level
    history (hierarchy's monthly roll-up), the current levels by buying role and the potential level,
    the financial periods with their discounts, and the latest call reports. A fixed number of queries."""
    from hierarchy.selectors import account_history, model_top_level
    from keyplayers.selectors import levels_by_buying_role
    from plans.selectors import latest_calls
    from ratings.services import policy_defaults_ensure

    now = now or timezone.now()
    policy = policy_defaults_ensure()
    since = _window_start(policy, now)
    top = model_top_level()
    figures = _declassification_rows(
        policy=policy, now=now, top_level=top, account_ids=[account.pk], only_matching=False
    )
    if not figures:  # a declassified account is no longer in the rated set: its review shows what it can
        figures = [
            Candidate(
                account.pk,
                account.name,
                account.rating,
                account.classification,
                account.current_level,
                account.potential_level,
                None,
                0,
                None,
                0,
                None,
                0,
                None,
                0,
                0,
                0,
                False,
                False,
                False,
                False,
            )
        ]
    history = account_history(account=account, months=policy.declass_months, now=now)
    periods = list(
        FinancialPeriod.objects.filter(account=account, period_end__gte=since.date()).order_by("period_start")
    )
    calls = latest_calls(account=account, since=since)
    return Evidence(
        account=account,
        policy=policy,
        since=since,
        top_level=top,
        level_max=policy.declass_level_max(top),
        figures=figures[0],
        level_history=history,
        levels_by_role=[
            (row.label, row.best)
            for row in levels_by_buying_role(account_ids=[account.pk])[account.pk]
            if row.best is not None
        ],
        periods=periods,
        calls=calls,
    )


def declassification_reviews(*, limit: int = 20, user=None) -> list[DeclassificationReview]:
    """The latest decisions; `user`: on their own accounts only."""
    reviews = DeclassificationReview.objects.select_related("account", "decided_by")
    if user is not None:
        reviews = reviews.filter(account__in=Account.objects.filter(_mine_q(user)))
    return list(reviews.order_by("-created_at")[:limit])


def redact_breakdown(breakdown: dict, visible: bool) -> dict:
    """{signal: [value, points]} as a member may see it: without the account's money, money signals'
    values are "hidden" and no criterion shows its points (else the hidden points follow by subtraction
    from the others and the policy's weights)."""
    if visible:
        return breakdown
    return {
        k: (["hidden", None] if SIGNALS.get(k) and SIGNALS[k].financial else [(v or [None])[0], None])
        for k, v in breakdown.items()
    }


def rating_at(*, account: Account, at: dt.datetime) -> str:
    """The computed rating the account had at `at` (its latest snapshot before then), or ""."""
    return (
        RatingSnapshot.objects.filter(account=account, computed_at__lt=at)
        .order_by("-computed_at", "-pk")
        .values_list("rating", flat=True)
        .first()
    ) or ""


RECOMPUTE_KEY_PREFIX = "ratings.recompute:"
RECOMPUTE_TENANT_KEY = RECOMPUTE_KEY_PREFIX + "tenant"


def recompute_key(account_id: int) -> str:
    """The outbox key of an account's debounced recompute (ratings.services records it)."""
    return f"{RECOMPUTE_KEY_PREFIX}account:{account_id}"


def recompute_pending(account_id: int) -> bool:
    """A change that moves the account's rating is saved and its recompute has not landed yet (the
    debounced recompute of the account, or a whole-tenant one)."""
    from tenancy import outbox

    return outbox.waiting(recompute_key(account_id), RECOMPUTE_TENANT_KEY)


@dataclass(frozen=True)
class PendingRecomputes:
    """Which ratings are being updated, for any number of badges from one query."""

    keys: frozenset[str]

    def __contains__(self, account_id: int) -> bool:
        return RECOMPUTE_TENANT_KEY in self.keys or recompute_key(account_id) in self.keys


def pending_recomputes() -> PendingRecomputes:
    from tenancy import outbox

    return PendingRecomputes(frozenset(outbox.waiting_keys(RECOMPUTE_KEY_PREFIX)))
