"""accounts.charts.revenue_chart: what the revenue chart shows (geometry: tests/tenancy/test_charts.py)."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.template.loader import render_to_string

from accounts.charts import FRAME, revenue_chart


def period(year, quarter, revenue, margin=None):
    start = dt.date(year, 3 * quarter - 2, 1)
    return SimpleNamespace(period_start=start, revenue=Decimal(revenue), margin_pct=margin, currency="EUR")


def test_no_periods_no_chart():
    assert revenue_chart([]) is None


def test_the_grid_runs_from_zero_to_a_round_amount_above_the_best_quarter():
    chart = revenue_chart([period(2024, q, 1000 * q + 230) for q in (1, 2, 3, 4)])
    assert [g["label"] for g in chart["grid"]] == ["0", "2k", "4k", "6k"]
    assert chart["grid"][0]["y"] == FRAME.bottom and chart["grid"][-1]["y"] == FRAME.top
    assert [p.label for p in chart["points"]] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert chart["points"][0].x == FRAME.left and chart["points"][-1].x == FRAME.right


def test_a_loss_puts_zero_inside_the_axis_and_the_area_closes_on_it():
    chart = revenue_chart([period(2024, 1, "-5000"), period(2024, 2, "12000")])
    zero = next(g["y"] for g in chart["grid"] if g["label"] == "0")
    assert chart["grid"][0]["label"] == "-5k" and chart["area"].startswith(f"{FRAME.left}.0,{zero} ")


def test_one_quarter_sits_in_the_middle_and_the_svg_describes_it():
    chart = revenue_chart([period(2025, 1, "987654", Decimal("12.5"))])
    assert chart["points"][0].x == (FRAME.left + FRAME.right) / 2
    html = render_to_string("accounts/_revenue_chart.html", {"chart": chart})
    assert '<desc id="rev-desc">2025-Q1: 987654 EUR</desc>' in html and "margin 12.5 %" in html


def test_a_long_history_labels_at_most_about_twelve_quarters():
    chart = revenue_chart([period(2020 + i // 4, i % 4 + 1, 1_000_000 + 37_000 * i) for i in range(30)])
    assert len(chart["x_labels"]) <= 13 and chart["x_labels"][-1].label == "2027-Q2"
