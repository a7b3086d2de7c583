"""Briefing e-mails, each sent exactly once per (visit, recipient, visit version).

One run for a tenant (`deliveries_run`) does three things, each in short transactions of its own:

1. plan — `deliveries_plan` works out from the database what is due now and inserts the missing
   delivery rows (INSERT … ON CONFLICT DO NOTHING against the unique constraint, so two runs at once
   create each row once):
   - a briefing for every executive attending a planned visit whose briefing window has opened (the
     tenant's lead time before the start; with the morning digest, every visit whose window opens
     before the next digest hour);
   - an update for whoever had the briefing of an earlier version of a visit that was then changed;
   - a cancellation for whoever had the briefing of a visit that was cancelled or that they no longer
     attend.
2. claim — a conditional UPDATE turns `pending` (or a `failed` row whose retry time came, or a
   `sending` row whose claim went stale: its worker died between claim and send) into `sending` with a
   fresh claim token. It commits before anything is sent, so two workers never hold the same row.
3. send, then mark — the message goes to the SMTP server outside any transaction; the row is marked
   `sent` (or `failed`, with a retry time) only if it still carries our claim token.

What is left: a worker killed after the SMTP server accepted a message but before the row was
marked sends it again once the claim goes stale (SMTP has no idempotent submit). The message keeps
the same Message-ID, so mail clients that deduplicate show it once.
"""

import datetime as dt
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.utils import timezone

from briefings import render
from briefings.models import BriefingDelivery, DeliveryKind, DeliveryStatus
from briefings.schedule import MAX_ATTEMPTS, RETRY_AFTER, STALE_CLAIM, window_cutoff
from briefings.selectors import briefing_build
from plans import selectors as plans_selectors
from plans.models import Visit, VisitStatus
from tenancy.context import tenant_context
from tenancy.models import BriefingDelivery as DeliveryMode
from tenancy.models import Membership, Tenant, User

log = logging.getLogger(__name__)

BATCH = 200

NOTICE_KINDS = (DeliveryKind.UPDATE, DeliveryKind.CANCELLATION)


# --- 1. plan --------------------------------------------------------------------------------------


def _executives_attending(visit: Visit) -> set[int]:
    if visit.status != VisitStatus.PLANNED:
        return set()
    return {a.user_id for a in visit.our_attendees.all() if a.executive}


def _kind_due(
    *, visit: Visit, recipient_id: int, rows: list[dict], executives: set[int], due: bool, now: dt.datetime
) -> str | None:
    """What this recipient should get now for this visit, given the rows they already have."""
    if any(row["visit_sequence"] == visit.sequence for row in rows):
        return None  # this version is handled (sent, on its way, or decided)
    sent = [row for row in rows if row["status"] == DeliveryStatus.SENT]
    last_sent = max(sent, key=lambda row: row["visit_sequence"], default=None)
    informed = last_sent is not None and last_sent["kind"] != DeliveryKind.CANCELLATION
    if recipient_id in executives and visit.starts_at > now:
        if informed:
            return DeliveryKind.UPDATE
        return DeliveryKind.BRIEFING if due else None
    if informed and visit.ends_at > now:
        return DeliveryKind.CANCELLATION
    return None


def deliveries_plan(*, tenant: Tenant, now: dt.datetime) -> int:
    """Inserts the delivery rows that are due now; returns how many were new. Idempotent; a fixed
    number of queries whatever the number of visits (inside the tenant's context)."""
    cutoff = window_cutoff(tenant, now)
    due = [v for v in plans_selectors.visit_list(start=now, end=cutoff, any_executive=True) if v.starts_at > now]
    due_ids = {v.pk for v in due}
    informed_ids = (
        set(
            BriefingDelivery.objects.filter(status=DeliveryStatus.SENT, visit__ends_at__gt=now)
            .values_list("visit_id", flat=True)
            .distinct()
        )
        - due_ids
    )
    visits = due + (plans_selectors.visits_with_details(informed_ids) if informed_ids else [])
    ids = {v.pk for v in visits}
    if not ids:
        return 0
    existing = defaultdict(list)
    for row in BriefingDelivery.objects.filter(visit_id__in=ids).values(
        "visit_id", "recipient_id", "visit_sequence", "kind", "status"
    ):
        existing[(row["visit_id"], row["recipient_id"])].append(row)
    new = []
    for visit in visits:
        executives = _executives_attending(visit)
        recipients = executives | {r for (v, r) in existing if v == visit.pk}
        for recipient_id in sorted(recipients):
            kind = _kind_due(
                visit=visit,
                recipient_id=recipient_id,
                rows=existing[(visit.pk, recipient_id)],
                executives=executives,
                due=visit.pk in due_ids,
                now=now,
            )
            if kind:
                new.append(
                    BriefingDelivery(
                        tenant_id=tenant.pk,
                        visit_id=visit.pk,
                        recipient_id=recipient_id,
                        kind=kind,
                        visit_sequence=visit.sequence,
                    )
                )
    if not new:
        return 0
    before = BriefingDelivery.objects.filter(visit_id__in=ids).count()
    BriefingDelivery.objects.bulk_create(new, ignore_conflicts=True)
    return BriefingDelivery.objects.filter(visit_id__in=ids).count() - before


