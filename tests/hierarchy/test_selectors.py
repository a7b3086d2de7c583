"""Roll-ups on hand-computed cases (the expected numbers are worked out in the comments)."""

import datetime as dt

import pytest

from accounts.models import Account
from hierarchy import selectors
from hierarchy.models import Source
from tests.hierarchy.factories import AccountFactory, ContactFactory, assess, leave, make_relationship

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def case(manager_a, make_member):
    """One account, org chart and relationships (u1, u2 are ours):

    CEO (top, has reports: executive, weight 3)      u1: self 3, customer 2 → eff 2, gap +1
                                                     u2: self 3              → eff 3
    ├── CFO (title "CFO": executive, weight 3)       u1: self 2, customer 1 → eff 1, gap +1
    │   └── Buyer (weight 1)                          u1: customer 1 only    → eff 1
    └── Ops lead (has a report: weight 2)            u2: self 4              → eff 4
        └── IT (no relationship: uncovered)
    Left (gone; was level 5)                         u1: self 5 — does not count any more
    """
    u1, u2 = manager_a.user, make_member(manager_a.tenant).user
    account = AccountFactory(tenant=manager_a.tenant, potential_level=5)
    ceo = ContactFactory(account=account, full_name="Ceo", title="Managing partner")
    cfo = ContactFactory(account=account, full_name="Cfo", title="CFO", reports_to=ceo)
    buyer = ContactFactory(account=account, full_name="Buyer", title="Senior buyer", reports_to=cfo)
    ops = ContactFactory(account=account, full_name="Ops", title="Operations lead", reports_to=ceo)
    ContactFactory(account=account, full_name="It", title="IT", reports_to=ops)
    left = ContactFactory(account=account, full_name="Left", title="Director")
    r = {
        "u1_ceo": make_relationship(user=u1, contact=ceo),
        "u2_ceo": make_relationship(user=u2, contact=ceo),
        "u1_cfo": make_relationship(user=u1, contact=cfo),
        "u1_buyer": make_relationship(user=u1, contact=buyer),
        "u2_ops": make_relationship(user=u2, contact=ops),
        "u1_left": make_relationship(user=u1, contact=left),
    }
    assess(r["u1_ceo"], 3), assess(r["u1_ceo"], 2, source=Source.CUSTOMER_SURVEY)
    assess(r["u2_ceo"], 3)
    assess(r["u1_cfo"], 2), assess(r["u1_cfo"], 1, source=Source.CUSTOMER_SURVEY)
    assess(r["u1_buyer"], 1, source=Source.CUSTOMER_SURVEY)
    assess(r["u2_ops"], 4)
    assess(r["u1_left"], 5)
    with manager_a.scope():
        assert Account.objects.get(pk=account.pk).current_level == 5  # before Left leaves
        leave(left)
    return {"account": account, "rels": r, "contacts": {"ceo": ceo, "cfo": cfo, "buyer": buyer, "ops": ops}}


def test_account_roll_up_by_hand(case, manager_a):
    account = case["account"]
    with manager_a.scope():
        levels = selectors.account_levels_one(account)
        stored = Account.objects.get(pk=account.pk).current_level
    assert stored == 4  # highest effective among contacts still there (Ops lead)
    assert levels.highest == 4
    assert levels.executive_level == 3  # CEO (2 and 3), CFO (1) → 3
    # weighted: (2·3 + 3·3 + 1·3 + 1·1 + 4·2) / (3+3+3+1+2) = 27 / 12
    assert levels.weighted == 2.25
    assert (levels.self_highest, levels.self_average) == (4, 3.0)  # 3, 3, 2, 4
    assert (levels.customer_highest, levels.customer_average) == (2, 1.33)  # 2, 1, 1
    assert (levels.gap_average, levels.gap_count) == (1.0, 2)  # +1 (CEO/u1), +1 (CFO/u1)
    assert (levels.relationships, levels.contacts, levels.uncovered, levels.coverage_pct) == (5, 5, 1, 80)
    assert (levels.potential_level, levels.potential_gap) == (5, 1)


def test_roll_up_hook_for_executives(case, manager_a):
    c = case["contacts"]
    with manager_a.scope():
        levels = selectors.account_levels_one(case["account"], executive_contact_ids=[c["buyer"].pk])
    assert levels.executive_level == 1  # the caller said only the buyer is an executive
    # weighted with that definition: (2·2 + 3·2 + 1·2 + 1·3 + 4·2) / (2+2+2+3+2) — CEO, CFO have reports (2)
    assert levels.weighted == round(23 / 11, 2)


