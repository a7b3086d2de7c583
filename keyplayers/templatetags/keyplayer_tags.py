"""{% level_chart levels level_names %}: the SVG bar chart of the level by buying role. (The account page
gets the whole key-player panel from keyplayers.account_page.)"""

from django import template

register = template.Library()

CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT, BAR_SPACE = 460, 150, 32, 290


@register.inclusion_tag("keyplayers/_levels_chart.html")
def level_chart(levels, level_names):
    top = max([len(level_names) or 5, *[row.best or 0 for row in levels], *[row.minimum or 0 for row in levels]])

    def x(level):
        return LABEL_WIDTH + round(BAR_SPACE * level / top)

    bars = []
    for i, row in enumerate(levels):
        y = 6 + i * ROW_HEIGHT
        bars.append(
            {
                "label": row.label,
                "y": y,
                "players": row.players,
                "best": row.best,
                "average": row.average,
                "minimum": row.minimum,
                "best_w": round(BAR_SPACE * row.best / top) if row.best else 0,
                "avg_x": x(row.average) if row.average else None,
                "min_x": x(row.minimum) if row.minimum else None,
            }
        )
    axis_y = 6 + len(levels) * ROW_HEIGHT
    return {
        "bars": bars,
        "left": LABEL_WIDTH,
        "width": CHART_WIDTH,
        "height": axis_y + 20,
        "axis_y": axis_y,
        "ticks": [{"n": n, "x": x(n)} for n in range(0, top + 1)],
    }


@register.filter
def get_level(level_names, number):
    """{{ level_names|get_level:3 }} → the name of level 3 of the active hierarchy model."""
    try:
        return level_names.get(int(number), "")
    except (TypeError, ValueError, AttributeError):
        return ""
