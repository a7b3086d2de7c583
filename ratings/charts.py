"""Geometry of the rating history chart; the template draws it as SVG (no JavaScript).

x: time from the first snapshot to now; y: score 0–100. The score holds until the next snapshot
(a step line). Background bands show where A, B, C and D begin under the active policy; each dot is
a snapshot, coloured by the rating it gave (its own policy version's thresholds).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

WIDTH, HEIGHT = 440, 200
LEFT, RIGHT, TOP, BOTTOM = 30, 22, 10, 30


@dataclass
class Dot:
    x: float
    y: float
    rating: str
    score: object
    at: dt.datetime
    version: int


def history_chart(snapshots, *, policy, now: dt.datetime | None = None) -> dict | None:
    snapshots = list(snapshots)
    if not snapshots:
        return None
    now = now or timezone.now()
    start = snapshots[0].computed_at
    end = max(now, snapshots[-1].computed_at)
    span = (end - start).total_seconds() or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(at):
        return round(LEFT + plot_w * (at - start).total_seconds() / span, 1)

    def y_of(score):
        return round(TOP + plot_h * (100 - float(score)) / 100, 1)

    dots = [
        Dot(
            x=x_of(s.computed_at),
            y=y_of(s.score),
            rating=s.rating,
            score=s.score,
            at=s.computed_at,
            version=s.policy.version,
        )
        for s in snapshots
    ]
    steps = []
    for current, following in zip(dots, dots[1:]):
        steps += [f"{current.x},{current.y}", f"{following.x},{current.y}"]
    steps += [f"{dots[-1].x},{dots[-1].y}", f"{x_of(end)},{dots[-1].y}"]
    edges = [
        ("A", 100, float(policy.threshold_a)),
        ("B", float(policy.threshold_a), float(policy.threshold_b)),
        ("C", float(policy.threshold_b), float(policy.threshold_c)),
        ("D", float(policy.threshold_c), 0),
    ]
    bands = [
        {
            "rating": r,
            "y": y_of(high),
            "height": round(y_of(low) - y_of(high), 1),
            "label_y": round((y_of(high) + y_of(low)) / 2, 1),
        }
        for r, high, low in edges
    ]
    ticks = []
    for fraction in (0, 0.5, 1):
        at = start + dt.timedelta(seconds=span * fraction)
        ticks.append({"x": round(LEFT + plot_w * fraction, 1), "label": f"{timezone.localtime(at):%d %b %Y}"})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "plot_w": plot_w,
        "bottom": HEIGHT - BOTTOM,
        "dots": dots,
        "line": " ".join(steps),
        "bands": bands,
        "ticks": ticks,
        "label_y": HEIGHT - BOTTOM + 18,
        "grid": [{"y": y_of(v), "label": v} for v in (0, 50, 100)],
    }
