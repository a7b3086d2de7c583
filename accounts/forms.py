"""Browser validation. On success the views call a service (accounts.services)."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from accounts.imports import MAX_BYTES
from accounts.models import (
    Account,
    AccountStatus,
    Coverage,
    Classification,
    Contact,
    FinancialPeriod,
    ImportKind,
    Rating,
    RevenueTier,
    TeamRole,
)
from accounts.selectors import DEFAULT_SORT, PER_PAGE_CHOICES, SORTS, AccountFilters
from accounts.services import ACCOUNT_FIELDS
from tenancy.forms import DateInput
from tenancy.models import User
from tenancy.selectors import start_in_tenant_currency


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name()


def _members_field(**kwargs) -> MemberChoiceField:
    # The queryset is set per form instance (members of the request's tenant).
    return MemberChoiceField(queryset=User.objects.none(), **kwargs)


def _set_members(field: forms.ModelChoiceField, members: list[User]) -> None:
    field.queryset = User.objects.filter(pk__in=[u.pk for u in members]).order_by("full_name", "email")


# --- Account list filters -------------------------------------------------------------------------


def _blank(label: str, choices) -> list:
    return [("", label), *choices]


class AccountFilterForm(forms.Form):
    """The list's filters, read from the query string (so a filtered view is a URL to share)."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or external id", "autocomplete": "off"}),
    )
    classification = forms.ChoiceField(required=False, choices=_blank("Any classification", Classification.choices))
    revenue_tier = forms.ChoiceField(required=False, label="Tier", choices=_blank("Any tier", RevenueTier.choices))
    owner = forms.CharField(
        required=False,
        widget=forms.Select,
        validators=[RegexValidator(r"^(\d{1,18}|none)$", "Choose an owner from the list.")],
    )
    status = forms.ChoiceField(required=False, choices=_blank("Any status", AccountStatus.choices))
    rating = forms.ChoiceField(required=False, choices=_blank("Any rating", [*Rating.choices, ("none", "Not rated")]))
    level = forms.ChoiceField(
        required=False,
        label="Level",
        choices=_blank("Any level", [*[(str(i), f"Level {i}") for i in range(1, 7)], ("none", "Not assessed")]),
    )
    mine = forms.BooleanField(required=False, label="Only mine")
    sort = forms.ChoiceField(required=False, choices=[(k, label) for k, (label, _) in SORTS.items()])
    per_page = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=PER_PAGE_CHOICES[0],
        label="Per page",
        choices=[(n, n) for n in PER_PAGE_CHOICES],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
    count = forms.ChoiceField(required=False, choices=[("", "Up to 1,000"), ("all", "Count them all")])

    def __init__(self, data=None, *, members: list[User] | None = None):
        super().__init__(data)
        owners = [(str(u.pk), u.get_full_name()) for u in (members or [])]
        self.fields["owner"].widget.choices = _blank("Any owner", [*owners, ("none", "No owner")])

    def filters(self) -> AccountFilters:
        data = self.cleaned_data if self.is_bound else {}
        return AccountFilters(
            q=data.get("q", "") or "",
            classification=data.get("classification", "") or "",
            revenue_tier=data.get("revenue_tier", "") or "",
            owner=data.get("owner", "") or "",
            status=data.get("status", "") or "",
            rating=data.get("rating", "") or "",
            level=data.get("level", "") or "",
            mine=bool(data.get("mine")),
        )

    @property
    def sort_key(self) -> str:
        return (self.cleaned_data.get("sort") if self.is_bound else None) or DEFAULT_SORT

    @property
    def page_size(self) -> int:
        return (self.cleaned_data.get("per_page") if self.is_bound else None) or PER_PAGE_CHOICES[0]

    @property
    def exact_count(self) -> bool:
        return self.is_bound and self.cleaned_data.get("count") == "all"

    @property
    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if self.is_bound else None) or 1

    SELECTS = ("classification", "revenue_tier", "owner", "status", "rating", "level")

    def selects(self) -> list[dict]:
        """The filter boxes as plain data: the page draws them with a loop, several times cheaper than
        Django's widget templates (the list is the app's busiest page)."""
        current = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        boxes = []
        for name in self.SELECTS:
            field = self.fields[name]
            choices = field.widget.choices if name == "owner" else field.choices
            boxes.append(
                {
                    "name": name,
                    "id": f"id_{name}",
                    "label": field.label or name.replace("_", " ").capitalize(),
                    "choices": [(str(v), label) for v, label in choices],
                    "value": str(current.get(name) or ""),
                }
            )
        return boxes

    @property
    def active_count(self) -> int:
        f = self.filters()
        return sum(
            bool(getattr(f, name))
            for name in ("q", "classification", "revenue_tier", "owner", "status", "rating", "level", "mine")
        )


