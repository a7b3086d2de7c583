"""Browser validation for plans. On success the view hands cleaned_data to one service; the service's
own ValidationError (business rules) is shown on the same form (see tenancy.forms.add_errors)."""

import datetime as dt
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Account, Contact
from accounts.pickers import AccountChoiceField
from hierarchy.models import Relationship
from hierarchy.selectors import level_names
from tenancy.dates import check_supported_range
from plans import selectors, services
from plans.models import (
    IssueKind,
    AccountPlan,
    ActionStatus,
    CallChannel,
    CompetitiveStrategy,
    Opportunity,
    PlanAction,
)
from tenancy.forms import DateInput, DateTimeLocalInput
from tenancy.members import member_users
from tenancy.models import Role, User
from tenancy.selectors import start_in_tenant_currency

LEVEL_CHOICES = [("", "—")] + [(i, f"Level {i}") for i in range(1, 7)]
ALL_TIMEZONES = sorted(zoneinfo.available_timezones())


def member_label(user) -> str:
    name = user.get_full_name()
    return f"{name} (executive)" if getattr(user, "role", None) == Role.EXECUTIVE else name


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return member_label(obj)


class MembersField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return member_label(obj)


class ContactsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        label = f"{obj.full_name}, {obj.title}" if obj.title else obj.full_name
        return label if obj.is_active else f"{label} (has left)"


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class AccountBoundForm:
    """A form whose contact and opportunity choices depend on the chosen account."""

    def resolve_account(self, account: Account | None):
        if account is not None:
            return account
        raw = self.data.get(self.add_prefix("account")) if self.is_bound else self.initial.get("account")
        raw = getattr(raw, "pk", raw)
        account_id = _int_or_none(raw)
        return Account.objects.filter(pk=account_id).first() if account_id else None


# --- plans ------------------------------------------------------------------------------------------------


