"""Demo plans and activity for one tenant: an account plan per strategic account (with actions, some
done, some overdue), opportunities at every stage, two years of call reports (last contact follows
them), and visits in the coming two weeks with executives attending.

Works with whatever accounts exist (none at all included). Deterministic from `rng`. Safe to run
twice: an account that already has plans, opportunities, calls or visits keeps them and gets no more.

History is written directly (bulk) where the services only accept the present: a call report of
2024, an action that is overdue today. Everything else goes through plans.services.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Account, Classification, Contact
from hierarchy.selectors import level_names
from plans import services
from plans.models import (
    CLOSED_STAGES,
    QUALIFICATION_CRITERIA,
    AccountPlan,
    ActionStatus,
    CallAttendee,
    CallChannel,
    CallContact,
    CallReport,
    CompetitiveStrategy,
    IssueKind,
    Opportunity,
    OpportunityKeyPlayer,
    PlanAction,
    Stage,
    Visit,
)
from keyplayers.models import KeyPlayer
from tenancy.models import Membership, Role
from tenancy.selectors import tenant_currency

HISTORY_DAYS = 730
OBJECTIVES = [
    "Move from supplier to trusted adviser: be in the room when {name} plans next year's {area} budget.",
    "Win the {area} roll-out across all sites and make {name} our reference for the segment.",
    "Grow share of wallet beyond {area}; build relationships one level higher than procurement.",
    "Co-create the next service with {name}'s engineering team and sign a multi-year framework.",
]
AREAS = ["logistics", "IT infrastructure", "operations", "data platform", "maintenance", "customer service"]
ACTIONS = [
    "Map the buying centre for the {area} decision",
    "Run a value workshop with their operations team",
    "Prepare the executive briefing for the sponsor meeting",
    "Send the reference case from a peer customer",
    "Agree the success criteria of the pilot",
    "Introduce our CTO to their CIO",
    "Review the service levels with operations",
    "Draft the joint account plan with their sponsor",
    "Quantify the business case with finance",
]
OPPORTUNITY_NAMES = [
    "{area} renewal",
    "{area} expansion",
    "New {area} platform",
    "{area} managed service",
    "Pilot: {area} analytics",
    "Framework agreement {year}",
]
RATIONALES = {
    CompetitiveStrategy.PREFERRED: "We wrote the requirements with them; protect it by keeping the sponsor close.",
    CompetitiveStrategy.END_AROUND: "The incumbent owns procurement; we change the criteria with the COO's team.",
    CompetitiveStrategy.HEAD_TO_HEAD: "We lead on service levels and total cost; show it in the pilot numbers.",
    CompetitiveStrategy.DIVIDE_AND_CONQUER: "Win the northern region first, then the rest on the results.",
    CompetitiveStrategy.STALL: "Their budget moves to next year; slow the decision until our release ships.",
}
SUMMARIES = [
    "Quarterly review of the service: two open incidents discussed, satisfaction stable.",
    "Walked through the roadmap; strong interest in the analytics module.",
    "Met the new head of operations; she wants fewer suppliers next year.",
    "Pricing discussion with procurement: they ask for a 5% reduction on renewal.",
    "Workshop on their expansion plans for next year; we can support two of the four sites.",
    "Escalation call about the delayed delivery; agreed a recovery plan.",
    "Lunch with the sponsor: budget pressure, but the programme stays a priority.",
    "Demo of the new release to their IT team; security questions to follow up.",
]
OUTCOMES = [
    "They will share the requirements by the end of the month.",
    "Agreed to a pilot in one site.",
    "Need a revised offer with three-year pricing.",
    "Sponsor confirmed the programme budget.",
    "",
]
PURPOSES = [
    "Executive sponsor meeting",
    "Quarterly business review",
    "Site visit and plant tour",
    "Strategy workshop with the board",
    "Renewal negotiation",
    "Innovation day",
]


def _people(users):
    manager, executive = users.get(Role.MANAGER), users.get(Role.EXECUTIVE)
    admin = users.get(Role.ADMIN)
    return manager, executive, admin


def _owner(account, users):
    """The account's owner when they are a member here, otherwise the demo manager."""
    if account.owner_id is not None and account.owner_id in users["members"]:
        return account.owner
    return users.get(Role.MANAGER)


