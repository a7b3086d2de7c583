"""Server-side geometry for the revenue trend chart (the template draws it as SVG; no JavaScript)."""

from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40


@dataclass
class Point:
    x: float
    y: float
    label: str
    value: Decimal
    margin: Decimal | None
    currency: str


def _nice_step(span: float) -> float:
    """A round step (1, 2 or 5 × 10^n) giving about four grid lines."""
    raw = span / 4 or 1
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _short(amount: float) -> str:
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(amount) >= limit:
            return f"{amount / limit:g}{suffix}"
    return f"{amount:g}"


def revenue_chart(periods) -> dict | None:
    """Points, grid lines and labels for periods in date order; None without any."""
    periods = list(periods)
    if not periods:
        return None
    values = [float(p.revenue) for p in periods]
    top = max(values + [0.0])
    bottom = min(values + [0.0])
    step = _nice_step(top - bottom)
    top = step * -(-top // step) if top > 0 else step
    bottom = step * (bottom // step) if bottom < 0 else 0.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (top - value) / (top - bottom), 1)

    n = len(periods)
    gap = plot_w / max(n - 1, 1)
    points = [
        Point(
            x=round(LEFT + (i * gap if n > 1 else plot_w / 2), 1),
            y=y_of(v),
            label=f"{p.period_start:%Y}-Q{(p.period_start.month - 1) // 3 + 1}",
            value=p.revenue,
            margin=p.margin_pct,
            currency=p.currency,
        )
        for i, (p, v) in enumerate(zip(periods, values))
    ]
    grid = []
    value = bottom
    while value <= top + step / 2:
        grid.append({"y": y_of(value), "label": _short(value)})
        value += step
    every = max(1, -(-n // 12))  # at most ~12 labels on the x axis
    baseline = y_of(0.0)
    line = " ".join(f"{p.x},{p.y}" for p in points)
    area = f"{points[0].x},{baseline} {line} {points[-1].x},{baseline}"
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "points": points,
        "line": line,
        "area": area,
        "grid": grid,
        "x_labels": [p for i, p in enumerate(points) if i % every == 0 or i == n - 1],
        "label_y": HEIGHT - BOTTOM + 18,
        "currency": periods[-1].currency,
    }
