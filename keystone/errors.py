from django.shortcuts import render


def not_found(request, exception=None):
    """One body for every 404 — a missing id, another tenant's id and an unknown tenant look alike."""
    if request.path_info.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)
