"""{% load hierarchy_tags %}{% hierarchy_account_panel account %}: the relationship map, roll-up, playbook,
alerts and level history of one account, for the account page (which belongs to the accounts app and
cannot import this one). Runs a fixed number of queries."""

from django import template

from hierarchy import account_page

register = template.Library()


@register.simple_tag(takes_context=True)
def hierarchy_account_panel(context, account):
    return account_page.panel(context["request"], account)
