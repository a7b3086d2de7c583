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
from django.utils import timezone

from accounts.access import can_see_money, money_visible_expression, money_visible_filter
from accounts.models import Account, AccountStatus, FinancialPeriod
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
from ratings.signals import _model, db_datetime, declassification_ctes, signals_ctes_with_sig, with_clause
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
    return [CriterionRow(signal=c["signal"], label=SIGNALS[c["signal"]].label, help=SIGNALS[c["signal"]].help,
                         weight=c["weight"], share=round(100 * c["weight"] / total, 1),
                         scoring=describe_scoring(c) + (f"; no value: {fmt(c.get('missing', 0))}"))
            for c in policy.criteria]


def policy_changes(before: RatingPolicy, after: RatingPolicy) -> list[tuple[str, str, str]]:
    """[(what, before, after)] for every difference between two versions, in reading order."""
    changes = []
    old = {c["signal"]: c for c in before.criteria}
    new = {c["signal"]: c for c in after.criteria}
    for name, signal in SIGNALS.items():
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        if a is None or b is None:
            changes.append((signal.label, "not used" if a is None else f"weight {a['weight']}",
                            "not used" if b is None else f"weight {b['weight']}"))
            continue
        if a["weight"] != b["weight"]:
            changes.append((f"{signal.label}: weight", str(a["weight"]), str(b["weight"])))
        if describe_scoring(a) != describe_scoring(b) or a.get("missing") != b.get("missing"):
            changes.append((f"{signal.label}: scoring", f"{describe_scoring(a)}; no value: {fmt(a.get('missing', 0))}",
                            f"{describe_scoring(b)}; no value: {fmt(b.get('missing', 0))}"))
    labels = {"threshold_a": "A from score", "threshold_b": "B from score", "threshold_c": "C from score",
              "cadence_a_days": "A: contact every (days)", "cadence_b_days": "B: contact every (days)",
              "cadence_c_days": "C: contact every (days)", "cadence_d_days": "D: contact every (days)",
              "declass_max_level": "Declassification: level at most", "declass_months": "Declassification: months",
              "declass_min_discount_pct": "Declassification: average discount at least (%)",
              "declass_min_calls": "Declassification: calls at least"}
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
        return [(r, self.current.get(r, 0), self.proposed.get(r, 0), self.proposed.get(r, 0) - self.current.get(r, 0))
                for r in RATINGS]


def policy_preview(*, draft: RatingPolicy, active: RatingPolicy, now: dt.datetime | None = None,
                   limit: int = 200) -> PolicyPreview:
    """What activating `draft` would do, on today's data: the A–D distribution under the active
    policy and under the draft, and the accounts whose computed rating would move. Uses the recompute's
    own signal and scoring SQL for both policies, so it covers the accounts the recompute rates and the
    ratings list shows (declassified ones are left out: see signals.accounts_source). Movers with a
    manual rating in force are marked: they keep it until it ends. Four queries."""
    from ratings.services import BATCH_SETTINGS

    now = now or timezone.now()
    if connection.vendor == "postgresql":
        _query(f"SELECT {BATCH_SETTINGS}", [])  # transaction-local, as in the recompute
    ctes = signals_ctes_with_sig(now=now)
    ctes += [("old", *scored_select(active)), ("new", *scored_select(draft))]
    head, params = with_clause(ctes)
    in_force = (f"LEFT JOIN {_table(RatingOverride)} ov ON ov.account_id = old.account_id AND ov.tenant_id = %s "
                "AND ov.cleared_at IS NULL AND ov.expires_at > %s")
    in_force_params = [current_tenant_id(), db_datetime(now)]
    matrix = _query(f"{head} SELECT old.rating, new.rating, COUNT(*), COUNT(ov.id) FROM old JOIN new ON "
                    f"new.account_id = old.account_id {in_force} GROUP BY old.rating, new.rating",
                    [*params, *in_force_params])
    order = "CASE new.rating WHEN 'A' THEN 1 WHEN 'B' THEN 2 WHEN 'C' THEN 3 ELSE 4 END"
    rows = _query(
        f"{head} SELECT old.account_id, a.name, old.rating, old.score, new.rating, new.score, ov.rating FROM old "
        f"JOIN new ON new.account_id = old.account_id JOIN {_table(Account)} a ON a.id = old.account_id "
        f"AND a.tenant_id = %s {in_force} WHERE old.rating <> new.rating "
        f"ORDER BY old.rating, {order}, a.name, a.id LIMIT %s",
        [*params, current_tenant_id(), *in_force_params, limit])
    current, proposed, moves, movers_overridden = Counter(), Counter(), [], 0
    for old, new, count, overridden in matrix:
        current[old] += count
        proposed[new] += count
        if old != new:
            moves.append((old, new, count))
            movers_overridden += overridden
    moves.sort(key=lambda m: (-m[2], m[0], m[1]))
    overrides = (RatingOverride.objects.filter(cleared_at__isnull=True, expires_at__gt=now)
                 .exclude(account__status=AccountStatus.DECLASSIFIED).count())
    return PolicyPreview(
        active=active, draft=draft, total=sum(current.values()), current=dict(current), proposed=dict(proposed),
        moves=moves, movers=[Mover(*row) for row in rows], movers_total=sum(m[2] for m in moves),
        overrides_in_force=overrides, movers_overridden=movers_overridden)


