"""Reads of the keyplayers app, for its pages, its API and the apps above it (plans, ratings, briefings).
Every function runs a fixed number of queries, whatever the number of key players.

Definitions (documented once, used everywhere):
- A relationship's level is its *effective* level, as hierarchy defines it
  (hierarchy.selectors.effective_level: the customer's own view when given, otherwise ours).
- A key player's *best relationship level* is the highest effective level over all relationships any
  of our people have with that contact.
- Coverage rules (only for key players whose contact is still there):
  1. no_relationship: none of our people has a relationship with the contact;
  2. below_minimum: there are relationships, but the best level is below the tenant's minimum for the
     key player's buying role (CoverageSettings; default executive 3, middle management 3,
     operational 2, purchasing 2). Relationships that were never assessed count as below;
  3. single role: on an account, the key players we reach (rule 1 not true) all hold one buying role;
  4. high_blocker: stance blocker with high influence.
  An account is flagged when any of its key players is flagged or rule 3 holds.
- Last contact: the later of KeyPlayer.last_contact_at (set by hand) and Contact.last_contact_at
  (maintained by plans' call reports).
"""

from dataclasses import dataclass, field

from django.db import connection
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
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import Account, Contact
from accounts.selectors import mine_filter, on_accounts
from hierarchy.models import Relationship
from hierarchy.selectors import effective_level, level_names
from keyplayers.defaults import DEFAULT_GUIDANCE
from keyplayers.models import (
    BuyingRole,
    BuyingStage,
    CoverageSettings,
    Guidance,
    Influence,
    KeyPlayer,
    Stance,
)

FLAGS = {
    "no_relationship": "No relationship with any of our people",
    "below_minimum": "Best relationship below the minimum level for the role",
    "high_blocker": "Blocker with high influence",
}
SINGLE_ROLE = "single_role"  # an account-level rule: every buying role we reach is the same one


# --- Guidance -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuidanceCell:
    buying_role: str
    buying_stage: str
    communication: str
    message: str
    typical_concern: str
    id: int | None = None  # None: the shipped default, not yet customised by the tenant

    @property
    def is_default(self) -> bool:
        """True while the cell says what the shipped default says (stored or not)."""
        return (self.communication, self.message, self.typical_concern) == DEFAULT_GUIDANCE[
            (self.buying_role, self.buying_stage)
        ]

    @property
    def role_label(self) -> str:
        return BuyingRole(self.buying_role).label

    @property
    def stage_label(self) -> str:
        return BuyingStage(self.buying_stage).label


def default_cell(role: str, stage: str) -> GuidanceCell:
    communication, message, concern = DEFAULT_GUIDANCE[(role, stage)]
    return GuidanceCell(role, stage, communication, message, concern)


def guidance_matrix() -> dict[tuple[str, str], GuidanceCell]:
    """Every role × stage cell: the tenant's own row where there is one, else the default. One query."""
    matrix = {key: default_cell(*key) for key in DEFAULT_GUIDANCE}
    for row in Guidance.objects.all():
        matrix[(row.buying_role, row.buying_stage)] = GuidanceCell(
            row.buying_role, row.buying_stage, row.communication, row.message, row.typical_concern, row.pk
        )
    return matrix


def guidance_rows() -> list[list[GuidanceCell]]:
    """The matrix as table rows (one per stage, one cell per role), for the guidance page."""
    matrix = guidance_matrix()
    return [[matrix[(role, stage)] for role in BuyingRole.values] for stage in BuyingStage.values]


def guidance_for(*, buying_role: str, buying_stage: str) -> GuidanceCell:
    row = Guidance.objects.filter(buying_role=buying_role, buying_stage=buying_stage).first()
    if row is None:
        return default_cell(buying_role, buying_stage)
    return GuidanceCell(row.buying_role, row.buying_stage, row.communication, row.message, row.typical_concern, row.pk)


def attach_guidance(players, matrix=None):
    """Sets player.guidance (the next recommended message) on each player; one query for all of them."""
    matrix = guidance_matrix() if matrix is None else matrix
    for player in players:
        player.guidance = matrix[(player.buying_role, player.buying_stage)]
    return players


# --- Coverage -------------------------------------------------------------------------------------


def coverage_settings() -> CoverageSettings:
    """The tenant's thresholds, or the defaults (unsaved) when an admin never changed them."""
    return CoverageSettings.objects.first() or CoverageSettings()


