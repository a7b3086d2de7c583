def seed(tenant, users, rng):
    """Demo data for one tenant (runs inside its context; must be safe to run twice)."""
