"""What ratings contribute to the account page (accounts.sections), and the rating badge other
apps show through keystone (the {% rating_badge %} tag renders the same thing: render_badge)."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

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


def badge_html(rating: str, override=None, refresh_url: str = "") -> str:
    """The rating as a badge; a manual rating in force (`override`) is marked, with its end and reason on
    hover; with `refresh_url` it says "being updated…" and asks that URL for itself every few seconds.
    Written with format_html, not a template: a list shows one per row, and a template rendered per row
    was a tenth of the account list's time."""
    if rating and override:
        shown = format_html(
            '<span class="badge rating-{0} rt-overridden" title="Set by hand until {1}: {2}">{0} '
            '<span class="rt-hand" aria-label="set by hand">✎</span></span>',
            rating,
            date_format(localtime(override.expires_at), "j M Y"),
            override.reason,
        )
    elif rating:
        shown = format_html('<span class="badge rating-{0}">{0}</span>', rating)
    else:
        shown = mark_safe('<span class="muted" title="Not rated yet">—</span>')
    if not refresh_url:
        return shown
    return format_html(
        '<span class="rt-badge-live" role="status" hx-get="{}" hx-trigger="every 3s" hx-swap="outerHTML">{} '
        '<small class="rt-updating" title="A change was saved and the recompute has not finished yet; this '
        'refreshes by itself.">rating being updated…</small></span>',
        refresh_url,
        shown,
    )


def render_badge(account, holder) -> str:
    """The account's effective rating as a badge (badge_html); while a saved change's recompute has not
    landed, it refreshes itself (pages only: an e-mail cannot refresh). The one implementation behind
    badge(), the {% rating_badge %} tag and the badge endpoint."""
    refresh_url = ""
    tenant = getattr(holder, "tenant", None)
    if tenant is not None and account.pk in pending_recomputes(holder):
        refresh_url = reverse("ratings:badge", args=[tenant.slug, account.pk])
    return badge_html(account.rating, overrides_in_force(holder).get(account.pk), refresh_url)


def badge(request, account) -> str:
    """For accounts.sections.rating_badge: the same HTML as {% rating_badge account %}; two queries
    per request for any number of badges."""
    return render_badge(account, request)
