"""The recompute: a fixed number of queries whatever the number of accounts, one at a time per tenant,
never touching another tenant, and the nightly task that fans out per tenant."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Account
from ratings import services
from ratings.models import AccountRating, RatingOverride, RatingPolicy, RatingSnapshot
from ratings.tasks import recompute_all_tenants_task, recompute_ratings_task
from tenancy.context import tenant_context
from tests.ratings.bulk import bulk_accounts
from tests.ratings.factories import AccountFactory, OpportunityFactory
from tests.ratings.helpers import activate_policy, pipeline_only

RECOMPUTE_QUERIES = 12  # savepoint; lock; expired overrides; policy; model's top level; temp table; snapshots; upsert; accounts; count; drop; release


@pytest.mark.django_db
def test_query_count_is_the_same_at_10_and_1000_accounts(tenant_a, tenant_b, django_assert_num_queries):
    bulk_accounts(tenant_a, 10)
    bulk_accounts(tenant_b, 1000)
    for tenant, n in ((tenant_a, 10), (tenant_b, 1000)):
        with tenant_context(tenant.pk):
            services.policy_defaults_ensure()
            with django_assert_num_queries(RECOMPUTE_QUERIES):
                first = services.ratings_recompute()
            with django_assert_num_queries(RECOMPUTE_QUERIES):
                again = services.ratings_recompute()
            assert (first.accounts, first.snapshots, first.states_written) == (n, n, n)
            assert (again.snapshots, again.states_written, again.ratings_changed) == (0, 0, 0)
            assert AccountRating.objects.count() == n
            assert not Account.objects.filter(rating="").exists()


@pytest.mark.django_db
def test_one_account_recompute_touches_only_that_account(manager_a):
    ids = bulk_accounts(manager_a.tenant, 5)
    with manager_a.scope():
        result = services.ratings_recompute(account_id=ids[2])
        assert (result.accounts, result.snapshots) == (1, 1)
        assert list(AccountRating.objects.values_list("account_id", flat=True)) == [ids[2]]
        assert list(Account.objects.exclude(rating="").values_list("pk", flat=True)) == [ids[2]]


@pytest.mark.django_db
def test_a_recompute_never_touches_another_tenant(manager_a, manager_b):
    mine = AccountFactory(tenant=manager_a.tenant)
    theirs = AccountFactory(tenant=manager_b.tenant)
    OpportunityFactory(account=mine, value=80)
    OpportunityFactory(account=theirs, value=80)
    with manager_a.scope():
        activate_policy(manager_a, **pipeline_only())
        result = services.ratings_recompute()
    assert result.accounts == 1
    with manager_b.scope():
        assert not AccountRating.objects.exists()
        assert not RatingSnapshot.objects.exists()
        assert not RatingPolicy.objects.exists()
        assert Account.objects.get(pk=theirs.pk).rating == ""
    with manager_a.scope():
        assert Account.objects.get(pk=mine.pk).rating == "A"
        assert AccountRating.objects.get().account_id == mine.pk


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_recomputes_of_a_tenant_leave_consistent_data(tenant_a):
    """The first recompute holds the tenant's lock for a while; the second waits for it, then finds
    nothing changed. Without the lock both would write every snapshot (2 × n rows)."""
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serialises writers itself")
    n = 40
    bulk_accounts(tenant_a, n)
    with tenant_context(tenant_a.pk):
        services.policy_defaults_ensure()
    results, errors, order = {}, [], []
    first_has_lock = threading.Event()
    real_lock = services._lock_tenant

    def slow_lock(tenant_id):
        real_lock(tenant_id)
        if threading.current_thread().name == "first":
            first_has_lock.set()
            time.sleep(1.0)  # hold the lock while the second recompute tries to start

    def run(name):
        try:
            with tenant_context(tenant_a.pk):
                results[name] = services.ratings_recompute()
            order.append(name)
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    with mock.patch.object(services, "_lock_tenant", slow_lock):
        first = threading.Thread(target=run, args=("first",), name="first")
        second = threading.Thread(target=run, args=("second",), name="second")
        first.start()
        assert first_has_lock.wait(10)
        second.start()
        first.join(20)
        second.join(20)
    assert not errors
    assert order == ["first", "second"]
    assert results["first"].snapshots == n
    assert results["second"].snapshots == 0  # it saw the first one's committed ratings
    with tenant_context(tenant_a.pk):
        assert RatingSnapshot.objects.count() == n
        assert AccountRating.objects.count() == n
        states = dict(AccountRating.objects.values_list("account_id", "rating"))
        assert dict(Account.objects.values_list("pk", "rating")) == states


@pytest.mark.django_db(transaction=True)
def test_a_manual_rating_saved_during_a_recompute_is_not_overwritten(admin_a):
    """The recompute reads the overrides when it builds its scores and writes Account.rating at the end.
    A manual rating saved in between waits for the tenant's lock; without it the recompute's last UPDATE
    put the computed D back over the A just saved (an override in force, but the account showing D)."""
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serialises writers itself")
    account = AccountFactory(tenant=admin_a.tenant)
    with admin_a.scope():
        services.ratings_recompute()  # computed: D
    scores_built, errors, done = threading.Event(), [], []

    def slow_after_scoring(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("CREATE TEMPORARY TABLE"):
            scores_built.set()
            time.sleep(1.0)  # the recompute has read the overrides; the override is saved now
        return result

    def recompute():
        try:
            with connection.execute_wrapper(slow_after_scoring), admin_a.scope():
                services.ratings_recompute()
            done.append("recompute")
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    def override():
        try:
            with admin_a.scope():
                services.override_set(
                    account=Account.objects.get(pk=account.pk),
                    rating="A",
                    reason="Key renewal",
                    expires_at=timezone.now() + dt.timedelta(days=5),
                    by=admin_a.user,
                )
            done.append("override")
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=recompute)
    second = threading.Thread(target=override)
    first.start()
    assert scores_built.wait(10)
    second.start()
    first.join(20)
    second.join(20)
    assert not errors
    assert done == ["recompute", "override"]  # the override waited for the recompute's commit
    with admin_a.scope():
        assert Account.objects.get(pk=account.pk).rating == "A"
        assert RatingOverride.objects.get(cleared_at__isnull=True).rating == "A"


@pytest.mark.django_db
@pytest.mark.parametrize("write", ["override_set", "override_clear", "overrides_expire"])
def test_override_writes_take_the_tenant_lock(admin_a, write):
    account = AccountFactory(tenant=admin_a.tenant)
    with admin_a.scope():
        services.override_set(
            account=account, rating="B", reason="x", by=admin_a.user, expires_at=timezone.now() + dt.timedelta(days=1)
        )
        calls = {
            "override_set": lambda: services.override_set(
                account=account,
                rating="A",
                reason="y",
                by=admin_a.user,
                expires_at=timezone.now() + dt.timedelta(days=2),
            ),
            "override_clear": lambda: services.override_clear(account=account, by=admin_a.user),
            "overrides_expire": lambda: services.overrides_expire(now=timezone.now() + dt.timedelta(days=3)),
        }
        with mock.patch.object(services, "_lock_tenant", wraps=services._lock_tenant) as lock:
            calls[write]()
    lock.assert_called_once_with(admin_a.tenant.pk)


@pytest.mark.django_db
def test_recompute_task_runs_in_its_tenant(manager_a, manager_b):
    account = AccountFactory(tenant=manager_a.tenant)
    other = AccountFactory(tenant=manager_b.tenant)
    result = recompute_ratings_task.delay(manager_a.tenant.pk).get()
    assert result["accounts"] == 1
    with manager_a.scope():
        assert AccountRating.objects.filter(account=account).exists()
    with manager_b.scope():
        assert not AccountRating.objects.filter(account=other).exists()


@pytest.mark.django_db
def test_nightly_task_queues_one_recompute_per_tenant(tenant_a, tenant_b):
    with mock.patch.object(recompute_ratings_task, "delay") as delay:
        assert recompute_all_tenants_task.delay().get() == 2
    assert sorted(call.args for call in delay.call_args_list) == sorted([(tenant_a.pk,), (tenant_b.pk,)])


@pytest.mark.django_db
def test_nightly_run_rates_every_tenant_for_real(tenant_a, tenant_b):
    a = AccountFactory(tenant=tenant_a)
    b = AccountFactory(tenant=tenant_b)
    recompute_all_tenants_task.delay()
    for tenant, account in ((tenant_a, a), (tenant_b, b)):
        with tenant_context(tenant.pk):
            assert Account.objects.get(pk=account.pk).rating == "D"
