"""Scoring in SQL: a policy's criteria become CASE expressions over the signals of ratings.inputs.

`scored_select(policy)` is the one implementation of points → score → rating. The recompute, the
draft preview and the API all use it; nothing scores accounts in Python.
"""

from decimal import Decimal

from ratings.criteria import BANDS, CATEGORIES, CLASSIFICATIONS, LINEAR, SIGNALS, resolve_top
from ratings.inputs import is_postgres


def _num(value):
    """A number parameter: exact on PostgreSQL (numeric), float on SQLite (which would store text)."""
    return Decimal(str(value)) if is_postgres() else float(value)


def points_sql(item: dict, column: str, top_level: int = 5) -> tuple[str, list]:
    """CASE expression: the 0–100 points of one criterion for the value in `column`. `top_level`: the
    active hierarchy model's top level, for level criteria whose full_at is "top"."""
    missing = _num(item.get("missing", 0))
    if item["scoring"] == LINEAR:
        zero_at = Decimal(str(item["zero_at"]))
        full_at = Decimal(str(resolve_top(item["full_at"], top_level)))
        if zero_at == full_at:  # "top" on a model whose top is the 0-points level: a step, not a slope
            return (
                f"CASE WHEN {column} IS NULL THEN %s WHEN {column} >= %s THEN 100 ELSE 0 END",
                [missing, _num(full_at)],
            )
        if zero_at < full_at:
            sql = (
                f"CASE WHEN {column} IS NULL THEN %s WHEN {column} <= %s THEN 0 WHEN {column} >= %s THEN 100 "
                f"ELSE ROUND(({column} - %s) * 100.0 / %s, 2) END"
            )
            return sql, [missing, _num(zero_at), _num(full_at), _num(zero_at), _num(full_at - zero_at)]
        sql = (
            f"CASE WHEN {column} IS NULL THEN %s WHEN {column} >= %s THEN 0 WHEN {column} <= %s THEN 100 "
            f"ELSE ROUND((%s - {column}) * 100.0 / %s, 2) END"
        )
        return sql, [missing, _num(zero_at), _num(full_at), _num(zero_at), _num(zero_at - full_at)]
    if item["scoring"] == BANDS:
        whens, params = [], [missing]
        for start, points in reversed(item["bands"]):
            whens.append(f"WHEN {column} >= %s THEN %s")
            params += [_num(start), _num(points)]
        return f"CASE WHEN {column} IS NULL THEN %s {' '.join(whens)} ELSE 0 END", params
    if item["scoring"] == CATEGORIES:
        whens, params = [], []
        for category in CLASSIFICATIONS:
            whens.append(f"WHEN {column} = %s THEN %s")
            params += [category, _num(item["points"][category])]
        return f"CASE {' '.join(whens)} ELSE %s END", [*params, missing]
    raise ValueError(f"Unknown scoring {item['scoring']!r}")


def breakdown_sql(policy, alias: str) -> str:
    """JSON object {signal: [value, points]} built in SQL from a scored row."""
    build_object, build_array = (
        ("jsonb_build_object", "jsonb_build_array") if is_postgres() else ("json_object", "json_array")
    )
    pairs = []
    for item in policy.criteria:
        name = item["signal"]
        assert name in SIGNALS  # names are validated; they are also the column names
        pairs.append(f"'{name}', {build_array}({alias}.{name}, {alias}.p_{name})")
    return f"{build_object}({', '.join(pairs)})"


def _fence() -> str:
    """Keeps a subquery from being flattened into the query above it, so each row's points and score
    are computed once rather than again wherever they are used (the rating, the breakdown)."""
    return "OFFSET 0" if is_postgres() else "LIMIT -1 OFFSET 0"


def scored_select(policy, *, source: str = "sig", top_level: int | None = None) -> tuple[str, list]:
    """SELECT over `source` (one row per account with its signals) adding p_<signal>, score, rating.
    `top_level`: the active hierarchy model's top level (looked up when not given)."""
    if top_level is None:
        from hierarchy.selectors import model_top_level

        top_level = model_top_level()
    point_columns, params = [], []
    for item in policy.criteria:
        sql, item_params = points_sql(item, f"pt_src.{item['signal']}", top_level)
        point_columns.append(f"{sql} AS p_{item['signal']}")
        params += item_params
    total = sum(int(item["weight"]) for item in policy.criteria)
    weighted = " + ".join(f"{int(item['weight'])} * pt.p_{item['signal']}" for item in policy.criteria)
    sql = (
        "SELECT sc.*, CASE WHEN sc.score >= %s THEN 'A' WHEN sc.score >= %s THEN 'B' "
        "WHEN sc.score >= %s THEN 'C' ELSE 'D' END AS rating FROM ("
        f"SELECT pt.*, ROUND(({weighted}) * 1.0 / {total}, 2) AS score FROM ("
        f"SELECT pt_src.*, {', '.join(point_columns)} FROM {source} pt_src {_fence()}) pt {_fence()}) sc"
    )
    thresholds = [_num(policy.threshold_a), _num(policy.threshold_b), _num(policy.threshold_c)]
    return sql, thresholds + params
