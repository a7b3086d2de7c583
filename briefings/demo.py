"""Demo: make sure an executive has a visit inside the briefing window, so that `make run` puts a
briefing e-mail in var/outbox/ within its first minutes (the worker sends it as soon as it starts) and
the demo executive's dashboard lists it. Safe to repeat: nothing is added while such a visit exists."""

import datetime as dt

from django.utils import timezone

from accounts.models import Account, Classification
from keyplayers import selectors as keyplayers_selectors
from plans import selectors as plans_selectors
from plans import services as plans_services
from tenancy.models import Membership, Role


def seed(tenant, users, rng):
    executive, manager = users.get(Role.EXECUTIVE), users.get(Role.MANAGER)
    if executive is None or manager is None:
        return
    now = timezone.now()
    window = dt.timedelta(hours=tenant.briefing_lead_hours)
    if plans_selectors.visit_list(start=now, end=now + window, executive_id=executive.pk):
        return
    account = (
        Account.objects.filter(classification=Classification.STRATEGIC).order_by("name").first()
        or Account.objects.order_by("name").first()
    )
    if account is None:
        return
    players = keyplayers_selectors.account_key_players(account=account)
    players.sort(key=lambda p: (p.buying_role != "executive", p.contact.full_name))
    contacts = [p.contact for p in players if p.contact.is_active][:3]
    tomorrow = timezone.localdate(now, timezone=tenant.zone) + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(10, 0), tzinfo=tenant.zone)
    members = set(Membership.objects.values_list("user_id", flat=True))
    owner = account.owner if account.owner_id in members else manager
    plans_services.visit_schedule(
        account=account,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        timezone_name=tenant.timezone,
        purpose="Executive sponsor meeting",
        organiser=owner,
        attendees=list(dict.fromkeys([owner, executive])),
        contacts=contacts,
        location=f"{account.name}, head office",
        agenda="1. Their priorities for next year\n2. How we perform today\n3. Where we can help with their business issues",
    )
