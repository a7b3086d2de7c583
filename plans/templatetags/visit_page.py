"""{% load visit_page %} for plans' visit templates: {% visit_links visit %} and {% visit_panels visit %}
render what the higher apps contribute (plans.visit_sections)."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from plans.visit_sections import visit_links as collect_links
from plans.visit_sections import visit_panels as collect_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def visit_links(context, visit, css_class="btn"):
    return format_html_join(
        " ",
        '<a class="{}" href="{}">{}</a>',
        ((css_class, url, label) for label, url in collect_links(context["request"], visit)),
    )


@register.simple_tag(takes_context=True)
def visit_panels(context, visit):
    return mark_safe("\n".join(collect_panels(context["request"], visit)))  # each panel is safe HTML already
