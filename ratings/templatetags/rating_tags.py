"""Template tags other apps' templates may use without importing ratings in Python:

{% load rating_tags %}
{% rating_badge account %}   the effective rating as a badge; a hand-set rating is marked and its
                             reason and end shown on hover; "being updated" while a recompute is
                             pending. Two queries per request for any number of badges (the
                             overrides in force and the pending recomputes, cached on the request).
{% rating_badge_of rating override %}  the same badge for a rating and override the page already has.
"""

from django import template

from ratings.account_page import badge_html, render_badge

register = template.Library()


@register.simple_tag(takes_context=True)
def rating_badge(context, account):
    """Shares ratings.account_page.render_badge with account_page.badge (what keystone calls)."""
    request = context.get("request")
    return render_badge(account, request if request is not None else context)


@register.simple_tag
def rating_badge_of(rating, override=None):
    return badge_html(rating, override)
