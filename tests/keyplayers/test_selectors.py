"""Guidance lookup, every coverage rule on hand-built cases, level by buying role."""

import pytest

from keyplayers import selectors, services
from keyplayers.defaults import DEFAULT_GUIDANCE
from keyplayers.models import BuyingRole, BuyingStage, Influence, KeyPlayer, Stance
from tests.keyplayers.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

R, S = BuyingRole, BuyingStage


# --- Guidance -------------------------------------------------------------------------------------


def test_defaults_cover_every_role_and_stage_and_follow_the_seed_material():
    assert set(DEFAULT_GUIDANCE) == {(r, s) for r in R.values for s in S.values}
    executive = {stage: DEFAULT_GUIDANCE[(R.EXECUTIVE, stage)][0] for stage in S.values}
    assert executive[S.PLANNING] == "Strategic dialogue"
    assert executive[S.DETERMINE_NEEDS] == executive[S.EVALUATE_ALTERNATIVES] == "Relationship maintenance"
    assert executive[S.EVALUATE_RISK] == "Value communication"
    assert all(communication and concern for communication, _, concern in DEFAULT_GUIDANCE.values())


def test_guidance_lookup_uses_the_tenants_row_over_the_default(manager_a, tenant_b, make_member):
    with manager_a.scope():
        assert (
            selectors.guidance_for(buying_role=R.EXECUTIVE, buying_stage=S.EVALUATE_RISK).communication
            == "Value communication"
        )
        services.guidance_set(
            buying_role=R.EXECUTIVE,
            buying_stage=S.EVALUATE_RISK,
            communication="Business case review",
            message="Walk through the numbers.",
            typical_concern="Payback",
        )
        matrix = selectors.guidance_matrix()
        cell = matrix[(R.EXECUTIVE, S.EVALUATE_RISK)]
        assert (cell.communication, cell.message, cell.typical_concern, cell.is_default) == (
            "Business case review",
            "Walk through the numbers.",
            "Payback",
            False,
        )
        assert matrix[(R.EXECUTIVE, S.PLANNING)].communication == "Strategic dialogue"
        assert matrix[(R.EXECUTIVE, S.PLANNING)].is_default
        assert len(matrix) == 20
    # Another tenant still has the default.
    other = make_member(tenant_b)
    with other.scope():
        assert selectors.guidance_matrix()[(R.EXECUTIVE, S.EVALUATE_RISK)].communication == "Value communication"


def test_reset_goes_back_to_the_default(manager_a):
    with manager_a.scope():
        services.guidance_set(buying_role=R.PURCHASING, buying_stage=S.DECISION, communication="Haggle")
        services.guidance_reset(buying_role=R.PURCHASING, buying_stage=S.DECISION)
        assert selectors.guidance_matrix()[(R.PURCHASING, S.DECISION)].communication == "Negotiation"


def test_each_key_player_gets_the_message_of_its_role_and_stage_in_one_query(
    manager_a, make_player, django_assert_num_queries
):
    make_player(buying_role=R.EXECUTIVE, buying_stage=S.EVALUATE_RISK)
    make_player(buying_role=R.PURCHASING, buying_stage=S.DECISION)
    make_player(buying_role=R.OPERATIONAL, buying_stage=S.PLANNING)
    with manager_a.scope():
        players = list(KeyPlayer.objects.order_by("pk"))
        with django_assert_num_queries(1):
            selectors.attach_guidance(players)
        assert [p.guidance.communication for p in players] == [
            "Value communication",
            "Negotiation",
            "Rapport and discovery",
        ]


# --- Coverage rules -------------------------------------------------------------------------------


def _flags(member, player):
    with member.scope():
        row = selectors.key_players_annotated().get(pk=player.pk)
    return {name for name in ("no_relationship", "below_minimum", "high_blocker") if getattr(row, name)}, row


def test_rule_no_relationship(manager_a, make_player, relate):
    lonely = make_player()
    covered = make_player(buying_role=R.OPERATIONAL)
    relate(covered, manager_a.user, level=3)
    assert _flags(manager_a, lonely)[0] == {"no_relationship"}
    assert _flags(manager_a, covered)[0] == set()


def test_rule_below_minimum_per_role(manager_a, admin_a, make_player, relate):
    executive_at_2 = make_player(buying_role=R.EXECUTIVE)
    relate(executive_at_2, manager_a.user, level=2)
    executive_at_3 = make_player(buying_role=R.EXECUTIVE)
    relate(executive_at_3, manager_a.user, level=3)
    operational_at_2 = make_player(buying_role=R.OPERATIONAL)
    relate(operational_at_2, manager_a.user, level=2)
    purchasing_at_1 = make_player(buying_role=R.PURCHASING)
    relate(purchasing_at_1, manager_a.user, level=1)
    flags, row = _flags(manager_a, executive_at_2)
    assert flags == {"below_minimum"} and (row.best_level, row.min_level) == (2, 3)
    assert _flags(manager_a, executive_at_3)[0] == set()
    assert _flags(manager_a, operational_at_2)[0] == set()
    assert _flags(manager_a, purchasing_at_1)[0] == {"below_minimum"}
    # The minimum is configurable per tenant.
    with admin_a.scope():
        services.coverage_settings_update(
            min_level_executive=2, min_level_middle_management=3, min_level_operational=3, min_level_purchasing=1
        )
    assert _flags(manager_a, executive_at_2)[0] == set()
    assert _flags(manager_a, operational_at_2)[0] == {"below_minimum"}
    assert _flags(manager_a, purchasing_at_1)[0] == set()


