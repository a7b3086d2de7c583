"""The one rule for whether a request gets a template partial or the whole page (tenancy.htmx)."""

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from tenancy.htmx import wants_partial


def _request(**headers):
    request = RequestFactory().get("/", headers=headers)
    request.htmx = HtmxDetails(request)
    return request


@pytest.mark.parametrize(
    ("headers", "partial"),
    [
        ({}, False),
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),  # a boosted link swaps the whole body
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),  # Back with no snapshot: the page
    ],
)
def test_only_an_htmx_request_for_a_fragment_gets_a_partial(headers, partial):
    assert wants_partial(_request(**headers)) is partial


def test_a_request_without_the_htmx_middleware_gets_the_page():
    assert wants_partial(RequestFactory().get("/")) is False
