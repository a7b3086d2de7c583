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
    """Plain links (full page loads) to the tabs other apps contribute; each shows `account_header`."""
    slug = context["request"].tenant.slug
    return format_html_join("\n", '<a href="{}">{}</a>',
                            ((reverse(name, args=[slug, account.pk]), label) for label, name in collect_tabs()))


@register.simple_tag(takes_context=True)
def account_panels(context, account):
    return mark_safe("\n".join(collect_panels(context["request"], account)))  # each panel is safe HTML already


@register.simple_tag(takes_context=True)
def account_rating_badge(context, account):
    return rating_badge(context["request"], account)


def _on_account_tab(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in {name for _, name in collect_tabs()}


@register.simple_tag(takes_context=True)
def on_account_tab(context) -> bool:
    """Whether this page is an account's tab contributed by another app (the relationship map, key
    players…): the top navigation then keeps "Accounts" highlighted, as the account's own tabs do."""
    return _on_account_tab(context["request"])


@register.inclusion_tag("accounts/_tab_header.html", takes_context=True)
def account_header(context, account):
    """The header of an account's page, for the tabs other apps contribute: the same breadcrumb and the
    same tabs as the account's own pages, the current tab marked."""
    from accounts.access import can_see_money

    request = context["request"]
    slug = request.tenant.slug
    current = request.resolver_match.view_name
    own = [("Overview", "accounts:detail"), ("Contacts & org chart", "accounts:contacts"), ("Team", "accounts:team")]
    if can_see_money(membership=request.membership, account=account):
        own.append(("Financials", "accounts:financials"))
    def link(label, name):
        return {"label": label, "url": reverse(name, args=[slug, account.pk]), "current": name == current}
    return {"account": account, "own": [link(*tab) for tab in own],
            "others": [link(*tab) for tab in collect_tabs()], "request": request}
