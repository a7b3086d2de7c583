"""The dashboard's "Briefings" panel: the visits an executive attends in the next two weeks, each with
its briefing and whether the e-mail went out. Only for executives (the role briefings are for)."""

from briefings import selectors
from tenancy.models import Role

MAX_ROWS = 10


def panels(request) -> list[dict]:
    membership = getattr(request, "membership", None)
    if membership is None or membership.role != Role.EXECUTIVE:
        return []
    visits = selectors.upcoming_briefings(user=request.user, days=14)[:MAX_ROWS]
    return [{"template": "briefings/_panel.html", "visits": visits, "tz": request.tenant.zone}]
