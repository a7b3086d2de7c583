"""The coverage figures at scale (issue 12): coverage_counts is one set-based statement that gives exactly
what the per-rule querysets give; the dashboard reads them from a stored summary that changes keep up
to date (debounced, after commit), so its cost does not depend on the tenant's size."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from keyplayers import selectors, services
from keyplayers.models import BuyingRole as R
from keyplayers.models import CoverageSummary, Influence, Stance
from tests.keyplayers.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _reference_counts():
    """The figures the way the panel counted them before (three whole-tenant queries, rule by rule)."""
    flagged = selectors.key_players_annotated().filter(flagged=True)
    counts = {name: flagged.filter(**{name: True}).count() for name in selectors.FLAGS}
    counts["players"] = flagged.count()
    single = selectors.single_role_accounts()
    counts["single_role"] = len(single)
    accounts = set(flagged.values_list("account_id", flat=True)) | {row["account_id"] for row in single}
    counts["accounts"] = len(accounts)
    counts["total"] = selectors.KeyPlayer.objects.count()
    return counts


@pytest.fixture
def mixed_tenant(manager_a, admin_a, tenant_a, make_player, relate):
    """Every rule, alone and together, over several accounts; thresholds changed from the defaults."""
    calm, single, gone, blocked = (
        AccountFactory(tenant=tenant_a, name=name) for name in ("Calm Ltd", "Single Ltd", "Gone Ltd", "Blocked Ltd")
    )
    relate(make_player(calm, buying_role=R.EXECUTIVE), manager_a.user, level=4)
    relate(make_player(calm, buying_role=R.OPERATIONAL), admin_a.user, level=3)
    # Single role reached, one key player never assessed (below), one with two relationships.
    relate(make_player(single, buying_role=R.PURCHASING), manager_a.user)
    player = make_player(single, buying_role=R.PURCHASING)
    relate(player, manager_a.user, level=1)
    relate(player, admin_a.user, level=3)
    make_player(single, buying_role=R.EXECUTIVE)  # no relationship
    # Contacts who left count for nothing, not even a reached role.
    left = make_player(gone, buying_role=R.EXECUTIVE, stance=Stance.BLOCKER, influence=Influence.HIGH)
    relate(left, manager_a.user, level=5)
    relate(make_player(gone, buying_role=R.OPERATIONAL), manager_a.user, level=2)
    relate(make_player(gone, buying_role=R.MIDDLE_MANAGEMENT), manager_a.user, customer_level=2, level=5)
    # A high blocker we reach well, next to a medium one.
    relate(
        make_player(blocked, buying_role=R.EXECUTIVE, stance=Stance.BLOCKER, influence=Influence.HIGH),
        admin_a.user,
        level=5,
    )
    relate(
        make_player(blocked, buying_role=R.MIDDLE_MANAGEMENT, stance=Stance.BLOCKER, influence=Influence.MEDIUM),
        admin_a.user,
        level=4,
    )
    with admin_a.scope():
        left.contact.is_active = False
        left.contact.save(update_fields=["is_active"])
        services.coverage_settings_update(
            min_level_executive=4, min_level_middle_management=3, min_level_operational=3, min_level_purchasing=2
        )
    return admin_a


def test_one_statement_gives_exactly_the_per_rule_figures(mixed_tenant, django_assert_num_queries):
    with mixed_tenant.scope():
        expected = _reference_counts()
        thresholds = selectors.coverage_settings()
        with django_assert_num_queries(1):
            counts = selectors.coverage_counts(thresholds=thresholds)
    assert counts == expected
    # The hand-checked figures, so the reference itself cannot drift unnoticed.
    assert counts == {
        "players": 5,
        "no_relationship": 1,
        "below_minimum": 3,
        "high_blocker": 1,
        "single_role": 1,
        "accounts": 3,
        "total": 10,
    }


def test_counts_of_an_empty_tenant_and_only_this_tenant(mixed_tenant, tenant_b, make_member):
    other = make_member(tenant_b)
    with other.scope():
        assert selectors.coverage_counts() == dict.fromkeys(selectors.COUNT_KEYS, 0)


def test_the_dashboard_reads_the_stored_summary_and_changes_refresh_it(
    manager_a, account_a, make_player, relate, django_capture_on_commit_callbacks
):
    make_player(buying_role=R.EXECUTIVE)
    first = manager_a.client.get(manager_a.url("")).content.decode()
    assert "1 with no relationship to any of our people" in first and "As of" in first
    with manager_a.scope():
        assert CoverageSummary.objects.get().counts["no_relationship"] == 1
    # A change queues a refresh after commit (Celery runs eagerly in the tests).
    with django_capture_on_commit_callbacks(execute=True):
        player = make_player(buying_role=R.OPERATIONAL)
    with django_capture_on_commit_callbacks(execute=True):
        relate(player, manager_a.user, level=1)
    html = manager_a.client.get(manager_a.url("")).content.decode()
    assert "1 with no relationship to any of our people" in html and "1 below the minimum level" in html
    with manager_a.scope():
        assert CoverageSummary.objects.get().counts == selectors.coverage_counts()


def test_a_contact_leaving_refreshes_the_summary(manager_a, make_player, django_capture_on_commit_callbacks):
    player = make_player(buying_role=R.EXECUTIVE)
    with manager_a.scope():
        services.coverage_summary_refresh()
        with django_capture_on_commit_callbacks(execute=True):
            player.contact.is_active = False
            player.contact.save(update_fields=["is_active"])
        assert CoverageSummary.objects.get().counts["no_relationship"] == 0


def test_an_old_summary_is_refreshed_in_the_background_and_shown_meanwhile(
    manager_a, make_player, django_capture_on_commit_callbacks
):
    make_player()
    with manager_a.scope():
        services.coverage_summary_refresh()
        make_player()  # not announced (no on-commit callbacks run here): the summary is behind
        CoverageSummary.objects.update(computed_at=timezone.now() - dt.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        html = manager_a.client.get(manager_a.url("")).content.decode()
    assert "1 with no relationship to any of our people" in html  # what was counted, as of then
    for callback in queued:
        callback()
    with manager_a.scope():
        assert CoverageSummary.objects.get().counts["no_relationship"] == 2


def test_the_dashboard_costs_the_same_queries_at_any_size(manager_a, tenant_a, make_player, relate):
    def dashboard_queries():
        from django.test.utils import CaptureQueriesContext

        manager_a.client.get(manager_a.url(""))  # the first view stores the summary
        with CaptureQueriesContext(connection) as ctx:
            assert manager_a.client.get(manager_a.url("")).status_code == 200
        return len(ctx.captured_queries)

    small = dashboard_queries()
    for _ in range(6):
        account = AccountFactory(tenant=tenant_a)
        relate(make_player(account, buying_role=R.EXECUTIVE), manager_a.user, level=2)
        make_player(account, buying_role=R.PURCHASING)
    assert dashboard_queries() == small


def test_refreshes_at_once_leave_one_row(manager_a, make_player):
    make_player()
    with manager_a.scope():
        services.coverage_summary_refresh()
        services.coverage_summary_refresh()
        assert CoverageSummary.objects.count() == 1
