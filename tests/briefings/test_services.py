"""Briefing e-mails through a real SMTP server on loopback: due when the window opens, exactly once,
updates and cancellations, the morning digest, failures that retry, and a crash between claim and send."""

import datetime as dt

import pytest
from django.utils import timezone

from briefings.models import BriefingDelivery
from briefings.schedule import MAX_ATTEMPTS, STALE_CLAIM, window_cutoff
from briefings.services import deliveries_claim, deliveries_run
from plans import services as plans_services
from plans.selectors import visit_detail
from tenancy.models import BriefingDelivery as DeliveryMode
from tenancy.models import Role
from tests.briefings.world import build_world
from tests.plans.factories import AccountFactory, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant_a, executive_a, manager_a):
    return build_world(tenant=tenant_a, executive=executive_a, manager=manager_a)


def _rows(tenant, **filters):
    from tenancy.context import tenant_context

    with tenant_context(tenant.pk):
        return list(BriefingDelivery.objects.filter(**filters).order_by("pk"))


def test_one_email_with_the_briefing_and_its_pdf_then_nothing_more(world, tenant_a, executive_a, manager_a, smtp):
    report = deliveries_run(tenant_id=tenant_a.pk)
    assert report.sent == 1
    [message] = smtp.messages
    assert message["To"] == executive_a.user.email  # executives only: the manager attends too
    assert message["Subject"].startswith("Briefing: Contoso Freight — Executive sponsor meeting")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for content in (text, html):
        assert "Bruno Buyer" in content and "Fleet telematics" in content and "250,000 EUR" in content
        assert f"/t/{tenant_a.slug}/briefings/visits/{world.visit.pk}/" in content
    # Read away from our server, the e-mail carries its style sheet inside (no template does: CSP).
    assert "<style>" in html and ".bf h2 {" in html and "stylesheet" not in html
    [pdf] = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_content()[:5] == b"%PDF-"
    [row] = _rows(tenant_a)
    assert (row.status, row.kind, row.address, row.visit_sequence) == ("sent", "briefing", executive_a.user.email, 0)
    # Beat runs again (and again): nothing more is sent.
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 0
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 0
    assert len(smtp.messages) == 1


def test_not_before_the_window_opens(tenant_a, executive_a, manager_a, smtp):
    account = AccountFactory(tenant=tenant_a)
    start = timezone.now() + dt.timedelta(hours=tenant_a.briefing_lead_hours + 2)
    make_visit(account=account, organiser=manager_a.user, attendees=[executive_a.user], start=start)
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 0
    # Three hours later the window is open.
    assert deliveries_run(tenant_id=tenant_a.pk, now=timezone.now() + dt.timedelta(hours=3)).sent == 1


def test_a_visit_without_an_executive_sends_nothing(tenant_a, manager_a, smtp):
    account = AccountFactory(tenant=tenant_a)
    make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[manager_a.user],
        start=timezone.now() + dt.timedelta(hours=5),
    )
    assert deliveries_run(tenant_id=tenant_a.pk).as_dict() == {"planned": 0, "sent": 0, "failed": 0, "settled": 0}
    assert smtp.messages == []


def test_a_changed_visit_sends_a_short_update_and_a_cancelled_one_a_cancellation(world, tenant_a, executive_a, smtp):
    deliveries_run(tenant_id=tenant_a.pk)
    with executive_a.scope():
        visit = visit_detail(world.visit.pk)
        plans_services.visit_update(
            visit=visit,
            starts_at=visit.starts_at + dt.timedelta(hours=2),
            ends_at=visit.ends_at + dt.timedelta(hours=2),
            timezone_name=visit.timezone,
            purpose=visit.purpose,
            attendees=[a.user for a in visit.our_attendees.all()],
            contacts=[c.contact for c in visit.their_attendees.all()],
        )
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 1
    update = smtp.messages[-1]
    assert update["Subject"].startswith("Changed: Contoso Freight") and not list(update.iter_attachments())
    assert ".bf h2 {" in update.get_body(("html",)).get_content()
    with executive_a.scope():
        plans_services.visit_cancel(visit=visit_detail(world.visit.pk))
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 1
    assert smtp.messages[-1]["Subject"].startswith("Cancelled: Contoso Freight")
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 0
    assert [r.kind for r in _rows(tenant_a)] == ["briefing", "update", "cancellation"]
    assert len(smtp.to(executive_a.user.email)) == 3


