"""Demo ratings for one tenant: the default policy (v1), a second version that counts pipeline and
executive relationships more (v2, active), ratings computed under both so the history and the policy
versions have something to show, and one manual override. Safe to run twice: each step only runs
when its result is missing, and a recompute writes snapshots only for changed ratings."""

import datetime as dt

from django.utils import timezone

from accounts.models import Account
from ratings import services
from ratings.models import RatingOverride, RatingPolicy, RatingSnapshot
from tenancy.models import Role


def seed(tenant, users, rng):
    """Demo data for one tenant (runs inside its context; must be safe to run twice)."""
    admin = users.get(Role.ADMIN)
    services.policy_defaults_ensure(tenant_id=tenant.pk)
    if not RatingSnapshot.objects.exists():
        # The first ratings, as computed a month ago under v1.
        services.ratings_recompute(now=timezone.now() - dt.timedelta(days=30))
    if not RatingPolicy.objects.filter(version__gte=2).exists():
        v1 = RatingPolicy.objects.get(version=1)
        criteria = [dict(c) for c in v1.criteria]
        for item in criteria:
            if item["signal"] == "pipeline":
                item["weight"] = 15
            if item["signal"] == "exec_level":
                item["weight"] = 25
        draft = services.policy_draft_save(
            by=admin, criteria=criteria, note="Pipeline and executive relationships count more"
        )
        services.policy_activate(policy=draft, by=admin)
    services.ratings_recompute()
    if not RatingOverride.objects.exists():
        account = Account.objects.filter(classification="strategic").order_by("name").first()
        if account is not None:
            services.override_set(
                account=account,
                rating="A",
                by=admin,
                expires_at=timezone.now() + dt.timedelta(days=45),
                reason="Board-level renewal under way this quarter; treat as A until it is signed.",
            )
