"""{% load plans_tags %} for plans' own templates. (The account page gets the plans panel from
plans.account_page.)"""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ levels|get_item:plan.target_level }}"""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