def test_best_level_is_the_highest_effective_level_over_all_relationships(manager_a, admin_a, make_player, relate):
    player = make_player(buying_role=R.EXECUTIVE)
    relate(player, manager_a.user, level=2)
    relate(player, admin_a.user, level=4)
    assert _flags(manager_a, player)[1].best_level == 4
    # The customer's own view replaces ours on that relationship: we said 4, they say 2.
    survey_only = make_player(buying_role=R.EXECUTIVE)
    relate(survey_only, manager_a.user, level=4, customer_level=2)
    flags, row = _flags(manager_a, survey_only)
    assert row.best_level == 2 and flags == {"below_minimum"}


def test_a_relationship_never_assessed_counts_as_below_the_minimum(manager_a, make_player, relate):
    player = make_player(buying_role=R.OPERATIONAL)
    relate(player, manager_a.user)
    flags, row = _flags(manager_a, player)
    assert flags == {"below_minimum"} and row.best_level is None and row.relationship_count == 1


def test_rule_high_influence_blocker(manager_a, make_player, relate):
    blocker = make_player(buying_role=R.PURCHASING, stance=Stance.BLOCKER, influence=Influence.HIGH)
    relate(blocker, manager_a.user, level=3)
    medium_blocker = make_player(buying_role=R.PURCHASING, stance=Stance.BLOCKER, influence=Influence.MEDIUM)
    relate(medium_blocker, manager_a.user, level=3)
    high_skeptic = make_player(buying_role=R.PURCHASING, stance=Stance.SKEPTIC, influence=Influence.HIGH)
    relate(high_skeptic, manager_a.user, level=3)
    assert _flags(manager_a, blocker)[0] == {"high_blocker"}
    assert _flags(manager_a, medium_blocker)[0] == set()
    assert _flags(manager_a, high_skeptic)[0] == set()


def test_rule_single_buying_role_reached(manager_a, tenant_a, make_player, relate):
    single = AccountFactory(tenant=tenant_a, name="Single Ltd")
    two = AccountFactory(tenant=tenant_a, name="Two Ltd")
    none = AccountFactory(tenant=tenant_a, name="None Ltd")
    # Single: we reach two executives, not the purchasing key player.
    relate(make_player(single, buying_role=R.EXECUTIVE), manager_a.user, level=3)
    relate(make_player(single, buying_role=R.EXECUTIVE), manager_a.user, level=3)
    make_player(single, buying_role=R.PURCHASING)
    # Two: we reach two roles.
    relate(make_player(two, buying_role=R.EXECUTIVE), manager_a.user, level=3)
    relate(make_player(two, buying_role=R.OPERATIONAL), manager_a.user, level=3)
    # None: we reach nobody (that is rule 1 for each key player, not "one role").
    make_player(none, buying_role=R.EXECUTIVE)
    with manager_a.scope():
        rows = selectors.single_role_accounts()
        assert [(r["account_name"], r["role"], r["roles_on_team"]) for r in rows] == [("Single Ltd", "executive", 2)]
        # The account view applies the same rule to its own key players.
        coverage = {a.name: selectors.account_coverage(account=a) for a in (single, two, none)}
    assert coverage["Single Ltd"].single_role == "Executive" and coverage["Single Ltd"].flagged
    assert coverage["Two Ltd"].single_role is None and not coverage["Two Ltd"].flagged
    assert coverage["None Ltd"].single_role is None and coverage["None Ltd"].flagged  # rule 1


def test_contacts_who_left_raise_no_coverage_gap(manager_a, make_player):
    player = make_player(stance=Stance.BLOCKER, influence=Influence.HIGH)
    with manager_a.scope():
        player.contact.is_active = False
        player.contact.save(update_fields=["is_active"])
    assert _flags(manager_a, player)[0] == set()