def test_an_executive_taken_off_the_visit_is_told(world, tenant_a, executive_a, manager_a, smtp):
    deliveries_run(tenant_id=tenant_a.pk)
    with manager_a.scope():
        visit = visit_detail(world.visit.pk)
        plans_services.visit_update(
            visit=visit,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            timezone_name=visit.timezone,
            purpose=visit.purpose,
            attendees=[manager_a.user],
        )
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 1
    assert smtp.messages[-1]["Subject"].startswith("No longer attending: Contoso Freight")


def test_a_visit_changed_before_its_briefing_went_out_sends_only_the_new_version(world, tenant_a, executive_a, smtp):
    with executive_a.scope():
        from briefings.services import deliveries_plan

        deliveries_plan(tenant=tenant_a, now=timezone.now())  # planned, not sent yet
        visit = visit_detail(world.visit.pk)
        plans_services.visit_update(
            visit=visit,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            timezone_name=visit.timezone,
            purpose="Renewal talks",
            attendees=[a.user for a in visit.our_attendees.all()],
        )
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 1
    assert [(r.visit_sequence, r.status) for r in _rows(tenant_a)] == [(0, "superseded"), (1, "sent")]
    assert "Renewal talks" in smtp.messages[0]["Subject"]


def test_no_address_is_recorded_and_nothing_is_sent(tenant_a, make_member, manager_a, smtp):
    executive = make_member(tenant_a, Role.EXECUTIVE)
    account = AccountFactory(tenant=tenant_a)
    visit = make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[executive.user],
        start=timezone.now() + dt.timedelta(hours=5),
    )
    type(executive.user).objects.filter(pk=executive.user.pk).update(email="")
    deliveries_run(tenant_id=tenant_a.pk)
    assert smtp.messages == []
    [row] = _rows(tenant_a)
    assert (row.status, row.error) == ("skipped", "no address")
    page = manager_a.client.get(manager_a.url(f"plans/visits/{visit.pk}/"))
    assert "not sent: no address" in page.content.decode()


def test_smtp_failure_retries_then_stays_failed_and_visible(world, tenant_a, manager_a, smtp):
    smtp.reject = True
    now = timezone.now()
    report = deliveries_run(tenant_id=tenant_a.pk, now=now)
    assert (report.sent, report.failed) == (0, 1)
    [row] = _rows(tenant_a)
    assert row.status == "failed" and row.attempts == 1 and "451" in row.error and row.next_attempt_at > now
    assert deliveries_run(tenant_id=tenant_a.pk, now=now).failed == 0  # not before its retry time
    page = manager_a.client.get(manager_a.url(f"plans/visits/{world.visit.pk}/")).content.decode()
    assert "briefing failed (attempt 1 of 5; next try" in page
    for attempt in range(2, MAX_ATTEMPTS + 1):
        now += dt.timedelta(hours=4)
        assert deliveries_run(tenant_id=tenant_a.pk, now=now).failed == 1, attempt
    assert deliveries_run(tenant_id=tenant_a.pk, now=now + dt.timedelta(days=1)).failed == 0  # no more tries
    [row] = _rows(tenant_a)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert "no more tries" in manager_a.client.get(manager_a.url(f"plans/visits/{world.visit.pk}/")).content.decode()
    smtp.reject = False  # the server recovers: a failed row within its tries would be sent; this one is done
    assert smtp.messages == []


def test_a_failure_then_recovery_sends_once(world, tenant_a, smtp):
    smtp.reject = True
    now = timezone.now()
    deliveries_run(tenant_id=tenant_a.pk, now=now)
    smtp.reject = False
    assert deliveries_run(tenant_id=tenant_a.pk, now=now + dt.timedelta(minutes=6)).sent == 1
    assert len(smtp.messages) == 1 and _rows(tenant_a)[0].status == "sent"


def test_a_worker_killed_between_claim_and_send_is_recovered_exactly_once(world, tenant_a, executive_a, smtp):
    """The claim commits on its own; the "worker" then dies (nothing is sent, the row stays claimed)."""
    from briefings.services import deliveries_plan
    from tenancy.context import tenant_context

    now = timezone.now()
    with tenant_context(tenant_a.pk):
        deliveries_plan(tenant=tenant_a, now=now)
        ids = list(BriefingDelivery.objects.values_list("pk", flat=True))
        _, won = deliveries_claim(delivery_ids=ids, now=now)
    assert won == ids
    # Another worker right after: the claim is fresh, so it is not taken over (no double send).
    assert deliveries_run(tenant_id=tenant_a.pk, now=now + dt.timedelta(minutes=1)).sent == 0
    assert smtp.messages == []
    # Once the claim is stale, the next run sends it, once.
    later = now + STALE_CLAIM + dt.timedelta(seconds=1)
    assert deliveries_run(tenant_id=tenant_a.pk, now=later).sent == 1
    assert deliveries_run(tenant_id=tenant_a.pk, now=later + dt.timedelta(minutes=20)).sent == 0
    [row] = _rows(tenant_a)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp.to(executive_a.user.email)) == 1


