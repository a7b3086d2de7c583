"""The signals a rating policy can score, how a criterion scores one, and the validation of criteria.

A policy's criteria are stored as JSON on RatingPolicy.criteria, one item per signal used:

    {"signal": "exec_level", "weight": 20, "scoring": "linear", "zero_at": 1, "full_at": 5, "missing": 0}
    {"signal": "revenue", "weight": 15, "scoring": "bands", "bands": [[0, 0], [100000, 30], [1000000, 100]], "missing": 0}
    {"signal": "classification", "weight": 15, "scoring": "categories",
     "points": {"strategic": 100, "tactical": 50, "unqualified": 0}, "missing": 0}

Scoring gives every criterion 0–100 points:
- linear: 0 points at `zero_at`, 100 at `full_at`, straight line between, clamped (zero_at may be above
  full_at: fewer is better, e.g. days since last contact);
- bands: [[from, points], …] with `from` strictly increasing; a value gets the points of the highest
  band it reaches; a value below the first band gets 0;
- categories (classification only): points per category.
`missing` is the points for an account that has no value (no financials, never contacted, …).

Levels are relative to the hierarchy model: on a level signal (exec_level, highest_level, survey_level) a
linear criterion's `full_at` may be "top", the active model's top level (5 in the Buy-Sell Hierarchy, 6 in
the needs model), so that under the 6-level model level 5 no longer scores as much as level 6. The
shipped criteria use it; the scoring SQL is given the top level when it runs.

An account's score is the weighted average of its criteria's points, 0–100 with two decimals:
score = Σ(weight × points) / Σ weight. Weights are relative (the editor shows each one's share), so
changing one weight never forces changing the others. Rating: A when score ≥ threshold A, else B when
≥ threshold B, else C when ≥ threshold C, else D.

Every signal is computed set-based in SQL by ratings.inputs; the scoring SQL is ratings.scoring.
"""

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

LINEAR, BANDS, CATEGORIES = "linear", "bands", "categories"
SCORING_LABELS = {LINEAR: "Linear range", BANDS: "Bands", CATEGORIES: "Points per category"}
CLASSIFICATIONS = ("strategic", "tactical", "unqualified")
MAX_BANDS = 10
MAX_WEIGHT = 100
TOP = "top"  # a level criterion's full_at: the active hierarchy model's top level


@dataclass(frozen=True)
class Signal:
    name: str
    label: str
    unit: str
    help: str
    categorical: bool = False
    financial: bool = False  # money: its value only for those who may see the account's money (accounts.access)


SIGNALS: dict[str, Signal] = {
    s.name: s
    for s in (
        Signal(
            "exec_level",
            "Executive-level hierarchy level",
            "level",
            "The best current level among our relationships with the account's executive key players "
            "(contacts still there). An account without executive key players uses its highest level.",
        ),
        Signal(
            "highest_level",
            "Highest hierarchy level",
            "level",
            "The account's current level: the highest level of any of our relationships there.",
        ),
        Signal(
            "potential_gap",
            "Potential gap",
            "levels",
            "Potential level minus current level: how far the relationship could still climb.",
        ),
        Signal("classification", "Classification", "", "Strategic, tactical or unqualified.", categorical=True),
        Signal(
            "revenue",
            "Latest revenue",
            "revenue",
            "Revenue of the account's latest financial period in the tenant's currency.",
            financial=True,
        ),
        Signal(
            "revenue_growth",
            "Revenue growth",
            "%",
            "Latest period's revenue against the period before, in per cent (periods in the tenant's currency).",
            financial=True,
        ),
        Signal(
            "pipeline",
            "Open pipeline",
            "value",
            "Sum of the values of the account's open opportunities (not won or lost) in the tenant's currency; "
            "amounts in other currencies are not added in.",
            financial=True,
        ),
        Signal(
            "days_since_contact",
            "Days since last contact",
            "days",
            "Whole days since the last logged call with the account.",
        ),
        Signal(
            "keyplayer_coverage",
            "Key-player coverage",
            "%",
            "Share of the account's key players (still there) with whom we have at least one relationship.",
        ),
        Signal(
            "survey_level",
            "Customer-survey level",
            "level",
            "The highest level the account's people gave us in the customer survey (their own view).",
        ),
    )
}
FINANCIAL_SIGNALS = frozenset(name for name, s in SIGNALS.items() if s.financial)
LEVEL_SIGNALS = frozenset(name for name, s in SIGNALS.items() if s.unit == "level")


def is_top(value) -> bool:
    return isinstance(value, str) and value.strip().lower() == TOP


def resolve_top(value, top_level: int):
    """A criterion bound with "top" replaced by the active model's top level."""
    return top_level if is_top(value) else value


