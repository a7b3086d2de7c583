"""The revenue trend chart: revenue per quarter as a line over a shaded area, with round grid lines in
short money labels (1.5m). Geometry from tenancy.charts; accounts/_revenue_chart.html draws it as SVG
(no JavaScript)."""

from dataclasses import dataclass
from decimal import Decimal

from tenancy.charts import Frame, area_points, line_points, linear_scale, nice_ticks

FRAME = Frame(width=720, height=240, margin=(16, 16, 40, 64))
MOST_X_LABELS = 12


@dataclass
class Point:
    x: float
    y: float
    label: str
    value: Decimal
    margin: Decimal | None
    currency: str


def _short(amount: float) -> str:
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(amount) >= limit:
            return f"{amount / limit:g}{suffix}"
    return f"{amount:g}"


def revenue_chart(periods) -> dict | None:
    """Points, grid lines and labels for periods in date order; None without any. The value axis always
    includes 0, so a dip reads as a dip and not as a collapse."""
    periods = list(periods)
    if not periods:
        return None
    values = [float(p.revenue) for p in periods]
    grid = nice_ticks(min(values + [0.0]), max(values + [0.0]))
    y_of = linear_scale((grid[0], grid[-1]), (FRAME.bottom, FRAME.top))
    x_of = linear_scale((0, len(periods) - 1), (FRAME.left, FRAME.right))  # one quarter: in the middle
    points = [
        Point(
            x=x_of(i),
            y=y_of(v),
            label=f"{p.period_start:%Y}-Q{(p.period_start.month - 1) // 3 + 1}",
            value=p.revenue,
            margin=p.margin_pct,
            currency=p.currency,
        )
        for i, (p, v) in enumerate(zip(periods, values))
    ]
    every = -(-len(points) // MOST_X_LABELS)
    xy = [(p.x, p.y) for p in points]
    return {
        "frame": FRAME,
        "points": points,
        "line": line_points(xy),
        "area": area_points(xy, baseline=y_of(0)),
        "grid": [{"y": y_of(value), "label": _short(value)} for value in grid],
        "x_labels": [p for i, p in enumerate(points) if i % every == 0 or i == len(points) - 1],
        "label_y": FRAME.bottom + 18,
        "currency": periods[-1].currency,
    }
