"""Demo buying teams: the guidance defaults, and key players on every demo account with contacts.

Runs after accounts' and hierarchy's demo steps and works with whatever accounts and contacts exist
(none at all included). Safe to run twice: a contact already on the buying team is left as it is.
"""

import datetime as dt
import re

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Account, Contact
from hierarchy.models import Relationship
from keyplayers import services
from keyplayers.models import BuyingRole, BuyingStage, Influence, KeyPlayer, Stance

ROLE_BY_TITLE = [
    (BuyingRole.PURCHASING, r"purchas|procure|buyer|sourcing|category manager|vendor manage"),
    (
        BuyingRole.EXECUTIVE,
        r"chief|\bc[eftoi]o\b|president|\bvp\b|vice|managing director|general manager|owner|"
        r"founder|board",
    ),
    (BuyingRole.MIDDLE_MANAGEMENT, r"manager|lead|head|director|supervisor|programme|program|project"),
]
CONCERNS = {
    BuyingRole.EXECUTIVE: [
        "Return on the investment within the budget year",
        "Strategic fit with the group's plan",
        "Reputation if the roll-out slips",
    ],
    BuyingRole.MIDDLE_MANAGEMENT: [
        "Delivering the project on time",
        "Getting all departments to agree on requirements",
        "Being blamed if the choice goes wrong",
    ],
    BuyingRole.OPERATIONAL: [
        "Learning a new tool during the busy season",
        "Losing data in the migration",
        "Support response times",
    ],
    BuyingRole.PURCHASING: ["Unit price against the incumbent", "Payment terms and penalties", "Supplier risk rating"],
}
MAX_PER_ACCOUNT = 5
ANSWERS = {
    BuyingRole.EXECUTIVE: "Shared the payback case on their own figures; agreed a review at month six.",
    BuyingRole.MIDDLE_MANAGEMENT: "Agreed a phased plan with a named project lead on our side.",
    BuyingRole.OPERATIONAL: "Offered on-site training in the quiet weeks and a named support contact.",
    BuyingRole.PURCHASING: "Showed the three-year total cost against the incumbent's, not the unit price.",
}


def role_for_title(title: str, rng) -> str:
    text = (title or "").lower()
    for role, pattern in ROLE_BY_TITLE:
        if re.search(pattern, text):
            return role
    return BuyingRole.OPERATIONAL if text else rng.choice(BuyingRole.values)


def seed(tenant, users, rng):
    """Demo data for one tenant (runs inside its context; must be safe to run twice)."""
    services.guidance_seed_defaults()
    taken = set(KeyPlayer.objects.values_list("account_id", "contact_id"))
    contacts_by_account: dict[int, list[Contact]] = {}
    # Contacts our people already have relationships with first, so the demo boards are not all gaps.
    related = Exists(Relationship.objects.filter(contact_id=OuterRef("pk")))
    for contact in (
        Contact.objects.filter(is_active=True).annotate(related=related).order_by("account_id", "-related", "pk")
    ):
        contacts_by_account.setdefault(contact.account_id, []).append(contact)
    accounts = {
        a.pk: a for a in Account.objects.select_related("owner").filter(pk__in=list(contacts_by_account)).order_by("pk")
    }
    stages = BuyingStage.values
    for account_id, contacts in contacts_by_account.items():
        if any(key[0] == account_id for key in taken):
            continue  # this account's buying team was seeded already
        account = accounts[account_id]
        account_stage = rng.randrange(len(stages))
        # Mostly people we have relationships with, and now and then one we have not met: so some boards
        # are clean and others show the gaps, rather than every account flagged.
        related = sum(1 for contact in contacts if contact.related)
        for contact in contacts[: min(MAX_PER_ACCOUNT, max(3, related + rng.choice([0, 0, 1])))]:
            role = role_for_title(contact.title, rng)
            # The buying team moves roughly together; some are a stage behind.
            stage = stages[max(0, account_stage - rng.choice([0, 0, 1]))]
            stance = rng.choices(Stance.values, weights=[4, 4, 2, 1])[0]
            influence = Influence.HIGH if role == BuyingRole.EXECUTIVE else rng.choice(Influence.values)
            player = services.key_player_create(
                account=account,
                contact=contact,
                buying_role=role,
                buying_stage=stage,
                stance=stance,
                influence=influence,
                concerns=rng.choice(CONCERNS[role]),
                by=account.owner,
            )
            if rng.random() < 0.4:  # some concerns were answered already; the rest are yellow lights
                concern = player.concern_log.get()
                services.concern_answer(
                    concern=concern,
                    by=account.owner,
                    answer=ANSWERS.get(role, "We walked them through a reference customer's numbers."),
                )
            if not contact.related and rng.random() < 0.85:
                _meet(account, contact, role, users, rng)


def _meet(account, contact, role, users, rng):
    """Most key players we have met: a relationship with the account's owner (or the demo manager),
    seen from our side at a level that suits the role, so coverage flags some boards and not all."""
    from hierarchy import services as hierarchy_services

    ours = account.owner or users.get("manager")
    if ours is None:
        return
    relationship = hierarchy_services.relationship_create(user=ours, contact=contact)
    # Mostly at or above the role's usual minimum (3 for executives and middle management, 2 for the
    # others); now and then one below it, which the coverage page then flags.
    usual = 3 if role in (BuyingRole.EXECUTIVE, BuyingRole.MIDDLE_MANAGEMENT) else 2
    level = usual - 1 if rng.random() < 0.15 else rng.randint(usual, usual + 1)
    hierarchy_services.assessment_record(
        relationship=relationship,
        level=level,
        assessed_by=ours,
        evidence=rng.choice(
            [
                "Asked us to join their planning day.",
                "Calls us when a delivery slips.",
                "Compares our price with two others every quarter.",
                "Shares their roadmap with us.",
            ]
        ),
        assessed_at=timezone.now() - dt.timedelta(days=rng.randint(5, 120)),
    )
