"""hierarchy.charts: what the level charts show (their geometry is tenancy.charts', tested there)."""

import datetime as dt

from django.template.loader import render_to_string

from hierarchy.charts import FRAME, account_level_chart, grouped_bars, step_chart


def at(*parts):
    return dt.datetime(*parts, tzinfo=dt.UTC)


def test_a_step_chart_draws_each_view_with_a_tooltip_per_assessment_and_lifts_the_pen_on_a_gap():
    chart = step_chart(
        title="Relationship level over time",
        levels=5,
        start=at(2025, 1, 20),
        end=at(2025, 11, 3),
        series=[
            ("Our view", "s-self", [(at(2025, 4, 5), 3), (at(2025, 2, 1), 2), (at(2025, 6, 1), None)]),
            ("Customer's view", "s-cust", []),
        ],
    )
    ours, theirs = chart.series
    assert [label for _, _, label in ours.dots] == [
        "Our view: level 2 (01 Feb 2025)",
        "Our view: level 3 (05 Apr 2025)",
    ]
    assert ours.path.count("M") == 1 and not ours.path.endswith(f"H{FRAME.right}.0")  # the None ends the line
    assert theirs.path == "" and not chart.empty
    assert [label for _, label in chart.y_ticks] == ["1", "2", "3", "4", "5"]
    assert chart.y_ticks[0][0] == FRAME.bottom and chart.y_ticks[-1][0] == FRAME.top
    assert [label for _, label in chart.x_ticks][:2] == ["Feb 25", "Mar 25"]


def test_a_step_chart_without_assessments_says_so():
    chart = step_chart(
        title="t", levels=5, start=at(2025, 1, 1), end=at(2025, 3, 1), series=[("Our view", "s-self", [])]
    )
    html = render_to_string("hierarchy/_line_chart.html", {"chart": chart})
    assert chart.empty and "No assessments in this period yet." in html
    assert f'viewBox="0 0 {FRAME.width} {FRAME.height}"' in html and 'aria-label="t"' in html


def test_the_account_chart_carries_the_last_level_on_to_the_last_point():
    history = [
        {"at": at(2025, 1, 15), "highest": 2, "self": 2, "customer": None},
        {"at": at(2025, 5, 15), "highest": 4, "self": 3, "customer": 4},
    ]
    chart = account_level_chart(history, 5)
    rollup, ours, theirs = chart.series
    level_4 = chart.y_ticks[3][0]
    assert rollup.path.endswith(f"V{level_4} H{FRAME.right}.0")  # level 4 held up to the end
    assert rollup.dots[0][0] > FRAME.left  # the axis starts on the first of the month
    assert len(theirs.dots) == 1


def test_grouped_bars_label_each_bar_and_scale_to_the_largest_count():
    chart = grouped_bars(
        title="Relationships by level",
        groups=[(str(n), [("Our view", "s-self", 2 * n), ("Effective", "s-eff", n)]) for n in (1, 2, 3)],
    )
    assert [b.label for b in chart.bars][:2] == ["1 — Our view: 2", "1 — Effective: 1"]
    tallest = max(chart.bars, key=lambda b: b.value)
    assert (tallest.value, tallest.rect.y) == (6, FRAME.top)
    assert [label for _, label in chart.x_labels] == ["1", "2", "3"]
    assert [label for _, label in chart.y_ticks] == ["0", "2", "4", "6"]
    assert chart.legend == [("s-self", "Our view"), ("s-eff", "Effective")] and not chart.empty


def test_grouped_bars_of_nothing_are_empty():
    chart = grouped_bars(title="Accounts", groups=[("1", [("Accounts", "s-eff", 0)])])
    html = render_to_string("hierarchy/_bar_chart.html", {"chart": chart})
    assert chart.empty and "Nothing to show yet." in html
    assert grouped_bars(title="Accounts", groups=[]).bars == []
