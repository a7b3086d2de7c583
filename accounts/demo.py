"""Demo accounts for one tenant: 60 believable companies with people, org charts, teams (the demo users
included) and three years of quarterly financials. Deterministic from `rng`; safe to run twice (an
account whose external id exists is left alone, with everything under it).

The declassification story: a few strategic accounts ask for a bigger discount every quarter (the
"squeezers"; ratings' review flags them), the other strategic ones hold their discount steady. No account
starts declassified: that happens in the review, which records why. Small tactical accounts are served by
inside sales, self-service customers by self-service, each with its own contact cadence."""

import datetime as dt
from decimal import Decimal

from accounts import services
from accounts.models import (
    Account,
    AccountStatus,
    AccountTeamMember,
    Classification,
    Contact,
    Coverage,
    FinancialPeriod,
    Motivation,
    RelationshipCategory,
    RevenueTier,
    TeamRole,
)
from tenancy.models import Role

COUNT = 60

NAMES = [
    "Northgate",
    "Bluewater",
    "Ironbridge",
    "Silverline",
    "Harbourview",
    "Kestrel",
    "Meridian",
    "Oakridge",
    "Pioneer",
    "Redwood",
    "Summit",
    "Tidewater",
    "Vantage",
    "Westbrook",
    "Alder",
    "Beacon",
    "Cobalt",
    "Driftwood",
    "Evergreen",
    "Falcon",
    "Granite",
    "Highland",
    "Juniper",
    "Lakeside",
    "Mariner",
    "Nordic",
    "Orchard",
    "Pinnacle",
    "Quarry",
    "Riverton",
    "Sterling",
    "Thornbury",
    "Upland",
    "Valemont",
    "Whitmore",
    "Yarrow",
    "Zenith",
    "Ashford",
    "Brightwell",
    "Castlegate",
]
INDUSTRIES = {
    "Manufacturing": ["Industries", "Precision Works", "Components", "Fabrication"],
    "Logistics": ["Logistics", "Freight", "Shipping Lines", "Distribution"],
    "Healthcare": ["Health", "Medical Group", "Clinics", "Care Partners"],
    "Retail": ["Retail", "Stores", "Outfitters", "Markets"],
    "Financial services": ["Bank", "Capital", "Insurance", "Asset Management"],
    "Energy": ["Energy", "Power", "Renewables", "Utilities"],
    "Telecommunications": ["Telecom", "Networks", "Connect"],
    "Pharmaceuticals": ["Pharma", "Biosciences", "Laboratories"],
    "Food & beverage": ["Foods", "Breweries", "Dairy"],
    "Software": ["Software", "Systems", "Digital"],
    "Automotive": ["Motors", "Automotive", "Mobility"],
    "Public sector": ["City Council", "Transport Authority", "Water Board"],
}
SEGMENTS = ["Enterprise", "Mid-market", "Public sector", "Growth"]
FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Katrin",
    "Liam",
    "Mara",
    "Nils",
    "Olga",
    "Pablo",
    "Rosa",
    "Stefan",
    "Tara",
    "Umar",
    "Vera",
    "Walter",
    "Yusuf",
    "Zoe",
    "Priya",
    "Marco",
    "Sofia",
    "Lukas",
    "Amelia",
    "Henrik",
    "Chloe",
    "Mateo",
    "Ingrid",
    "Tomas",
    "Leila",
    "Oscar",
]
LAST = [
    "Andersen",
    "Becker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gallagher",
    "Hoffmann",
    "Ivanova",
    "Jensen",
    "Keller",
    "Lindqvist",
    "Moreau",
    "Novak",
    "O'Brien",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ullman",
    "Varga",
    "Weber",
    "Young",
    "Zimmermann",
    "Okafor",
    "Nakamura",
    "Haddad",
    "Kowalski",
    "Brennan",
]
TOP = [("Chief Executive Officer", "Executive board"), ("Managing Director", "Executive board")]
DIRECTORS = [
    ("Chief Financial Officer", "Finance"),
    ("Chief Operating Officer", "Operations"),
    ("Chief Information Officer", "IT"),
    ("VP Procurement", "Procurement"),
    ("VP Sales", "Sales"),
    ("Head of Engineering", "Engineering"),
]
MANAGERS = {
    "Finance": ["Controller", "Head of Treasury"],
    "Operations": ["Plant Manager", "Head of Supply Chain"],
    "IT": ["IT Architect", "Head of Infrastructure"],
    "Procurement": ["Category Manager", "Senior Buyer"],
    "Sales": ["Key Account Manager", "Sales Operations Lead"],
    "Engineering": ["Lead Engineer", "Quality Manager"],
}
STRATEGIC_REASONS = [
    "Our first customer in {industry}: the beachhead for the whole segment.",
    "Co-develops the next product line with us; their know-how shapes our roadmap.",
    "A named reference that opens doors with every prospect in {industry}.",
    "Small today, but the fastest-growing player in its market; early access to where {industry} is going.",
    "Joint go-to-market partner: their channel reaches customers we cannot.",
]
TACTICAL_REASONS = [
    "Large, but buys on price through annual tenders; little future advantage beyond the revenue.",
    "Steady volume business served well through self-service; no strategic upside in sight.",
    "Important for this year's numbers; relationship stays at the procurement level.",
    "Buys a commodity part of our range; we keep it profitable, not strategic.",
]
SQUEEZERS_FROM = 15  # hierarchy's demo gives the first 15 accounts rich histories; squeezers come after them
SELF_SERVED = (RelationshipCategory.SELF_SERVICE, RelationshipCategory.AUTOMATED)
TIER_REVENUE = {
    RevenueTier.PLATINUM: (2_000_000, 5_000_000),
    RevenueTier.GOLD: (600_000, 2_000_000),
    RevenueTier.SILVER: (150_000, 600_000),
    RevenueTier.BRONZE: (20_000, 150_000),
    RevenueTier.LEAD: (5_000, 20_000),
}