def _bool(condition: Q):
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def key_players_annotated(queryset=None, *, thresholds: CoverageSettings | None = None):
    """Key players with their coverage, computed in SQL for the whole queryset:
    relationship_count, best_level, min_level, no_relationship, below_minimum, high_blocker, flagged."""
    thresholds = thresholds or coverage_settings()
    queryset = KeyPlayer.objects.all() if queryset is None else queryset
    of_contact = Relationship.objects.filter(contact_id=OuterRef("contact_id")).order_by().values("contact_id")
    # An EXISTS, not a join to the contact: counting a list (the API's exact count) then reads the key
    # players alone (joining 200,000 contacts only to count them cost 100 ms at 100k accounts).
    present = Q(Exists(Contact.objects.filter(pk=OuterRef("contact_id"), is_active=True)))
    return (
        queryset.annotate(
            relationship_count=Coalesce(Subquery(of_contact.annotate(n=Count("pk")).values("n")), 0),
            best_level=Subquery(
                of_contact.annotate(best=Max(effective_level())).values("best"), output_field=IntegerField()
            ),
            min_level=Case(
                *[When(buying_role=role, then=Value(level)) for role, level in thresholds.by_role.items()],
                output_field=IntegerField(),
            ),
        )
        .annotate(
            no_relationship=_bool(present & Q(relationship_count=0)),
            below_minimum=_bool(
                present & Q(relationship_count__gt=0) & (Q(best_level__isnull=True) | Q(best_level__lt=F("min_level")))
            ),
            high_blocker=_bool(present & Q(stance=Stance.BLOCKER, influence=Influence.HIGH)),
        )
        .annotate(
            flagged=_bool(Q(no_relationship=True) | Q(below_minimum=True) | Q(high_blocker=True)),
        )
    )


def flag_filter(flag: str) -> Q:
    if flag == "any":
        return Q(flagged=True)
    if flag in FLAGS:
        return Q(**{flag: True})
    raise ValueError(f"Unknown coverage flag {flag!r}.")


def single_role_accounts(*, account_ids=None, limit: int | None = None) -> list[dict]:
    """Rule 3, one query: accounts where the key players we reach all hold one buying role.
    [{"account_id", "account_name", "role", "role_label", "roles_on_team"}], by account name."""
    queryset = KeyPlayer.objects.filter(contact__is_active=True)
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=list(account_ids))
    if limit is None:  # the whole tenant: PostgreSQL hashes every relationship's contact once
        reached = Q(Exists(Relationship.objects.filter(contact_id=OuterRef("contact_id"))))
    else:
        # The first `limit` accounts by name: walked in name order with one index probe per key player,
        # stopping at `limit` (as an EXISTS, it would hash the whole tenant's relationships first).
        first = Relationship.objects.filter(contact_id=OuterRef("contact_id")).order_by().values("pk")[:1]
        queryset = queryset.alias(first_relationship=Subquery(first))
        reached = Q(first_relationship__isnull=False)
    rows = (
        queryset.values("account_id", "account__name")
        .annotate(
            reached_roles=Count("buying_role", distinct=True, filter=reached),
            role=Max("buying_role", filter=reached),
            roles_on_team=Count("buying_role", distinct=True),
        )
        .filter(reached_roles=1)
        .order_by("account__name", "account_id")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        {
            "account_id": r["account_id"],
            "account_name": r["account__name"],
            "role": r["role"],
            "role_label": BuyingRole(r["role"]).label,
            "roles_on_team": r["roles_on_team"],
        }
        for r in rows
    ]


def reach_per_account(*, accounts: dict | None = None) -> QuerySet:
    """Per account (a grouped queryset, for set-based statements such as ratings' inputs): key players
    whose contact is still there (`players`), how many of them at least one of our people has a
    relationship with (`reached`), the executive ones (`executives`) and the best effective level among
    relationships with those (`executive_best`). `accounts`: see accounts.selectors.on_accounts."""
    executive = Q(buying_role=BuyingRole.EXECUTIVE)
    return (
        on_accounts(KeyPlayer.objects.filter(contact__is_active=True), accounts)
        .values("account_id")
        .annotate(
            players=Count("contact_id", distinct=True),
            reached=Count("contact__relationships__contact_id", distinct=True),
            executives=Count("contact_id", distinct=True, filter=executive),
            executive_best=Max(effective_level("contact__relationships__"), filter=executive),
        )
        .order_by()
    )


