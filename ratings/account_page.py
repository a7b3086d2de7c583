"""What ratings contribute to the account page (accounts.sections), and the rating badge other
apps show through keystone (the {% rating_badge %} tag renders the same thing: render_badge)."""

from django.template.loader import render_to_string
from django.urls import reverse
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


def pending_recomputes(holder) -> selectors.PendingRecomputes:
    """The ratings being updated, one query per request like overrides_in_force."""
    if not hasattr(holder, "_ratings_pending"):
        holder._ratings_pending = selectors.pending_recomputes()
    return holder._ratings_pending


def render_badge(account, holder) -> str:
    """The account's effective rating as a badge; a manual rating in force is marked, with its end and
    reason on hover. While a saved change's recompute has not landed, the badge says "updating…" and
    asks for itself again every few seconds until it has (pages only: an e-mail cannot refresh). The
    one implementation behind badge(), the {% rating_badge %} tag and the badge endpoint."""
    context = {"rating": account.rating, "override": overrides_in_force(holder).get(account.pk)}
    tenant = getattr(holder, "tenant", None)
    if tenant is not None and account.pk in pending_recomputes(holder):
        context["refresh_url"] = reverse("ratings:badge", args=[tenant.slug, account.pk])
    return mark_safe(render_to_string("ratings/_badge.html", context).strip())  # inline: no newline


def badge(request, account) -> str:
    """For accounts.sections.rating_badge: the same HTML as {% rating_badge account %}; two queries
    per request for any number of badges."""
    return render_badge(account, request)