# --- One account ----------------------------------------------------------------------------------

def override_in_force(*, account_id: int, now: dt.datetime | None = None) -> RatingOverride | None:
    now = now or timezone.now()
    return (RatingOverride.objects.select_related("set_by")
            .filter(account_id=account_id, cleared_at__isnull=True, expires_at__gt=now).first())


def override_history(*, account_id: int, limit: int = 20) -> list[RatingOverride]:
    return list(RatingOverride.objects.select_related("set_by", "cleared_by").filter(account_id=account_id)
                .order_by("-created_at", "-pk")[:limit])


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


def cadence_for(policy: RatingPolicy, rating: str) -> int | None:
    return policy.cadence.get(rating) if rating else None


def account_rating_panel(*, account: Account, membership: Membership, now: dt.datetime | None = None) -> RatingPanel:
    """"Why is this a B?": each criterion's value, points, weight and share of the score, the
    override in force, the next contact due. At most four queries."""
    from ratings.services import policy_defaults_ensure

    now = now or timezone.now()
    state = AccountRating.objects.select_related("policy").filter(account=account).first()
    panel = RatingPanel(account=account, state=state, override=override_in_force(account_id=account.pk, now=now),
                        active_policy=policy_defaults_ensure())
    if state is not None:
        sees_financials = can_see_money(membership=membership, account=account)
        panel.score_visible = sees_financials
        total = state.policy.total_weight or 1
        for item in state.policy.criteria:
            name = item["signal"]
            value, points = (state.breakdown.get(name) or [None, None])
            points = None if points is None else Decimal(str(points))
            hidden = SIGNALS[name].financial and not sees_financials
            panel.financials_hidden |= hidden
            panel.rows.append(BreakdownRow(
                signal=name, label=SIGNALS[name].label, help=SIGNALS[name].help,
                value="hidden" if hidden else _format_value(name, value, membership.tenant.currency),
                points=points if sees_financials else None, weight=item["weight"],
                share=round(100 * item["weight"] / total, 1),
                contribution=None if not sees_financials or points is None else (points * item["weight"] / total).quantize(Decimal("0.01")),
                hidden=hidden, scoring=describe_scoring(item)))
    panel.cadence_days = cadence_for(panel.active_policy, panel.effective)
    if panel.cadence_days and account.last_contact_at:
        panel.next_contact_due = account.last_contact_at + dt.timedelta(days=panel.cadence_days)
    return panel


def rating_history(*, account: Account, limit: int = 120) -> list[RatingSnapshot]:
    """The latest `limit` snapshots, oldest first."""
    rows = list(RatingSnapshot.objects.select_related("policy").filter(account=account)
                .order_by("-computed_at", "-pk")[:limit])
    return rows[::-1]


# --- Lists ----------------------------------------------------------------------------------------