# --- Level by buying role (account roll-up) -------------------------------------------------------


@dataclass
class RoleLevel:
    role: str
    label: str
    players: int = 0
    reached: int = 0
    relationships: int = 0
    best: int | None = None
    average: float | None = None
    minimum: int | None = None

    @property
    def below_minimum(self) -> bool:
        return self.players > 0 and self.minimum is not None and (self.best or 0) < self.minimum


def levels_by_buying_role(*, account_ids, thresholds: CoverageSettings | None = None) -> dict[int, list[RoleLevel]]:
    """Per account, per buying role: key players, how many we reach, and the best / average effective
    level of our relationships with that role's key players (contacts still there). One query
    (two when the thresholds are not passed in)."""
    thresholds = thresholds or coverage_settings()
    ids = list(account_ids)
    result = {
        pk: [RoleLevel(role, label, minimum=thresholds.min_level_for(role)) for role, label in BuyingRole.choices]
        for pk in ids
    }
    level = effective_level("contact__relationships__")
    rows = (
        KeyPlayer.objects.filter(account_id__in=ids, contact__is_active=True)
        .values("account_id", "buying_role")
        .annotate(
            players=Count("pk", distinct=True),
            reached=Count("pk", distinct=True, filter=Q(contact__relationships__isnull=False)),
            relationships=Count("contact__relationships"),
            best=Max(level),
            average=Avg(level),
        )
        .order_by()
    )
    index = {role: i for i, role in enumerate(BuyingRole.values)}
    for row in rows:
        item = result[row["account_id"]][index[row["buying_role"]]]
        item.players, item.reached, item.relationships = row["players"], row["reached"], row["relationships"]
        item.best = row["best"]
        item.average = None if row["average"] is None else round(float(row["average"]), 1)
    return result


# --- One account ----------------------------------------------------------------------------------


@dataclass
class AccountCoverage:
    account: Account
    players: list
    single_role: str | None = None  # label of the one role we reach, when rule 3 holds
    roles_on_team: int = 0

    @property
    def no_relationship(self):
        return [p for p in self.players if p.no_relationship]

    @property
    def below_minimum(self):
        return [p for p in self.players if p.below_minimum]

    @property
    def high_blockers(self):
        return [p for p in self.players if p.high_blocker]

    @property
    def flagged(self) -> bool:
        return bool(self.single_role) or any(p.flagged for p in self.players)


def _single_role(players) -> tuple[str | None, int]:
    """Rule 3 over already-annotated players (the same rule as single_role_accounts, in Python)."""
    present = [p for p in players if p.contact.is_active]
    reached = {p.buying_role for p in present if p.relationship_count > 0}
    roles = {p.buying_role for p in present}
    if len(reached) == 1:
        return BuyingRole(reached.pop()).label, len(roles)
    return None, len(roles)


