"""Calendar arithmetic for the shared calendar page: which days a month, week or list view covers, and
which visits fall on each day (in the tenant's time zone). Pure functions, no queries."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

VIEWS = ("month", "week", "list", "day")
LIST_DAYS = 28
# How many of the visits starting on one day each view shows before "N more" (the day view shows them
# all up to its cap): a tenant with 100,000 accounts has a hundred visits on a working day.
PER_DAY = {"month": 4, "week": 12, "list": 12, "day": 200}


@dataclass(frozen=True)
class Window:
    view: str
    anchor: dt.date
    first: dt.date  # first day shown
    last: dt.date  # last day shown (inclusive)
    previous: dt.date
    following: dt.date
    title: str

    def bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The window as aware datetimes: [first 00:00, day after last 00:00) in `tz`."""
        start = dt.datetime.combine(self.first, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def window(view: str, anchor: dt.date) -> Window:
    if view not in VIEWS:
        view = "month"
    if view == "month":
        first_of_month = _month_start(anchor)
        following = _next_month(anchor)
        first = first_of_month - dt.timedelta(days=first_of_month.weekday())
        last_of_month = following - dt.timedelta(days=1)
        last = last_of_month + dt.timedelta(days=6 - last_of_month.weekday())
        previous = _month_start(first_of_month - dt.timedelta(days=1))
        return Window(view, anchor, first, last, previous, following, f"{first_of_month:%B %Y}")
    if view == "week":
        first = anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=6)
        return Window(
            view,
            anchor,
            first,
            last,
            first - dt.timedelta(days=7),
            first + dt.timedelta(days=7),
            f"Week of {first:%-d %b} – {last:%-d %b %Y}",
        )
    if view == "day":
        return Window(
            view,
            anchor,
            anchor,
            anchor,
            anchor - dt.timedelta(days=1),
            anchor + dt.timedelta(days=1),
            f"{anchor:%A %-d %B %Y}",
        )
    last = anchor + dt.timedelta(days=LIST_DAYS - 1)
    return Window(
        view,
        anchor,
        anchor,
        last,
        anchor - dt.timedelta(days=LIST_DAYS),
        anchor + dt.timedelta(days=LIST_DAYS),
        f"{anchor:%-d %b} – {last:%-d %b %Y}",
    )


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool
    visits: list = field(default_factory=list)  # on this day, including those that began before it
    starting: list = field(default_factory=list)  # the shown visits that start on this day
    more: int = 0  # visits starting on this day that are not shown (see plans.selectors.visit_calendar)


def days(win: Window, visits, tz: ZoneInfo, today: dt.date) -> list[Day]:
    """Every day of the window with the visits on it; a visit over several days shows on each. A visit
    carrying `day_total` (how many start on its day) tells how many of that day were left out."""
    result = {}
    day = win.first
    while day <= win.last:
        in_month = win.view != "month" or day.month == win.anchor.month
        result[day] = Day(day, in_month, day == today)
        day += dt.timedelta(days=1)
    shown = {}
    for visit in visits:
        start = visit.starts_at.astimezone(tz).date()
        end = (visit.ends_at.astimezone(tz) - dt.timedelta(microseconds=1)).date()
        if start in result:
            shown[start] = shown.get(start, 0) + 1
            result[start].more = max(0, getattr(visit, "day_total", 0) - shown[start])
        if start in result or start < win.first:  # one that began before the window opens its first day
            result[max(start, win.first)].starting.append(visit)
        day = max(start, win.first)
        while day <= min(end, win.last):
            result[day].visits.append(visit)
            day += dt.timedelta(days=1)
    return list(result.values())


def weeks(day_list: list[Day]) -> list[list[Day]]:
    return [day_list[i : i + 7] for i in range(0, len(day_list), 7)]
