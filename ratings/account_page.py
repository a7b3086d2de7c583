"""What ratings contribute to the account page (keystone.account_page), and the rating badge other
apps show through keystone (the {% rating_badge %} tag renders the same thing: render_badge)."""

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ratings import selectors

TAB = ("Rating", "ratings:account")


def panel(request, account) -> str:
    """The effective rating, its cadence and the "why" breakdown."""
    context = {"panel": selectors.account_rating_panel(account=account, membership=request.membership)}
    return render_to_string("ratings/_account_rating.html", context, request=request)


def overrides_in_force(holder) -> dict:
    """The tenant's manual ratings in force, {account_id: override}: one query, then cached on `holder`
    (the request; a template context when there is none) for every other badge it renders."""
    if not hasattr(holder, "_ratings_overrides"):
        holder._ratings_overrides = selectors.overrides_in_force_map()
    return holder._ratings_overrides


def render_badge(account, holder) -> str:
    """The account's effective rating as a badge; a manual rating in force is marked, with its end and
    reason on hover. The one implementation behind badge() and the {% rating_badge %} tag."""
    context = {"rating": account.rating, "override": overrides_in_force(holder).get(account.pk)}
    return mark_safe(render_to_string("ratings/_badge.html", context).strip())  # inline: no newline


def badge(request, account) -> str:
    """For keystone.account_page.rating_badge: the same HTML as {% rating_badge account %}; one query per
    request for any number of badges."""
    return render_badge(account, request)
