"""A realistic account around one upcoming visit, built through the apps' services and factories, and
an SMTP server on loopback (aiosmtpd) that the delivery tests send to."""

import datetime as dt
import socket
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from accounts.models import Classification
from accounts.services import contact_leave
from keyplayers.models import BuyingRole, BuyingStage, Stance
from plans import services as plans_services
from tenancy.context import tenant_context
from tests.accounts.factories import FinancialPeriodFactory, TeamMemberFactory
from tests.hierarchy.factories import AccountFactory, ContactFactory, assess, make_relationship
from tests.keyplayers.factories import KeyPlayerFactory
from tests.plans.factories import ActionFactory, OpportunityFactory, make_call, make_visit


@dataclass
class World:
    account: object
    other_account: object
    cfo: object
    buyer: object
    visit: object
    opportunity: object
    extra: dict = field(default_factory=dict)


def build_world(*, tenant, executive, manager, start=None, history_years: int = 1, name="Contoso Freight") -> World:
    """Contoso Freight: strategic, potential 5; the CFO (an executive key player, supporter) sees us at 2
    while we think 3; the purchasing head is a blocker worried about price; one opportunity of
    250,000 EUR missing access to power; a plan with an overdue action; calls; a contact who left; and
    `history_years` of quarterly financials, assessments and calls. Another account holds things that
    must never show up in this briefing."""
    now = timezone.now()
    account = AccountFactory(
        tenant=tenant,
        name=name,
        classification=Classification.STRATEGIC,
        potential_level=5,
        classification_reason="Co-develops our next product line.",
        owner=manager.user,
    )
    other = AccountFactory(tenant=tenant, name="Other Customer")
    TeamMemberFactory(account=account, user=manager.user)
    cfo = ContactFactory(
        account=account, full_name="Carla Finance", title="Chief Financial Officer", email="carla@contoso.example"
    )
    buyer = ContactFactory(account=account, full_name="Bruno Buyer", title="Head of Purchasing")
    gone = ContactFactory(account=account, full_name="Gina Gone", title="COO")
    KeyPlayerFactory(
        account=account,
        contact=cfo,
        buying_role=BuyingRole.EXECUTIVE,
        buying_stage=BuyingStage.EVALUATE_RISK,
        stance=Stance.SUPPORTER,
        concerns="Roll-out risk",
    )
    KeyPlayerFactory(
        account=account,
        contact=buyer,
        buying_role=BuyingRole.PURCHASING,
        buying_stage=BuyingStage.EVALUATE_ALTERNATIVES,
        stance=Stance.BLOCKER,
        concerns="Price above the incumbent's",
    )
    manager_cfo = make_relationship(user=manager.user, contact=cfo)
    exec_cfo = make_relationship(user=executive.user, contact=cfo)
    days = 365 * history_years
    for n in range(4 * history_years):  # quarterly history: assessments, calls, financial periods
        at = now - dt.timedelta(days=days - 91 * n)
        assess(manager_cfo, 2 + n % 2, at=at)
        make_call(account=account, author=manager.user, at=at, summary=f"Quarterly call {n}", contacts=[cfo])
        FinancialPeriodFactory(
            account=account,
            period_start=(at - dt.timedelta(days=91)).date(),
            period_end=at.date() - dt.timedelta(days=1),
            revenue=Decimal("100000") + n * 1000,
            currency="GBP",
        )
    assess(manager_cfo, 3, at=now - dt.timedelta(days=5))
    assess(manager_cfo, 2, source="customer_survey", at=now - dt.timedelta(days=4))
    assess(exec_cfo, 4, at=now - dt.timedelta(days=3))
    opportunity = OpportunityFactory(
        account=account,
        name="Fleet telematics",
        value=Decimal("250000"),
        currency="EUR",
        pain_identified=True,
        vision_agreed=True,
        competitive_strategy="head_to_head",
        strategy_rationale="Our service beats the incumbent",
        walk_away="Below 15 % margin",
    )
    OpportunityFactory(account=other, name="Other Deal", value=Decimal("999999"))
    make_call(account=other, author=manager.user, summary="Other account's secret call")
    with tenant_context(tenant.pk):
        plan = plans_services.plan_create(
            account=account, title="Contoso 2027", objectives="Become their adviser", owner=manager.user, target_level=4
        )
        contact_leave(contact=gone, left_on=timezone.localdate() - dt.timedelta(days=1))
    ActionFactory(
        plan=plan,
        title="Send the revised offer",
        owner=manager.user,  # overdue: made in the past
        due_date=timezone.localdate() - dt.timedelta(days=2),
    )
    visit = make_visit(
        account=account,
        organiser=manager.user,
        attendees=[executive.user, manager.user],
        contacts=[cfo, buyer],
        start=start or (now + dt.timedelta(hours=20)).replace(microsecond=0),
        purpose="Executive sponsor meeting",
    )
    return World(
        account=account,
        other_account=other,
        cfo=cfo,
        buyer=buyer,
        visit=visit,
        opportunity=opportunity,
        extra={"gone": gone},
    )


# --- a real SMTP server on loopback ------------------------------------------------------------------


class Inbox:
    """Collects what the server accepted. `reject` makes it refuse messages (a 451, as a full queue does);
    `delay` slows each DATA so that concurrent senders overlap."""

    def __init__(self):
        self.messages = []
        self.reject = False
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)
        if self.reject:
            return "451 Requested action aborted: try again later"
        from email import message_from_bytes, policy

        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
