"""Browser validation for key players, guidance and coverage thresholds; on success views call a service."""

from django import forms

from accounts.models import Account
from accounts.pickers import AccountChoiceField
from keyplayers.models import BUYING_ROLE_HELP, BuyingRole, BuyingStage, CoverageSettings, Influence, Stance
from keyplayers.selectors import FLAGS, SINGLE_ROLE


def _role_help() -> str:
    return " ".join(f"<b>{BuyingRole(role).label}</b>: {text}" for role, text in BUYING_ROLE_HELP.items())


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            from django.utils import timezone

            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class KeyPlayerForm(forms.Form):
    contact = forms.TypedChoiceField(
        error_messages={"invalid_choice": "Choose a contact of this account who is not a key player yet."}
    )
    buying_role = forms.ChoiceField(
        choices=[("", "Choose a role…"), *BuyingRole.choices],
        help_text="",
        error_messages={"required": "Choose the person's role in the buying team."},
    )
    buying_stage = forms.ChoiceField(choices=BuyingStage.choices, initial=BuyingStage.PLANNING)
    stance = forms.ChoiceField(choices=Stance.choices, initial=Stance.NEUTRAL)
    influence = forms.ChoiceField(label="Degree of influence", choices=Influence.choices, initial=Influence.MEDIUM)
    concerns = forms.CharField(
        label="First concern",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What worries this person about buying from us, in their words. It opens "
        "the concern log; later ones are logged on the card.",
    )
    last_contact_at = forms.DateTimeField(
        label="Last contact",
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="Set it by hand for contact outside call reports; the later of this and the last call report is shown.",
    )

    def __init__(self, *args, contacts=None, include_contact=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buying_role"].help_text = _role_help()
        if not include_contact:
            del self.fields["concerns"]  # an existing key player's concerns are a log, kept on its card
        if include_contact:
            # `contacts` is a list already read (contacts_available): no query to render or to validate.
            self._contacts = {str(c.pk): c for c in contacts}
            field = self.fields["contact"]
            field.choices = [("", "Choose a contact…")] + [
                (str(c.pk), f"{c.full_name} — {c.title}" if c.title else c.full_name) for c in contacts
            ]
            field.coerce = self._contacts.get
        else:
            del self.fields["contact"]


class StageForm(forms.Form):
    buying_stage = forms.ChoiceField(
        choices=BuyingStage.choices,
        error_messages={
            "invalid_choice": "%(value)s is not a buying stage; choose planning, determine needs, evaluate "
            "alternatives, evaluate risk or decision."
        },
    )


class StanceForm(forms.Form):
    stance = forms.ChoiceField(
        choices=Stance.choices,
        error_messages={"invalid_choice": "%(value)s is not a stance; choose supporter, neutral, skeptic or blocker."},
    )


class GuidanceCellForm(forms.Form):
    buying_role = forms.ChoiceField(choices=BuyingRole.choices, widget=forms.HiddenInput)
    buying_stage = forms.ChoiceField(choices=BuyingStage.choices, widget=forms.HiddenInput)
    communication = forms.CharField(max_length=120, help_text="The kind of communication, e.g. “Value communication”.")
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Next message",
        help_text="What to get across to this role at this stage.",
    )
    typical_concern = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CellSelectForm(forms.Form):
    """Which cell of the matrix (the query string of the edit page, the reset button)."""

    buying_role = forms.ChoiceField(
        choices=BuyingRole.choices,
        error_messages={"required": "Say which buying role.", "invalid_choice": "%(value)s is not a buying role."},
    )
    buying_stage = forms.ChoiceField(
        choices=BuyingStage.choices,
        error_messages={"required": "Say which buying stage.", "invalid_choice": "%(value)s is not a buying stage."},
    )


class CoverageSettingsForm(forms.ModelForm):
    class Meta:
        model = CoverageSettings
        fields = ["min_level_executive", "min_level_middle_management", "min_level_operational", "min_level_purchasing"]
        labels = {
            "min_level_executive": "Executive: minimum level",
            "min_level_middle_management": "Middle management: minimum level",
            "min_level_operational": "Operational: minimum level",
            "min_level_purchasing": "Purchasing: minimum level",
        }


class KeyPlayerFilterForm(forms.Form):
    q = forms.CharField(label="Name or title", required=False)
    buying_role = forms.ChoiceField(label="Role", choices=[("", "Any role"), *BuyingRole.choices], required=False)
    buying_stage = forms.ChoiceField(label="Stage", choices=[("", "Any stage"), *BuyingStage.choices], required=False)
    stance = forms.ChoiceField(choices=[("", "Any stance"), *Stance.choices], required=False)
    influence = forms.ChoiceField(choices=[("", "Any influence"), *Influence.choices], required=False)
    account = AccountChoiceField(
        queryset=Account.objects.none(),
        required=False,
        empty_label="Any account",
        error_messages={"invalid_choice": "There is no such account."},
    )
    flag = forms.ChoiceField(
        label="Coverage",
        required=False,
        choices=[
            ("", "Any coverage"),
            ("any", "Any coverage gap"),
            *FLAGS.items(),
            (SINGLE_ROLE, "On an account where we reach only one buying role"),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.order_by("name")

    def filters(self) -> dict:
        """The valid filters (an invalid one is reported and ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": data.get("q") or None,
            "buying_role": data.get("buying_role") or None,
            "buying_stage": data.get("buying_stage") or None,
            "stance": data.get("stance") or None,
            "influence": data.get("influence") or None,
            "account": data.get("account"),
            "flag": data.get("flag") or None,
        }


class ConcernForm(forms.Form):
    concern = forms.CharField(
        label="New concern",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="In their words. Diagnose before you prescribe: ask what lies behind it.",
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label="Our answer", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
