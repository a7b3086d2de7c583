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


def server_error(request):
    """An unhandled error. A database that is unreachable (restarting, failing over) is a 503 with a
    page that says so and retries, not a 500: the request changed nothing (its transaction is gone)
    and the next request opens a new connection. Built without the database."""
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"detail": "The database is unavailable; try again shortly."}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"retry_after": DB_RETRY_AFTER_SECONDS}),
                                    status=503)
        response["Retry-After"] = str(DB_RETRY_AFTER_SECONDS)
        return response
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return HttpResponse("<!doctype html><title>Server error</title><h1>Server error</h1>"
                        "<p>Something went wrong on our side. It has been logged.</p>", status=500)
