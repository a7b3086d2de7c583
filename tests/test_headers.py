"""Headers (issue 11, item 7): a Content-Security-Policy from Django's built-in support without
'unsafe-inline' (so no template may carry inline handlers, scripts, styles or htmx's eval-based hx-on and
trigger filters), a Permissions-Policy, and `Cache-Control: private, no-store` on a tenant's pages,
API answers and exports."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import api_client_for, browser_login
from tests.plans.factories import AccountFactory, make_visit

BASE = Path(settings.BASE_DIR)
TEMPLATES = sorted(p for p in BASE.glob("**/templates/**/*.html") if ".venv" not in p.parts)
INLINE = [
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler (onclick=…)"),
    (re.compile(r"\shx-on[:-]", re.I), "hx-on (htmx evaluates it as code)"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style", re.I), "an inline <style>"),
    (re.compile(r"hx-trigger=\"(?:[^\"]*,\s*)?[a-z:.-]+\[", re.I), "an htmx trigger filter (evaluated as code)"),
    (re.compile(r"(hx-vals|hx-vars)=['\"]\s*js:", re.I), "hx-vals with js:"),
]


def test_templates_carry_nothing_the_policy_would_block():
    assert len(TEMPLATES) > 50
    found = [
        f"{path.relative_to(BASE)}: {what}"
        for path in TEMPLATES
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []


# htmx reads `from:` up to the next blank unless the selector is in parentheses: "change from:#f select"
# listens on #f and then stumbles on "select" (htmx:syntax:error on every page load).
_TRIGGER = re.compile(r'hx-trigger="([^"]*)"')
_FROM_THEN_WORD = re.compile(
    r"from:(?!\(|closest\s|find\s|next\s|previous\s)[^\s,]+\s+"
    r"(?!once\b|changed\b|delay:|throttle:|from:|target:|consume\b|queue:)[^\s,]"
)


def test_htmx_trigger_selectors_parse():
    found = [
        f"{path.relative_to(BASE)}: {trigger}"
        for path in TEMPLATES
        for trigger in _TRIGGER.findall(path.read_text())
        if _FROM_THEN_WORD.search(trigger)
    ]
    assert found == []


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["", "accounts/", "accounts/export.csv", "plans/", "ratings/", "members/"])
def test_tenant_pages_and_exports_have_the_headers(admin_a, path):
    response = admin_a.client.get(admin_a.url(path))
    assert response.status_code == 200
    policy = _csp(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["script-src"] == "script-src 'self'" and policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'" and policy["object-src"] == "object-src 'none'"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache


@pytest.mark.django_db
def test_api_answers_are_private_and_the_docs_page_has_no_inline_code(manager_a, client):
    response = api_client_for(manager_a).get("/api/v1/accounts/")
    assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and "Content-Security-Policy" in docs
    body = docs.content.decode()
    assert "<style" not in body and not re.search(r"<script(?![^>]*\ssrc=)", body)
    assert client.get("/api/v1/docs/?script").status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_run_under_the_policy_and_confirmations_still_ask(page, tenant_a, make_member):
    from plans.models import Visit
    from tenancy.models import Role

    manager = make_member(tenant_a, Role.MANAGER)
    account = AccountFactory(tenant=tenant_a, name="Acme")
    visit = make_visit(account=account, organiser=manager.user, attendees=[manager.user])
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    browser_login(page, manager.user.email)
    page.goto(manager.url("accounts/"))
    page.select_option("select[name=classification]", "strategic")  # htmx filter: change from a select
    page.wait_for_load_state("networkidle")
    assert "classification=strategic" in page.url and "q=" not in page.url  # empty fields dropped (app.js)
    page.goto(manager.url(f"plans/visits/{visit.pk}/"))
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('Cancel visit')")
    page.wait_for_load_state()
    with manager.scope():
        assert Visit.objects.get(pk=visit.pk).status == "planned"  # dismissed: nothing happened
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Cancel visit')")
    page.wait_for_load_state()
    with manager.scope():
        assert Visit.objects.get(pk=visit.pk).status == "cancelled"
    assert violations == []