# --- 2. claim -------------------------------------------------------------------------------------


def claimable(now: dt.datetime) -> Q:
    return (
        Q(status=DeliveryStatus.PENDING)
        | Q(status=DeliveryStatus.FAILED, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, attempts__lt=MAX_ATTEMPTS, claimed_at__lt=now - STALE_CLAIM)
    )


def _give_up_on_dead_claims(now: dt.datetime) -> int:
    """A row whose every attempt died with its worker (a crash in the middle, each time) stops being
    retried and shows as failed instead of "being sent" for ever."""
    return BriefingDelivery.objects.filter(
        status=DeliveryStatus.SENDING, attempts__gte=MAX_ATTEMPTS, claimed_at__lt=now - STALE_CLAIM
    ).update(status=DeliveryStatus.FAILED, error="the worker stopped while sending, every time", updated_at=now)


def deliveries_claim(*, delivery_ids: list[int], now: dt.datetime) -> tuple[str, list[int]]:
    """Claims those of the rows that are still claimable; returns the claim token and the ids won.
    One conditional UPDATE: of two workers claiming the same row, exactly one wins it."""
    token = secrets.token_hex(16)
    BriefingDelivery.objects.filter(pk__in=delivery_ids).filter(claimable(now)).update(
        status=DeliveryStatus.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    return token, list(
        BriefingDelivery.objects.filter(pk__in=delivery_ids, claim_token=token).values_list("pk", flat=True)
    )


def _finish(ids: list[int], token: str, **fields) -> int:
    return BriefingDelivery.objects.filter(pk__in=ids, claim_token=token).update(updated_at=timezone.now(), **fields)


# --- 3. send --------------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One e-mail to one recipient, covering one or more delivery rows."""

    recipient: User
    deliveries: list[BriefingDelivery]
    message: EmailMultiAlternatives | None = None


def _why_not(
    delivery: BriefingDelivery, visit: Visit, members: dict[int, Membership], now: dt.datetime
) -> tuple[str, str] | None:
    """A reason not to send this row any more, or None to send it."""
    recipient = delivery.recipient
    if delivery.visit_sequence != visit.sequence:
        return DeliveryStatus.SUPERSEDED, "the visit changed since; the new version is sent instead"
    if delivery.kind != DeliveryKind.CANCELLATION:
        if visit.status != VisitStatus.PLANNED or visit.starts_at <= now:
            return DeliveryStatus.SUPERSEDED, "the visit is no longer ahead"
        if recipient.pk not in _executives_attending(visit):
            return DeliveryStatus.SUPERSEDED, "no longer an executive attending"
    if recipient.pk not in members or not recipient.is_active:
        return DeliveryStatus.SKIPPED, "no longer a member"
    if not (recipient.email or "").strip():
        return DeliveryStatus.SKIPPED, "no address"
    return None


def _compose(
    *,
    tenant: Tenant,
    recipient: User,
    deliveries: list[BriefingDelivery],
    visits: dict[int, Visit],
    membership: Membership,
    now: dt.datetime,
) -> EmailMultiAlternatives:
    first = deliveries[0]
    if first.kind in NOTICE_KINDS:
        visit = visits[first.visit_id]
        content = render.notice(
            kind=first.kind,
            visit=visit,
            recipient=recipient,
            tenant=tenant,
            briefing_url=render.briefing_url(tenant, visit),
        )
        attachments = []
    else:
        briefings = [briefing_build(visit=visits[d.visit_id], membership=membership, now=now) for d in deliveries]
        content = render.digest(briefings=briefings, tenant=tenant, recipient=recipient)
        attachments = [(render.pdf_filename(b), render.pdf(b), "application/pdf") for b in briefings]
    message = EmailMultiAlternatives(
        # One line: a name typed with a line break must not break the header.
        subject=" ".join(content.subject.split()),
        body=content.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Message-ID": f"<briefing-{tenant.pk}-{first.pk}-{first.visit_sequence}@keystone>"},
    )
    message.attach_alternative(content.html, "text/html")
    for name, data, mimetype in attachments:
        message.attach(name, data, mimetype)
    return message


def _prepare(*, tenant: Tenant, ids: list[int], token: str, now: dt.datetime) -> list[Outgoing]:
    """Inside the tenant's context: settles the rows that must not be sent, builds the e-mails."""
    deliveries = list(
        BriefingDelivery.objects.filter(pk__in=ids, claim_token=token)
        .select_related("recipient")
        .order_by("visit_id", "pk")
    )
    visits = {v.pk: v for v in plans_selectors.visits_with_details({d.visit_id for d in deliveries})}
    members = {m.user_id: m for m in Membership.objects.filter(user_id__in={d.recipient_id for d in deliveries})}
    grouped: dict[tuple, list[BriefingDelivery]] = defaultdict(list)
    for delivery in deliveries:
        reason = _why_not(delivery, visits[delivery.visit_id], members, now)
        if reason:
            _finish([delivery.pk], token, status=reason[0], error=reason[1])
            continue
        digest = tenant.briefing_delivery == DeliveryMode.MORNING and delivery.kind == DeliveryKind.BRIEFING
        key = (delivery.recipient_id, "digest") if digest else (delivery.recipient_id, delivery.pk)
        grouped[key].append(delivery)
    outgoing = []
    for (recipient_id, _), group in grouped.items():
        recipient = group[0].recipient
        try:
            message = _compose(
                tenant=tenant,
                recipient=recipient,
                deliveries=group,
                visits=visits,
                membership=members[recipient_id],
                now=now,
            )
        except Exception as exc:  # noqa: BLE001 — one bad briefing must not hold up the others
            log.exception("Could not build the briefing e-mail for deliveries %s", [d.pk for d in group])
            _finish([d.pk for d in group], token, **_failed(group, exc, now))
            continue
        outgoing.append(Outgoing(recipient=recipient, deliveries=group, message=message))
    return outgoing


@dataclass
class RunReport:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    settled: int = 0  # claimed but not to be sent (superseded, no address…)

    def as_dict(self) -> dict:
        return {"planned": self.planned, "sent": self.sent, "failed": self.failed, "settled": self.settled}


def _failed(deliveries: list[BriefingDelivery], exc: Exception, now: dt.datetime) -> dict:
    """A failed attempt: retried after RETRY_AFTER, doubling, until MAX_ATTEMPTS (then it stays failed)."""
    attempts = max(d.attempts for d in deliveries)  # loaded after the claim, which counted this attempt
    return {
        "status": DeliveryStatus.FAILED,
        "next_attempt_at": now + RETRY_AFTER * 2 ** (attempts - 1),
        "error": f"{exc.__class__.__name__}: {exc}"[:300],
    }


def _send(outgoing: Outgoing, report: RunReport, now: dt.datetime) -> dict:
    """Hands the message to the mail server; returns the row's new state."""
    try:
        if not outgoing.message.send():
            raise RuntimeError("the mail backend accepted nothing")
    except Exception as exc:  # noqa: BLE001 — any SMTP or network failure: retry later, visibly
        log.warning("Briefing e-mail to %s failed: %s", outgoing.recipient.email, exc)
        report.failed += len(outgoing.deliveries)
        return _failed(outgoing.deliveries, exc, now)
    report.sent += len(outgoing.deliveries)
    return {
        "status": DeliveryStatus.SENT,
        "sent_at": timezone.now(),
        "address": outgoing.recipient.email,
        "message_id": outgoing.message.extra_headers["Message-ID"],
        "error": "",
        "next_attempt_at": None,
    }


def deliveries_run(*, tenant_id: int, now: dt.datetime | None = None) -> RunReport:
    """Plans, claims and sends what is due for one tenant. Safe to run on several workers at once and
    again after any crash (see the module's docstring)."""
    report = RunReport()
    with tenant_context(tenant_id):
        tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_context(tenant_id):
        now = now or timezone.now()
        report.planned = deliveries_plan(tenant=tenant, now=now)
        _give_up_on_dead_claims(now)
        candidates = list(
            BriefingDelivery.objects.filter(claimable(now))
            .order_by("recipient_id", "visit_id", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
    if not candidates:
        return report
    with tenant_context(tenant_id):
        token, won = deliveries_claim(delivery_ids=candidates, now=now)
    if not won:
        return report
    with tenant_context(tenant_id):
        outgoing = _prepare(tenant=tenant, ids=won, token=token, now=now)
    report.settled = len(won) - sum(len(o.deliveries) for o in outgoing)  # includes ones that failed to build
    for item in outgoing:
        state = _send(item, report, now)  # outside any transaction: no lock is held while the mail server talks
        with tenant_context(tenant_id):
            _finish([d.pk for d in item.deliveries], token, **state)
    return report