def _currency(tenant) -> str:
    return tenant.currency


def _quarters(count: int) -> list[tuple[dt.date, dt.date]]:
    """The last `count` complete calendar quarters, oldest first."""
    today = dt.date.today()
    start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarters = []
    for _ in range(count):
        end = start - dt.timedelta(days=1)
        start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
        quarters.append((start, end))
    return quarters[::-1]


def _plan(rng, users) -> list[dict]:
    """Everything about the 60 accounts, drawn from rng in a fixed order (so the same every run)."""
    industries = list(INDUSTRIES)
    names = rng.sample(NAMES, len(NAMES))
    manager, admin, executive = users[Role.MANAGER], users[Role.ADMIN], users[Role.EXECUTIVE]
    plans, used = [], set()
    for i in range(COUNT):
        industry = industries[i % len(industries)]
        name = f"{names[i % len(names)]} {rng.choice(INDUSTRIES[industry])}"
        while name in used:
            name = f"{rng.choice(NAMES)} {rng.choice(INDUSTRIES[industry])}"
        used.add(name)
        tier = rng.choices(list(RevenueTier), weights=[1, 2, 3, 3, 1])[0]
        # Strategic is about future advantage, not size: some small accounts are strategic, some big ones tactical.
        classification = rng.choices(list(Classification), weights=[2, 5, 3])[0]
        reason = ""
        if classification == Classification.STRATEGIC:
            reason = rng.choice(STRATEGIC_REASONS).format(industry=industry.lower())
        elif classification == Classification.TACTICAL:
            reason = rng.choice(TACTICAL_REASONS)
        owner = [manager, manager, admin, None][i % 4]
        team = []
        if owner is not None:
            team.append((owner, TeamRole.OWNER))
        if owner is not manager and rng.random() < 0.4:
            team.append((manager, TeamRole.ACCOUNT_MANAGER))
        if classification == Classification.STRATEGIC or tier == RevenueTier.PLATINUM:
            team.append((executive, TeamRole.EXECUTIVE_SPONSOR))
        squeezer = classification == Classification.STRATEGIC and i >= SQUEEZERS_FROM and i % 2 == 1
        category = rng.choice(list(RelationshipCategory))
        coverage = Coverage.FIELD_TEAM
        if classification != Classification.STRATEGIC and category in SELF_SERVED:
            coverage = Coverage.SELF_SERVICE
        elif classification == Classification.TACTICAL and tier == RevenueTier.BRONZE:
            coverage = Coverage.INSIDE_SALES
        plans.append(
            {
                "external_id": f"DEMO-{i + 1:03d}",
                "name": name,
                "industry": industry,
                "coverage": coverage,
                "segment": "Public sector" if industry == "Public sector" else rng.choice(SEGMENTS[:2] + SEGMENTS[3:]),
                "owner": owner,
                "revenue_tier": tier,
                "classification": classification,
                "reason": reason,
                "motivation": rng.choice(list(Motivation)),
                "relationship_category": category,
                "potential_level": rng.choice([3, 4, 4, 5, 5]),
                "status": rng.choices([AccountStatus.CUSTOMER, AccountStatus.PROSPECT], weights=[8, 2])[0],
                **_partner(rng.random() < 0.15, i),
                "reference_customer": rng.random() < 0.2,
                "beachhead": classification == Classification.STRATEGIC and "beachhead" in reason,
                "team": team,
                "people": _people(rng, i),
                "financials": _financials(rng, tier, classification, squeezer),
            }
        )
    return plans


def _partner(member: bool, index: int) -> dict:
    """Partner programme membership as data: the programme, the tier, since when, what it gives."""
    if not member:
        return {"partner_programme": "", "partner_tier": "", "partner_since": None, "partner_benefits": ""}
    tier = ["Gold", "Silver", "Registered"][index % 3]
    return {
        "partner_programme": "Keystone Partner Network",
        "partner_tier": tier,
        "partner_since": dt.date(2020 + index % 5, 1 + index % 12, 1),
        "partner_benefits": "Joint marketing fund, early access to releases, a named partner manager.",
    }


