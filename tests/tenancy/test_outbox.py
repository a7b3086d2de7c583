"""The outbox (tenancy.outbox): recorded in the write's transaction, sent after commit, run once, swept."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tenancy import outbox
from tenancy.context import platform_read, tenant_context
from tenancy.models import OutboxMessage
from tenancy.tasks import tenant_task

pytestmark = pytest.mark.django_db

RUNS = []


@tenant_task(name="tests.outbox_probe")
def probe_task(tenant_id, label, fail=False):
    RUNS.append((tenant_id, label))
    if fail:
        raise RuntimeError(f"probe {label} failed")
    return label


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield


def _messages(tenant):
    with tenant_context(tenant.pk):
        return list(OutboxMessage.objects.order_by("pk").values("args", "sent_at", "started_at", "done_at", "attempts"))


def test_sent_after_commit_and_run_once(tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), tenant_context(tenant_a.pk):
        message_id = outbox.enqueue_on_commit("tests.outbox_probe", tenant_a.pk, "one")
        assert RUNS == []  # nothing before the commit
    assert RUNS == [(tenant_a.pk, "one")]
    [message] = _messages(tenant_a)
    assert message["done_at"] and message["sent_at"] and message["attempts"] == 1
    # The same message delivered again (a retry, the sweep, the broker redelivering): not run twice.
    probe_task.apply(args=[tenant_a.pk, "one"], kwargs={outbox.OUTBOX_KWARG: message_id})
    assert RUNS == [(tenant_a.pk, "one")]


def test_a_rolled_back_write_records_and_sends_nothing(tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), tenant_context(tenant_a.pk):
            outbox.enqueue_on_commit("tests.outbox_probe", tenant_a.pk, "lost")
            raise RuntimeError("the request failed")
    assert callbacks == [] and RUNS == [] and _messages(tenant_a) == []


def test_a_waiting_key_is_joined_until_its_run_starts(tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False), tenant_context(tenant_a.pk):
        first = outbox.enqueue_on_commit("tests.outbox_probe", tenant_a.pk, "a", dedupe_key="k", countdown=30)
        assert outbox.enqueue_on_commit("tests.outbox_probe", tenant_a.pk, "a", dedupe_key="k") == first
        assert outbox.enqueue_on_commit("tests.outbox_probe", tenant_a.pk, "b", dedupe_key="other") != first
        OutboxMessage.objects.filter(pk=first).update(started_at=timezone.now())  # its run has begun
        assert outbox.enqueue_on_commit("tests.outbox_probe", tenant_a.pk, "a", dedupe_key="k") != first
    assert len(_messages(tenant_a)) == 3


def test_a_failing_run_stays_due_and_is_given_up_after_max_attempts(tenant_a, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    with tenant_context(tenant_a.pk):
        message_id = outbox.enqueue_on_commit("tests.outbox_probe", tenant_a.pk, "x", fail=True)
    for attempt in (1, 2):
        with pytest.raises(RuntimeError):
            probe_task.apply(args=[tenant_a.pk, "x"], kwargs={"fail": True, outbox.OUTBOX_KWARG: message_id}).get()
        with tenant_context(tenant_a.pk):
            message = OutboxMessage.objects.get(pk=message_id)
        assert message.done_at is None and message.attempts == attempt
        assert message.last_error == "RuntimeError: probe x failed"
    assert message.failed_at is not None  # given up: the sweep leaves it, the readiness check counts it
    assert outbox.failed_count() == 1 and outbox.oldest_waiting() is None


def test_the_sweep_sends_what_was_never_sent_or_was_lost_and_nothing_else(tenant_a, tenant_b, settings):
    settings.OUTBOX_REDELIVER_AFTER_SECONDS = 600
    now = timezone.now()
    rows = {}
    for tenant, label, sent_at, not_before in [
        (tenant_a, "never-sent", None, now),
        (tenant_b, "never-sent-b", None, now),
        (tenant_a, "not-due-yet", None, now + dt.timedelta(seconds=30)),
        (tenant_a, "sent-just-now", now, now),
        (tenant_b, "lost", now - dt.timedelta(seconds=900), now),
    ]:
        with tenant_context(tenant.pk):  # recorded without the after-commit send (as if the broker was down)
            rows[label] = OutboxMessage.objects.create(
                tenant_id=tenant.pk,
                task_name="tests.outbox_probe",
                args=[label],
                not_before=not_before,
                sent_at=sent_at,
            ).pk
    assert outbox.outbox_sweep(now=now) == 3
    assert sorted(label for _, label in RUNS) == ["lost", "never-sent", "never-sent-b"]
    assert outbox.outbox_sweep(now=now) == 0  # run and done: never sent again
    assert outbox.outbox_sweep(now=now + dt.timedelta(seconds=31)) == 1  # now due
    assert sorted(label for _, label in RUNS) == ["lost", "never-sent", "never-sent-b", "not-due-yet"]


postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level security is PostgreSQL's")


@postgres_only
def test_outbox_rows_are_under_row_level_security(tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant.pk):
            OutboxMessage.objects.create(
                tenant_id=tenant.pk, task_name="tests.outbox_probe", args=["x"], not_before=timezone.now()
            )

    def raw_count():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tenancy_outboxmessage")
            return cursor.fetchone()[0]

    with tenant_context(tenant_a.pk):
        assert raw_count() == 1
    with transaction.atomic():
        assert raw_count() == 0  # no tenant, no platform reader: nothing
    with platform_read("outbox"):
        assert raw_count() == 2
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            with connection.cursor() as cursor:  # reading across tenants never allows writing a row
                cursor.execute(
                    "INSERT INTO tenancy_outboxmessage (tenant_id, task_name, args, kwargs, dedupe_key, "
                    "not_before, attempts, last_error, created_at, updated_at) VALUES "
                    "(%s, 't', '[]', '{}', '', now(), 0, '', now(), now())",
                    [tenant_a.pk],
                )
    with platform_read("other"):
        assert raw_count() == 0
