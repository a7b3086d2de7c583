"""ratings.charts.history_chart: what the rating history shows (geometry: tests/tenancy/test_charts.py)."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.template.loader import render_to_string

from ratings.charts import FRAME, history_chart

POLICY = SimpleNamespace(threshold_a=Decimal("75"), threshold_b=Decimal("50"), threshold_c=Decimal("25"))


def snapshot(at, score, rating):
    return SimpleNamespace(computed_at=at, score=Decimal(score), rating=rating, policy=SimpleNamespace(version=2))


def at(*parts):
    return dt.datetime(*parts, tzinfo=dt.UTC)


def test_no_snapshots_no_chart():
    assert history_chart([], policy=POLICY) is None


def test_the_score_holds_until_the_next_snapshot_and_on_to_now():
    snapshots = [snapshot(at(2025, 1, 1), "80", "A"), snapshot(at(2025, 5, 1), "60", "B")]
    chart = history_chart(snapshots, policy=POLICY, now=at(2025, 9, 1))
    first, second = chart["dots"]
    assert (first.x, second.y) == (FRAME.left, FRAME.bottom - FRAME.plot_h * 0.6)
    assert chart["line"] == f"M{first.x} {first.y} H{second.x} V{second.y} H{FRAME.right}.0"
    assert [t["label"] for t in chart["ticks"]][::2] == ["01 Jan 2025", "01 Sep 2025"]


def test_the_bands_tile_the_plot_from_a_down_to_d():
    chart = history_chart([snapshot(at(2025, 1, 1), "55", "B")], policy=POLICY, now=at(2025, 2, 1))
    bands = chart["bands"]
    assert [b["rating"] for b in bands] == ["A", "B", "C", "D"]
    assert bands[0]["y"] == FRAME.top and sum(b["height"] for b in bands) == FRAME.plot_h
    html = render_to_string("ratings/_history_chart.html", {"chart": chart})
    assert '<path class="rt-line" d="M' in html and "1 Jan 2025: B (55.00)" in html


def test_a_single_snapshot_taken_now_gets_one_date_not_three_on_top_of_each_other():
    moment = at(2025, 3, 1)
    chart = history_chart([snapshot(moment, "55", "B")], policy=POLICY, now=moment)
    assert [t["label"] for t in chart["ticks"]] == ["01 Mar 2025"]
