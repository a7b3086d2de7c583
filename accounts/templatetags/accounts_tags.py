"""Small, cheap formatting for the account list (it renders up to 100 rows per request)."""

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def since(value) -> str:
    """ "today", "3 days ago", "5 weeks ago", "4 months ago", "2 years ago"; "never" for None.
    (humanize's naturaltime costs ~10× more per call and says more than a list needs.)"""
    if value is None:
        return "never"
    days = (timezone.now() - value).days
    if days <= 0:
        return "today"
    for size, unit in ((365, "year"), (30, "month"), (7, "week"), (1, "day")):
        if days >= size:
            n = days // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "today"
