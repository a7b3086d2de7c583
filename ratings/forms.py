"""Browser forms of the ratings app. On success the view calls a service; the services validate again
(the API goes straight to them), with the same messages from ratings.criteria and RatingPolicy.clean."""

import datetime as dt
import zoneinfo
from decimal import Decimal

from django import forms
from django.utils import timezone

from accounts.models import Coverage
from ratings.criteria import (
    BANDS,
    CATEGORIES,
    CLASSIFICATIONS,
    LEVEL_SIGNALS,
    LINEAR,
    MAX_WEIGHT,
    SIGNALS,
    TOP,
    criteria_errors,
    fmt,
    is_top,
    unit_label,
)
from ratings.models import POLICY_RANGES, RATINGS, RatingPolicy, ReviewDecision, range_message
from ratings.services import POLICY_FIELDS
from tenancy.forms import DateInput

# The policy's own fields the editor shows as inputs (its criteria are edited row by row).
POLICY_MODEL_FIELDS = [name for name in POLICY_FIELDS if name != "criteria"]
POINTS = {"min_value": 0, "max_value": 100, "decimal_places": 2, "max_digits": 5}


def parse_bands(text: str, label: str) -> list[list]:
    """'0: 0, 31: 60, 91: 30' → [[0, 0], [31, 60], [91, 30]]. Raises ValidationError naming the bad part."""
    bands = []
    for part in [p.strip() for p in text.replace(";", ",").replace("\n", ",").split(",") if p.strip()]:
        if ":" not in part:
            raise forms.ValidationError(
                f"{label}: “{part}” is not a band; write each band as from value: points "
                "(e.g. 31: 60), separated by commas."
            )
        start, points = (x.strip().replace(" ", "") for x in part.split(":", 1))
        bands.append([start, points])
    if not bands:
        raise forms.ValidationError(f"{label}: give at least one band (from value: points).")
    return bands


