"""Shared helpers of the ratings tests."""

from django.utils import timezone

from ratings import services
from ratings.models import PolicyStatus, RatingPolicy
from tenancy.context import tenant_context
from tenancy.models import OutboxMessage

SIMPLE_THRESHOLDS = {"threshold_a": 70, "threshold_b": 50, "threshold_c": 30}


def activate_policy(member, **fields):
    """Makes a policy with `fields` (criteria, thresholds, …) the active one of member's tenant.
    Call inside the member's scope. Returns the active policy."""
    draft = RatingPolicy.objects.filter(status=PolicyStatus.DRAFT).first()
    draft = services.policy_draft_save(by=member.user, draft=draft, **fields)
    return services.policy_activate(policy=draft, by=member.user)


def pipeline_only(**extra):
    """One criterion: open pipeline, 0 points at 0 and 100 at 100 — so the score equals the pipeline."""
    return {
        "criteria": [
            {"signal": "pipeline", "weight": 1, "scoring": "linear", "zero_at": 0, "full_at": 100, "missing": 0}
        ],
        **SIMPLE_THRESHOLDS,
        **extra,
    }


def setup_ran(tenant):
    """The setup's writes queued recomputes in the outbox too, but inside a test transaction their
    commit (and so their send) never comes: count them as run, so a later change queues its own."""
    with tenant_context(tenant.pk):
        OutboxMessage.objects.filter(done_at__isnull=True).update(started_at=timezone.now(), done_at=timezone.now())


def editor_values(client, url) -> dict:
    """The editor's initial values, as the browser would submit them untouched."""
    response = client.get(url)
    form = response.context["form"]
    values = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if name.endswith("__use"):
            if value:
                values[name] = "on"
            continue
        values[name] = "" if value is None else str(value)
    return values