def _people(rng, index: int) -> list[dict]:
    """An org chart: one head, 2–4 directors, 0–2 managers under each; about one in twelve has left."""

    def person(title, department, boss):
        return {
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "title": title,
            "department": department,
            "boss": boss,
            "gone": rng.random() < 0.08,
        }

    title, department = rng.choice(TOP)
    people = [person(title, department, None)]
    people[0]["gone"] = False
    for director_title, director_department in rng.sample(DIRECTORS, rng.randint(2, 4)):
        people.append(person(director_title, director_department, 0))
        director = len(people) - 1
        for manager_title in rng.sample(MANAGERS[director_department], rng.randint(0, 2)):
            people.append(person(manager_title, director_department, director))
    for n, p in enumerate(people):
        p["external_id"] = f"DEMO-{index + 1:03d}-P{n + 1:02d}"
    return people


def _financials(rng, tier, classification, squeezer: bool) -> list[dict]:
    """Twelve quarters. A squeezer's discount climbs about a point a quarter; other strategic accounts
    keep theirs steady (a little noise, drifting down); the rest wander around their base."""
    low, high = TIER_REVENUE[tier]
    revenue = Decimal(rng.randint(low, high) // 4)
    growth = rng.uniform(-0.03, 0.06)
    discount_base = rng.uniform(2, 12) + (10 if classification == Classification.TACTICAL and rng.random() < 0.3 else 0)
    rows = []
    for q in range(12):
        seasonal = 1 + 0.08 * [0, 0.5, -0.4, 0.9][q % 4]
        value = revenue * Decimal(str(round((1 + growth) ** q * seasonal * rng.uniform(0.9, 1.1), 4)))
        rows.append(
            {
                "revenue": value.quantize(Decimal("0.01")),
                "margin_pct": Decimal(str(round(rng.uniform(14, 42), 2))),
                "discount_pct": Decimal(
                    str(
                        round(
                            min(35, max(0, _discount(discount_base, q, rng.uniform(-2, 2), classification, squeezer))),
                            2,
                        )
                    )
                ),
            }
        )
    return rows


def _discount(base: float, quarter: int, noise: float, classification: str, squeezer: bool) -> float:
    if squeezer:
        return base + 1.0 * quarter + noise / 4
    if classification == Classification.STRATEGIC:
        return base - 0.2 * quarter + noise / 8
    return base + noise


def seed(tenant, users, rng):
    """Demo data for one tenant (runs inside its context; must be safe to run twice)."""
    plans = _plan(rng, users)
    existing = set(
        Account.objects.filter(external_id__in=[p["external_id"] for p in plans]).values_list("external_id", flat=True)
    )
    todo = [p for p in plans if p["external_id"] not in existing]
    if not todo:
        return
    by = users[Role.MANAGER]
    currency = _currency(tenant)
    quarters = _quarters(12)
    team, contacts, periods, bosses = [], [], [], []
    for plan in todo:
        account = services.account_create(by=by, **{f: plan[f] for f in services.ACCOUNT_FIELDS if f in plan})
        if plan["classification"] != Classification.UNQUALIFIED:
            services.account_classify(
                account=account, classification=plan["classification"], reason=plan["reason"], by=plan["owner"] or by
            )
        for user, role in plan["team"]:
            team.append(AccountTeamMember(tenant=tenant, account=account, user=user, team_role=role))
        people = []
        for person in plan["people"]:
            contact = Contact(
                tenant=tenant,
                account=account,
                external_id=person["external_id"],
                full_name=person["name"],
                title=person["title"],
                department=person["department"],
                email=_email(person["name"], account.name),
                is_active=not person["gone"],
                left_on=quarters[-1][1] if person["gone"] else None,
            )
            people.append(contact)
            contacts.append(contact)
        bosses.append((people, plan["people"]))
        for (start, end), figures in zip(quarters, plan["financials"]):
            periods.append(
                FinancialPeriod(
                    tenant=tenant, account=account, period_start=start, period_end=end, currency=currency, **figures
                )
            )
    AccountTeamMember.objects.bulk_create(team)
    Contact.objects.bulk_create(contacts)
    managed = []
    for people, persons in bosses:
        for contact, person in zip(people, persons):
            if person["boss"] is not None:
                contact.reports_to = people[person["boss"]]
                managed.append(contact)
    Contact.objects.bulk_update(managed, ["reports_to"])
    FinancialPeriod.objects.bulk_create(periods)


def _email(name: str, company: str) -> str:
    local = ".".join(part.lower().replace("'", "") for part in name.split())
    domain = "".join(ch for ch in company.split()[0].lower() if ch.isalnum())
    return f"{local}@{domain}.example"
