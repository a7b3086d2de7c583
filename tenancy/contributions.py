"""What each app adds to the pages, lists and hooks it does not own, declared on its AppConfig.

A lower app never imports a higher one, yet the project's URLs, the API, the dashboard, the navigation, the
demo data and the account and visit pages show every app. Each app says what it adds as attributes of its
AppConfig; whoever assembles them reads them in INSTALLED_APPS order, so a new app edits no list:

    tenant_urls = "key-players/"      its urls module, mounted at /t/<tenant>/<prefix> (keystone.urls)
    public_urls = "survey/"           its public_urls module, mounted at /<prefix>, no login (keystone.urls)
    api = "plans.api.register"        register(router) adds its viewsets to /api/v1/ (keystone.api_urls)
    dashboard = "plans.dashboard.panels"   panels(request) -> [{"template", **context}] (keystone.views)
    demo = "plans.demo.seed"          seed(tenant, users, rng), in the tenant's context (keystone.demo)
    nav = "plans/_nav.html"           its links in the top navigation (templates/_nav_items.html)
    account_page = "plans.account_page"    a tab and an overview panel of every account (accounts.sections)
    account_badge = "ratings.account_page.badge"   the account's badge where accounts shows one
    account_top_level = "hierarchy.selectors.model_top_level"   the bound of an account's potential level
    visit_page = "briefings.visit_page"    links and a panel of every visit (plans.visit_sections)

Values are dotted paths (imported on use), so an AppConfig imports nothing at start-up.
"""

from django.apps import apps
from django.utils.module_loading import import_module, import_string


def declared(hook: str) -> list[tuple[str, str]]:
    """[(app label, value)] of the apps that declare `hook`, in INSTALLED_APPS order."""
    return [(config.label, getattr(config, hook)) for config in apps.get_app_configs() if hasattr(config, hook)]


def functions(hook: str) -> list:
    """The callables the apps name for `hook`, in INSTALLED_APPS order."""
    return [import_string(path) for _, path in declared(hook)]


def modules(hook: str) -> list:
    """The modules the apps name for `hook`, in INSTALLED_APPS order."""
    return [import_module(path) for _, path in declared(hook)]
