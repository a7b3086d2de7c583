from django import forms
from django.utils.html import format_html

from accounts.models import Contact
from hierarchy.models import HierarchyLevel, HierarchyModel
from tenancy.forms import ChoiceCards
from tenancy.members import member_users
from tenancy.models import User


def _level_card(level):
    """A level's card in the assessment: number and name, what it means, the signals that tell it."""
    signals = format_html("<br><small>Signals: {}</small>", "; ".join(level.signal_list)) if level.signal_list else ""
    return format_html(
        '<strong>{}. {}</strong><br>\n<span class="muted">{}</span>{}',
        level.number,
        level.name,
        level.description,
        signals,
    )


class AssessmentForm(forms.Form):
    level = forms.TypedChoiceField(
        coerce=int, widget=ChoiceCards, error_messages={"required": "Choose the level this relationship is at."}
    )
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=True,
        help_text="What did you see or hear that shows this level? Quote the customer where you can.",
        error_messages={"required": "Evidence is required: say what you saw or heard that shows this level."},
    )

    def __init__(self, *args, levels, model=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.levels = levels
        level = self.fields["level"]
        if model is not None:
            level.label = f"Level ({model.name})"
        level.choices = [(lvl.number, _level_card(lvl)) for lvl in levels]
        level.widget.option_classes = {str(lvl.number): f"lvl-border-{lvl.number}" for lvl in levels}
        self.fields["level"].error_messages["invalid_choice"] = (
            f"Choose a level from 1 to {len(levels)}." if levels else "No hierarchy levels are set up."
        )


class RelationshipForm(forms.Form):
    contact = forms.ModelChoiceField(
        queryset=None,
        label="Their person",
        error_messages={
            "required": "Choose the contact at the customer.",
            "invalid_choice": "Choose a contact of this account who is still there.",
        },
    )
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Our person",
        error_messages={
            "required": "Choose who on our side holds the relationship.",
            "invalid_choice": "Choose a member of this tenant.",
        },
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Relationship owner",
        help_text="Accountable for developing it. Defaults to our person.",
        error_messages={"invalid_choice": "Choose a member of this tenant."},
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(account=account, is_active=True).order_by("full_name")
        self.fields["user"].queryset = member_users()
        self.fields["owner"].queryset = member_users()
        self.fields["user"].label_from_instance = self.fields["owner"].label_from_instance = lambda u: u.get_full_name()


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Relationship owner",
        error_messages={
            "required": "Choose the relationship owner.",
            "invalid_choice": "Choose a member of this tenant.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_users()
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name()


class SurveySendForm(forms.Form):
    """The link goes to the contact's own address (hierarchy.services.survey_invitation_send): no field for it."""

    valid_days = forms.IntegerField(
        label="Valid for (days)",
        min_value=1,
        max_value=60,
        initial=14,
        error_messages={
            "min_value": "A link is valid for at least 1 day.",
            "max_value": "A link can be valid for at most 60 days.",
            "required": "Say how many days the link stays valid.",
            "invalid": "Enter a whole number of days.",
        },
    )


class SurveyAnswerForm(forms.Form):
    level = forms.TypedChoiceField(
        coerce=int,
        widget=ChoiceCards,
        label="Which statement fits best?",
        error_messages={
            "required": "Please choose the statement that fits best.",
            "invalid_choice": "Please choose one of the statements.",
        },
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Anything you would like to add? (optional)",
    )

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(lvl.number, lvl.survey_statement or lvl.name) for lvl in levels]


class ActivateModelForm(forms.Form):
    model = forms.ModelChoiceField(
        queryset=None,
        label="Active hierarchy model",
        empty_label=None,
        error_messages={
            "required": "Choose a hierarchy model.",
            "invalid_choice": "Choose one of this tenant's hierarchy models.",
        },
    )

    def __init__(self, *args, active: HierarchyModel | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = HierarchyModel.objects.order_by("name")
        self.fields["model"].initial = active  # one model is always active: the select shows which


class LevelForm(forms.ModelForm):
    class Meta:
        model = HierarchyLevel
        fields = ["name", "description", "signals", "climb_playbook", "survey_statement"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "signals": forms.Textarea(attrs={"rows": 4}),
            "climb_playbook": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "name": {"required": "A level needs a name."},
            "description": {"required": "Describe what this level means from the customer's side."},
        }
