"""Server-rendered SVG charts: geometry computed here, drawn by hierarchy/_charts.html. No JavaScript."""

import datetime as dt
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 230
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 34, 12, 12, 30


@dataclass
class Series:
    name: str
    css: str
    path: str
    dots: list = field(default_factory=list)  # (x, y, label)


@dataclass
class LineChart:
    width: int
    height: int
    y_ticks: list  # (y, label)
    x_ticks: list  # (x, label)
    series: list
    title: str
    empty: bool
    plot_left: int = PAD_LEFT
    plot_right: int = WIDTH - PAD_RIGHT


def _month_ticks(start: dt.datetime, end: dt.datetime, x_of) -> list:
    ticks, year, month = [], start.year, start.month
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = max(1, months // 6)
    for i in range(0, months, step):
        y, m = year + (month - 1 + i) // 12, (month - 1 + i) % 12 + 1
        at = dt.datetime(y, m, 1, tzinfo=start.tzinfo or dt.UTC)
        if start <= at <= end:
            ticks.append((round(x_of(at), 1), at.strftime("%b %y")))
    return ticks


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
    span = max((end - start).total_seconds(), 1)
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x_of(at):
        return PAD_LEFT + plot_w * min(max((at - start).total_seconds() / span, 0), 1)

    def y_of(level):
        return PAD_TOP + plot_h * (levels - level) / (levels - 1)

    drawn, empty = [], True
    for name, css, points in series:
        parts, dots, pen_down = [], [], False
        for at, level in sorted(points, key=lambda p: p[0]):
            if level is None:
                pen_down = False
                continue
            x, y = round(x_of(at), 1), round(y_of(level), 1)
            parts.append(f"H{x} V{y}" if pen_down else f"M{x} {y}")
            pen_down = True
            dots.append((x, y, f"{name}: level {level} ({at:%d %b %Y})"))
        if pen_down:
            parts.append(f"H{round(x_of(end), 1)}")
        empty = empty and not dots
        drawn.append(Series(name=name, css=css, path=" ".join(parts), dots=dots))
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        title=title,
        empty=empty,
        series=drawn,
        y_ticks=[(round(y_of(n), 1), str(n)) for n in range(1, levels + 1)],
        x_ticks=_month_ticks(start, end, x_of),
    )


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    css: str
    label: str
    value: int


@dataclass
class BarChart:
    width: int
    height: int
    bars: list
    x_labels: list  # (x, label)
    y_ticks: list  # (y, label)
    legend: list  # (css, name)
    title: str
    empty: bool


def grouped_bars(*, groups: list[tuple[str, list[tuple[str, str, int]]]], title: str) -> BarChart:
    """groups: [(x label, [(series name, css, value), …]), …] → bars side by side per group."""
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = max([v for _, items in groups for _, _, v in items] + [1])
    group_w = plot_w / max(len(groups), 1)
    bars, labels = [], []
    for gi, (label, items) in enumerate(groups):
        inner = group_w * 0.8
        bar_w = inner / max(len(items), 1)
        x0 = PAD_LEFT + gi * group_w + group_w * 0.1
        for bi, (name, css, value) in enumerate(items):
            h = plot_h * value / top
            bars.append(
                Bar(
                    x=round(x0 + bi * bar_w, 1),
                    y=round(PAD_TOP + plot_h - h, 1),
                    w=round(bar_w - 2, 1),
                    h=round(h, 1),
                    css=css,
                    label=f"{label} — {name}: {value}",
                    value=value,
                )
            )
        labels.append((round(PAD_LEFT + gi * group_w + group_w / 2, 1), label))
    step = max(1, -(-top // 4))
    ticks = [(round(PAD_TOP + plot_h - plot_h * v / top, 1), str(v)) for v in range(0, top + 1, step)]
    legend = []
    for _, items in groups[:1]:
        legend = [(css, name) for name, css, _ in items]
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        x_labels=labels,
        y_ticks=ticks,
        legend=legend,
        title=title,
        empty=not any(b.value for b in bars),
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
