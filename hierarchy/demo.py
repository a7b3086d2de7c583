"""Demo data: relationships on the accounts that exist, each with about 18 months of assessments that
rise and fall, and customer survey answers that sometimes disagree with our view.

Strategic accounts beyond those get one relationship each that never got past level 2 (the declassification
review asks whether they can still move up). And the first accounts' relationships were also judged under
the needs model (6 levels), so an admin who switches to it sees levels 5 and 6 apart, and ratings that
follow: a Buy-Sell 4 reads as a needs 5, a Buy-Sell 5 as a needs 6.

Safe to run twice: relationships are looked up before they are created (the choice of pairs does not
depend on the random generator), and a relationship that already has assessments gets no more.
"""

import datetime as dt

from django.db.models import F
from django.utils import timezone

from accounts.models import Account, Classification, Contact, FinancialPeriod
from hierarchy import selectors, services
from hierarchy.models import Assessment, HierarchyAlert, HierarchyModel, ModelKind, Relationship, Source
from tenancy.models import Role

MAX_ACCOUNTS = 15
CONTACTS_PER_ACCOUNT = 5
HISTORY_DAYS = 18 * 30


def seed(tenant, users, rng):
    """Demo data for one tenant (runs inside its context; must be safe to run twice)."""
    model = services.hierarchy_defaults_ensure(tenant_id=tenant.pk)
    levels = selectors.model_levels(model)
    top = len(levels)
    ours = [users[Role.MANAGER], users[Role.ADMIN], users[Role.EXECUTIVE]]
    accounts = list(Account.objects.order_by("pk")[:MAX_ACCOUNTS])
    contacts = {}
    for contact in Contact.objects.filter(account__in=accounts, is_active=True).order_by("account_id", "pk"):
        contacts.setdefault(contact.account_id, [])
        if len(contacts[contact.account_id]) < CONTACTS_PER_ACCOUNT:
            contacts[contact.account_id].append(contact)
    existing = {(r.user_id, r.contact_id): r for r in Relationship.objects.filter(account__in=accounts)}
    assessed = set(Assessment.objects.filter(account__in=accounts).values_list("relationship_id", flat=True).distinct())
    now = timezone.now()
    touched = []
    for a_index, account in enumerate(accounts):
        for c_index, contact in enumerate(contacts.get(account.pk, [])):
            if (a_index + c_index) % 5 == 4:
                continue  # leave some contacts uncovered: coverage gaps are part of the story
            pairs = [ours[(a_index + c_index) % len(ours)]]
            if c_index == 0:
                pairs.append(ours[(a_index + 1) % len(ours)])  # two of us know the top person
            for user in pairs:
                relationship = existing.get((user.pk, contact.pk))
                if relationship is None:
                    relationship = services.relationship_create(user=user, contact=contact, owner=ours[0])
                    existing[(user.pk, contact.pk)] = relationship
                if relationship.pk in assessed:
                    continue
                _history(relationship, rng=rng, levels=levels, top=top, now=now, senior=c_index == 0)
                assessed.add(relationship.pk)
                touched.append(relationship.pk)
    # Old drops were dealt with long ago: only the recent ones stay open on the dashboard.
    if touched:
        HierarchyAlert.objects.filter(
            relationship_id__in=touched,
            acknowledged_at__isnull=True,
            assessment__assessed_at__lt=now - dt.timedelta(days=30),
        ).update(acknowledged_at=now, acknowledged_by=users[Role.MANAGER])
        _needs_model_views(touched, model=model, now=now)
    _stuck_strategic(users=users, ours=ours, levels=levels, rng=rng, now=now, skip={a.pk for a in accounts})


NEEDS_FROM_BUY_SELL = {1: 1, 2: 2, 3: 3, 4: 5, 5: 6}


