"""tenancy.charts: the one chart-geometry module every app's SVG charts use (issue 14, item 7)."""

import datetime as dt
import math
import re
from pathlib import Path

import pytest

from tenancy.charts import (
    Frame,
    area_points,
    bands,
    bars,
    line_points,
    linear_scale,
    month_ticks,
    nice_step,
    nice_ticks,
    spread,
    step_path,
    time_scale,
)

ROOT = Path(__file__).resolve().parents[2]
FRAME = Frame(width=640, height=230, margin=(12, 12, 30, 34))


def at(*parts):
    return dt.datetime(*parts, tzinfo=dt.UTC)


def test_a_frame_gives_the_plot_edges_and_size():
    assert (FRAME.left, FRAME.right, FRAME.top, FRAME.bottom) == (34, 628, 12, 200)
    assert (FRAME.plot_w, FRAME.plot_h) == (594, 188)


# --- Scales ---------------------------------------------------------------------------------------------


def test_a_linear_scale_maps_the_domain_ends_to_the_pixel_ends():
    y_of = linear_scale((0, 100), (FRAME.bottom, FRAME.top))  # values grow up, SVG y grows down
    assert (y_of(0), y_of(100), y_of(50)) == (200, 12, 106)


def test_a_linear_scale_rounds_to_a_tenth_and_pins_values_outside_the_domain():
    x_of = linear_scale((0, 3), (0, 100))
    assert x_of(1) == 33.3
    assert (x_of(-5), x_of(7)) == (0, 100)


def test_a_one_point_domain_maps_to_the_middle():
    assert linear_scale((2, 2), (34, 628))(2) == 331


def test_a_time_scale_maps_start_and_end_to_the_pixel_ends():
    x_of = time_scale(at(2025, 1, 1), at(2025, 1, 11), (30, 130))
    assert (x_of(at(2025, 1, 1)), x_of(at(2025, 1, 6)), x_of(at(2025, 1, 11))) == (30, 80, 130)
    assert x_of(at(2024, 6, 1)) == 30


# --- Ticks ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("span", [0.3, 1, 3.7, 7, 10, 13, 99, 1234, 987_654, 4.2e9])
def test_a_nice_step_is_one_two_or_five_times_a_power_of_ten(span):
    step = nice_step(span)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 9) in {1, 2, 5}
    assert span / step <= 4  # about four parts, never more
    assert span / step > 4 / 5 / 2  # … and not far fewer (the next round step down would give more than 4)


def test_a_nice_step_of_nothing_is_one():
    assert nice_step(0) == 1


def test_nice_ticks_cover_the_values_with_round_steps():
    assert nice_ticks(0, 987_654) == [0, 500_000, 1_000_000]
    assert nice_ticks(0, 3_100) == [0, 1_000, 2_000, 3_000, 4_000]
    assert nice_ticks(-5_000, 12_000) == [-5_000, 0, 5_000, 10_000, 15_000]
    assert nice_ticks(0, 0.7) == [0, 0.2, 0.4, 0.6, 0.8]


def test_nice_ticks_have_a_length_and_whole_ones_count():
    assert nice_ticks(0, 0) == [0, 1]
    assert nice_ticks(0, 1, whole=True) == [0, 1]
    assert nice_ticks(0, 13, whole=True) == [0, 5, 10, 15]


def test_month_ticks_are_the_firsts_of_months_inside_the_span():
    ticks = month_ticks(at(2025, 1, 20), at(2025, 4, 3))
    assert ticks == [at(2025, 2, 1), at(2025, 3, 1), at(2025, 4, 1)]


def test_month_ticks_thin_out_over_a_long_span():
    ticks = month_ticks(at(2023, 1, 1), at(2025, 12, 31))  # 36 months: every sixth
    assert ticks == [at(2023, 1, 1), at(2023, 7, 1), at(2024, 1, 1), at(2024, 7, 1), at(2025, 1, 1), at(2025, 7, 1)]


def test_month_ticks_keep_the_time_zone():
    berlin = dt.timezone(dt.timedelta(hours=1))
    (tick,) = month_ticks(dt.datetime(2025, 1, 1, tzinfo=berlin), dt.datetime(2025, 1, 20, tzinfo=berlin))
    assert tick.tzinfo is berlin