# --- Accounts -------------------------------------------------------------------------------------


class AccountForm(forms.ModelForm):
    owner = _members_field(required=False, empty_label="No owner")

    class Meta:
        model = Account
        fields = list(ACCOUNT_FIELDS)
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "partner_benefits": forms.Textarea(attrs={"rows": 2}),
            "partner_since": DateInput(),
        }

    def __init__(self, *args, members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        _set_members(self.fields["owner"], members)
        # Older clients (and the CSV round trip) post no coverage: the account keeps the field team.
        self.fields["coverage"].required = False
        # "Declassified" comes from the declassification review (with its reason), never from this form;
        # an account that is declassified keeps the choice so that saving it changes nothing.
        if getattr(self.instance, "status", None) != AccountStatus.DECLASSIFIED:
            self.fields["status"].choices = [
                c for c in self.fields["status"].choices if c[0] != AccountStatus.DECLASSIFIED
            ]

    def clean_coverage(self):
        return self.cleaned_data.get("coverage") or self.instance.coverage or Coverage.FIELD_TEAM

    def _post_clean(self):
        # Model validation (uniqueness within the tenant included) runs in the service.
        pass


class AccountCreateForm(AccountForm):
    classification = forms.ChoiceField(
        choices=Classification.choices,
        initial=Classification.UNQUALIFIED,
        help_text="Strategic means future advantage to us — not size.",
    )
    classification_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for the classification",
        help_text="Required unless unqualified.",
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("classification") not in (None, Classification.UNQUALIFIED)
            and not (cleaned.get("classification_reason") or "").strip()
        ):
            self.add_error(
                "classification_reason",
                f"Say why this account is {dict(Classification.choices)[cleaned['classification']].lower()}.",
            )
        return cleaned


class ClassifyForm(forms.Form):
    classification = forms.ChoiceField(choices=Classification.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=3,
        help_text="Why: the future advantage this account brings us (or why it does not). "
        "Strategic is about the future, not size.",
        error_messages={"required": "Give the reason for this classification."},
    )


# --- Contacts -------------------------------------------------------------------------------------


class ContactForm(forms.ModelForm):
    reports_to = forms.ModelChoiceField(
        queryset=None, required=False, label="Reports to", empty_label="Nobody here (top of the chart)"
    )

    class Meta:
        model = Contact
        fields = [
            "full_name",
            "title",
            "department",
            "reports_to",
            "email",
            "phone",
            "external_id",
            "is_active",
            "left_on",
        ]
        widgets = {"left_on": DateInput()}
        help_texts = {"left_on": "When they left (for people no longer there)."}

    def __init__(self, *args, account: Account, people: list[Contact], **kwargs):
        super().__init__(*args, **kwargs)
        others = [c.pk for c in people if c.pk != self.instance.pk]
        self.fields["reports_to"].queryset = Contact.objects.filter(account=account, pk__in=others).order_by(
            "full_name"
        )

    def _post_clean(self):
        pass


class ContactLeaveForm(forms.Form):
    left_on = forms.DateField(widget=DateInput(), label="Left on")


# --- Team -----------------------------------------------------------------------------------------


class TeamMemberForm(forms.Form):
    user = _members_field(label="Person", empty_label="Choose a person")
    team_role = forms.ChoiceField(choices=TeamRole.choices, initial=TeamRole.ACCOUNT_MANAGER, label="Role on the team")

    def __init__(self, *args, members: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        _set_members(self.fields["user"], members)


class TeamRoleForm(forms.Form):
    team_role = forms.ChoiceField(choices=TeamRole.choices)


# --- Financials -----------------------------------------------------------------------------------


class FinancialPeriodForm(forms.ModelForm):
    class Meta:
        model = FinancialPeriod
        fields = ["period_start", "period_end", "revenue", "margin_pct", "discount_pct", "currency"]
        widgets = {"period_start": DateInput(), "period_end": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start_in_tenant_currency(self, kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period cannot end before it starts.")
        return cleaned

    def _post_clean(self):
        pass


# --- Import ---------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ImportKind.choices, widget=forms.RadioSelect, initial=ImportKind.ACCOUNTS, label="What the file holds"
    )
    file = forms.FileField(
        label="CSV file", help_text="UTF-8 (with or without BOM), separated by commas or semicolons, with a header row."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB."
            )
        return upload
