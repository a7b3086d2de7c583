"""{% level_chart levels level_names %}: the SVG bar chart of the level by buying role. (The account page
gets the whole key-player panel from keyplayers.account_page.)"""

from django import template

from tenancy.charts import Frame, bands, linear_scale

register = template.Library()

# One row per buying role (its bar, 20 px high, is drawn by the template); the role's name in the left
# margin, the level ticks below the last row.
ROW_HEIGHT = 32
WIDTH, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, LABEL_WIDTH = 460, 6, 20, 20, 150


@register.inclusion_tag("keyplayers/_levels_chart.html")
def level_chart(levels, level_names):
    """Horizontal bars: each role's best level, with markers at its average and at the role's minimum.
    The level axis runs to the model's top level (or higher, should a value exceed it)."""
    top = max([len(level_names) or 5, *[row.best or 0 for row in levels], *[row.minimum or 0 for row in levels]])
    frame = Frame(
        width=WIDTH,
        height=MARGIN_TOP + len(levels) * ROW_HEIGHT + MARGIN_BOTTOM,
        margin=(MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, LABEL_WIDTH),
    )
    x_of = linear_scale((0, top), (frame.left, frame.right))
    bars = [
        {
            "label": row.label,
            "y": y,
            "players": row.players,
            "best": row.best,
            "average": row.average,
            "minimum": row.minimum,
            "best_w": round(x_of(row.best) - frame.left, 1) if row.best else 0,
            "avg_x": x_of(row.average) if row.average else None,
            "min_x": x_of(row.minimum) if row.minimum else None,
        }
        for row, (y, _) in zip(levels, bands(len(levels), frame.top, frame.bottom))
    ]
    return {
        "bars": bars,
        "frame": frame,
        "ticks": [{"n": n, "x": x_of(n)} for n in range(0, top + 1)],
    }


@register.filter
def get_level(level_names, number):
    """{{ level_names|get_level:3 }} → the name of level 3 of the active hierarchy model."""
    try:
        return level_names.get(int(number), "")
    except (TypeError, ValueError, AttributeError):
        return ""
