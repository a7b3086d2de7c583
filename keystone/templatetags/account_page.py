"""{% load account_page %} for the accounts app's templates: {% account_tabs account %},
{% account_panels account %} and {% account_rating_badge account %} render what the higher apps
contribute (keystone.account_page)."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.urls import reverse

from keystone.account_page import account_panels as collect_panels
from keystone.account_page import account_tabs as collect_tabs
from keystone.account_page import rating_badge

register = template.Library()


@register.simple_tag(takes_context=True)
def account_tabs(context, account):
    """Plain links (full page loads): each app's account page has its own layout."""
    slug = context["request"].tenant.slug
    return format_html_join("\n", '<a href="{}">{}</a>',
                            ((reverse(name, args=[slug, account.pk]), label) for label, name in collect_tabs()))


@register.simple_tag(takes_context=True)
def account_panels(context, account):
    return mark_safe("\n".join(collect_panels(context["request"], account)))  # each panel is safe HTML already


@register.simple_tag(takes_context=True)
def account_rating_badge(context, account):
    return rating_badge(context["request"], account)
