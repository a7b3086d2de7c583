"""Dashboard panels: notes that mention the user (when there are any), the user's overdue and soon-due plan
actions, and their visits of the next two weeks."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from plans import selectors

DUE_SOON_DAYS = 7
MAX_ROWS = 10


def panels(request) -> list[dict]:
    """Dashboard panels: [{"template": "<app>/_panel.html", ...context}]."""
    if getattr(request, "membership", None) is None:
        return []
    tz = ZoneInfo(request.tenant.timezone)
    now = timezone.now()
    today = timezone.localdate(now, timezone=tz)
    actions = list(
        selectors.action_list(today=today, owner_id=request.user.pk).filter(
            due_date__lt=today + dt.timedelta(days=DUE_SOON_DAYS)
        )[: 2 * MAX_ROWS]
    )
    overdue = [a for a in actions if a.due_date < today][:MAX_ROWS]
    due_soon = [a for a in actions if a.due_date >= today][:MAX_ROWS]
    visits = selectors.upcoming_visits_of(request.user, now=now)[:MAX_ROWS]
    mentions = selectors.unseen_mentions(user=request.user, limit=MAX_ROWS)
    return [
        *([{"template": "plans/_panel_mentions.html", "mentions": mentions, "tz": tz}] if mentions else []),
        {"template": "plans/_panel_actions.html", "overdue": overdue, "due_soon": due_soon, "today": today, "tz": tz},
        {"template": "plans/_panel_visits.html", "visits": visits, "tz": tz},
    ]