def test_morning_digest_sends_one_email_for_the_days_visits(tenant_a, executive_a, manager_a, smtp):
    from tenancy.services import tenant_update_settings

    with executive_a.scope():  # a settings change is audited in the tenant's trail
        tenant_update_settings(
            tenant=tenant_a,
            name=tenant_a.name,
            timezone=tenant_a.timezone,
            briefing_lead_hours=24,
            briefing_delivery=DeliveryMode.MORNING,
            briefing_digest_hour=7,
        )
    # 06:30 on a day, tenant time: the next digest is at 07:00, so visits starting before 07:00 tomorrow are due.
    local_now = dt.datetime.combine(
        timezone.localdate(timezone=tenant_a.zone) + dt.timedelta(days=1), dt.time(6, 30), tzinfo=tenant_a.zone
    )
    assert window_cutoff(tenant_a, local_now) == local_now.replace(hour=7, minute=0) + dt.timedelta(hours=24)
    first, second, later = (AccountFactory(tenant=tenant_a, name=n) for n in ("Alpha", "Beta", "Gamma"))
    for account, hours in ((first, 3), (second, 8), (later, 30)):
        make_visit(
            account=account,
            organiser=manager_a.user,
            attendees=[executive_a.user, manager_a.user],
            start=local_now + dt.timedelta(hours=hours),
        )
    report = deliveries_run(tenant_id=tenant_a.pk, now=local_now)
    assert report.sent == 2  # two rows, one e-mail
    [digest] = smtp.messages
    day = local_now.astimezone(tenant_a.zone)
    assert digest["Subject"].strip() == f"Your briefings: 2 visits, {day:%a} {day.day} {day:%b}"
    assert len([p for p in digest.iter_attachments() if p.get_content_type() == "application/pdf"]) == 2
    text = digest.get_body(("plain",)).get_content()
    assert "Alpha" in text and "Beta" in text and "Gamma" not in text
    # The next morning brings Gamma.
    assert deliveries_run(tenant_id=tenant_a.pk, now=local_now + dt.timedelta(days=1)).sent == 1


def test_changing_a_visit_inside_the_window_sends_at_once(
    tenant_a, executive_a, manager_a, smtp, django_capture_on_commit_callbacks
):
    """The visit_changed signal queues the tenant's delivery run after the commit (eager in tests)."""
    account = AccountFactory(tenant=tenant_a)
    with django_capture_on_commit_callbacks(execute=True):
        make_visit(
            account=account,
            organiser=manager_a.user,
            attendees=[executive_a.user],
            start=timezone.now() + dt.timedelta(hours=6),
        )
    assert len(smtp.to(executive_a.user.email)) == 1


def test_deliveries_belong_to_their_tenant(world, tenant_a, tenant_b, smtp):
    deliveries_run(tenant_id=tenant_a.pk)
    assert deliveries_run(tenant_id=tenant_b.pk).sent == 0
    assert _rows(tenant_b) == [] and len(_rows(tenant_a)) == 1


def test_a_delivery_whose_worker_died_every_time_ends_as_failed(world, tenant_a, manager_a, smtp):
    from briefings.services import deliveries_plan
    from tenancy.context import tenant_context

    now = timezone.now()
    with tenant_context(tenant_a.pk):
        deliveries_plan(tenant=tenant_a, now=now)
        BriefingDelivery.objects.update(status="sending", attempts=MAX_ATTEMPTS, claimed_at=now - STALE_CLAIM * 2)
    assert deliveries_run(tenant_id=tenant_a.pk, now=now).sent == 0
    [row] = _rows(tenant_a)
    assert row.status == "failed" and "worker stopped" in row.error
    assert smtp.messages == []
    page = manager_a.client.get(manager_a.url(f"plans/visits/{world.visit.pk}/")).content.decode()
    assert "no more tries" in page


def test_a_name_with_a_line_break_does_not_break_the_subject(tenant_a, executive_a, manager_a, smtp):
    account = AccountFactory(tenant=tenant_a, name="Evil\r\nBcc: victim@example.com")
    make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[executive_a.user],
        start=timezone.now() + dt.timedelta(hours=5),
        purpose="Line\nbreak",
    )
    assert deliveries_run(tenant_id=tenant_a.pk).sent == 1
    [message] = smtp.messages
    assert message["Subject"].strip().startswith("Briefing: Evil Bcc: victim@example.com — Line break")
    assert message["Bcc"] is None
