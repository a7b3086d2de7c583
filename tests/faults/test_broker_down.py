"""Fault: Redis (cache and broker, as in production) stops mid-test. A manager still logs in and records
an assessment; the recompute it starts is kept in the outbox (same transaction); /healthz stays live
while /healthz/ready says degraded; when Redis is back the sweep sends it, a real worker runs it, the
rating changes, and sweeping again sends nothing twice."""

import time

import pytest
from django.test import Client

from accounts.models import Account
from ratings.models import RatingSnapshot
from ratings.services import ratings_recompute
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import OutboxMessage
from tests.faults.conftest import wait_for, warnings_of
from tests.ratings.factories import AccountFactory, ContactFactory, RelationshipFactory
from tests.ratings.helpers import SIMPLE_THRESHOLDS, activate_policy

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

HIGHEST_LEVEL_ONLY = {
    "criteria": [
        {"signal": "highest_level", "weight": 1, "scoring": "linear", "zero_at": 1, "full_at": 5, "missing": 0}
    ],
    **SIMPLE_THRESHOLDS,
}


def _rating(tenant, account):
    with tenant_context(tenant.pk):
        return Account.objects.get(pk=account.pk).rating


def test_an_assessment_recorded_while_the_broker_is_down_reaches_the_rating_when_it_is_back(
    redis_broker, redis_cache, live_worker, manager_a, settings
):
    settings.RATINGS_DEBOUNCE_SECONDS = 0
    tenant = manager_a.tenant
    account = AccountFactory(tenant=tenant)
    relationship = RelationshipFactory(contact=ContactFactory(account=account, tenant=tenant), user=manager_a.user)
    with tenant_context(tenant.pk):
        activate_policy(manager_a, **HIGHEST_LEVEL_ONLY)
        ratings_recompute()
        OutboxMessage.objects.update(started_at=time_now(), done_at=time_now())  # the setup's own
    assert _rating(tenant, account) == "D"

    redis_broker.stop()
    browser = Client()
    login = browser.post("/login/", {"username": manager_a.user.email, "password": "pass-word-123"})
    assert login.status_code == 302  # the login throttle fails open
    with warnings_of("tenancy.outbox") as logged:
        started = time.monotonic()
        response = browser.post(
            manager_a.url(f"hierarchy/relationships/{relationship.pk}/assess/"),
            {"level": 5, "evidence": "Plans the roadmap with us"},
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 302, response.content[:300]
    assert elapsed < 5  # the request does not wait for the broker
    assert any("Broker unreachable" in message for message in logged)
    with tenant_context(tenant.pk):
        waiting = OutboxMessage.objects.get(done_at__isnull=True)
        assert (waiting.task_name, waiting.args, waiting.sent_at) == ("ratings.recompute_ratings", [account.pk], None)
    assert outbox.outbox_sweep() == 0  # broker still down: nothing sent, nothing lost
    assert outbox.oldest_waiting() is not None
    live, ready = Client().get("/healthz"), Client().get("/healthz/ready")
    assert (live.status_code, live.json()["status"]) == (200, "ok")  # live: keep serving
    assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
    assert ready.json()["checks"]["broker"].startswith("error")
    assert ready.json()["checks"]["cache"].startswith("error")
    assert ready.json()["details"]["outbox"]["oldest_waiting"] is not None

    redis_broker.start()
    outbox.broker_retry_now()
    with live_worker():
        assert outbox.outbox_sweep() == 1  # what beat runs every minute
        assert wait_for(lambda: _rating(tenant, account) == "A", 30), _rating(tenant, account)
        assert wait_for(lambda: outbox.oldest_waiting() is None, 10)
        assert outbox.outbox_sweep() == 0  # idempotent: a done message is never sent again
    with tenant_context(tenant.pk):
        assert RatingSnapshot.objects.filter(account=account).count() == 2  # the setup's run and this one


def time_now():
    from django.utils import timezone

    return timezone.now()
