"""The one rule for whether a request gets a part of its page (a template partial) or the whole page,
and the Vary header that rule implies: a response chosen by it depends on the htmx request headers, so a
cache (the browser's included) must not serve the partial for a page load or the page for a swap."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers

# What wants_partial reads (django-htmx: request.htmx, .boosted, .history_restore_request).
HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def vary_on(request, *headers: str) -> None:
    """Records that the response depends on these request headers; VaryOnHtmx names them in Vary."""
    request.vary_on_headers = {*getattr(request, "vary_on_headers", ()), *headers}


def wants_partial(request) -> bool:
    """An htmx request swaps a fragment of the page it came from. A boosted request and a history restore
    (htmx fetching a page after Back when its snapshot is gone) swap the whole body: they get the page."""
    vary_on(request, *HTMX_HEADERS)
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(request, template: str, context: dict | None = None, *, partial: str | None = None, **kwargs):
    """`template`, or only its partial `partial` for a request that wants a part."""
    name = f"{template}#{partial}" if partial and wants_partial(request) else template
    return render(request, name, context, **kwargs)


class VaryOnHtmx:
    """Names in Vary the headers a view read through wants_partial() or vary_on(), instead of a
    vary_on_headers decorator on each such view (which a new view would forget, or make too narrow)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        headers = getattr(request, "vary_on_headers", ())
        if headers:
            patch_vary_headers(response, sorted(headers))
        return response
