from django import template
from django.urls import reverse

from tenancy import contributions

register = template.Library()


@register.simple_tag
def app_navs() -> list[str]:
    """The templates of the apps' links in the top navigation (their `nav` hook), in INSTALLED_APPS order."""
    return [nav for _, nav in contributions.declared("nav")]


@register.simple_tag(takes_context=True)
def turl(context, name, *args, **kwargs):
    """{% turl 'accounts:detail' account.pk %}: reverse() inside the current tenant."""
    tenant = context.get("tenant") or context["request"].tenant
    if kwargs:
        return reverse(name, kwargs={"tenant_slug": tenant.slug, **kwargs})
    return reverse(name, args=[tenant.slug, *args])


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (pagination, sort links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
