"""One direction of dependency (DESIGN.md §1, docs/architecture.md): an app uses only the apps below it, and
keystone, the project's glue, sits on top. An edge is any way one app reaches another's code or pages:
a Python import (lazy ones inside functions too), a dotted path or model label in a string
("plans.models.Visit", "plans.Visit"), a URL name ("plans:calendar"), a setting the app reads whose value
names another app's code, and in templates a tag library it loads, a template it includes or extends, a URL
it reverses. What a higher app adds to a lower one's pages goes through its AppConfig
(tenancy.contributions), which names no app."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils.module_loading import import_module, import_string

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["tenancy", "accounts", "hierarchy", "keyplayers", "plans", "ratings", "briefings", "keystone"]
RANK = {app: rank for rank, app in enumerate(ORDER)}
# The shared layout (templates/: base.html, error pages) sits with tenancy at the bottom.
ROOT_TEMPLATES = "tenancy"

# Known upward edges still to remove (none today); test_pending_exceptions_still_exist says when one goes.
PENDING: set[tuple[str, str, str]] = set()

_APPS = "|".join(ORDER)
DOTTED = re.compile(rf"^({_APPS})(\.[A-Za-z_]\w*)+$")  # a module, an object in one, or a model label
URL_NAME = re.compile(rf"^({_APPS}):[\w-]+$")
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")
TEMPLATE_REF = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")
TEMPLATE_URL = re.compile(r"""{%\s*t?url\s+["']([\w-]+):""")


def _python_files(app: str):
    return sorted((ROOT / app).rglob("*.py"))


def _template_files(app: str):
    return sorted((ROOT / app / "templates").rglob("*.html"))


def _top(dotted: str) -> str:
    return dotted.split(".")[0].split(":")[0]


def _names_code(value: str) -> bool:
    """Whether a string that looks like a dotted path is one: a module, an object in one, a model label
    (and not data that happens to look alike, such as an audit action "hierarchy.level_edited")."""
    if URL_NAME.match(value):
        return True
    if not DOTTED.match(value):
        return False
    try:
        import_module(value)
        return True
    except ImportError:
        pass
    try:
        import_string(value)
        return True
    except ImportError:
        pass
    try:
        return value.count(".") == 1 and django_apps.get_model(value) is not None
    except (LookupError, ValueError):
        return False


def _settings_read(node) -> str | None:
    """NAME for `settings.NAME` and `getattr(settings, "NAME", …)`."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "settings":
        return node.attr
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) >= 2
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "settings"
        and isinstance(node.args[1], ast.Constant)
    ):
        return node.args[1].value
    return None


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _strings(item)


def python_edges(app: str):
    """(target app, what) for every reference from `app`'s Python code to another app."""
    for path in _python_files(app):
        source = path.read_text()
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield _top(alias.name), f"{where}: import {alias.name}"
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield _top(node.module), f"{where}: from {node.module} import …"
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if _names_code(node.value):
                    yield _top(node.value), f"{where}: {node.value!r}"
            elif (name := _settings_read(node)) is not None:
                for value in _strings(getattr(settings, name, None)):
                    if _names_code(value):
                        yield _top(value), f"setting {name}"


def _library_owners() -> dict[str, str]:
    """{tag library name: the app that defines it}."""
    return {
        path.stem: app for app in ORDER for path in (ROOT / app).glob("templatetags/*.py") if path.stem != "__init__"
    }


def _template_owner(name: str) -> str | None:
    """The app whose templates folder holds `name` (None: a third-party template)."""
    if (ROOT / "templates" / name).exists():
        return ROOT_TEMPLATES
    return next((app for app in ORDER if (ROOT / app / "templates" / name).exists()), None)


def template_edges(files):
    libraries = _library_owners()
    for path in files:
        source = path.read_text()
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        for match in LOAD.finditer(source):
            names = match.group(1).split()
            names = names[names.index("from") + 1 :] if "from" in names else names
            for name in names:
                if name in libraries:
                    yield libraries[name], f"{where}: {{% load {name} %}}"
        for name in TEMPLATE_REF.findall(source):
            owner = _template_owner(name)
            if owner is not None:
                yield owner, f"{where}: {name}"
        for namespace in TEMPLATE_URL.findall(source):
            if namespace in RANK:
                yield namespace, f"{where}: {{% url '{namespace}:…' %}}"


def upward_edges() -> set[tuple[str, str, str]]:
    found = set()
    for app in ORDER:
        edges = list(python_edges(app)) + list(template_edges(_template_files(app)))
        found |= {(app, target, what) for target, what in edges if RANK.get(target, -1) > RANK[app]}
    root = template_edges(sorted((ROOT / "templates").rglob("*.html")))
    found |= {("templates/", target, what) for target, what in root if RANK.get(target, -1) > RANK[ROOT_TEMPLATES]}
    return found


def test_no_app_reaches_an_app_above_it():
    upward = {
        (app, target, what)
        for app, target, what in upward_edges()
        if (app, target, what.split(": ")[-1]) not in PENDING
    }
    assert not upward, "\n".join(f"{app} → {target}: {what}" for app, target, what in sorted(upward))


def test_pending_exceptions_still_exist():
    """Each entry of PENDING is still an upward edge; once its branch is merged, delete the entry."""
    found = {(app, target, what.split(": ")[-1]) for app, target, what in upward_edges()}
    assert PENDING <= found, f"Merged: delete {PENDING - found} from PENDING."


@pytest.mark.parametrize(
    "source, edge",
    [
        ("from plans.models import Visit\n", "plans"),
        ("def f():\n    from plans import services\n", "plans"),
        ("LABEL = 'plans.Visit'\n", "plans"),
        ("NAME = 'plans:calendar'\n", "plans"),
        ("x = settings.ROOT_URLCONF\n", "keystone"),
    ],
)
def test_the_checker_sees_each_kind_of_python_edge(tmp_path, monkeypatch, source, edge):
    app = tmp_path / "accounts"
    app.mkdir()
    (app / "probe.py").write_text(source)
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert edge in {target for target, _ in python_edges("accounts")}


def test_the_checker_sees_each_kind_of_template_edge(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("{% load tenancy_tags rating_tags %}{% include \"plans/_nav.html\" %}{% url 'briefings:mine' %}")
    assert {target for target, _ in template_edges([page])} >= {"ratings", "plans", "briefings", "tenancy"}