class PolicyForm(forms.ModelForm):
    """The policy editor: one row per known signal (use it or not, weight, scoring, range or bands,
    points without a value), then thresholds, cadence and the declassification rule."""

    class Meta:
        model = RatingPolicy
        fields = POLICY_MODEL_FIELDS
        widgets = {"note": forms.TextInput(attrs={"placeholder": "e.g. Pipeline counts more"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in POLICY_RANGES:  # out of range, too many digits, not a number: say which field
            self.fields[name].error_messages.update(
                {code: range_message(name) for code in ("min_value", "max_value", "max_digits", "max_whole_digits")},
                invalid=range_message(name, with_value=False),
            )
        criteria = {c["signal"]: c for c in (self.instance.criteria or [])}
        for name, signal in SIGNALS.items():
            item = criteria.get(name, {})
            prefix = f"{name}__"
            self.fields[prefix + "use"] = forms.BooleanField(
                required=False, initial=name in criteria, label=f"Use {signal.label}"
            )
            self.fields[prefix + "weight"] = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=MAX_WEIGHT,
                initial=item.get("weight", 10),
                label=f"{signal.label}: weight",
                error_messages={
                    "min_value": f"{signal.label}: weight must be at least 1 (untick the signal to leave it out).",
                    "max_value": f"{signal.label}: weight must be at most {MAX_WEIGHT}.",
                    "invalid": f"{signal.label}: weight must be a whole number.",
                },
            )
            self.fields[prefix + "missing"] = forms.DecimalField(
                required=False,
                initial=item.get("missing", 0),
                label=f"{signal.label}: points without a value",
                error_messages={
                    "min_value": f"{signal.label}: points without a value must be 0–100.",
                    "max_value": f"{signal.label}: points without a value must be 0–100.",
                },
                **POINTS,
            )
            if signal.categorical:
                points = item.get("points", {"strategic": 100, "tactical": 50, "unqualified": 0})
                for category in CLASSIFICATIONS:
                    self.fields[prefix + category] = forms.DecimalField(
                        required=False,
                        initial=points.get(category, 0),
                        label=f"{category.capitalize()}",
                        error_messages={
                            "min_value": f"{signal.label}: points for {category} must be 0–100.",
                            "max_value": f"{signal.label}: points for {category} must be 0–100.",
                        },
                        **POINTS,
                    )
                continue
            self.fields[prefix + "scoring"] = forms.ChoiceField(
                choices=[(LINEAR, "Linear range"), (BANDS, "Bands")],
                initial=item.get("scoring", LINEAR),
                label=f"{signal.label}: scoring",
            )
            self.fields[prefix + "zero_at"] = forms.DecimalField(
                required=False, initial=item.get("zero_at"), label="0 points at", max_digits=14, decimal_places=2
            )
            if name in LEVEL_SIGNALS:  # a level, or "top": the active hierarchy model's top level
                self.fields[prefix + "full_at"] = forms.CharField(
                    required=False,
                    initial=item.get("full_at", TOP),
                    label="100 points at",
                    max_length=10,
                    help_text='A level, or "top" for the active model\'s top level (5 or 6).',
                )
            else:
                self.fields[prefix + "full_at"] = forms.DecimalField(
                    required=False, initial=item.get("full_at"), label="100 points at", max_digits=14, decimal_places=2
                )
            self.fields[prefix + "bands"] = forms.CharField(
                required=False,
                label="Bands (from value: points)",
                initial=", ".join(f"{fmt(s).replace(',', '')}: {fmt(p)}" for s, p in item.get("bands", [])),
                widget=forms.TextInput(attrs={"placeholder": "0: 0, 10: 50, 20: 100"}),
            )

    def rows(self):
        """The criteria table, one row of bound fields per signal."""
        for name, signal in SIGNALS.items():
            prefix = f"{name}__"
            yield {
                "signal": signal,
                "use": self[prefix + "use"],
                "weight": self[prefix + "weight"],
                "missing": self[prefix + "missing"],
                "scoring": self[prefix + "scoring"] if not signal.categorical else None,
                "zero_at": self[prefix + "zero_at"] if not signal.categorical else None,
                "full_at": self[prefix + "full_at"] if not signal.categorical else None,
                "bands": self[prefix + "bands"] if not signal.categorical else None,
                "unit": unit_label(name, self.instance.tenant.currency),
                "categories": [self[prefix + c] for c in CLASSIFICATIONS] if signal.categorical else [],
                "errors": self.row_errors.get(name, []),
            }

    @property
    def row_errors(self) -> dict[str, list[str]]:
        return getattr(self, "_row_errors", {})

    def _row_error(self, name: str, message: str) -> None:
        self._row_errors = self.row_errors
        self._row_errors.setdefault(name, []).append(message)
        self.add_error(f"{name}__use", message)

    def clean(self):
        cleaned = super().clean()
        criteria = []
        for name, signal in SIGNALS.items():
            prefix = f"{name}__"
            if not cleaned.get(prefix + "use"):
                continue
            if any(f.startswith(prefix) for f in self.errors):
                continue  # a field of this row is already wrong; its message says how
            weight = cleaned.get(prefix + "weight")
            if weight is None:
                self._row_error(name, f"{signal.label}: give a weight (1–{MAX_WEIGHT}) or untick the signal.")
                continue
            item = {"signal": name, "weight": weight, "missing": cleaned.get(prefix + "missing") or Decimal(0)}
            if signal.categorical:
                item["scoring"] = CATEGORIES
                item["points"] = {c: cleaned.get(prefix + c) for c in CLASSIFICATIONS}
                missing = [c for c, v in item["points"].items() if v is None]
                if missing:
                    self._row_error(name, f"{signal.label}: give the points for {', '.join(missing)}.")
                    continue
            elif cleaned.get(prefix + "scoring") == BANDS:
                item["scoring"] = BANDS
                try:
                    item["bands"] = parse_bands(cleaned.get(prefix + "bands") or "", signal.label)
                except forms.ValidationError as error:
                    self._row_error(name, error.messages[0])
                    continue
            else:
                full_at = cleaned.get(prefix + "full_at")
                if isinstance(full_at, str):  # a level signal's: "top", a number, or blank
                    full_at = TOP if is_top(full_at) else (full_at.strip() or None)
                item.update(scoring=LINEAR, zero_at=cleaned.get(prefix + "zero_at"), full_at=full_at)
            criteria.append(item)
        for signal_name, message in criteria_errors(criteria):
            if signal_name:
                self._row_error(signal_name, message)
            else:
                self.add_error(None, message)
        cleaned["criteria"] = criteria
        return cleaned

    def policy_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in POLICY_MODEL_FIELDS}
        data["criteria"] = self.cleaned_data["criteria"]
        return data


class OverrideForm(forms.Form):
    rating = forms.ChoiceField(choices=[(r, r) for r in RATINGS])
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why the computed rating does not fit this account. Shown with the rating.",
    )
    ends_on = forms.DateField(
        label="Ends on", widget=DateInput(), help_text="The computed rating applies again from the start of this day."
    )

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.zone = tenant.zone if tenant is not None else zoneinfo.ZoneInfo("UTC")
        self.today = timezone.localdate(timezone.now(), self.zone)  # the tenant's today, wherever the server is
        self.fields["ends_on"].initial = self.today + dt.timedelta(days=90)
        self.fields["ends_on"].widget.attrs.update(min=(self.today + dt.timedelta(days=1)).isoformat())

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        if ends_on <= self.today:
            raise forms.ValidationError(
                f"Choose a day after today ({self.today:%d %b %Y}): the manual rating ends "
                "at the start of the day you give."
            )
        return ends_on

    def expires_at(self) -> dt.datetime:
        """The start of the chosen day in the tenant's time zone (stored in UTC)."""
        return dt.datetime.combine(self.cleaned_data["ends_on"], dt.time.min, tzinfo=self.zone)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(ReviewDecision.DECLASSIFY, "Declassify"), (ReviewDecision.KEEP, "Keep, and review again later")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Stays on the account's record with the evidence.",
    )
    review_again_on = forms.DateField(
        required=False,
        widget=DateInput(),
        help_text="When keeping: not flagged again before this date (default in 6 months).",
    )
    coverage = forms.ChoiceField(
        choices=[
            (Coverage.INSIDE_SALES, Coverage.INSIDE_SALES.label),
            (Coverage.SELF_SERVICE, Coverage.SELF_SERVICE.label),
        ],
        initial=Coverage.INSIDE_SALES,
        required=False,
        help_text="When declassifying: how the account is served from now on (it keeps a contact cadence of its own).",
    )
