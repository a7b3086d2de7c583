"""Triggers and tasks: changes to an account's financials, call reports, opportunities, key players and
assessments queue one debounced recompute of that account after commit; nothing for a rolled-back
change; the task runs for real (eagerly here, and on a live worker over Redis)."""

import datetime as dt
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account
from hierarchy import services as hierarchy_services
from keyplayers import services as keyplayer_services
from plans import services as plan_services
from ratings import services
from ratings.models import AccountRating
from ratings.tasks import recompute_ratings_task
from tenancy.context import tenant_context
from tests.ratings.factories import AccountFactory, ContactFactory, OpportunityFactory, RelationshipFactory
from tests.ratings.helpers import activate_policy, pipeline_only, setup_ran


@pytest.fixture
def queued():
    with mock.patch.object(recompute_ratings_task, "apply_async") as apply_async:
        yield apply_async


def _calls(apply_async):
    return [call.kwargs["args"] for call in apply_async.call_args_list]


@pytest.mark.django_db
def test_changes_queue_one_debounced_recompute_of_the_account_after_commit(
    manager_a, queued, django_capture_on_commit_callbacks
):
    tenant = manager_a.tenant
    account = AccountFactory(tenant=tenant)
    contact = ContactFactory(account=account, tenant=tenant)
    setup_ran(tenant)
    with manager_a.scope():
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            account_services.financial_period_save(
                account=account,
                period_start=dt.date(2025, 1, 1),
                period_end=dt.date(2025, 12, 31),
                revenue=Decimal(1000),
            )
        assert queued.call_count == 0  # nothing before the commit
        for callback in callbacks:
            callback()
        assert _calls(queued) == [[tenant.pk, account.pk]]
        assert queued.call_args.kwargs["countdown"] == services.debounce_seconds()

        with django_capture_on_commit_callbacks(execute=True):  # within the debounce window: no second task
            plan_services.call_report_record(
                account=account, occurred_at=timezone.now(), summary="Met the CFO", author=manager_a.user
            )
            keyplayer_services.key_player_create(account=account, contact=contact, buying_role="executive")
            OpportunityFactory(account=account, value=Decimal(10))
        assert _calls(queued) == [[tenant.pk, account.pk]]


@pytest.mark.django_db
def test_each_watched_change_queues_a_recompute(manager_a, queued, django_capture_on_commit_callbacks):
    tenant = manager_a.tenant
    accounts = [AccountFactory(tenant=tenant) for _ in range(5)]
    contact = ContactFactory(account=accounts[3], tenant=tenant)
    relationship = RelationshipFactory(contact=ContactFactory(account=accounts[4], tenant=tenant), user=manager_a.user)
    setup_ran(tenant)
    with manager_a.scope(), django_capture_on_commit_callbacks(execute=True):
        account_services.financial_period_save(
            account=accounts[0], period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31), revenue=Decimal(1)
        )
        plan_services.call_report_record(
            account=accounts[1], occurred_at=timezone.now(), summary="Call", author=manager_a.user
        )
        plan_services.opportunity_create(
            account=accounts[2], name="Deal", value=Decimal(5), close_date=dt.date(2027, 1, 1)
        )
        keyplayer_services.key_player_create(account=accounts[3], contact=contact, buying_role="purchasing")
        hierarchy_services.assessment_record(
            relationship=relationship, level=3, evidence="Asked us to plan with them", assessed_by=manager_a.user
        )
    assert sorted(_calls(queued)) == sorted([[tenant.pk, a.pk] for a in accounts])


@pytest.mark.django_db
def test_a_rolled_back_change_queues_nothing(manager_a, queued, django_capture_on_commit_callbacks):
    account = AccountFactory(tenant=manager_a.tenant)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), tenant_context(manager_a.tenant.pk):
            OpportunityFactory(account=account, value=Decimal(10))
            raise RuntimeError("the request failed")
    assert callbacks == [] and queued.call_count == 0


@pytest.mark.django_db
def test_the_queued_recompute_updates_the_rating(manager_a, django_capture_on_commit_callbacks):
    account = AccountFactory(tenant=manager_a.tenant)
    setup_ran(manager_a.tenant)
    with manager_a.scope():
        activate_policy(manager_a, **pipeline_only())
        services.ratings_recompute()
        assert Account.objects.get(pk=account.pk).rating == "D"
        with django_capture_on_commit_callbacks(execute=True):  # eager task: runs at once, through Celery
            plan_services.opportunity_create(
                account=account, name="Big", value=Decimal(80), close_date=dt.date(2027, 1, 1)
            )
        assert Account.objects.get(pk=account.pk).rating == "A"
        assert AccountRating.objects.get(account=account).score == Decimal(80)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_policy_activation_and_a_change_recompute_on_a_real_worker(admin_a, settings, live_worker):
    settings.RATINGS_DEBOUNCE_SECONDS = 1
    account = AccountFactory(tenant=admin_a.tenant)
    OpportunityFactory(account=account, value=Decimal(55))

    def rating():
        with tenant_context(admin_a.tenant.pk):
            return Account.objects.get(pk=account.pk).rating

    def wait_for(expected, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if rating() == expected:
                return True
            time.sleep(0.2)
        return False

    with live_worker():
        with tenant_context(admin_a.tenant.pk):  # commit → the worker recomputes under the new version
            services.policy_defaults_ensure()
            draft = services.policy_draft_save(by=admin_a.user, **pipeline_only())
            services.policy_activate(policy=draft, by=admin_a.user)
        assert wait_for("B"), rating()
        with tenant_context(admin_a.tenant.pk):  # a change → debounced recompute of the account
            plan_services.opportunity_create(
                account=Account.objects.get(pk=account.pk),
                name="More",
                value=Decimal(20),
                close_date=dt.date(2027, 1, 1),
            )
        assert wait_for("A"), rating()
    with tenant_context(admin_a.tenant.pk):
        assert AccountRating.objects.get(account=account).score == Decimal(75)


def test_beat_runs_every_periodic_task_of_the_ratings_app():
    """Every ratings task that takes no argument is a platform run that fans out per tenant: beat must
    schedule it, or it never runs (the ended-overrides sweep was once defined but never scheduled)."""
    import inspect

    from celery import current_app
    from celery.schedules import crontab
    from django.conf import settings

    import ratings.tasks  # noqa: F401 — registers the tasks

    periodic = {
        name
        for name, task in current_app.tasks.items()
        if name.startswith("ratings.") and not inspect.signature(task.run).parameters
    }
    assert periodic == {"ratings.recompute_all_tenants", "ratings.expire_overrides_all_tenants"}
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert periodic <= set(scheduled), f"not scheduled: {sorted(periodic - set(scheduled))}"
    assert all(name in current_app.tasks for name in scheduled if name.startswith("ratings."))
    assert scheduled["ratings.expire_overrides_all_tenants"] == crontab(minute=5)  # hourly