def account_key_players(
    *, account: Account, thresholds: CoverageSettings | None = None, matrix=None
) -> list[KeyPlayer]:
    """The account's key players, annotated with coverage and their recommended message. Two queries
    (plus one each for the thresholds and the guidance when not passed in)."""
    from django.db.models import OuterRef, Prefetch, Subquery

    from keyplayers.models import BuyingStageChange, KeyPlayerConcern

    since = (
        BuyingStageChange.objects.filter(key_player_id=OuterRef("pk"), to_stage=OuterRef("buying_stage"))
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    players = list(
        key_players_annotated(KeyPlayer.objects.filter(account=account), thresholds=thresholds)
        .annotate(stage_since=Subquery(since))
        .prefetch_related(Prefetch("concern_log", queryset=KeyPlayerConcern.objects.order_by("-raised_on", "-pk")))
        .select_related("contact")
        .order_by("contact__full_name", "pk")
    )
    return attach_guidance(players, matrix)


def account_coverage(*, account: Account, players=None, thresholds=None) -> AccountCoverage:
    players = account_key_players(account=account, thresholds=thresholds) if players is None else players
    single, roles = _single_role(players)
    return AccountCoverage(account=account, players=players, single_role=single, roles_on_team=roles)


@dataclass
class Column:
    key: str
    label: str
    players: list = field(default_factory=list)


@dataclass
class Board:
    account: Account
    group: str  # "stage" or "role"
    columns: list
    coverage: AccountCoverage
    levels: list  # RoleLevel per buying role
    level_names: dict
    thresholds: CoverageSettings

    @property
    def players(self):
        return self.coverage.players


def key_player_board(*, account: Account, group: str = "stage") -> Board:
    """The board of one account, grouped by buying stage or by buying role. Five queries, whatever
    the number of key players: thresholds, guidance, key players (with coverage), level by role,
    level names."""
    thresholds = coverage_settings()
    players = account_key_players(account=account, thresholds=thresholds)
    if group == "role":
        columns = [Column(role, label) for role, label in BuyingRole.choices]
        key = "buying_role"
    else:
        group = "stage"
        columns = [Column(stage, label) for stage, label in BuyingStage.choices]
        key = "buying_stage"
    by_key = {column.key: column for column in columns}
    for player in players:
        by_key[getattr(player, key)].players.append(player)
    return Board(
        account=account,
        group=group,
        columns=columns,
        coverage=account_coverage(account=account, players=players),
        levels=levels_by_buying_role(account_ids=[account.pk], thresholds=thresholds)[account.pk],
        level_names=level_names(),
        thresholds=thresholds,
    )


def contacts_available(*, account: Account) -> list[Contact]:
    """Contacts of the account who are still there and not yet key players on it (one query)."""
    return list(
        Contact.objects.filter(account=account, is_active=True)
        .exclude(Exists(KeyPlayer.objects.filter(account=account, contact_id=OuterRef("pk"))))
        .order_by("full_name")
    )


def _key_player_count(**filters):
    players = KeyPlayer.objects.filter(account_id=OuterRef("pk"), **filters).order_by().values("account_id")
    return Coalesce(Subquery(players.annotate(n=Count("pk")).values("n")), 0)


def board_accounts(*, search: str = "") -> QuerySet:
    """Accounts to open a board from, by name, with their key players and blockers counted per row: a
    page of them costs a page of rows whatever the tenant's size (ordering by the number of key players
    counted them for every account first: 0.4 s at 100k)."""
    accounts = Account.objects.annotate(players=_key_player_count(), blockers=_key_player_count(stance=Stance.BLOCKER))
    if search:
        accounts = accounts.filter(name__icontains=search)
    return accounts.order_by("name", "pk")


# --- Tenant-wide ----------------------------------------------------------------------------------


def key_player_list(
    *,
    buying_role=None,
    buying_stage=None,
    stance=None,
    influence=None,
    account=None,
    flag=None,
    search=None,
    thresholds=None,
):
    """The tenant's key players, filtered, with coverage annotated (a queryset: paginate it, then
    attach_guidance() to the page)."""
    queryset = key_players_annotated(thresholds=thresholds).select_related("contact", "account")
    for name, value in (
        ("buying_role", buying_role),
        ("buying_stage", buying_stage),
        ("stance", stance),
        ("influence", influence),
        ("account", account),
    ):
        if value:
            queryset = queryset.filter(**{name: value})
    if flag == SINGLE_ROLE:
        queryset = queryset.filter(account_id__in=[row["account_id"] for row in single_role_accounts()])
    elif flag:
        queryset = queryset.filter(flag_filter(flag))
    if search:
        queryset = queryset.filter(Q(contact__full_name__icontains=search) | Q(contact__title__icontains=search))
    return queryset.order_by("account__name", "contact__full_name", "pk")


def _coverage_statement(thresholds: CoverageSettings) -> tuple[str, list]:
    """The tenant's coverage figures in ONE set-based statement (the same rules as key_players_annotated
    and single_role_accounts): relationships are grouped per contact once and joined to the key players
    (a hash join, not a correlated subquery per key player and per rule), then each account's key
    players are summed, then the accounts. Built from the scoped querysets, so the tenant filter is in
    it (and row-level security applies on PostgreSQL). Portable SQL: it also runs on SQLite."""
    relationships = (
        Relationship.objects.values("contact_id").annotate(n=Count("pk"), best=Max(effective_level())).order_by()
    )
    players = KeyPlayer.objects.values(
        "account_id", "contact_id", "buying_role", "stance", "influence", present=F("contact__is_active")
    ).order_by()
    rel_sql, rel_params = relationships.query.sql_with_params()
    kp_sql, kp_params = players.query.sql_with_params()
    minimum = " ".join("WHEN %s THEN %s" for _ in thresholds.by_role)
    minimum_params = [value for item in thresholds.by_role.items() for value in item]
    sql = f"""
        WITH rel AS ({rel_sql}), kp AS ({kp_sql}),
        flags AS (
            SELECT kp.account_id AS account_id, kp.buying_role AS buying_role,
                CASE WHEN kp.present AND rel.n IS NOT NULL THEN 1 ELSE 0 END AS reached,
                CASE WHEN kp.present AND rel.n IS NULL THEN 1 ELSE 0 END AS no_relationship,
                CASE WHEN kp.present AND rel.n IS NOT NULL
                          AND (rel.best IS NULL OR rel.best < (CASE kp.buying_role {minimum} END))
                     THEN 1 ELSE 0 END AS below_minimum,
                CASE WHEN kp.present AND kp.stance = %s AND kp.influence = %s THEN 1 ELSE 0 END AS high_blocker
            FROM kp LEFT JOIN rel ON rel.contact_id = kp.contact_id
        ),
        per_account AS (
            SELECT account_id, COUNT(*) AS total,
                SUM(CASE WHEN no_relationship + below_minimum + high_blocker > 0 THEN 1 ELSE 0 END) AS players,
                SUM(no_relationship) AS no_relationship, SUM(below_minimum) AS below_minimum,
                SUM(high_blocker) AS high_blocker,
                COUNT(DISTINCT CASE WHEN reached = 1 THEN buying_role END) AS reached_roles
            FROM flags GROUP BY account_id
        )
        SELECT COALESCE(SUM(players), 0), COALESCE(SUM(no_relationship), 0), COALESCE(SUM(below_minimum), 0),
            COALESCE(SUM(high_blocker), 0), COALESCE(SUM(CASE WHEN reached_roles = 1 THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN players > 0 OR reached_roles = 1 THEN 1 ELSE 0 END), 0), COALESCE(SUM(total), 0)
        FROM per_account"""
    return sql, [*rel_params, *kp_params, *minimum_params, Stance.BLOCKER.value, Influence.HIGH.value]


COUNT_KEYS = ("players", "no_relationship", "below_minimum", "high_blocker", "single_role", "accounts", "total")


def coverage_counts(*, thresholds: CoverageSettings | None = None) -> dict:
    """Flagged key players per rule, accounts where we reach one buying role, flagged accounts and every
    key player: {"players", "no_relationship", "below_minimum", "high_blocker", "single_role",
    "accounts", "total"}. One statement (two when the thresholds are not passed in)."""
    sql, params = _coverage_statement(thresholds or coverage_settings())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {key: int(value) for key, value in zip(COUNT_KEYS, row)}


@dataclass
class CoverageOverview:
    thresholds: CoverageSettings
    players: QuerySet  # flagged key players, by account name (the page pages them)
    single_role: list  # rule 3 rows, the first SINGLE_ROLE_ROWS by account name


SINGLE_ROLE_ROWS = 25


def coverage_overview(*, mine_of: int | None = None) -> CoverageOverview:
    """The coverage page's lists (its counts are the stored summary's): flagged key players, as a
    queryset in account-name order that the page reads a page of, and the first accounts where we reach
    one buying role. `mine_of`: only that user's accounts. A page costs the same whatever the tenant's
    size: both lists walk the accounts in name order and stop at the page."""
    thresholds = coverage_settings()
    account_ids = None
    players = key_players_annotated(thresholds=thresholds).filter(flagged=True)
    if mine_of is not None:
        account_ids = list(Account.objects.filter(mine_filter(mine_of)).values_list("pk", flat=True))
        players = players.filter(account_id__in=account_ids)
    single = single_role_accounts(account_ids=account_ids, limit=SINGLE_ROLE_ROWS)
    return CoverageOverview(
        thresholds=thresholds,
        single_role=single,
        players=players.select_related("contact", "account").order_by("account__name", "account_id", "pk"),
    )


def account_panel(*, account: Account) -> dict:
    """Context of keyplayers/_account_panel.html (the key-player panel of an account page): coverage
    flags and level by buying role. Five queries. Keys are prefixed kp_ so they never clash with the
    including page's context."""
    thresholds = coverage_settings()
    players = account_key_players(account=account, thresholds=thresholds)
    return {
        "kp_account": account,
        "kp_coverage": account_coverage(account=account, players=players),
        "kp_levels": levels_by_buying_role(account_ids=[account.pk], thresholds=thresholds)[account.pk],
        "kp_level_names": level_names(),
        "kp_thresholds": thresholds,
    }