def rating_distribution() -> dict[str, int]:
    """Accounts per effective rating ("" = not rated yet). One query."""
    from django.db.models import Count

    counts = dict(Account.objects.exclude(status=AccountStatus.DECLASSIFIED).values("rating")
                  .annotate(n=Count("pk")).values_list("rating", "n").order_by())
    return {r: counts.get(r, 0) for r in (*RATINGS, "")}


def _in_force_q(now):
    return RatingOverride.objects.filter(account_id=OuterRef("pk"), cleared_at__isnull=True, expires_at__gt=now)


def rated_accounts(*, membership: Membership, rating: str = "", query: str = "", mine_of=None,
                   now: dt.datetime | None = None) -> QuerySet:
    """Accounts with their effective rating, score, computed rating and override flag (annotations
    computed in SQL, so a page of them is one query). The score is null where the member may not see
    the account's money (so the order within a letter reveals nothing either)."""
    now = now or timezone.now()
    state = AccountRating.objects.filter(account_id=OuterRef("pk"))
    score = Case(When(Q(money_visible=True), then=Subquery(state.values("score")[:1])), default=None)
    qs = (Account.objects.exclude(status=AccountStatus.DECLASSIFIED).select_related("owner")
          .alias(money_visible=money_visible_expression(membership=membership))
          .annotate(score=score, computed_rating=Subquery(state.values("rating")[:1]),
                    overridden=Exists(_in_force_q(now)),
                    override_until=Subquery(_in_force_q(now).values("expires_at")[:1])))
    if rating == "none":
        qs = qs.filter(rating="")
    elif rating in RATINGS:
        qs = qs.filter(rating=rating)
    if query:
        qs = qs.filter(name__icontains=query)
    if mine_of is not None:
        qs = qs.filter(_mine_q(mine_of))
    return qs.order_by(Case(When(rating="", then=Value("Z")), default=F("rating")), F("score").desc(nulls_last=True),
                       "name", "pk")


def recent_changes(*, membership: Membership, limit: int = 10) -> list[RatingSnapshot]:
    """The latest rating changes of accounts still rated (not declassified, like the list);
    `money_visible` says whether the member may see each one's score."""
    return list(RatingSnapshot.objects.select_related("account", "policy")
                .exclude(account__status=AccountStatus.DECLASSIFIED)
                .annotate(money_visible=money_visible_expression(membership=membership, prefix="account__"))
                .order_by("-computed_at", "-pk")[:limit])


def overrides_in_force_map(*, now: dt.datetime | None = None) -> dict[int, RatingOverride]:
    """{account_id: override} for the whole tenant — few rows; lets a list mark overridden ratings
    with one query for any number of accounts (the rating_badge template tag uses it)."""
    now = now or timezone.now()
    return {o.account_id: o for o in RatingOverride.objects.filter(cleared_at__isnull=True, expires_at__gt=now)}


# --- Contact cadence ------------------------------------------------------------------------------

def _mine_q(user) -> Q:
    return mine_filter(user.pk)


DUE_STATES = {"overdue": "Overdue", "due": "Due soon", "all": "Overdue and due soon"}


def contact_due(*, policy: RatingPolicy, queryset=None, user=None, state: str = "all", within_days: int = 14,
                rating: str = "", now: dt.datetime | None = None) -> QuerySet:
    """Rated accounts (not declassified) whose next contact — last contact + the cadence of the
    effective rating under the active policy — is past (overdue; never contacted counts as overdue) or
    within `within_days`. `user`: only accounts they own or are on the team of. Ordered most overdue
    first; annotated with cadence_days and next_due."""
    now = now or timezone.now()
    cadence = Case(*[When(rating=r, then=Value(d)) for r, d in policy.cadence.items()], default=Value(None))
    cadence_interval = Case(*[When(rating=r, then=Value(dt.timedelta(days=d))) for r, d in policy.cadence.items()],
                            default=Value(None), output_field=DurationField())
    queryset = Account.objects.all() if queryset is None else queryset
    qs = (queryset.exclude(status=AccountStatus.DECLASSIFIED).exclude(rating="").select_related("owner")
          .annotate(cadence_days=cadence,
                    next_due=ExpressionWrapper(F("last_contact_at") + cadence_interval, output_field=DateTimeField())))
    if rating in RATINGS:
        qs = qs.filter(rating=rating)
    if user is not None:
        qs = qs.filter(_mine_q(user))
    overdue = Q(last_contact_at__isnull=True) | Q(next_due__lt=now)
    soon = Q(next_due__gte=now, next_due__lte=now + dt.timedelta(days=within_days))
    qs = qs.filter({"overdue": overdue, "due": soon}.get(state, overdue | soon))
    return qs.order_by(F("next_due").asc(nulls_first=True), "rating", "name", "pk")


