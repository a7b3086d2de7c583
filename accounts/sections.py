"""The account page is assembled from what the apps above accounts contribute, so accounts never
imports them: each names a module as its `account_page` hook (tenancy.contributions), in INSTALLED_APPS
order, with
  TAB = (label, url name)            a tab on every account page, linking to the app's own page for it
  panel(request, account) -> str     HTML for the overview tab, in a fixed number of queries
  DEFERRED = True (optional)         the panel is not drawn with the page: the page holds a placeholder
                                     that htmx fills from accounts' panel endpoint as soon as it loads
                                     (without JavaScript, a link to the app's tab). The page's own
                                     request then stays within its query budget (issue 12: ≤ 25): the
                                     relationship map and the activity panel cost 20 round trips.
"""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from tenancy import contributions


def _modules():
    return contributions.modules("account_page")


def section_key(module) -> str:
    """A section's name in the panel URL: its app's label (hierarchy, plans…)."""
    return module.__name__.split(".")[0]


def account_tabs() -> list[tuple[str, str]]:
    return [module.TAB for module in _modules()]


def deferred_sections() -> list[str]:
    return [section_key(module) for module in _modules() if getattr(module, "DEFERRED", False)]


def account_panels(request, account) -> list[str]:
    panels = []
    for module in _modules():
        if getattr(module, "DEFERRED", False):
            slug = request.tenant.slug
            panels.append(
                render_to_string(
                    "accounts/_deferred_panel.html",
                    {
                        "url": reverse("accounts:panel", args=[slug, account.pk, section_key(module)]),
                        "tab_url": reverse(module.TAB[1], args=[slug, account.pk]),
                        "label": module.TAB[0],
                    },
                )
            )
        else:
            panels.append(mark_safe(module.panel(request, account)))
    return panels


def account_panel(request, account, section: str) -> str | None:
    """One deferred section's panel (the endpoint behind the placeholder), or None for an unknown one."""
    for module in _modules():
        if section_key(module) == section and getattr(module, "DEFERRED", False):
            return mark_safe(module.panel(request, account))
    return None


def rating_badge(request, account) -> str:
    """The account's rating as a badge wherever accounts shows it (the `account_badge` hook: ratings marks
    a manual rating as such); nothing while no app gives one."""
    return mark_safe("".join(badge(request, account) for badge in contributions.functions("account_badge")))
