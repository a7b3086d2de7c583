"""The briefing pages: the executive's upcoming visits, one visit's briefing, its print view and PDF.
Briefings hold money and people's concerns: no shared cache ever keeps them (never_cache)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from briefings import render as briefing_render
from briefings import selectors
from briefings.access import access_briefing_by_visit_id
from tenancy.decorators import tenant_view


def _urls(request, visit) -> dict:
    args = [request.tenant.slug, visit.pk]
    return {
        "page": reverse("briefings:briefing", args=args),
        "print": reverse("briefings:print", args=args),
        "pdf": reverse("briefings:pdf", args=args),
        "visit": reverse("plans:visit_detail", args=args),
    }


@never_cache
@tenant_view
def my_visits(request):
    visits = selectors.upcoming_briefings(user=request.user, days=30)
    return render(request, "briefings/my_visits.html", {"visits": visits})


@never_cache
@tenant_view
def briefing(request, visit_id):
    visit = access_briefing_by_visit_id(membership=request.membership, visit_id=visit_id)
    b = selectors.briefing_build(visit=visit, membership=request.membership)
    return render(
        request,
        "briefings/briefing.html",
        {
            "b": b,
            "urls": _urls(request, visit),
            "states": selectors.delivery_states(visit=visit, tenant=request.tenant),
        },
    )


@never_cache
@tenant_view
def briefing_print(request, visit_id):
    visit = access_briefing_by_visit_id(membership=request.membership, visit_id=visit_id)
    b = selectors.briefing_build(visit=visit, membership=request.membership)
    urls = _urls(request, visit)
    html = briefing_render.document(
        briefings=[b],
        tenant=request.tenant,
        inline_css=False,
        print_controls={"back": urls["page"], "pdf": urls["pdf"]},
    )
    return HttpResponse(html)


@never_cache
@tenant_view
def briefing_pdf(request, visit_id):
    visit = access_briefing_by_visit_id(membership=request.membership, visit_id=visit_id)
    b = selectors.briefing_build(visit=visit, membership=request.membership, now=timezone.now())
    response = HttpResponse(briefing_render.pdf(b), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{briefing_render.pdf_filename(b)}"'
    return response
