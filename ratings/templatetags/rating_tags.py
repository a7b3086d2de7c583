"""Template tags other apps' templates may use without importing ratings in Python:

    {% load rating_tags %}
    {% rating_badge account %}   the effective rating as a badge; a hand-set rating is marked and its
                                 reason and end shown on hover. One query per request for any number
                                 of badges (the tenant's overrides in force, cached on the request).
    {% rating_panel account %}   the account's "why" panel (ratings/_account_rating.html).
"""

from django import template

from ratings import selectors

register = template.Library()


def _overrides(context) -> dict:
    request = context.get("request")
    holder = request if request is not None else context
    if not hasattr(holder, "_ratings_overrides"):
        holder._ratings_overrides = selectors.overrides_in_force_map()
    return holder._ratings_overrides


@register.inclusion_tag("ratings/_badge.html", takes_context=True)
def rating_badge(context, account):
    return {"rating": account.rating, "override": _overrides(context).get(account.pk)}


@register.inclusion_tag("ratings/_account_rating.html", takes_context=True)
def rating_panel(context, account):
    request = context["request"]
    return {"panel": selectors.account_rating_panel(account=account, membership=request.membership),
            "request": request, "tenant": request.tenant}
