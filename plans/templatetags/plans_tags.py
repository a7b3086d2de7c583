"""Plans on pages that belong to other apps (the account page cannot import plans):

    {% load plans_tags %}
    {% plans_account_panel account %}      the active plan and its open actions, overdue actions,
                                           open opportunities, recent calls and next visits
    {% plans_overdue_actions account %}    only the overdue actions (renders nothing when none)

Each runs a fixed number of queries and shows times in the tenant's time zone."""

from django import template
from django.template.loader import render_to_string
from django.utils import timezone

from plans import account_page, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def plans_account_panel(context, account):
    return account_page.panel(context["request"], account)


@register.simple_tag(takes_context=True)
def plans_overdue_actions(context, account):
    request = context["request"]
    with timezone.override(account_page.tenant_timezone(request)):
        overdue = selectors.overdue_actions(today=timezone.localdate(), account=account)
        return render_to_string("plans/_account_overdue.html", {"overdue_actions": overdue}, request=request)


@register.filter
def get_item(mapping, key):
    """{{ levels|get_item:plan.target_level }}"""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
