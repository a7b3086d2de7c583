"""One field template (issue 14 item 7): settings.FORM_RENDERER is tenancy.forms.FormRenderer, so every field of
every page renders through templates/forms/field.html ({{ field.as_field_group }}, or {{ form }} through
forms/form.html), and a field's errors through templates/forms/errors.html. No template writes that markup again."""

import html
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.utils.module_loading import import_module

from tenancy.forms import FormRenderer
from tests.hierarchy.factories import ContactFactory, make_relationship
from tests.plans.factories import AccountFactory, opportunity_with_errors
from tests.ratings.helpers import editor_values

ROOT = Path(__file__).resolve().parent.parent
APPS = ["tenancy", "accounts", "hierarchy", "keyplayers", "plans", "ratings", "briefings", "keystone"]
ONE_TEMPLATES = {"templates/forms/field.html", "templates/forms/errors.html"}


# --- The renderer ---------------------------------------------------------------------------------------------


def test_the_project_renderer_names_the_one_field_and_form_template():
    assert settings.FORM_RENDERER == "tenancy.forms.FormRenderer"
    renderer = get_default_renderer()
    assert isinstance(renderer, FormRenderer)
    assert (renderer.field_template_name, renderer.form_template_name) == ("forms/field.html", "forms/form.html")


def _project_form_classes():
    for app in APPS:
        try:
            import_module(f"{app}.forms")
        except ImportError:
            continue
    seen, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted((c for c in seen if c.__module__.split(".")[0] in APPS), key=lambda c: c.__qualname__)


def test_no_project_form_or_field_picks_another_template():
    """Nothing opts out of the renderer: no form sets its own renderer or template, no field its own template."""
    classes = _project_form_classes()
    assert len(classes) > 20  # the walk found the project's forms
    for cls in classes:
        assert cls.default_renderer is None, cls
        for attr in ("template_name", "template_name_div", "template_name_label"):
            assert not any(attr in vars(base) for base in cls.__mro__ if base.__module__.split(".")[0] in APPS), (
                cls,
                attr,
            )
        for name, field in getattr(cls, "base_fields", {}).items():
            assert field.template_name is None, (cls, name)


# --- Failed posts show the one template's markup --------------------------------------------------------------


def _group(body: str, auto_id: str) -> str:
    """The field group holding field `auto_id`'s errors: from its opening tag to the end of the errors."""
    end = body.index(f'id="{auto_id}_error"')
    end = body.index("</div>", end) + len("</div>")
    start = max(
        body.rfind('<div class="field"', 0, end),
        body.rfind('<div class="field ', 0, end),
        body.rfind('<fieldset class="levels', 0, end),
    )
    assert start != -1, auto_id
    if body.startswith("<fieldset", start):  # the choice cards come after the errors
        end = body.index("</fieldset>", start) + len("</fieldset>")
    return body[start:end]


def assert_field_group(body: str, form, name: str) -> None:
    field = form[name]
    messages = form.errors[name]
    assert messages, name
    group = _group(body, field.auto_id)
    assert 'class="field has-error' in group or 'class="levels has-error"' in group, group
    errors = "".join(f'<p class="error">{html.escape(m)}</p>' for m in messages)
    assert f'<div class="field-errors" id="{field.auto_id}_error">{errors}</div>' in group, group
    assert re.search(rf'<(input|select|textarea)[^>]*name="{name}"[^>]*aria-invalid="true"', group), group
    if field.widget_type == "choicecards":
        assert group.startswith("<fieldset") and f"<legend>{html.escape(field.label)}</legend>" in group
        assert f'aria-describedby="{field.auto_id}_error"' in group.split(">")[0]
    else:
        widget = re.search(rf'<(input|select|textarea)[^>]*name="{name}"[^>]*>', group).group(0)
        assert re.search(rf'aria-describedby="[^"]*{field.auto_id}_error', widget), widget
        if field.widget_type != "checkbox":
            marker = ' <span aria-hidden="true">*</span>' if field.field.required else ""
            assert f'<label for="{field.id_for_label}">{html.escape(field.label)}{marker}</label>' in group, group
    if field.help_text:
        assert f'<small class="help" id="{field.auto_id}_helptext">' in group


def assert_every_error_shown(response, form_key: str = "form") -> None:
    body = response.content.decode()
    form = response.context[form_key]
    names = [name for name in form.errors if name != "__all__" and name in form.fields]
    assert names, "the post was meant to fail"
    for name in names:
        assert_field_group(body, form, name)


@pytest.mark.django_db
def test_account_form_errors(manager_a):
    response = manager_a.client.post(
        manager_a.url("accounts/new/"), {"name": "", "status": "prospect", "classification": "strategic"}
    )
    assert response.status_code == 400
    assert_every_error_shown(response)
    assert "name" in response.context["form"].errors