def default_criteria() -> list[dict]:
    """The policy every tenant starts with (version 1). Weights add up to 100 for readability."""
    return [
        {"signal": "exec_level", "weight": 20, "scoring": LINEAR, "zero_at": 1, "full_at": TOP, "missing": 0},
        {"signal": "highest_level", "weight": 10, "scoring": LINEAR, "zero_at": 1, "full_at": TOP, "missing": 0},
        {
            "signal": "potential_gap",
            "weight": 10,
            "scoring": BANDS,
            "bands": [[0, 0], [1, 40], [2, 70], [3, 100]],
            "missing": 0,
        },
        {
            "signal": "classification",
            "weight": 15,
            "scoring": CATEGORIES,
            "points": {"strategic": 100, "tactical": 50, "unqualified": 0},
            "missing": 0,
        },
        {
            "signal": "revenue",
            "weight": 15,
            "scoring": BANDS,
            "bands": [[0, 0], [100000, 30], [500000, 60], [1000000, 100]],
            "missing": 0,
        },
        {"signal": "revenue_growth", "weight": 5, "scoring": LINEAR, "zero_at": -10, "full_at": 20, "missing": 0},
        {
            "signal": "pipeline",
            "weight": 10,
            "scoring": BANDS,
            "bands": [[0, 0], [50000, 40], [250000, 70], [1000000, 100]],
            "missing": 0,
        },
        {
            "signal": "days_since_contact",
            "weight": 5,
            "scoring": BANDS,
            "bands": [[0, 100], [31, 60], [91, 30], [181, 0]],
            "missing": 0,
        },
        {"signal": "keyplayer_coverage", "weight": 5, "scoring": LINEAR, "zero_at": 0, "full_at": 100, "missing": 0},
        {"signal": "survey_level", "weight": 5, "scoring": LINEAR, "zero_at": 1, "full_at": TOP, "missing": 0},
    ]


# --- numbers --------------------------------------------------------------------------------------


def to_number(value):
    """A JSON-safe number (int when whole, else float) or None when `value` is not a finite number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    return as_float if math.isfinite(as_float) else None


def fmt(value) -> str:
    """A number as people write it: 1000000 → 1,000,000; 12.5 → 12.5."""
    number = to_number(value)
    if number is None:
        return str(value)
    if isinstance(number, int):
        return f"{number:,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


# --- validation -----------------------------------------------------------------------------------


def criteria_errors(criteria) -> list[tuple[str | None, str]]:
    """Every problem with a list of criteria, as (signal or None, message). Empty when valid.
    Messages name the criterion and the offending value, so they can be shown as they are."""
    if not isinstance(criteria, list):
        return [(None, "Criteria must be a list of criteria.")]
    if not criteria:
        return [(None, "Use at least one criterion: a policy without criteria cannot score anything.")]
    errors: list[tuple[str | None, str]] = []
    seen = set()
    for index, item in enumerate(criteria, start=1):
        if not isinstance(item, dict):
            errors.append((None, f"Criterion {index} must be an object with signal, weight and scoring."))
            continue
        name = item.get("signal")
        if name not in SIGNALS:
            known = ", ".join(SIGNALS)
            errors.append((None, f"Criterion {index}: unknown signal {name!r}. Known signals: {known}."))
            continue
        label = SIGNALS[name].label
        if name in seen:
            errors.append((name, f"{label} is used twice; each signal can be one criterion only."))
            continue
        seen.add(name)
        errors.extend((name, message) for message in _criterion_errors(item, SIGNALS[name]))
    return errors


def _points_error(label: str, what: str, value) -> str | None:
    number = to_number(value)
    if number is None:
        return f"{label}: {what} must be a number from 0 to 100 (got {value!r})."
    if not 0 <= number <= 100:
        return f"{label}: {what} must be from 0 to 100 (got {fmt(number)})."
    return None


def _criterion_errors(item: dict, signal: Signal) -> list[str]:
    label = signal.label
    errors = []
    weight = item.get("weight")
    number = to_number(weight)
    if number is None:
        errors.append(f"{label}: weight must be a whole number from 1 to {MAX_WEIGHT} (got {weight!r}).")
    elif number == 0:
        errors.append(f"{label}: weight 0 — leave the signal out instead (weights must be at least 1).")
    elif not isinstance(number, int) or not 1 <= number <= MAX_WEIGHT:
        errors.append(f"{label}: weight must be a whole number from 1 to {MAX_WEIGHT} (got {fmt(number)}).")
    missing = item.get("missing", 0)
    if message := _points_error(label, "the points for an account without a value", missing):
        errors.append(message)
    scoring = item.get("scoring")
    allowed = (CATEGORIES,) if signal.categorical else (LINEAR, BANDS)
    if scoring not in allowed:
        names = " or ".join(SCORING_LABELS[s].lower() for s in allowed)
        errors.append(f"{label}: scoring must be {names} (got {scoring!r}).")
        return errors
    if scoring == LINEAR:
        zero_at, full_at = to_number(item.get("zero_at")), to_number(item.get("full_at"))
        top_allowed = signal.name in LEVEL_SIGNALS
        if is_top(item.get("full_at")):
            if top_allowed:
                full_at = TOP
            else:
                errors.append(f'{label}: 100 points at "top" is only for level criteria; give a number.')
                full_at = TOP
        for number, key, points in ((zero_at, "zero_at", 0), (full_at, "full_at", 100)):
            if number is None:
                given = item.get(key)
                hint = ' or "top" (the active model\'s top level)' if top_allowed and key == "full_at" else ""
                errors.append(
                    f"{label}: give the value that scores {points} points"
                    + (
                        f"{hint}."
                        if given is None or str(given).strip() == ""
                        else f" (got {given!r}, not a number{hint})."
                    )
                )
        if full_at == TOP:
            pass  # the top level is above any level a "0 points" bound can sensibly name; checked when scored
        elif zero_at is not None and full_at is not None and zero_at == full_at:
            errors.append(
                f"{label}: the range is empty — 0 points and 100 points are both at {fmt(zero_at)}; they must differ."
            )
    elif scoring == BANDS:
        bands = item.get("bands")
        if not isinstance(bands, list) or not bands:
            errors.append(f"{label}: give at least one band (from value → points).")
        elif len(bands) > MAX_BANDS:
            errors.append(f"{label}: at most {MAX_BANDS} bands (got {len(bands)}).")
        else:
            previous = None
            for position, band in enumerate(bands, start=1):
                if not isinstance(band, (list, tuple)) or len(band) != 2:
                    errors.append(f"{label}: band {position} must be a pair (from value, points); got {band!r}.")
                    continue
                start = to_number(band[0])
                if start is None:
                    errors.append(f"{label}: band {position} starts at {band[0]!r}, which is not a number.")
                    continue
                if message := _points_error(label, f"band {position} (from {fmt(start)})", band[1]):
                    errors.append(message)
                if previous is not None and start <= previous:
                    errors.append(
                        f"{label}: bands must start at increasing values; band {position} starts at "
                        f"{fmt(start)}, not above band {position - 1} ({fmt(previous)})."
                    )
                previous = start
    else:
        points = item.get("points")
        if not isinstance(points, dict):
            errors.append(f"{label}: give the points for each of {', '.join(CLASSIFICATIONS)}.")
        else:
            unknown = sorted(set(points) - set(CLASSIFICATIONS))
            if unknown:
                errors.append(
                    f"{label}: unknown categories {', '.join(map(str, unknown))}; use {', '.join(CLASSIFICATIONS)}."
                )
            absent = [c for c in CLASSIFICATIONS if c not in points]
            if absent:
                errors.append(f"{label}: give the points for {', '.join(absent)} too.")
            for category in CLASSIFICATIONS:
                if category in points and (message := _points_error(label, f"{category}", points[category])):
                    errors.append(message)
    return errors


def criteria_normalise(criteria: list[dict]) -> list[dict]:
    """Valid criteria in their canonical stored form (known keys only, numbers as int or float),
    in the catalogue's order. Call after criteria_errors() returned nothing."""
    order = {name: index for index, name in enumerate(SIGNALS)}
    result = []
    for item in sorted(criteria, key=lambda c: order[c["signal"]]):
        clean = {
            "signal": item["signal"],
            "weight": to_number(item["weight"]),
            "scoring": item["scoring"],
            "missing": to_number(item.get("missing", 0)),
        }
        if item["scoring"] == LINEAR:
            full_at = TOP if is_top(item["full_at"]) else to_number(item["full_at"])
            clean.update(zero_at=to_number(item["zero_at"]), full_at=full_at)
        elif item["scoring"] == BANDS:
            clean["bands"] = [[to_number(start), to_number(points)] for start, points in item["bands"]]
        else:
            clean["points"] = {c: to_number(item["points"][c]) for c in CLASSIFICATIONS}
        result.append(clean)
    return result


