from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, _unicode_ci_compare
from django.forms.renderers import TemplatesSetting

from tenancy.dates import OUT_OF_RANGE, in_supported_range
from tenancy import throttle
from tenancy.models import BriefingDelivery, Role, validate_one_line


class FormRenderer(TemplatesSetting):
    """settings.FORM_RENDERER: every form and field of every page renders through one template each.
    templates/forms/field.html is the one field group (label, widget, help text, errors), used by
    {{ field.as_field_group }} and by templates/forms/form.html, which {{ form }} renders. TemplatesSetting
    loads them, and Django's widget templates ("django.forms" in INSTALLED_APPS), through settings.TEMPLATES."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


class ChoiceCards(forms.RadioSelect):
    """Radio options shown as cards, one a line, in a fieldset with a legend (the hierarchy levels of the
    assessment and of the customer survey). forms/field.html draws it (its widget_type is "choicecards").
    A choice's label may be HTML built with format_html (a name and a description); option_classes maps a
    choice's value to extra CSS classes for its card (e.g. the level's colour)."""

    def __init__(self, attrs=None, choices=(), option_classes=None):
        super().__init__(attrs, choices)
        self.option_classes = option_classes or {}

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.option_classes = dict(self.option_classes)
        return obj

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["card_class"] = self.option_classes.get(str(value), "")
        return option


class DateInput(forms.DateInput):
    """<input type="date"> always carries ISO 8601 (yyyy-mm-dd): a browser drops any other value (the
    locale's 03/03/2027), shows the field empty and refuses to submit a required one."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    """<input type="datetime-local">: ISO 8601 without seconds, for the same reason."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def add_errors(form, error) -> None:
    """A service's ValidationError shown on the form that fed it: a field's message beside that field,
    anything else (or a field the form lacks) above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, unless settings.TRUSTED_PROXY_COUNT proxies sit in front
    of the app; then the address the outermost of them saw, i.e. the TRUSTED_PROXY_COUNT-th entry of
    X-Forwarded-For from the right (entries further left are whatever the client sent)."""
    if request is None:
        return ""
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if trusted > 0 and forwarded:
        return forwarded[-trusted] if len(forwarded) >= trusted else forwarded[0]
    return request.META.get("REMOTE_ADDR", "")


class ThrottleMixin:
    """Counts failed sign-ins (throttle.py) and refuses further attempts once locked out. For any
    AuthenticationForm: the app's login page and the Django admin's share the same counters."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed sign-in attempts. Wait 15 minutes, or reset your password.",
    }

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if throttle.is_locked_out(email, ip):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(email, ip)
            raise
        throttle.clear(email)
        return cleaned


class ThrottledLoginForm(ThrottleMixin, AuthenticationForm):
    pass


class ThrottledAdminLoginForm(ThrottleMixin, AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": ThrottleMixin.error_messages["throttled"]}


class InviteeAwarePasswordResetForm(PasswordResetForm):
    """Django's form mails nobody whose password is unusable; here that is exactly an invited person
    who has not chosen one yet (member_invite), so they may ask for a new link when they lost theirs."""

    def get_users(self, email):
        from tenancy.models import User

        field = User.get_email_field_name()
        # Django's get_users() less its has_usable_password() condition.
        return (
            user
            for user in User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
            if _unicode_ci_compare(email, getattr(user, field))
        )


class InviteMemberForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MANAGER)


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What uses it, e.g. “CRM sync”.")


class TenantSettingsForm(forms.Form):
    name = forms.CharField(max_length=120, validators=[validate_one_line])
    timezone = forms.CharField(max_length=64, help_text="IANA name, e.g. Europe/Berlin. Visits default to it.")
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        required=False,
        error_messages={"invalid": "Use a three-letter ISO code, e.g. GBP."},
        help_text="Three-letter ISO code. New opportunities and financial periods start in it; "
        "the ratings' money criteria count amounts in it only.",
    )

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").upper() or None

    briefing_lead_hours = forms.IntegerField(
        min_value=1,
        max_value=24 * 14,
        label="Briefing lead time (hours)",
        help_text="How long before a visit its executives receive the briefing.",
    )
    briefing_delivery = forms.ChoiceField(
        choices=BriefingDelivery.choices, label="Briefing e-mails", widget=forms.RadioSelect
    )
    briefing_digest_hour = forms.IntegerField(
        min_value=0,
        max_value=23,
        label="Morning digest at (hour)",
        help_text="With the morning digest: the hour it is sent, in the tenant's time zone.",
    )

    def clean_timezone(self):
        from tenancy.models import validate_timezone

        value = self.cleaned_data["timezone"].strip()
        validate_timezone(value)
        return value


class AuditFilterForm(forms.Form):
    """The audit page's filters (GET). Dates are days in the tenant's time zone, both included."""

    kind = forms.ChoiceField(required=False, label="What")
    actor = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Who")
    since = forms.DateField(required=False, label="From", widget=DateInput())
    until = forms.DateField(required=False, label="To", widget=DateInput())

    def __init__(self, *args, kinds, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Every change"), *kinds]
        self.fields["actor"].choices = [("", "Anyone"), *members]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        for name in ("since", "until"):
            if cleaned.get(name) and not in_supported_range(cleaned[name]):
                self.add_error(name, OUT_OF_RANGE)
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return cleaned
