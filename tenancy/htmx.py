"""The one rule for whether a request gets a part of its page (a template partial) or the whole page."""

from django.shortcuts import render


def wants_partial(request) -> bool:
    """An htmx request swaps a fragment of the page it came from. A boosted request and a history restore
    (htmx fetching a page after Back when its snapshot is gone) swap the whole body: they get the page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(request, template: str, context: dict | None = None, *, partial: str | None = None, **kwargs):
    """`template`, or only its partial `partial` for a request that wants a part."""
    name = f"{template}#{partial}" if partial and wants_partial(request) else template
    return render(request, name, context, **kwargs)