def test_flag_filter_and_overview_counts(manager_a, tenant_a, make_player, relate):
    other = AccountFactory(tenant=tenant_a, name="Calm Ltd")
    make_player(buying_role=R.EXECUTIVE)  # no relationship
    relate(make_player(buying_role=R.EXECUTIVE), manager_a.user, level=2)  # below
    relate(make_player(other, buying_role=R.OPERATIONAL), manager_a.user, level=2)  # fine, but single role
    relate(
        make_player(other, buying_role=R.OPERATIONAL, stance=Stance.BLOCKER, influence=Influence.HIGH),
        manager_a.user,
        level=2,
    )
    with manager_a.scope():
        annotated = selectors.key_players_annotated()
        assert annotated.filter(selectors.flag_filter("no_relationship")).count() == 1
        assert annotated.filter(selectors.flag_filter("below_minimum")).count() == 1
        assert annotated.filter(selectors.flag_filter("high_blocker")).count() == 1
        assert annotated.filter(selectors.flag_filter("any")).count() == 3
        overview = selectors.coverage_overview()
        counts = selectors.coverage_counts()
        players = list(overview.players)
        assert [r["account_name"] for r in selectors.single_role_accounts()] == ["Calm Ltd", "Globex Corporation"]
    assert counts == {
        "players": 3,
        "no_relationship": 1,
        "below_minimum": 1,
        "high_blocker": 1,
        "single_role": 2,
        "accounts": 2,
        "total": 4,
    }
    assert len(players) == 3 and [p.account.name for p in players] == sorted(p.account.name for p in players)
    # Globex: we reach only the executive (below the minimum); Calm: only operational. The page's first
    # rows (a limit: walked in name order) are the same as the whole tenant's.
    assert [r["account_name"] for r in overview.single_role] == ["Calm Ltd", "Globex Corporation"]


def test_coverage_overview_queries_do_not_grow_with_rows(manager_a, make_player, relate, django_assert_num_queries):
    for _ in range(3):
        make_player()
    with manager_a.scope(), django_assert_num_queries(3):  # thresholds, single-role rows, a page of players
        list(selectors.coverage_overview().players[:25])
    for _ in range(12):
        relate(make_player(buying_role=R.OPERATIONAL), manager_a.user, level=1)
    with manager_a.scope(), django_assert_num_queries(3):
        players = list(selectors.coverage_overview().players[:25])
    assert len(players) == 15


# --- Level by buying role -------------------------------------------------------------------------


def test_level_by_buying_role(manager_a, admin_a, account_a, make_player, relate, django_assert_num_queries):
    ceo = make_player(buying_role=R.EXECUTIVE)
    relate(ceo, manager_a.user, level=2)
    relate(ceo, admin_a.user, level=4)
    cfo = make_player(buying_role=R.EXECUTIVE)
    relate(cfo, manager_a.user, level=3)
    make_player(buying_role=R.PURCHASING)  # not reached
    gone = make_player(buying_role=R.OPERATIONAL)
    relate(gone, manager_a.user, level=5)
    with manager_a.scope():
        gone.contact.is_active = False
        gone.contact.save(update_fields=["is_active"])
        # A relationship with a contact who is not a key player does not count.
        relate(ContactFactory(account=account_a, tenant=account_a.tenant), manager_a.user, level=5)
        with django_assert_num_queries(2):
            levels = selectors.levels_by_buying_role(account_ids=[account_a.pk])[account_a.pk]
    by_role = {row.role: row for row in levels}
    assert [row.role for row in levels] == R.values
    executive = by_role[R.EXECUTIVE]
    assert (executive.players, executive.reached, executive.relationships, executive.best, executive.average) == (
        2,
        2,
        3,
        4,
        3.0,
    )
    assert (by_role[R.PURCHASING].players, by_role[R.PURCHASING].reached, by_role[R.PURCHASING].best) == (1, 0, None)
    assert by_role[R.PURCHASING].below_minimum and not executive.below_minimum
    assert by_role[R.OPERATIONAL].players == 0  # the contact left


def test_board_groups_by_stage_or_role(manager_a, account_a, make_player):
    make_player(name="Ada", buying_role=R.EXECUTIVE, buying_stage=S.EVALUATE_RISK)
    make_player(name="Bob", buying_role=R.PURCHASING, buying_stage=S.EVALUATE_RISK)
    make_player(name="Cy", buying_role=R.PURCHASING, buying_stage=S.PLANNING)
    with manager_a.scope():
        by_stage = selectors.key_player_board(account=account_a)
        by_role = selectors.key_player_board(account=account_a, group="role")
    stage_columns = {c.key: [p.contact.full_name for p in c.players] for c in by_stage.columns}
    assert list(stage_columns) == S.values
    assert stage_columns[S.EVALUATE_RISK] == ["Ada", "Bob"] and stage_columns[S.PLANNING] == ["Cy"]
    role_columns = {c.key: [p.contact.full_name for p in c.players] for c in by_role.columns}
    assert role_columns[R.PURCHASING] == ["Bob", "Cy"] and role_columns[R.EXECUTIVE] == ["Ada"]
    assert [p.guidance.communication for p in by_stage.players] == [
        "Value communication",
        "Contract assurance",
        "Supplier qualification",
    ]
