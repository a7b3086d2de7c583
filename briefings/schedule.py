"""When briefings go out: the tenant's lead time before a visit, or its morning digest."""

import datetime as dt

from plans.models import Visit
from tenancy.models import BriefingDelivery as DeliveryMode
from tenancy.models import Tenant

# A claim older than this belongs to a worker that died between claim and send: claim it again.
# Far longer than an SMTP exchange (timeout 20 s), so a slow worker is never overtaken.
STALE_CLAIM = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
RETRY_AFTER = dt.timedelta(minutes=5)  # doubled after each failed attempt


def next_digest_at(tenant: Tenant, now: dt.datetime) -> dt.datetime:
    """The next morning-digest time strictly after `now`, at the tenant's digest hour in its time zone."""
    local = now.astimezone(tenant.zone)
    day = local.date()
    candidate = dt.datetime.combine(day, dt.time(tenant.briefing_digest_hour), tzinfo=tenant.zone)
    if candidate <= local:
        candidate = dt.datetime.combine(
            day + dt.timedelta(days=1), dt.time(tenant.briefing_digest_hour), tzinfo=tenant.zone
        )
    return candidate


def window_cutoff(tenant: Tenant, now: dt.datetime) -> dt.datetime:
    """Visits starting before this time are due for their briefing now.

    One e-mail per visit: the window opens `briefing_lead_hours` before the start. Morning digest:
    each morning brings every visit whose window opens before the next morning, so the cutoff moves
    on a day at a time."""
    lead = dt.timedelta(hours=tenant.briefing_lead_hours)
    if tenant.briefing_delivery == DeliveryMode.MORNING:
        return next_digest_at(tenant, now) + lead
    return now + lead


def window_opens_at(tenant: Tenant, visit: Visit) -> dt.datetime:
    """When the visit's briefing goes out (at once if that is already past)."""
    opens = visit.starts_at - dt.timedelta(hours=tenant.briefing_lead_hours)
    if tenant.briefing_delivery == DeliveryMode.MORNING:
        local = opens.astimezone(tenant.zone)
        slot = dt.datetime.combine(local.date(), dt.time(tenant.briefing_digest_hour), tzinfo=tenant.zone)
        if slot > local:
            slot = dt.datetime.combine(
                local.date() - dt.timedelta(days=1), dt.time(tenant.briefing_digest_hour), tzinfo=tenant.zone
            )
        opens = slot
    return opens
