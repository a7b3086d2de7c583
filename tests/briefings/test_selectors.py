"""The briefing's content: the right data, nothing from other accounts or tenants, money only for
who may see it, and a query count that does not grow with the account's history."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefings.selectors import briefing_build
from plans.selectors import visit_detail
from tenancy.models import Role
from tests.briefings.world import build_world

pytestmark = pytest.mark.django_db


def _build(member, visit):
    with member.scope():
        return briefing_build(visit=visit_detail(visit.pk), membership=member.membership)


@pytest.fixture
def world(tenant_a, executive_a, manager_a):
    return build_world(tenant=tenant_a, executive=executive_a, manager=manager_a)


def test_briefing_holds_the_meeting_people_levels_and_plans(world, executive_a, manager_a):
    b = _build(executive_a, world.visit)

    # Who sees us at which level: the attendees' relationships first, with both views and the gap.
    meeting = {(r.ours.pk, r.theirs.pk): r for r in b.meeting_relationships}
    manager_cfo = meeting[(manager_a.user.pk, world.cfo.pk)]
    assert (manager_cfo.self_level, manager_cfo.customer_level, manager_cfo.gap) == (3, 2, 1)
    assert manager_cfo.next_level == 3 and manager_cfo.next_steps  # the playbook from the customer's level 2
    assert meeting[(executive_a.user.pk, world.cfo.pk)].self_level == 4
    assert b.levels.highest == 4 and b.levels.potential_level == 5
    assert {role.role: role.players for role in b.roles}["purchasing"] == 1

    # Their people: key-player role, stage, stance and the message each needs now.
    people = {p.contact.full_name: p for p in b.their_attendees}
    assert people["Bruno Buyer"].key_player.stance == "blocker" and people["Bruno Buyer"].wary
    assert people["Carla Finance"].key_player.guidance.communication  # from the guidance matrix
    assert any("Bruno Buyer is a blocker: Price above the incumbent's" in item for item in b.must_not_say)
    assert any("Do not speak to Carla Finance as if we were at level 3" in item for item in b.must_not_say)
    assert any("Gina Gone" in item for item in b.must_not_say)  # left yesterday
    assert any("Send the revised offer" in item for item in b.must_not_say)  # overdue: we owe them

    # Opportunities, plan, operational issues, what changed.
    [opp] = b.opportunities
    assert opp.opportunity.name == "Fleet telematics" and opp.score == 40 and opp.value == 250000
    assert "Access to power" in opp.gaps and opp.strategy.startswith("Head-to-head")
    assert b.plan.title == "Contoso 2027" and [a.title for a in b.overdue_actions] == ["Send the revised offer"]
    assert [c.summary for c in b.recent_calls][0].startswith("Quarterly call")
    assert [c.full_name for c in b.departures] == ["Gina Gone"]
    assert any("Carla Finance" in change.text and "their view — → 2" in change.text for change in b.changes)
    assert any("Gina Gone" in change.text and "left" in change.text for change in b.changes)
    assert b.want[0] == "Purpose: Executive sponsor meeting."
    assert dict(b.pipeline) == {"EUR": 250000} and [c for c, _ in b.revenue["totals"]] == ["GBP"]


def test_nothing_from_another_account_or_tenant(world, executive_a, tenant_b, make_member):
    b = _build(executive_a, world.visit)
    assert [o.opportunity.name for o in b.opportunities] == ["Fleet telematics"]
    assert all("Other" not in c.summary for c in b.recent_calls)
    assert all(r.relationship.account_id == world.account.pk for r in b.meeting_relationships + b.other_relationships)
    # The same visit id in another tenant is simply not there.
    executive_b = make_member(tenant_b, Role.EXECUTIVE)
    with executive_b.scope():
        assert visit_detail(world.visit.pk) is None


@pytest.mark.parametrize(
    "role, on_team, sees",
    [
        (Role.ADMIN, False, True),
        (Role.EXECUTIVE, False, True),
        (Role.MANAGER, True, True),
        (Role.MANAGER, False, False),
        (Role.VIEWER, False, False),
    ],
)
def test_money_follows_the_financials_rule(world, tenant_a, make_member, role, on_team, sees):
    from tests.accounts.factories import TeamMemberFactory

    member = make_member(tenant_a, role)
    if on_team:
        TeamMemberFactory(account=world.account, user=member.user)
    b = _build(member, world.visit)
    assert b.financials_visible is sees
    if sees:
        assert b.opportunities[0].value == 250000 and b.pipeline == [("EUR", 250000)] and b.revenue["totals"][0][1] > 0
    else:
        # Hidden means hidden: no values, no pipeline, no revenue, no score from which they follow.
        assert b.opportunities[0].value is None and b.pipeline is None and b.revenue is None
        assert b.rating is None or b.rating.score is None
        assert not any("Revenue" in item for item in b.must_know)


def test_query_count_does_not_grow_with_years_of_history(tenant_a, executive_a, manager_a):
    one_year = build_world(tenant=tenant_a, executive=executive_a, manager=manager_a, history_years=1, name="One Year")
    three_years = build_world(
        tenant=tenant_a,
        executive=executive_a,
        manager=manager_a,
        history_years=3,
        name="Three Years",
        start=timezone.now() + dt.timedelta(hours=30),
    )
    _build(executive_a, one_year.visit)  # the first briefing of a tenant also writes its default rating policy
    counts = []
    for world in (one_year, three_years):
        with executive_a.scope():
            visit = visit_detail(world.visit.pk)
            with CaptureQueriesContext(connection) as queries:
                briefing_build(visit=visit, membership=executive_a.membership)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 45, counts