@pytest.mark.django_db
def test_opportunity_form_errors_and_its_checkboxes(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    response = manager_a.client.post(manager_a.url("plans/opportunities/new/"), opportunity_with_errors(account))
    assert response.status_code == 200
    assert_every_error_shown(response)
    assert {"name", "currency", "strategy_rationale"} <= set(response.context["form"].errors)
    body = response.content.decode()
    # the checkbox variant: the box inside its label, before the text
    assert re.search(r'<div class="field check">\s*<label><input type="checkbox" name="\w+"', body)


@pytest.mark.django_db
def test_visit_form_groups_checkboxes_in_columns(manager_a):
    body = manager_a.client.get(manager_a.url("plans/visits/new/")).content.decode()
    assert re.search(r'<div class="checks"><div id="id_attendees"', body)
    # a group of options is a fieldset its legend names, so each box is read with the group's name
    assert re.search(
        r'<fieldset class="field" aria-describedby="id_attendees_helptext">\s*<legend>Our attendees.*?</legend>\s*<div class="checks">',
        body,
    )


@pytest.mark.django_db
def test_a_radio_group_is_a_fieldset_that_names_its_help_and_errors(manager_a):
    body = manager_a.client.get(manager_a.url("plans/opportunities/new/")).content.decode()
    group = re.search(
        r'<fieldset class="field"[^>]*>\s*<legend>Lead strategy[^<]*</legend>(.*?)</fieldset>', body, re.S
    )
    assert group and 'type="radio"' in group.group(1)


@pytest.mark.django_db
def test_policy_editor_errors_in_field_groups_and_table_cells(admin_a):
    edit = admin_a.url("ratings/policies/draft/")
    values = editor_values(admin_a.client, edit)
    weight = next(name for name in values if name.endswith("__weight") and f"{name[: -len('weight')]}use" in values)
    response = admin_a.client.post(edit, {**values, "threshold_b": "150", weight: "0"})
    assert response.status_code == 200
    body = response.content.decode()
    form = response.context["form"]
    assert_field_group(body, form, "threshold_b")
    # a criterion's cell in the table: the shared errors partial, not a field group
    cell = re.escape(f'<div class="field-errors" id="id_{weight}_error"><p class="error">')
    assert re.search(rf"<td[^>]*>[^<]*<input[^>]*name=\"{weight}\"[^>]*>{cell}", body), weight


@pytest.mark.django_db
def test_assessment_form_errors_level_cards_and_evidence(manager_a):
    contact = ContactFactory(account=AccountFactory(tenant=manager_a.tenant), full_name="Dana Director")
    relationship = make_relationship(user=manager_a.user, contact=contact)
    url = manager_a.url(f"hierarchy/relationships/{relationship.pk}/assess/")
    response = manager_a.client.post(url, {"evidence": " "})
    assert response.status_code == 200
    assert_every_error_shown(response)
    assert set(response.context["form"].errors) == {"level", "evidence"}
    body = response.content.decode()
    assert "<legend>Level (" in body
    # one card per level, coloured by its level, with its description
    assert re.search(r'<label class="level-option lvl-border-1"><input type="radio" name="level" value="1"', body)
    assert '<span class="muted">' in _group(body, "id_level")


@pytest.mark.django_db
def test_a_filter_form_errors(admin_a):
    response = admin_a.client.get(admin_a.url("audit/"), {"since": "not a date"})
    assert response.status_code == 400
    assert_every_error_shown(response)


# --- No template writes the markup again ------------------------------------------------------------------------

# A loop over one thing's .errors that is not a field of a page's form, or lists a form's errors in a summary:
# each is named here with its reason.
NOT_FIELD_ERRORS = {
    # CSV rows of an uploaded file, not form fields
    "accounts/templates/accounts/import_preview.html": "{% for e in row.errors %}",
    # the calendar's filters (the date among them is a hidden input) listed above it, where the htmx swap reaches
    "plans/templates/plans/calendar.html": "{% for error in field.errors %}",
}
ERRORS_LOOP = re.compile(r"{%\s*for\s+\w+\s+in\s+[\w.]+\.errors\s*%}")


def _templates():
    for folder in [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]:
        yield from sorted(folder.rglob("*.html"))


def test_no_template_hand_writes_a_fields_errors():
    files = list(_templates())
    assert len(files) > 50
    found = []
    for path in files:
        where = str(path.relative_to(ROOT))
        if where in ONE_TEMPLATES:
            continue
        source = path.read_text()
        for loop in ERRORS_LOOP.findall(source):
            if NOT_FIELD_ERRORS.get(where) != loop:
                found.append(f"{where}: {loop}")
        if '<p class="error">{{ e }}</p>' in source or 'class="field{% if' in source:
            found.append(f"{where}: a hand-written field group or error")
    assert not found, "Use {{ field.as_field_group }} or forms/errors.html:\n" + "\n".join(found)


def test_the_exceptions_still_exist():
    for where, loop in NOT_FIELD_ERRORS.items():
        assert loop in (ROOT / where).read_text(), f"{where} no longer has {loop}: drop it from NOT_FIELD_ERRORS"


def test_the_old_partials_are_gone():
    for old in ["templates/_form.html", "plans/templates/plans/_field.html", "ratings/templates/ratings/_field.html"]:
        assert not (ROOT / old).exists(), old
