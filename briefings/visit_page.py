"""What briefings adds to plans' visit page and calendar (plans.visit_sections): the Briefing link, and
who got the briefing e-mail (or why not)."""

from django.template.loader import render_to_string
from django.urls import reverse

from briefings import selectors


def links(request, visit) -> list[tuple[str, str]]:
    return [("Briefing", reverse("briefings:briefing", args=[request.tenant.slug, visit.pk]))]


def panel(request, visit) -> str:
    states = selectors.delivery_states(visit=visit, tenant=request.tenant)
    return render_to_string("briefings/_deliveries.html", {"states": states, "visit": visit}, request=request)
