"""Apps add to the project through their AppConfig (tenancy.contributions), found in INSTALLED_APPS order: a
new app declares its hooks and edits no list."""

import pytest
from django.apps import apps
from django.conf import settings
from django.template import Context, Template

from tenancy import contributions

DOMAIN = ["accounts", "hierarchy", "keyplayers", "plans", "ratings", "briefings"]


def extra_panels(request):
    return [{"template": "extra.html"}]


@pytest.mark.parametrize(
    "hook, apps_expected",
    [
        ("tenant_urls", ["tenancy", *DOMAIN]),
        ("api", ["tenancy", *DOMAIN]),
        ("dashboard", DOMAIN),
        ("demo", DOMAIN),
        ("nav", DOMAIN),
        ("account_page", ["hierarchy", "keyplayers", "plans", "ratings"]),
        ("public_urls", ["hierarchy", "plans"]),
        ("visit_page", ["briefings"]),
    ],
)
def test_hooks_come_in_installed_apps_order(hook, apps_expected):
    found = [label for label, _ in contributions.declared(hook)]
    assert found == apps_expected
    assert found == [app for app in settings.INSTALLED_APPS if app in found]


def test_every_hook_names_what_exists():
    for hook in ("api", "dashboard", "demo", "account_badge", "account_top_level"):
        assert all(callable(function) for function in contributions.functions(hook))
    for hook in ("account_page", "visit_page"):
        assert contributions.modules(hook)


def test_a_new_hook_is_picked_up_without_editing_any_list(monkeypatch):
    monkeypatch.setattr(apps.get_app_config("briefings"), "dashboard", f"{__name__}.extra_panels")
    monkeypatch.setattr(apps.get_app_config("briefings"), "nav", "extra/_nav.html")
    assert contributions.functions("dashboard")[-1] is extra_panels
    navs = Template("{% load tenancy_tags %}{% app_navs as navs %}{{ navs|join:',' }}").render(Context())
    assert navs.split(",") == [f"{app}/_nav.html" for app in DOMAIN[:-1]] + ["extra/_nav.html"]