def seed(tenant, users, rng):
    """Demo data for one tenant (runs inside its context; must be safe to run twice)."""
    accounts = list(Account.objects.select_related("owner").order_by("pk"))
    if not accounts:
        return
    tz = ZoneInfo(tenant.timezone)
    users = {**users, "members": set(Membership.objects.values_list("user_id", flat=True))}
    with timezone.override(tz):
        contacts = {}
        for contact in Contact.objects.filter(is_active=True).order_by("account_id", "reports_to_id", "pk"):
            contacts.setdefault(contact.account_id, []).append(contact)
        _plans(accounts, users, rng)
        _opportunities(accounts, users, rng)
        _opportunity_key_players(rng)
        _calls(tenant, accounts, contacts, users, rng)
        _visits(accounts, contacts, users, rng, tz)
        _issues(users, rng)


ISSUES = [
    (
        IssueKind.BUSINESS,
        "We lose two days on every order because planning and the plants do not see the same numbers.",
    ),
    (IssueKind.BUSINESS, "Our growth plan needs a second distribution centre running by next autumn."),
    (IssueKind.BUSINESS, "Customers leave us over late deliveries; the board wants on-time delivery above 95 %."),
    (IssueKind.ORGANISATIONAL, "After the merger we run two ways of working; the CEO wants one operating model."),
    (IssueKind.ORGANISATIONAL, "We cannot hire engineers fast enough to carry the new product line."),
]


def _issues(users, rng):
    """The customer's business and organisational issues on each active plan, in their words, served by
    the account's relationships (the senior ones first) and open opportunities."""
    from hierarchy.models import Relationship

    plans = list(AccountPlan.objects.filter(status="active").exclude(issues__isnull=False).select_related("account"))
    if not plans:
        return
    ids = [p.account_id for p in plans]
    relationships, opportunities, contacts = {}, {}, {}
    for r in Relationship.objects.filter(account_id__in=ids).order_by("-self_level", "pk"):
        relationships.setdefault(r.account_id, []).append(r)
    for o in Opportunity.objects.filter(account_id__in=ids).exclude(stage__in=CLOSED_STAGES).order_by("pk"):
        opportunities.setdefault(o.account_id, []).append(o)
    for c in Contact.objects.filter(account_id__in=ids, is_active=True).order_by("reports_to_id", "pk"):
        contacts.setdefault(c.account_id, []).append(c)
    for plan in plans:
        for kind, statement in rng.sample(ISSUES, 2):
            people = contacts.get(plan.account_id, [])
            services.customer_issue_add(
                plan=plan,
                kind=kind,
                statement=statement,
                by=plan.owner,
                raised_by=people[0] if people else None,
                relationships=relationships.get(plan.account_id, [])[:2],
                opportunities=opportunities.get(plan.account_id, [])[:1],
            )


def _area(rng):
    return rng.choice(AREAS)


