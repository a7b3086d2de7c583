"""Chart geometry, once for every app: the server draws its charts as SVG (no JavaScript), and these are
the primitives that turn data into coordinates. An app's chart module keeps only what is about its domain
(which series, labels, colours, the rating bands) and asks this module where things go.

Conventions (so that every chart reads the same way):
- Coordinates are SVG pixels: x grows to the right, y grows *down*, so a value axis maps its low end to
  the plot's bottom edge and its high end to the top edge.
- Every coordinate is rounded to 0.1 px: finer is invisible, and short stable numbers keep the markup
  small and make rendered charts comparable in tests.
"""

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


def _px(value: float) -> float:
    return round(value, 1)


@dataclass(frozen=True)
class Frame:
    """A chart's canvas, `width` × `height` px, and the margins around its plot area, where the axis labels
    go. `margin` is (top, right, bottom, left), CSS order. left/right/top/bottom are the plot's edges."""

    width: int
    height: int
    margin: tuple[int, int, int, int]

    @property
    def left(self) -> int:
        return self.margin[3]

    @property
    def right(self) -> int:
        return self.width - self.margin[1]

    @property
    def top(self) -> int:
        return self.margin[0]

    @property
    def bottom(self) -> int:
        return self.height - self.margin[2]

    @property
    def plot_w(self) -> int:
        return self.right - self.left

    @property
    def plot_h(self) -> int:
        return self.bottom - self.top


Scale = Callable[[float], float]


def linear_scale(domain: tuple[float, float], pixels: tuple[float, float]) -> Scale:
    """The straight line through (domain[0], pixels[0]) and (domain[1], pixels[1]), as a function (d3 calls
    `pixels` the range).

    A value outside the domain is pinned to the nearer end, so nothing is drawn outside the plot. A domain
    of one point (a single quarter, a single snapshot) has nothing to spread over: it maps to the middle
    of the pixels."""
    (d0, d1), (r0, r1) = [float(v) for v in domain], [float(v) for v in pixels]
    low, high = min(d0, d1), max(d0, d1)

    def scale(value: float) -> float:
        if d0 == d1:
            return _px((r0 + r1) / 2)
        value = min(max(float(value), low), high)
        return _px(r0 + (r1 - r0) * (value - d0) / (d1 - d0))

    return scale


def time_scale(start: dt.datetime, end: dt.datetime, pixels: tuple[float, float]) -> Callable[[dt.datetime], float]:
    """linear_scale for moments: seconds since `start`."""
    scale = linear_scale((0, (end - start).total_seconds()), pixels)
    return lambda at: scale((at - start).total_seconds())


def nice_step(span: float, count: int = 4) -> float:
    """A round step, 1, 2 or 5 × 10^n, that cuts `span` into about `count` parts (at most `count`).
    Round steps give labels a reader takes in at a glance (0, 200, 400 rather than 0, 237, 474)."""
    raw = span / count
    if raw <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))  # an int from 1 up, so steps of whole numbers stay ints
    return next(factor * magnitude for factor in (1, 2, 5, 10) if raw <= factor * magnitude)


def nice_ticks(low: float, high: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """Multiples of nice_step from the one at or below `low` to the one at or above `high`: the grid of a
    value axis, whose ends make the scale's domain (so the highest value sits under the top grid line).
    `whole`: steps of at least 1, for counts. Always two ticks at least, so the domain has a length."""
    step = nice_step(high - low, count)
    if whole:
        step = max(1, step)
    first, last = math.floor(low / step), math.ceil(high / step)
    # Rounded: a step below 1 is a binary float, and 3 * 0.2 would be labelled 0.6000000000000001.
    return [round(i * step, 10) for i in range(first, max(last, first + 1) + 1)]


def spread(start, end, count: int) -> list:
    """`count` evenly spaced values from `start` to `end`, both included; numbers or datetimes alike."""
    if count < 2:
        return [start][:count]
    return [start + (end - start) * i / (count - 1) for i in range(count)]


def month_ticks(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The first of each month between `start` and `end` (every second, third … month over a long span, so
    there are no more than about six): where a time axis is labelled."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    every = max(1, months // 6)
    ticks = []
    for i in range(0, months, every):
        year, month = start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1
        at = dt.datetime(year, month, 1, tzinfo=start.tzinfo or dt.UTC)
        if start <= at <= end:
            ticks.append(at)
    return ticks


def step_path(points: Iterable[tuple[float, float | None]], *, until: float | None = None) -> str:
    """SVG path data for a value that holds until the next one (a level, a score): from each point a
    horizontal line to the next point's x, then a vertical one to its y. A y of None lifts the pen (no
    value known from there on). `until`: carry the last value on to this x (usually "now")."""
    parts, pen_down = [], False
    for x, y in points:
        if y is None:
            pen_down = False
            continue
        parts.append(f"H{x} V{y}" if pen_down else f"M{x} {y}")
        pen_down = True
    if pen_down and until is not None:
        parts.append(f"H{until}")
    return " ".join(parts)


def line_points(points: Iterable[tuple[float, float]]) -> str:
    """The `points` attribute of an SVG polyline through (x, y) pairs."""
    return " ".join(f"{x},{y}" for x, y in points)


def area_points(points: Sequence[tuple[float, float]], baseline: float) -> str:
    """The `points` attribute of an SVG polygon filling between the line through `points` and `baseline`."""
    if not points:
        return ""
    return line_points([(points[0][0], baseline), *points, (points[-1][0], baseline)])


def bands(count: int, start: float, end: float, *, padding: float = 0.0) -> list[tuple[float, float]]:
    """[start, end] cut into `count` equal slots, as (where each begins, its size); `padding` is the
    fraction of a slot kept empty on each side, so neighbouring bars do not touch."""
    size = (end - start) / max(count, 1)
    return [(start + i * size + size * padding, size * (1 - 2 * padding)) for i in range(count)]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float


def bars(
    groups: Sequence[Sequence[float]], frame: Frame, *, top: float | None = None, gap: float = 2
) -> list[list[Rect]]:
    """Vertical bars: one group of bars side by side per entry of `groups`, the groups spread evenly over
    the plot. Heights scale so that `top` (by default the largest value) fills the plot; a chart of zeros
    is drawn against a top of 1, so its bars stay flat rather than dividing by zero. `gap`: px between
    the bars of one group."""
    top = top or max((value for values in groups for value in values), default=0) or 1
    y_of = linear_scale((0, top), (frame.bottom, frame.top))
    drawn = []
    for (group_x, group_w), values in zip(bands(len(groups), frame.left, frame.right, padding=0.1), groups):
        drawn.append(
            [
                Rect(x=_px(x), y=y_of(value), w=_px(w - gap), h=_px(frame.bottom - y_of(value)))
                for (x, w), value in zip(bands(len(values), group_x, group_x + group_w), values)
            ]
        )
    return drawn
