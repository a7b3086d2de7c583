"""{% load hierarchy_tags %}{% hierarchy_account_panel account %}: the relationship map, roll-up, playbook,
alerts and level history of one account, for the account page (which belongs to the accounts app and
cannot import this one). Runs a fixed number of queries."""

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def hierarchy_account_panel(context, account):
    from hierarchy.views import account_panel_context

    request = context["request"]
    return render_to_string("hierarchy/account.html#panel", account_panel_context(request, account), request=request)