def contact_due_counts(*, policy: RatingPolicy, user=None, within_days: int = 14,
                       now: dt.datetime | None = None) -> dict[str, int]:
    from django.db.models import Count

    now = now or timezone.now()
    qs = contact_due(policy=policy, user=user, within_days=within_days, now=now).order_by()
    return qs.aggregate(overdue=Count("pk", filter=Q(last_contact_at__isnull=True) | Q(next_due__lt=now)),
                        due=Count("pk", filter=Q(next_due__gte=now)))


# --- Declassification -----------------------------------------------------------------------------

@dataclass
class Candidate:
    account_id: int
    name: str
    rating: str
    current_level: int | None
    max_level: int | None
    assessments: int
    avg_discount: Decimal
    periods: int
    calls: int
    last_call: dt.datetime | None


def _window_start(policy: RatingPolicy, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=round(policy.declass_months * 365.25 / 12))


def declassification_candidates(*, policy: RatingPolicy, now: dt.datetime | None = None,
                                limit: int = 500) -> list[Candidate]:
    """Accounts (not declassified, not kept until a later review date) matching the policy's rule over
    the last declass_months: current level at or below declass_max_level and no assessment above it in
    the window (never assessed counts as at or below), average discount of financial periods ending in
    the window ≥ declass_min_discount_pct, and at least declass_min_calls call reports logged in the
    window (the team still spends time on it). One query."""
    now = now or timezone.now()
    since = _window_start(policy, now)
    head, params = with_clause(declassification_ctes(since=since))
    kept = (f"SELECT 1 FROM {_table(DeclassificationReview)} r WHERE r.account_id = acc.id AND r.tenant_id = %s "
            "AND r.decision = %s AND r.review_again_on > %s")
    rows = _query(
        f"{head} SELECT acc.id, a.name, acc.rating, acc.current_level, lvl.max_level, COALESCE(lvl.assessments, 0), "
        "disc.avg_discount, disc.periods, calls.calls, calls.last_call FROM acc "
        f"JOIN {_table(Account)} a ON a.id = acc.id AND a.tenant_id = %s "
        "LEFT JOIN lvl ON lvl.account_id = acc.id JOIN disc ON disc.account_id = acc.id "
        "JOIN calls ON calls.account_id = acc.id "
        "WHERE acc.status <> %s AND (acc.current_level IS NULL OR acc.current_level <= %s) "
        "AND (lvl.max_level IS NULL OR lvl.max_level <= %s) AND disc.avg_discount >= %s AND calls.calls >= %s "
        f"AND NOT EXISTS ({kept}) ORDER BY disc.avg_discount DESC, calls.calls DESC, a.name LIMIT %s",
        [*params, current_tenant_id(), AccountStatus.DECLASSIFIED, policy.declass_max_level, policy.declass_max_level,
         _num(policy.declass_min_discount_pct), policy.declass_min_calls, current_tenant_id(), ReviewDecision.KEEP,
         connection.ops.adapt_datefield_value(timezone.localdate(now)), limit])
    result = []
    for row in rows:
        candidate = Candidate(*row)
        candidate.avg_discount = Decimal(str(candidate.avg_discount)).quantize(Decimal("0.01"))
        if isinstance(candidate.last_call, str):  # SQLite
            candidate.last_call = dt.datetime.fromisoformat(candidate.last_call).replace(tzinfo=dt.UTC)
        result.append(candidate)
    return result