class PlanForm(forms.ModelForm):
    account = AccountChoiceField(
        queryset=Account.objects.none(),
        help_text="A new plan replaces the account's active plan, which is archived and kept.",
    )
    owner = MemberChoiceField(queryset=User.objects.none(), required=False)
    target_level = forms.TypedChoiceField(
        choices=LEVEL_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="The hierarchy level we aim to reach with this account.",
    )

    class Meta:
        model = AccountPlan
        fields = ["account", "title", "objectives", "owner", "target_level", "target_date", "review_date"]
        widgets = {
            "target_date": DateInput(),
            "review_date": DateInput(),
            "objectives": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, with_account: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_users()
        levels = level_names()
        if levels:
            self.fields["target_level"].choices = [("", "—")] + [
                (n, f"{n}. {name}") for n, name in sorted(levels.items())
            ]
        if with_account:
            self.fields["account"].queryset = Account.objects.order_by("name")
        else:
            del self.fields["account"]


class ActionForm(forms.ModelForm):
    owner = MemberChoiceField(queryset=User.objects.none(), required=False)

    class Meta:
        model = PlanAction
        fields = ["title", "owner", "due_date", "notes"]
        widgets = {"due_date": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, with_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_users()
        if with_status:
            self.fields["status"] = forms.ChoiceField(choices=ActionStatus.choices)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)


class _RelationshipChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        level = obj.effective_level
        return f"{obj.user.get_full_name() or obj.user} ↔ {obj.contact.full_name}" + (
            f" (level {level})" if level else ""
        )


class IssueForm(forms.Form):
    """One of the customer's issues on the plan: in their words, with what serves it."""

    kind = forms.ChoiceField(choices=IssueKind.choices, initial=IssueKind.BUSINESS)
    statement = forms.CharField(
        label="In their words",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The initiative or issue as the customer states it, not our product.",
    )
    raised_by = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, label="Whose words", empty_label="—"
    )
    relationships = _RelationshipChoices(
        queryset=Relationship.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Relationships that serve it",
    )
    opportunities = forms.ModelMultipleChoiceField(
        queryset=Opportunity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Opportunities that serve it",
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        account_id = plan.account_id
        self.fields["raised_by"].queryset = Contact.objects.filter(account_id=account_id, is_active=True).order_by(
            "full_name"
        )
        self.fields["relationships"].queryset = (
            Relationship.objects.filter(account_id=account_id)
            .select_related("user", "contact")
            .order_by("contact__full_name", "pk")
        )
        self.fields["opportunities"].queryset = Opportunity.objects.filter(account_id=account_id).order_by(
            "close_date", "pk"
        )


# --- opportunities ----------------------------------------------------------------------------------------------


class OpportunityForm(forms.ModelForm):
    account = AccountChoiceField(queryset=Account.objects.none())
    owner = MemberChoiceField(queryset=User.objects.none(), required=False)
    competitive_strategy = forms.ChoiceField(
        label="Lead strategy",
        choices=[("", "— not decided —")] + CompetitiveStrategy.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    fallback_strategy = forms.ChoiceField(
        label="Fallback strategy",
        choices=[("", "— none —")] + CompetitiveStrategy.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="The one we turn to if the lead strategy stops working.",
    )

    class Meta:
        model = Opportunity
        fields = [
            "account",
            "name",
            "stage",
            "value",
            "currency",
            "close_date",
            "owner",
            "pain_identified",
            "access_to_power",
            "vision_agreed",
            "value_agreed",
            "control_of_sale",
            "qualification_notes",
            "competitive_strategy",
            "strategy_rationale",
            "fallback_strategy",
            "fallback_rationale",
            "evaluation_plan",
            *Opportunity.VALUE_CASE_FIELDS,
            "buyer_tactics",
            "buyer_tactics_answer",
            "must_get",
            "can_give",
            "walk_away",
        ]
        widgets = {
            "close_date": DateInput(),
            "qualification_notes": forms.Textarea(attrs={"rows": 3}),
            "strategy_rationale": forms.Textarea(attrs={"rows": 3}),
            "must_get": forms.Textarea(attrs={"rows": 2}),
            "can_give": forms.Textarea(attrs={"rows": 2}),
            "walk_away": forms.Textarea(attrs={"rows": 2}),
            "fallback_rationale": forms.Textarea(attrs={"rows": 2}),
            "evaluation_plan": forms.Textarea(attrs={"rows": 3}),
            "value_roi": forms.Textarea(attrs={"rows": 2}),
            "value_pain_removed": forms.Textarea(attrs={"rows": 2}),
            "value_benefits": forms.Textarea(attrs={"rows": 2}),
            "value_agreed_on": DateInput(),
            "buyer_tactics": forms.Textarea(attrs={"rows": 2}),
            "buyer_tactics_answer": forms.Textarea(attrs={"rows": 2}),
        }

    SECTIONS = (
        ("The deal", ["account", "name", "stage", "value", "currency", "close_date", "owner"]),
        (
            "Qualification",
            [
                "pain_identified",
                "access_to_power",
                "vision_agreed",
                "value_agreed",
                "control_of_sale",
                "qualification_notes",
            ],
        ),
        (
            "Opportunity strategy",
            [
                "competitive_strategy",
                "strategy_rationale",
                "fallback_strategy",
                "fallback_rationale",
                "evaluation_plan",
            ],
        ),
        ("Value case, agreed with the customer", list(Opportunity.VALUE_CASE_FIELDS)),
        ("Buyer tactics", ["buyer_tactics", "buyer_tactics_answer"]),
        ("Negotiation plan", ["must_get", "can_give", "walk_away"]),
    )

    # Money about the customer (accounts.access): left out of the form for whoever may not see it, so
    # editing the deal's stage or qualification neither shows nor changes them.
    MONEY_FIELDS = (*Opportunity.MONEY_FIELDS, "currency")

    def __init__(self, *args, with_account: bool = True, with_money: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        start_in_tenant_currency(self, kwargs)
        self.fields["owner"].queryset = member_users()
        if with_account:
            self.fields["account"].queryset = Account.objects.order_by("name")
        else:
            del self.fields["account"]
        if not with_money:
            for name in self.MONEY_FIELDS:
                del self.fields[name]

    def sections(self):
        sections = [(title, [self[name] for name in names if name in self.fields]) for title, names in self.SECTIONS]
        return [(title, fields) for title, fields in sections if fields]

    def clean(self):
        """The service's own rules too, so every error shows at once (the service checks them again)."""
        data = super().clean()
        ticked = bool(data.get("value_agreed")) and not (
            self.instance.pk and self.instance.value_agreed and not self._value_case_changed()
        )
        errors = services.opportunity_field_errors(
            competitive_strategy=data.get("competitive_strategy", ""),
            strategy_rationale=data.get("strategy_rationale", ""),
            currency=data.get("currency", ""),
            value=data.get("value"),
            fallback_strategy=data.get("fallback_strategy", ""),
            fallback_rationale=data.get("fallback_rationale", ""),
            value_agreed_now=ticked,
            value_case=data,
        )
        for name, message in errors.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data

    def _value_case_changed(self) -> bool:
        return any(name in self.changed_data for name in Opportunity.VALUE_CASE_FIELDS)


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Add to the thread",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        help_text="What you know that the team should: people, politics, competitors, timing. "
        "Mention a teammate with @ and their e-mail: it shows on their dashboard.",
    )


# --- call reports ----------------------------------------------------------------------------------------------


class CallReportForm(AccountBoundForm, forms.Form):
    account = AccountChoiceField(queryset=Account.objects.none())
    occurred_at = forms.DateTimeField(label="When", widget=DateTimeLocalInput())
    channel = forms.ChoiceField(choices=CallChannel.choices, initial=CallChannel.IN_PERSON)
    attendees = MembersField(queryset=User.objects.none(), required=False, label="Our attendees")
    contacts = ContactsField(queryset=Contact.objects.none(), required=False, label="Their contacts")
    opportunity = forms.ModelChoiceField(
        queryset=Opportunity.objects.none(), required=False, label="Linked opportunity", empty_label="— none —"
    )
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="What was discussed.")
    outcomes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="What was agreed or learnt."
    )

    def __init__(self, *args, account: Account | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = self.resolve_account(account)
        self.fields["account"].queryset = Account.objects.order_by("name")
        self.fields["attendees"].queryset = member_users()
        if self.account is not None:
            self.fields["contacts"].queryset = Contact.objects.filter(account=self.account).order_by(
                "-is_active", "full_name"
            )
            self.fields["opportunity"].queryset = Opportunity.objects.filter(account=self.account).order_by(
                "-close_date"
            )
        else:
            self.fields["contacts"].help_text = "Choose the account first."

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value and value > timezone.now() + dt.timedelta(minutes=10):
            raise ValidationError("A call report records a call that happened: the date is in the future.")
        return value


class NextStepForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Next step")
    owner = MemberChoiceField(queryset=User.objects.none(), required=False)
    due_date = forms.DateField(required=False, widget=DateInput(), label="Due")

    def __init__(self, *args, default_owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_users()
        if default_owner is not None:
            self.fields["owner"].initial = default_owner.pk

    def clean(self):
        data = super().clean()
        if data.get("title") and not data.get("due_date"):
            self.add_error("due_date", "Give the next step a due date.")
        if data.get("due_date") and not data.get("title"):
            self.add_error("title", "Say what needs doing.")
        if data.get("due_date") and data["due_date"] < timezone.localdate():
            self.add_error("due_date", "The due date is in the past.")
        return data

    def has_changed(self):
        # Only a title or a due date makes a row a next step (the preset owner alone does not).
        return bool(self["title"].value() or self["due_date"].value())


NextStepFormSet = forms.formset_factory(NextStepForm, extra=3, max_num=10)


# --- visits ---------------------------------------------------------------------------------------------------------


class WallClockField(forms.DateTimeField):
    """A date and time as the user typed it, without a time zone: the form combines it with the
    visit's time zone (which need not be the tenant's)."""

    widget = DateTimeLocalInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        try:
            result = parse_datetime(str(value).strip())
        except ValueError:  # shaped like a date but not one, e.g. 30 February
            result = None
        if result is None:
            # The browser's date-time input always sends ISO 8601; anything else is ambiguous (12/04?).
            raise ValidationError("Enter the date and time as YYYY-MM-DD HH:MM, e.g. 2027-04-12 10:00.", code="invalid")
        check_supported_range(result.replace(tzinfo=None))
        return result

    def prepare_value(self, value):
        return value


def localise(naive: dt.datetime, tzname: str) -> dt.datetime:
    """`naive` wall-clock time in `tzname` → an aware datetime; refuses the times a clock change skips
    or repeats."""
    if naive.tzinfo is not None:
        check_supported_range(naive)
        return naive
    check_supported_range(naive)  # before any arithmetic: year 1 or 9999 would overflow below
    tz = zoneinfo.ZoneInfo(tzname)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise ValidationError(f"{naive:%H:%M on %d %b %Y} does not exist in {tzname}: the clocks go forward then.")
    if aware.utcoffset() != naive.replace(tzinfo=tz, fold=1).utcoffset():
        raise ValidationError(
            f"{naive:%H:%M on %d %b %Y} happens twice in {tzname} (the clocks go back): choose another time."
        )
    check_supported_range(aware)
    return aware


class VisitForm(AccountBoundForm, forms.Form):
    account = AccountChoiceField(queryset=Account.objects.none())
    purpose = forms.CharField(max_length=200, help_text="Why we go, in one line: it is the calendar entry's title.")
    starts_at = WallClockField(label="Starts")
    ends_at = WallClockField(label="Ends")
    timezone = forms.ChoiceField(
        choices=[(z, z) for z in ALL_TIMEZONES],
        label="Time zone",
        help_text="The times above are in this zone. Calendars show them in each reader's own.",
    )
    location = forms.CharField(max_length=255, required=False)
    attendees = MembersField(
        queryset=User.objects.none(),
        label="Our attendees",
        help_text="Executives are marked; they get the visit in their calendar feed.",
    )
    contacts = ContactsField(queryset=Contact.objects.none(), required=False, label="Their attendees")
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, account: Account | None = None, with_account: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = self.resolve_account(account)
        self.fields["attendees"].queryset = member_users()
        if with_account:
            self.fields["account"].queryset = Account.objects.order_by("name")
        else:
            del self.fields["account"]
        if self.account is not None:
            self.fields["contacts"].queryset = Contact.objects.filter(account=self.account, is_active=True).order_by(
                "full_name"
            )
        else:
            self.fields["contacts"].help_text = "Choose the account first."

    def clean(self):
        data = super().clean()
        tzname = data.get("timezone")
        if not tzname:
            return data
        for name in ("starts_at", "ends_at"):
            if data.get(name) is not None:
                try:
                    data[name] = localise(data[name], tzname)
                except ValidationError as error:
                    self.add_error(name, error)
                    data.pop(name, None)
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The visit must end after it starts.")
        return data


# --- calendar -------------------------------------------------------------------------------------------------------


class CalendarFilterForm(forms.Form):
    VIEWS = [("month", "Month"), ("week", "Week"), ("list", "List"), ("day", "Day")]

    view = forms.ChoiceField(choices=VIEWS, required=False)
    date = forms.DateField(required=False, widget=DateInput())
    mine = forms.BooleanField(required=False, label="Only my visits")
    account = AccountChoiceField(queryset=Account.objects.none(), required=False, empty_label="All accounts")
    executive = forms.ChoiceField(required=False, label="Executive")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.order_by("name")
        self.fields["executive"].choices = [("", "Anyone"), ("any", "With an executive")] + [
            (str(u.pk), u.get_full_name()) for u in selectors.executive_users()
        ]

    def clean_date(self):
        # The calendar pages back and forth by months and weeks: keep well inside Python's dates.
        date = self.cleaned_data.get("date")
        check_supported_range(date)
        return date
