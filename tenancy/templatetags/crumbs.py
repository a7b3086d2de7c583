"""{% load crumbs %}{% crumbs "Ratings" "ratings:home" "Policy versions" "ratings:policies" "Draft v3" %}:
the one breadcrumb style of every page. Labels and targets alternate; a target is a URL name inside the
current tenant (without arguments) or a path; a last label without a target is the page itself."""

from django import template
from django.urls import reverse

register = template.Library()


def crumb_items(slug: str, parts) -> list[dict]:
    items = []
    for i in range(0, len(parts), 2):
        label, target = parts[i], (parts[i + 1] if i + 1 < len(parts) else "")
        url = target if not target or str(target).startswith("/") else reverse(target, args=[slug])
        items.append({"label": label, "url": url})
    return items


@register.inclusion_tag("_crumbs.html", takes_context=True)
def crumbs(context, *parts):
    tenant = context.get("tenant") or context["request"].tenant
    return {"items": crumb_items(tenant.slug, parts)}