def _plans(accounts, users, rng):
    manager, executive, _ = _people(users)
    have_plans = set(AccountPlan.objects.values_list("account_id", flat=True))
    levels = level_names()
    today = timezone.localdate()
    for account in accounts:
        if account.classification != Classification.STRATEGIC or account.pk in have_plans:
            continue
        owner = _owner(account, users)
        area = _area(rng)
        top = max(levels) if levels else 6
        target = min(top, max(2, (account.current_level or account.potential_level or 2) + 1))
        plan = services.plan_create(
            account=account,
            title=f"{account.name}: {today.year + 1} account plan",
            owner=owner,
            objectives=rng.choice(OBJECTIVES).format(name=account.name, area=area),
            target_level=target,
            target_date=today + dt.timedelta(days=rng.randint(120, 400)),
            review_date=today + dt.timedelta(days=rng.randint(-10, 60)),
            created_by=owner,
        )
        actions = []
        for title in rng.sample(ACTIONS, rng.randint(3, 5)):
            offset = rng.randint(-40, 50)
            status = ActionStatus.OPEN
            if offset < -15:
                status = rng.choice([ActionStatus.DONE, ActionStatus.DONE, ActionStatus.OPEN])
            elif offset < 0:
                status = rng.choice([ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
            who = rng.choice([owner, owner, executive or owner])
            actions.append(
                PlanAction(
                    tenant_id=plan.tenant_id,
                    plan=plan,
                    title=title.format(area=area),
                    owner=who,
                    status=status,
                    due_date=today + dt.timedelta(days=offset),
                    completed_at=timezone.now() - dt.timedelta(days=rng.randint(1, 10))
                    if status == ActionStatus.DONE
                    else None,
                )
            )
        PlanAction.objects.bulk_create(actions)


def _opportunities(accounts, users, rng):
    manager, executive, admin = _people(users)
    with_opps = set(Opportunity.objects.values_list("account_id", flat=True))
    # Strategic accounts first, then the others: about half of all accounts have something in play.
    ranked = sorted(accounts, key=lambda a: (a.classification != Classification.STRATEGIC, a.pk))
    candidates = [a for a in ranked[: max(len(Stage.values), len(ranked) // 2)] if a.pk not in with_opps]
    if not candidates:
        return
    stages = list(Stage.values)
    today = timezone.localdate()
    currency = tenant_currency()
    count = max(len(stages), len(candidates))  # every stage at least once, even with few accounts
    for n in range(count):
        account = candidates[n % len(candidates)]
        stage = stages[n % len(stages)]
        progress = stages.index(stage) if stage not in CLOSED_STAGES else rng.randint(2, 4)
        met = {name for name, _, _ in QUALIFICATION_CRITERIA[: min(5, progress + rng.randint(0, 1))]}
        strategy = rng.choice(list(CompetitiveStrategy)) if progress >= 2 else ""
        area = _area(rng)
        opportunity = services.opportunity_create(
            account=account,
            name=rng.choice(OPPORTUNITY_NAMES).format(area=area[0].upper() + area[1:], year=today.year + 1),
            stage=stage,
            value=Decimal(rng.randrange(20, 900) * 1000),
            currency=currency,
            close_date=today
            + dt.timedelta(days=rng.randint(-60, -5) if stage in CLOSED_STAGES else rng.randint(20, 240)),
            owner=_owner(account, users),
            **{name: name in met for name, _, _ in QUALIFICATION_CRITERIA},
            competitive_strategy=strategy,
            strategy_rationale=RATIONALES.get(strategy, ""),
            **_strategy_and_value(strategy, met, progress, area),
            must_get="Three-year term and a named executive sponsor." if progress >= 3 else "",
            can_give="Free onboarding for the second site; quarterly business reviews." if progress >= 3 else "",
            walk_away="Below 18% margin, or payment terms beyond 60 days." if progress >= 3 else "",
        )
        if rng.random() < 0.6:
            services.opportunity_note_add(
                opportunity=opportunity,
                author=rng.choice([manager, executive or manager]),
                body=rng.choice(
                    [
                        "Their CFO signs anything above 250k; we have not met her yet.",
                        "The incumbent offered a 10% discount last week.",
                        "Procurement wants three bids; our sponsor says we are preferred.",
                        "Decision moved to the board meeting next quarter.",
                    ]
                ),
            )


# Fallback strategy per lead strategy: the next one the method would turn to, with why.
FALLBACKS = {
    CompetitiveStrategy.PREFERRED: (
        CompetitiveStrategy.DIVIDE_AND_CONQUER,
        "If procurement forces an open tender, we win the sites where our pilot ran first.",
    ),
    CompetitiveStrategy.HEAD_TO_HEAD: (
        CompetitiveStrategy.END_AROUND,
        "If the incumbent matches our price, we take the total-cost case to the COO.",
    ),
    CompetitiveStrategy.END_AROUND: (
        CompetitiveStrategy.STALL,
        "If the criteria do not move, we slow the decision until the new release ships.",
    ),
    CompetitiveStrategy.DIVIDE_AND_CONQUER: (
        CompetitiveStrategy.END_AROUND,
        "If the region stays closed, we bring operations' own criteria in.",
    ),
    CompetitiveStrategy.STALL: (
        CompetitiveStrategy.DIVIDE_AND_CONQUER,
        "If they will not wait, we offer the first site alone on a short contract.",
    ),
}


def _strategy_and_value(strategy, met, progress, area) -> dict:
    """The fallback, the evaluation plan and, where "value agreed" is ticked, the value case behind it;
    the buyer tactics seen on the later deals."""
    fields = {}
    if strategy:
        fallback, why = FALLBACKS[strategy]
        fields.update(
            fallback_strategy=fallback,
            fallback_rationale=why,
            evaluation_plan=f"Six-week pilot of the {area} service at one site; success = their own "
            "KPIs (lead time, error rate) measured by their operations team; go/no-go "
            "at the steering meeting.",
        )
    if "value_agreed" in met:
        fields.update(
            value_roi="Pays back in 14 months on their figures (reduced overtime and expedited freight).",
            value_pain_removed=f"Late {area} decisions that stop the line twice a month.",
            value_benefits="Decisions within a day; one report for the board instead of four.",
            value_timescales="Pilot site in Q1, all sites by Q3.",
            value_responsible="Their COO; our delivery lead.",
            value_agreed_with="Their COO and the head of operations",
            value_agreed_on=timezone.localdate(),
        )
    if progress >= 3:
        fields.update(
            buyer_tactics="A “shark” buyer: invented a cheaper competitor and a Friday deadline.",
            buyer_tactics_answer="Hold the price; trade only the onboarding for the three-year term.",
        )
    return fields


def _opportunity_key_players(rng):
    """One to three of the account's key players on each open opportunity (a key player is on one at
    most); the executive first, since they hold the budget."""
    taken = set(OpportunityKeyPlayer.objects.values_list("key_player_id", flat=True))
    players: dict[int, list[KeyPlayer]] = {}
    for player in KeyPlayer.objects.exclude(pk__in=taken).order_by("account_id", "buying_role", "pk"):
        players.setdefault(player.account_id, []).append(player)
    for opportunity in (
        Opportunity.objects.exclude(stage__in=CLOSED_STAGES).filter(key_players__isnull=True).order_by("pk")
    ):
        free = players.get(opportunity.account_id, [])
        n = rng.randint(1, 3)
        chosen, players[opportunity.account_id] = free[:n], free[n:]
        if chosen:
            services.opportunity_key_players_set(opportunity=opportunity, key_players=chosen)


def _calls(tenant, accounts, contacts, users, rng):
    """Two years of call reports, more often for strategic accounts; next steps of the recent ones."""
    manager, executive, admin = _people(users)
    done = set(CallReport.objects.values_list("account_id", flat=True))
    opportunities = {}
    for opp in Opportunity.objects.order_by("pk"):
        opportunities.setdefault(opp.account_id, []).append(opp)
    now = timezone.now()
    reports, people = [], []
    for account in accounts:
        if account.pk in done:
            continue
        strategic = account.classification == Classification.STRATEGIC
        gap = (18, 40) if strategic else (45, 120)
        when = now - dt.timedelta(days=HISTORY_DAYS - rng.randint(0, 30))
        while when < now - dt.timedelta(days=2):
            local = timezone.localtime(when).replace(
                hour=rng.choice([9, 10, 11, 14, 15, 16]), minute=rng.choice([0, 30]), second=0, microsecond=0
            )
            author = _owner(account, users)
            report = CallReport(
                tenant=tenant,
                account=account,
                occurred_at=local,
                author=author,
                channel=rng.choices(list(CallChannel), weights=[4, 3, 2])[0],
                summary=rng.choice(SUMMARIES),
                outcomes=rng.choice(OUTCOMES),
                opportunity=rng.choice(opportunities[account.pk])
                if account.pk in opportunities and rng.random() < 0.4
                else None,
            )
            ours = [author] + ([executive] if executive and strategic and rng.random() < 0.25 else [])
            theirs = rng.sample(contacts.get(account.pk, []), min(len(contacts.get(account.pk, [])), rng.randint(1, 2)))
            reports.append(report)
            people.append((report, ours, theirs))
            when += dt.timedelta(days=rng.randint(*gap))
    CallReport.objects.bulk_create(reports)
    CallAttendee.objects.bulk_create(
        [CallAttendee(tenant=tenant, call=r, user=u) for r, ours, _ in people for u in set(ours)]
    )
    CallContact.objects.bulk_create(
        [CallContact(tenant=tenant, call=r, contact=c) for r, _, theirs in people for c in theirs]
    )
    # Last contact follows the calls (moved forward only), in two set-based updates.
    touched = {r.account_id for r in reports}
    services.last_contact_refresh(account_ids=touched)
    # The latest call of each planned account left next steps on its plan.
    plans = {p.account_id: p for p in AccountPlan.objects.filter(status="active", account_id__in=touched)}
    latest = {}
    for report in reports:
        if report.account_id in plans and (
            report.account_id not in latest or report.occurred_at > latest[report.account_id].occurred_at
        ):
            latest[report.account_id] = report
    today = timezone.localdate()
    PlanAction.objects.bulk_create(
        [
            PlanAction(
                tenant=tenant,
                plan=plans[account_id],
                source_call=report,
                owner=report.author,
                title=rng.choice(
                    [
                        "Send the revised offer",
                        "Follow up on the security questions",
                        "Share the pilot plan",
                        "Book the next review",
                    ]
                ),
                due_date=today + dt.timedelta(days=rng.randint(-5, 20)),
            )
            for account_id, report in latest.items()
        ]
    )


def _visits(accounts, contacts, users, rng, tz):
    """Visits in the coming two weeks, executives attending, plus a few from the last weeks."""
    manager, executive, admin = _people(users)
    visited = set(Visit.objects.values_list("account_id", flat=True))
    today = timezone.localdate()
    strategic = [a for a in accounts if a.classification == Classification.STRATEGIC and a.pk not in visited]
    others = [a for a in accounts if a.classification != Classification.STRATEGIC and a.pk not in visited]
    picks = strategic + rng.sample(others, min(len(others), max(2, len(others) // 8)))
    if not picks and accounts and not visited:
        picks = accounts[:1]
    for n, account in enumerate(picks):
        upcoming = n % 4 != 3  # three in four ahead of us, the rest in the recent past
        day = (
            today + dt.timedelta(days=rng.randint(1, 14)) if upcoming else today - dt.timedelta(days=rng.randint(3, 25))
        )
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        start = dt.datetime.combine(day, dt.time(rng.choice([9, 10, 11, 13, 14]), rng.choice([0, 30])), tzinfo=tz)
        ours = [_owner(account, users)]
        if executive and (account.classification == Classification.STRATEGIC or rng.random() < 0.5):
            ours.append(executive)
        theirs = contacts.get(account.pk, [])[: rng.randint(1, 3)]
        services.visit_schedule(
            account=account,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=rng.choice([1, 2, 3])),
            timezone_name=str(tz),
            purpose=rng.choice(PURPOSES),
            organiser=_owner(account, users),
            attendees=[u for u in ours if u is not None],
            contacts=theirs,
            location=f"{account.name}, head office",
            agenda="1. Where they are going\n2. How we help\n3. Next steps",
        )
