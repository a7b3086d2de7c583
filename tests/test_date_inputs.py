"""Every date and datetime input of every form renders its value in ISO 8601: a browser drops any other
value of <input type="date"> (en-gb's 03/03/2027), shows the field empty and refuses a required one."""

import datetime as dt
import importlib
import inspect

import pytest
from django import forms
from django.apps import apps
from django.utils import translation

PROJECT_APPS = ("tenancy", "accounts", "hierarchy", "keyplayers", "plans", "ratings", "briefings")


def _project_forms():
    for label in PROJECT_APPS:
        try:
            module = importlib.import_module(f"{apps.get_app_config(label).name}.forms")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_the_project_has_date_fields_to_check():
    date_fields = [
        name
        for cls in _project_forms()
        for name, field in cls.base_fields.items()
        if isinstance(field, (forms.DateField, forms.DateTimeField))
    ]
    assert len(date_fields) >= 8


@pytest.mark.parametrize("form_class", list(_project_forms()), ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_date_widgets_render_iso_8601(form_class):
    day, moment = dt.date(2027, 3, 3), dt.datetime(2027, 3, 3, 9, 30)
    with translation.override("en-gb"):
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.DateTimeField):
                assert field.widget.format_value(moment).startswith("2027-03-03T09:30"), (form_class, name)
            elif isinstance(field, forms.DateField):
                assert field.widget.format_value(day) == "2027-03-03", (form_class, name)
