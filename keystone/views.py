"""Pages of the project as a whole: the dashboard every app adds panels to, and the health checks."""

from django.http import JsonResponse
from django.shortcuts import render

from tenancy import contributions, health
from tenancy.decorators import tenant_view


@tenant_view
def dashboard(request):
    """Each app's `dashboard` hook returns its panels: [{"template": str, **context}]."""
    widgets = [widget for panels in contributions.functions("dashboard") for widget in panels(request) or []]
    return render(request, "keystone/dashboard.html", {"widgets": widgets})


def healthz(request):
    """Liveness (load balancers, the web container's healthcheck): the process serves and the database
    answers. 200 while Redis is down: pages are still served (tenancy.health)."""
    body, status = health.liveness()
    return JsonResponse(body, status=status)


def healthz_ready(request):
    """Readiness and degradation (monitoring): cache, broker, worker and beat heartbeats, the outbox.
    "degraded" still answers 200 unless ?strict=1; a database that is down answers 503."""
    body, status = health.readiness()
    if request.GET.get("strict") == "1" and body["status"] != "ok":
        status = 503
    return JsonResponse(body, status=status)
