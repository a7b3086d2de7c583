"""The account page is assembled from what the apps above accounts contribute, so accounts never
imports them (the same idea as keystone.dashboard).

Each entry names a module with
  TAB = (label, url name)            a tab on every account page, linking to the app's own page for it
  panel(request, account) -> str     HTML for the overview tab, in a fixed number of queries
"""

from django.utils.module_loading import import_module, import_string
from django.utils.safestring import mark_safe

SECTIONS = ["hierarchy.account_page", "keyplayers.account_page", "plans.account_page", "ratings.account_page"]
# The account's rating as a badge wherever accounts shows it (a manual rating marked as such).
RATING_BADGE = "ratings.account_page.badge"


def _modules():
    return [import_module(path) for path in SECTIONS]


def account_tabs() -> list[tuple[str, str]]:
    return [module.TAB for module in _modules()]


def account_panels(request, account) -> list[str]:
    return [mark_safe(module.panel(request, account)) for module in _modules()]


def rating_badge(request, account) -> str:
    return mark_safe(import_string(RATING_BADGE)(request, account))
