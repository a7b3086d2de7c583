"""The visit page and the calendar show what apps above plans contribute about a visit (the same idea
as accounts.sections), so plans never imports them: each names a module as its `visit_page` hook
(tenancy.contributions), with
  links(request, visit) -> [(label, url)]   links shown with the visit on its page and in the calendar;
                                            no query (they are drawn for every visit in a list)
  panel(request, visit) -> str              HTML for the visit page's side column, a fixed number of queries
"""

from django.utils.safestring import mark_safe

from tenancy import contributions


def _modules():
    return contributions.modules("visit_page")


def visit_links(request, visit) -> list[tuple[str, str]]:
    return [link for module in _modules() for link in module.links(request, visit)]


def visit_panels(request, visit) -> list[str]:
    return [mark_safe(module.panel(request, visit)) for module in _modules()]