def _needs_model_views(relationship_ids, *, model, now) -> None:
    """One assessment under the needs model per relationship, a week old, from its current Buy-Sell level.
    Written directly: the service records under the active model only. They count once it is active."""
    needs = HierarchyModel.objects.filter(kind=ModelKind.NEEDS).first()
    if needs is None or needs.pk == model.pk:
        return
    rows = []
    for relationship in Relationship.objects.filter(pk__in=relationship_ids, self_level__isnull=False).select_related(
        "contact"
    ):
        level = NEEDS_FROM_BUY_SELL[relationship.self_level]
        rows.append(
            Assessment(
                tenant_id=relationship.tenant_id,
                relationship=relationship,
                account_id=relationship.account_id,
                hierarchy_model=needs,
                level=level,
                source=Source.SELF,
                assessed_by_id=relationship.user_id,
                assessed_at=now - dt.timedelta(days=7),
                evidence=f"Needs model: {relationship.contact.full_name} sees us at level {level} of 6.",
            )
        )
    Assessment.objects.bulk_create(rows)


def _stuck_strategic(*, users, ours, levels, rng, now, skip) -> None:
    """Strategic accounts outside the first ones: a relationship with their most senior contact, assessed
    at 1 or 2 every few months for a year and a half — it never climbed. Where the discount keeps rising
    (the last financial period's above the first's by 3 points or more), with every contact still there:
    they buy on price, whoever we talk to."""
    strategic = list(
        Account.objects.filter(classification=Classification.STRATEGIC).exclude(pk__in=skip).order_by("pk")
    )
    periods = {}
    for period in FinancialPeriod.objects.filter(account__in=strategic, discount_pct__isnull=False).order_by(
        "period_start"
    ):
        periods.setdefault(period.account_id, []).append(period.discount_pct)
    people = {}
    senior_first = F("reports_to_id").asc(nulls_first=True)
    for contact in Contact.objects.filter(account__in=strategic, is_active=True).order_by(
        "account_id", senior_first, "pk"
    ):
        people.setdefault(contact.account_id, []).append(contact)
    names = selectors.level_names(levels)
    for index, account in enumerate(strategic):
        discounts = periods.get(account.pk, [])
        squeezing = len(discounts) >= 2 and discounts[-1] - discounts[0] >= 3
        contacts = people.get(account.pk, [])
        for position, contact in enumerate(contacts if squeezing else contacts[:1]):
            if Relationship.objects.filter(contact=contact).exists():
                continue
            user = ours[(index + position) % len(ours)]
            relationship = services.relationship_create(user=user, contact=contact, owner=ours[0])
            entries = []
            for day in range(HISTORY_DAYS, 0, -90):
                level = 1 + (index + position + day // 90) % 2
                entries.append(
                    {
                        "level": level,
                        "assessed_by": user,
                        "source": Source.SELF,
                        "assessed_at": now - dt.timedelta(days=day, hours=rng.randint(0, 8)),
                        "evidence": f"{names.get(level, level)}: they still buy on specification and price ({contact.full_name}).",
                    }
                )
            services.assessments_record(relationship=relationship, entries=entries)


def _history(relationship, *, rng, levels, top, now, senior):
    by_number = {level.number: level for level in levels}
    level = rng.randint(1, 3) + (1 if senior else 0)
    day = HISTORY_DAYS - rng.randint(0, 40)
    survey_days = sorted({rng.randint(300, 420), rng.randint(120, 240), rng.randint(5, 60)}, reverse=True)
    entries = []
    while day > 0:
        at = now - dt.timedelta(days=day, hours=rng.randint(0, 8))
        level = min(max(level + rng.choice([-1, 0, 0, 1, 1]), 1), top)
        signal = rng.choice(by_number[level].signal_list or [by_number[level].name])
        entries.append(
            {
                "level": level,
                "assessed_by": relationship.user,
                "source": Source.SELF,
                "assessed_at": at,
                "evidence": f"{signal} (seen at our {at:%B} meeting with {relationship.contact.full_name}).",
            }
        )
        next_day = day - rng.randint(40, 75)
        while survey_days and survey_days[0] > next_day:  # a survey answered before our next assessment
            survey_day = survey_days.pop(0)
            theirs = min(max(level + rng.choice([-1, -1, 0, 0, 0, 1]), 1), top)
            statement = by_number[theirs].survey_statement or by_number[theirs].name
            entries.append(
                {
                    "level": theirs,
                    "source": Source.CUSTOMER_SURVEY,
                    "assessed_at": now - dt.timedelta(days=survey_day, hours=rng.randint(0, 8)),
                    "evidence": f'Customer survey: "{statement}"',
                }
            )
        day = next_day
    services.assessments_record(relationship=relationship, entries=entries)
