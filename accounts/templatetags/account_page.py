"""{% load account_page %} for the accounts app's templates: {% account_tabs account %},
{% account_panels account %} and {% account_rating_badge account %} render what the higher apps
contribute (accounts.sections)."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.sections import account_panels as collect_panels
from accounts.sections import account_tabs as collect_tabs
from accounts.sections import rating_badge
from tenancy.templatetags.crumbs import crumb_items

register = template.Library()


@register.simple_tag(takes_context=True)
def account_tabs(context, account):
    """Plain links (full page loads) to the tabs other apps contribute; each shows `account_header`."""
    slug = context["request"].tenant.slug
    return format_html_join(
        "\n", '<a href="{}">{}</a>', ((reverse(name, args=[slug, account.pk]), label) for label, name in collect_tabs())
    )


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
    """Whether this page is about one account: one of its tabs contributed by another app (the
    relationship map, key players…) or a page below one (accounts/about_account.html). The top
    navigation then keeps "Accounts" highlighted, as the account's own tabs do."""
    return bool(context.get("about_account")) or _on_account_tab(context["request"])


OWN_TABS = [("Overview", "accounts:detail"), ("Contacts & org chart", "accounts:contacts"), ("Team", "accounts:team")]
FINANCIALS_TAB = ("Financials", "accounts:financials")


def _header_context(request, account, tab: str = "", here: str = "") -> dict:
    from accounts.access import can_see_money

    slug = request.tenant.slug
    current = tab or request.resolver_match.view_name
    own = list(OWN_TABS)
    if can_see_money(membership=request.membership, account=account):
        own.append(FINANCIALS_TAB)

    def link(label, name):
        return {"label": label, "url": reverse(name, args=[slug, account.pk]), "current": name == current}

    own, others = [link(*t) for t in own], [link(*t) for t in collect_tabs()]
    trail = ["Accounts", "accounts:list", account.name, reverse("accounts:detail", args=[slug, account.pk])]
    if here:
        below = next((t for t in own + others if t["current"] and t["url"] != trail[-1]), None)
        if below:
            trail += [below["label"], below["url"]]
        trail.append(here)
    return {"account": account, "own": own, "others": others, "request": request, "items": crumb_items(slug, trail)}


@register.inclusion_tag("accounts/_tab_header.html", takes_context=True)
def account_header(context, account):
    """The header of one of an account's tabs contributed by another app: the same breadcrumb and tabs
    as the account's own pages, the current tab marked."""
    return _header_context(context["request"], account)


class AccountTrailNode(template.Node):
    def __init__(self, account, tab, nodelist):
        self.account, self.tab, self.nodelist = account, tab, nodelist

    def render(self, context):
        here = self.nodelist.render(context).strip()
        header = _header_context(context["request"], self.account.resolve(context), self.tab.resolve(context), here)
        return render_to_string("accounts/_tab_header.html", header)


@register.tag
def account_trail(parser, token):
    """{% account_trail visit.account "plans:account" %}Visit of {{ visit.starts_at|date }}{% endaccount_trail %}:
    the header of a page below one of an account's tabs (a relationship, an opportunity, an edit form):
    the account's breadcrumb through that tab to this page, and its tabs with that one marked."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("account_trail takes an account and the URL name of its tab.")
    nodelist = parser.parse(("endaccount_trail",))
    parser.delete_first_token()
    return AccountTrailNode(parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), nodelist)
