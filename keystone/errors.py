import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

DB_RETRY_AFTER_SECONDS = 15


def not_found(request, exception=None):
    """One body for every 404 — a missing id, another tenant's id and an unknown tenant look alike."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    """Inside the member's own tenant, an action their role may not take (tenancy.roles.RoleRequired):
    which role can, and whom to ask: the tenant's admins."""
    from tenancy.models import Membership, Role
    from tenancy.roles import RoleRequired, roles_text

    needed = roles_text(exception.roles) if isinstance(exception, RoleRequired) else ""
    if request.path_info.startswith("/api/"):
        detail = f"Your role cannot do this; it needs the {needed} role." if needed else "Not allowed."
        return JsonResponse({"detail": detail}, status=403)
    membership = getattr(request, "membership", None)
    admins = []
    if membership is not None:
        admins = [
            m.user
            for m in Membership.objects.filter(role=Role.ADMIN, user__is_active=True)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        ]
    return render(
        request,
        "403.html",
        {
            "needed": needed,
            "membership": membership,
            "admins": admins,
            "action": getattr(exception, "action", ""),
            "note": getattr(exception, "note", ""),
        },
        status=403,
    )


def server_error(request):
    """An unhandled error. A database that is unreachable (restarting, failing over) is a 503 with a
    page that says so and retries, not a 500: the request changed nothing (its transaction is gone)
    and the next request opens a new connection. Built without the database."""
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"detail": "The database is unavailable; try again shortly."}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"retry_after": DB_RETRY_AFTER_SECONDS}), status=503)
        response["Retry-After"] = str(DB_RETRY_AFTER_SECONDS)
        return response
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return HttpResponse(
        "<!doctype html><title>Server error</title><h1>Server error</h1>"
        "<p>Something went wrong on our side. It has been logged.</p>",
        status=500,
    )
