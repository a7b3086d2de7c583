"""The hierarchy app's charts: levels over time (step_chart) and counts per level (grouped_bars). What is
drawn (series, labels, tooltips) is decided here; where it goes is tenancy.charts' job. Drawn as SVG by
hierarchy/_line_chart.html and _bar_chart.html. No JavaScript."""

import datetime as dt
from dataclasses import dataclass, field

from tenancy.charts import Frame, Rect, bands, bars, linear_scale, month_ticks, nice_ticks, step_path, time_scale

FRAME = Frame(width=640, height=230, margin=(12, 12, 30, 34))


@dataclass
class Series:
    name: str
    css: str
    path: str
    dots: list = field(default_factory=list)  # (x, y, label)


@dataclass
class LineChart:
    frame: Frame
    y_ticks: list  # (y, label)
    x_ticks: list  # (x, label)
    series: list
    title: str
    empty: bool


def step_chart(
    *,
    series: list[tuple[str, str, list[tuple[dt.datetime, int | None]]]],
    levels: int,
    start: dt.datetime,
    end: dt.datetime,
    title: str,
) -> LineChart:
    """Levels over time as steps (a level holds until the next assessment). `series`: (name, css, points);
    a None level lifts the pen."""
    levels = max(levels, 2)
    x_of = time_scale(start, end, (FRAME.left, FRAME.right))
    y_of = linear_scale((1, levels), (FRAME.bottom, FRAME.top))
    drawn = []
    for name, css, points in series:
        points = sorted(points, key=lambda p: p[0])
        path = step_path([(x_of(at), None if n is None else y_of(n)) for at, n in points], until=x_of(end))
        dots = [(x_of(at), y_of(n), f"{name}: level {n} ({at:%d %b %Y})") for at, n in points if n is not None]
        drawn.append(Series(name=name, css=css, path=path, dots=dots))
    return LineChart(
        frame=FRAME,
        title=title,
        empty=not any(s.dots for s in drawn),
        series=drawn,
        y_ticks=[(y_of(n), str(n)) for n in range(1, levels + 1)],
        x_ticks=[(x_of(at), f"{at:%b %y}") for at in month_ticks(start, end)],
    )


@dataclass
class Bar:
    rect: Rect
    css: str
    label: str
    value: int


@dataclass
class BarChart:
    frame: Frame
    bars: list
    x_labels: list  # (x, label)
    y_ticks: list  # (y, label)
    legend: list  # (css, name)
    title: str
    empty: bool


def grouped_bars(*, groups: list[tuple[str, list[tuple[str, str, int]]]], title: str) -> BarChart:
    """groups: [(x label, [(series name, css, value), …]), …] → bars side by side per group, scaled to the
    largest count; grid lines at round counts up to it."""
    top = max([value for _, items in groups for _, _, value in items] + [1])
    y_of = linear_scale((0, top), (FRAME.bottom, FRAME.top))
    rects = bars([[value for _, _, value in items] for _, items in groups], FRAME, top=top)
    drawn = [
        Bar(rect=rect, css=css, label=f"{label} — {name}: {value}", value=value)
        for (label, items), group in zip(groups, rects)
        for (name, css, value), rect in zip(items, group)
    ]
    slots = bands(len(groups), FRAME.left, FRAME.right)
    return BarChart(
        frame=FRAME,
        bars=drawn,
        x_labels=[(round(x + w / 2, 1), label) for (x, w), (label, _) in zip(slots, groups)],
        y_ticks=[(y_of(v), str(v)) for v in nice_ticks(0, top, whole=True) if v <= top],
        legend=[(css, name) for name, css, _ in groups[0][1]] if groups else [],
        title=title,
        empty=not any(b.value for b in drawn),
    )


def account_level_chart(history, levels: int):
    """An account's roll-up and both views of its level, month by month (hierarchy.selectors.account_history)."""
    start = history[0]["at"].replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return step_chart(
        title="Account level, month by month",
        levels=levels,
        start=start,
        end=history[-1]["at"],
        series=[
            ("Roll-up (highest)", "s-eff", [(p["at"], p["highest"]) for p in history]),
            ("Our view", "s-self", [(p["at"], p["self"]) for p in history]),
            ("Customer's view", "s-cust", [(p["at"], p["customer"]) for p in history]),
        ],
    )
