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


# --- Vary: a response chosen by the rule names the headers it read (tenancy.htmx.VaryOnHtmx) -------------

HTMX_VARY = {"hx-request", "hx-boosted", "hx-history-restore-request"}


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Boosted": "true"}])
def test_a_page_that_may_answer_with_a_part_varies_on_every_header_the_rule_reads(manager_a, headers):
    """A cache keyed on HX-Request alone would hand a boosted link (HX-Request and HX-Boosted) the
    partial it cached for a swap."""
    response = manager_a.client.get(manager_a.url("accounts/"), headers=headers)
    assert response.status_code == 200
    assert HTMX_VARY <= _vary(response)


@pytest.mark.django_db
def test_the_rating_page_varies_on_htmx_whether_or_not_only_its_panel_is_asked_for(manager_a):
    """Its panel shows the page's messages when swapped in alone, so the whole page depends on htmx too."""
    from tests.accounts.factories import AccountFactory

    account = AccountFactory(tenant=manager_a.tenant)
    for query in ("", "?part=panel"):
        response = manager_a.client.get(manager_a.url(f"ratings/accounts/{account.pk}/{query}"))
        assert response.status_code == 200 and HTMX_VARY <= _vary(response), query


@pytest.mark.django_db
def test_the_account_picker_varies_on_the_field_that_triggered_it(manager_a):
    response = manager_a.client.get(manager_a.url("plans/calls/new/"))
    assert {"hx-trigger-name", *HTMX_VARY} <= _vary(response)


@pytest.mark.django_db
def test_a_page_that_never_answers_with_a_part_does_not_vary_on_htmx(admin_a):
    response = admin_a.client.get(admin_a.url("settings/"))
    assert response.status_code == 200
    assert not HTMX_VARY & _vary(response)


def test_no_view_names_the_htmx_headers_by_hand():
    """The rule declares what it reads; a vary_on_headers("HX-…") decorator would be a second, narrower copy."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    by_hand = [
        str(path.relative_to(root))
        for app in ("accounts", "hierarchy", "keyplayers", "plans", "ratings", "briefings", "tenancy", "keystone")
        for path in (root / app).rglob("*.py")
        if 'vary_on_headers("HX-' in path.read_text()
    ]
    assert by_hand == []