def test_account_levels_query_count_does_not_grow(manager_a, django_assert_num_queries):
    def add_account(n_contacts):
        account = AccountFactory(tenant=manager_a.tenant)
        for i in range(n_contacts):
            assess(make_relationship(user=manager_a.user, contact=ContactFactory(account=account)), 1 + i % 5)
        return account

    add_account(1)
    with manager_a.scope(), django_assert_num_queries(3):  # accounts, levels, coverage
        few = selectors.account_levels()
    for _ in range(4):
        add_account(3)
    with manager_a.scope(), django_assert_num_queries(3):
        many = selectors.account_levels()
    assert len(few) == 1 and len(many) == 5


def test_level_distribution(case, manager_a):
    with manager_a.scope():
        d = selectors.level_distribution()
    # effective (contacts still there): 2, 3, 1, 1, 4 → {1: 2, 2: 1, 3: 1, 4: 1}
    assert d["effective"] == {1: 2, 2: 1, 3: 1, 4: 1, 5: 0, 6: 0}
    assert d["self"] == {1: 0, 2: 1, 3: 2, 4: 1, 5: 0, 6: 0}
    assert d["customer"] == {1: 2, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0}
    assert d["accounts"][4] == 1 and d["unassessed"] == 0


def test_the_overview_keeps_the_distribution_until_the_levels_change(
    case, manager_a, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """It reads the whole tenant: counted once, then read from the cache until an assessment (or any
    other change of levels) commits."""
    with manager_a.scope():
        first = selectors.level_distribution_recent()
        with django_assert_num_queries(0):
            assert selectors.level_distribution_recent() == first
        with django_capture_on_commit_callbacks(execute=True):
            assess(case["rels"]["u2_ops"], 5)
        after = selectors.level_distribution_recent()
    assert first["self"][4] == 1 and first["self"][5] == 0
    assert after["self"][4] == 0 and after["self"][5] == 1 and after["as_of"] >= first["as_of"]


def test_account_history_month_by_month(manager_a):
    """Three month ends up to 15 Jun 2025:
    30 Apr: r1 self 2                        → highest 2, self 2, customer —
    31 May: r1 self 3, r1 customer 1         → r1 effective 1; highest 1, self 3, customer 1
            r2 self 4 on 1 Jun is later
    15 Jun: r2 self 4, but its contact left on 10 Jun → still highest 1, self 3, customer 1
    """
    account = AccountFactory(tenant=manager_a.tenant)
    stays, goes = ContactFactory(account=account), ContactFactory(account=account)
    r1 = make_relationship(user=manager_a.user, contact=stays)
    r2 = make_relationship(user=manager_a.user, contact=goes)
    assess(r1, 2, at=dt.datetime(2025, 4, 10, tzinfo=UTC))
    assess(r1, 3, at=dt.datetime(2025, 5, 5, tzinfo=UTC))
    assess(r1, 1, at=dt.datetime(2025, 5, 20, tzinfo=UTC), source=Source.CUSTOMER_SURVEY)
    assess(r2, 4, at=dt.datetime(2025, 6, 1, tzinfo=UTC))
    with manager_a.scope():
        goes.is_active, goes.left_on = False, dt.date(2025, 6, 10)
        goes.save()
        points = selectors.account_history(account=account, months=3, now=dt.datetime(2025, 6, 15, 12, tzinfo=UTC))
    assert [(p["at"].date(), p["highest"], p["self"], p["customer"]) for p in points] == [
        (dt.date(2025, 4, 30), 2, 2, None),
        (dt.date(2025, 5, 31), 1, 3, 1),
        (dt.date(2025, 6, 15), 1, 3, 1),
    ]
    with manager_a.scope():
        goes.left_on = dt.date(2025, 6, 30)  # had they still been there on the 15th, r2's 4 would count
        goes.save()
        points = selectors.account_history(account=account, months=1, now=dt.datetime(2025, 6, 15, 12, tzinfo=UTC))
    assert (points[0]["highest"], points[0]["self"]) == (4, 4)


def test_relationship_map_orders_by_org_chart(case, manager_a):
    with manager_a.scope():
        hmap = selectors.relationship_map(account=Account.objects.get(pk=case["account"].pk))
    assert [(row.contact.full_name, row.depth) for row in hmap.rows] == [
        ("Ceo", 0),
        ("Cfo", 1),
        ("Buyer", 2),
        ("Ops", 1),
        ("It", 2),
        ("Left", 0),
    ]
    assert len(hmap.columns) == 2
    ceo_row = hmap.rows[0]
    assert sorted((cell.self_level, cell.customer_level or 0) for _, cell in ceo_row.cells) == [(3, 0), (3, 2)]
    assert {r.pk for r in hmap.gaps} == {case["rels"]["u1_ceo"].pk, case["rels"]["u1_cfo"].pk}
    assert hmap.next_level.number == 5 and hmap.playbook_level.number == 4
