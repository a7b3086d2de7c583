"""{% level_chart %}: the level by buying role as horizontal bars (geometry: tests/tenancy/test_charts.py)."""

from keyplayers.selectors import RoleLevel
from keyplayers.templatetags.keyplayer_tags import level_chart

NAMES = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five"}


def test_bars_run_from_the_label_column_to_the_level_and_mark_average_and_minimum():
    rows = [
        RoleLevel("executive", "Executive", players=2, best=3, average=2.5, minimum=4),
        RoleLevel("purchasing", "Purchasing", players=1, best=5, average=5.0, minimum=2),
    ]
    chart = level_chart(rows, NAMES)
    frame, (executive, purchasing) = chart["frame"], chart["bars"]
    assert [t["n"] for t in chart["ticks"]] == [0, 1, 2, 3, 4, 5]
    assert chart["ticks"][0]["x"] == frame.left and chart["ticks"][-1]["x"] == frame.right
    assert frame.left + purchasing["best_w"] == frame.right  # the top level fills the row
    assert executive["best_w"] == (frame.right - frame.left) * 3 / 5
    assert (executive["avg_x"], executive["min_x"]) == (chart["ticks"][2]["x"] + 29, chart["ticks"][4]["x"])
    assert purchasing["y"] - executive["y"] == 32 and frame.bottom == purchasing["y"] + 32


def test_a_role_without_a_reached_level_has_no_bar():
    chart = level_chart([RoleLevel("operational", "Operational", minimum=2)], {})
    (row,) = chart["bars"]
    assert (row["best_w"], row["avg_x"]) == (0, None)
    assert [t["n"] for t in chart["ticks"]][-1] == 5  # no hierarchy model: five levels
