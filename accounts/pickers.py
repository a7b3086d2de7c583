"""The account picker of every form that asks "which account?" (plans, key players, …).

A tenant with a few hundred accounts gets a plain <select>. A larger one (the product is built for
100,000) would put every account into every form, so there the select holds only the chosen account
and a search box beside it asks accounts:picker for the matches as the user types (htmx); the field
still accepts any account of the tenant, so links that pre-select one (?account=) keep working."""

from django import forms
from django.urls import reverse

from accounts.models import Account
from tenancy.context import current_tenant_id
from tenancy.models import Tenant

SELECT_LIMIT = 300
MATCHES = 20


class AccountPicker(forms.Select):
    template_name = "accounts/_picker.html"

    def _large(self) -> bool:
        queryset = getattr(self.choices, "queryset", None)
        return queryset is not None and queryset.order_by().values("pk")[: SELECT_LIMIT + 1].count() > SELECT_LIMIT

    def optgroups(self, name, value, attrs=None):
        if not getattr(self, "searching", False):
            return super().optgroups(name, value, attrs)
        chosen = [v for v in value if v not in ("", None)]
        options = [(self.choices.field.empty_label or "—", "")] if self.choices.field.empty_label is not None else []
        ids = [int(v) for v in chosen if str(v).isdecimal() and str(v).isascii() and len(str(v)) <= 18]
        accounts = Account.objects.filter(pk__in=ids).order_by("name")
        options += [(account.name, str(account.pk)) for account in accounts]
        return [
            (None, [self.create_option(name, v, label, v in chosen or (not chosen and v == ""), i, attrs=attrs)], i)
            for i, (label, v) in enumerate(options)
        ]

    def get_context(self, name, value, attrs):
        self.searching = self._large()
        context = super().get_context(name, value, attrs)
        if self.searching:
            slug = Tenant.objects.filter(pk=current_tenant_id()).values_list("slug", flat=True).first()
            field = self.choices.field
            context["picker_url"] = reverse("accounts:picker", args=[slug])
            context["picker_blank"] = "" if field.required else (field.empty_label or "—")
        return context


class AccountChoiceField(forms.ModelChoiceField):
    """An account of the current tenant, by id, through the AccountPicker. Forms set the queryset in
    __init__ (inside the request's tenant scope), e.g. Account.objects.order_by("name")."""

    widget = AccountPicker

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Account.objects.none())
        kwargs.setdefault("error_messages", {"invalid_choice": "There is no such account."})
        super().__init__(**kwargs)


def picker_matches(*, q: str) -> list[Account]:
    from accounts.selectors import AccountFilters, account_filtered

    queryset = account_filtered(filters=AccountFilters(q=q)) if q else Account.objects.all()
    return list(queryset.order_by("name", "pk").only("pk", "name", "external_id")[:MATCHES])