@dataclass
class Evidence:
    account: Account
    policy: RatingPolicy
    since: dt.datetime
    level_history: list[dict]
    max_level: int | None
    periods: list[FinancialPeriod]
    avg_discount: Decimal | None
    calls: list
    call_count: int
    matches_level: bool
    matches_discount: bool
    matches_effort: bool

    @property
    def matches(self) -> bool:
        return self.matches_level and self.matches_discount and self.matches_effort

    def as_json(self) -> dict:
        return {
            "since": self.since.isoformat(), "policy_version": self.policy.version,
            "current_level": self.account.current_level, "max_level_in_window": self.max_level,
            "average_discount_pct": None if self.avg_discount is None else str(self.avg_discount),
            "periods": len(self.periods), "calls": self.call_count,
            "matches": {"level": self.matches_level, "discount": self.matches_discount, "effort": self.matches_effort},
        }


def declassification_evidence(*, account: Account, now: dt.datetime | None = None) -> Evidence:
    """The evidence for one account: level history (hierarchy's monthly roll-up), the assessments' highest
    level, financial periods and discounts, and the call reports in the window. Six queries."""
    from django.db.models import Max

    from hierarchy.models import Assessment
    from hierarchy.selectors import account_history
    from ratings.services import policy_defaults_ensure

    now = now or timezone.now()
    policy = policy_defaults_ensure()
    since = _window_start(policy, now)
    history = account_history(account=account, months=policy.declass_months, now=now)
    max_level = (Assessment.objects.filter(account=account, assessed_at__gte=since, hierarchy_model__is_active=True)
                 .aggregate(m=Max("level"))["m"])
    periods = list(FinancialPeriod.objects.filter(account=account, period_end__gte=since.date()).order_by("period_start"))
    discounts = [p.discount_pct for p in periods if p.discount_pct is not None]
    avg_discount = (sum(discounts) / len(discounts)).quantize(Decimal("0.01")) if discounts else None
    CallReport = _model("plans.CallReport")
    calls, call_count = [], 0
    if CallReport is not None:
        window = CallReport.objects.filter(account=account, occurred_at__gte=since)
        call_count = window.count()
        calls = list(window.select_related("author").order_by("-occurred_at")[:10])
    level_ok = (account.current_level is None or account.current_level <= policy.declass_max_level) and (
        max_level is None or max_level <= policy.declass_max_level)
    return Evidence(
        account=account, policy=policy, since=since, level_history=history, max_level=max_level, periods=periods,
        avg_discount=avg_discount, calls=calls, call_count=call_count, matches_level=level_ok,
        matches_discount=avg_discount is not None and avg_discount >= policy.declass_min_discount_pct,
        matches_effort=call_count >= policy.declass_min_calls)


def declassification_reviews(*, limit: int = 20) -> list[DeclassificationReview]:
    return list(DeclassificationReview.objects.select_related("account", "decided_by").order_by("-created_at")[:limit])


def visible_financial_account_ids(*, membership: Membership, account_ids) -> set[int]:
    """Which of these accounts' financials the member may see (one query; none for admins/executives)."""
    ids = set(account_ids)
    if membership.sees_all_financials or not ids:
        return ids
    return set(Account.objects.filter(pk__in=ids).filter(money_visible_filter(membership=membership))
               .values_list("pk", flat=True))


def redact_breakdown(breakdown: dict, visible: bool) -> dict:
    """{signal: [value, points]} as a member may see it: without the account's money, money signals'
    values are "hidden" and no criterion shows its points (else the hidden points follow by subtraction
    from the others and the policy's weights)."""
    if visible:
        return breakdown
    return {k: (["hidden", None] if SIGNALS.get(k) and SIGNALS[k].financial else [(v or [None])[0], None])
            for k, v in breakdown.items()}



def rating_at(*, account: Account, at: dt.datetime) -> str:
    """The computed rating the account had at `at` (its latest snapshot before then), or ""."""
    return (RatingSnapshot.objects.filter(account=account, computed_at__lt=at)
            .order_by("-computed_at", "-pk").values_list("rating", flat=True).first()) or ""


def recompute_pending(account_id: int) -> bool:
    """A change that moves the account's rating is saved and its recompute has not landed yet (the
    debounced recompute of the account, or a whole-tenant one)."""
    from tenancy import outbox

    return outbox.waiting(f"ratings.recompute:account:{account_id}", "ratings.recompute:tenant")