def test_spread_includes_both_ends():
    assert spread(0, 100, 3) == [0, 50, 100]
    assert spread(at(2025, 1, 1), at(2025, 1, 3), 3) == [at(2025, 1, 1), at(2025, 1, 2), at(2025, 1, 3)]
    assert spread(0, 100, 1) == [0] and spread(0, 100, 0) == []


# --- Paths ----------------------------------------------------------------------------------------------


def test_a_step_path_holds_each_value_until_the_next():
    assert step_path([(10, 50), (20, 40), (30, 60)], until=99) == "M10 50 H20 V40 H30 V60 H99"


def test_a_step_path_lifts_the_pen_on_a_none():
    assert step_path([(10, 50), (20, None), (30, 60)], until=99) == "M10 50 M30 60 H99"
    assert step_path([(10, 50), (20, None)], until=99) == "M10 50"  # nothing known at the end: no carry-on


def test_paths_of_nothing_are_empty():
    assert step_path([], until=99) == "" and step_path([(10, None)]) == ""
    assert line_points([]) == "" and area_points([], baseline=200) == ""


def test_an_area_closes_on_the_baseline():
    assert line_points([(10, 50), (20, 40)]) == "10,50 20,40"
    assert area_points([(10, 50), (20, 40)], baseline=200) == "10,200 10,50 20,40 20,200"


# --- Bars -----------------------------------------------------------------------------------------------


def test_bands_cut_a_span_into_equal_slots():
    assert bands(4, 0, 100) == [(0, 25), (25, 25), (50, 25), (75, 25)]
    assert bands(2, 0, 100, padding=0.1) == [(5, 40), (55, 40)]
    assert bands(0, 0, 100) == []


def test_bars_scale_to_the_largest_value():
    (group,) = bars([[2, 8, 4]], FRAME)
    tallest = group[1]
    assert (tallest.y, tallest.h) == (FRAME.top, FRAME.plot_h)
    assert group[0].h == FRAME.plot_h / 4 and group[0].y + group[0].h == FRAME.bottom
    assert bars([[2]], FRAME, top=8)[0][0].h == FRAME.plot_h / 4


def test_bars_sit_side_by_side_inside_their_group_inside_the_plot():
    groups = bars([[1, 2], [3, 4], [5, 6]], FRAME)
    xs = [(r.x, r.x + r.w) for group in groups for r in group]
    assert xs == sorted(xs) and xs[0][0] > FRAME.left and xs[-1][1] < FRAME.right
    assert all(a_end < b_start for (_, a_end), (b_start, _) in zip(xs, xs[1:]))  # none overlap


def test_bars_of_zeros_are_flat_and_bars_of_nothing_are_none():
    assert [r.h for r in bars([[0, 0]], FRAME)[0]] == [0, 0]
    assert bars([], FRAME) == [] and bars([[]], FRAME) == [[]]


# --- The duplication stays gone -------------------------------------------------------------------------

APPS = ["tenancy", "accounts", "hierarchy", "keyplayers", "plans", "ratings", "briefings", "keystone"]
THE_MODULE = ROOT / "tenancy" / "charts.py"
# What an app's chart code wrote for itself before tenancy.charts: a scale, a nice step, month ticks, the
# plot area worked out from the canvas and its padding.
OWN_GEOMETRY = re.compile(
    r"def _?(x_of|y_of|x|y)\(|def _?nice_\w+\(|def _?month_ticks\(|def \w*scale\w*\("
    r"|\b(x_of|y_of)\s*=\s*lambda|\bplot_[wh]\s*="
)


def own_geometry(paths) -> list[str]:
    return [
        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{n}: {line.strip()}"
        for path in paths
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if OWN_GEOMETRY.search(line)
    ]


def test_no_app_computes_its_own_chart_geometry():
    paths = [path for app in APPS for path in sorted((ROOT / app).rglob("*.py")) if path != THE_MODULE]
    found = own_geometry(paths)
    assert not found, "Use tenancy.charts instead:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "def x_of(at):\n",
        "    def y_of(score):\n",
        "def _nice_step(span):\n",
        "def _month_ticks(start, end, x_of):\n",
        "plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM\n",
        "    def x(level):\n",
    ],
)
def test_the_duplication_check_can_fail(tmp_path, source):
    probe = tmp_path / "charts.py"
    probe.write_text(source)
    assert own_geometry([probe])
