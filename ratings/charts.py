"""The rating history chart: what it shows; tenancy.charts places it, the template draws it as SVG (no JavaScript).

x: time from the first snapshot to now; y: score 0–100. The score holds until the next snapshot
(a step line). Background bands show where A, B, C and D begin under the active policy; each dot is
a snapshot, coloured by the rating it gave (its own policy version's thresholds).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tenancy.charts import Frame, linear_scale, spread, step_path, time_scale

FRAME = Frame(width=440, height=200, margin=(10, 22, 30, 30))


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
    x_of = time_scale(start, end, (FRAME.left, FRAME.right))
    y_of = linear_scale((0, 100), (FRAME.bottom, FRAME.top))
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
    return {
        "frame": FRAME,
        "dots": dots,
        "line": step_path([(d.x, d.y) for d in dots], until=x_of(end)),
        "bands": bands,
        "ticks": [
            {"x": x_of(at), "label": f"{timezone.localtime(at):%d %b %Y}"}
            for at in spread(start, end, 3 if end > start else 1)
        ],
        "label_y": FRAME.bottom + 18,
        "grid": [{"y": y_of(v), "label": v} for v in (0, 50, 100)],
    }