MONEY_UNITS = ("revenue", "value")


def unit_label(signal: str, currency: str) -> str:
    """What a signal's numbers are counted in, as the policy editor writes it after an input: the
    tenant's currency for money (only amounts in it are counted), else "days", "%", "levels"."""
    unit = SIGNALS[signal].unit
    if unit in MONEY_UNITS:
        return currency
    return "" if unit == "level" else unit


def with_unit(value, unit: str, currency: str = "") -> str:
    """A signal's value as people write it: "level 3", "30 days", "12.5 %", "250,000 GBP"."""
    if unit == "level":
        return "the model's top level" if is_top(value) else f"level {fmt(value)}"
    if unit in MONEY_UNITS:
        return f"{fmt(value)} {currency}".rstrip()
    if unit:
        return f"{fmt(value)} {unit}"
    return fmt(value)


def describe_scoring(item: dict, currency: str = "") -> str:
    """One line for people: how this criterion turns a value into points (money in `currency`, the
    tenant's: other currencies are not counted)."""
    unit = SIGNALS[item["signal"]].unit
    if item["scoring"] == LINEAR:
        return (
            f"0 points at {with_unit(item['zero_at'], unit, currency)}, "
            f"100 at {with_unit(item['full_at'], unit, currency)}, linear between"
        )
    if item["scoring"] == BANDS:
        return "; ".join(f"≥ {with_unit(start, unit, currency)}: {fmt(points)}" for start, points in item["bands"])
    return ", ".join(f"{c} {fmt(item['points'][c])}" for c in CLASSIFICATIONS if c in item["points"])
