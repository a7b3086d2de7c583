def panels(request) -> list[dict]:
    """Dashboard panels: [{"template": "<app>/_panel.html", ...context}]."""
    from keyplayers.selectors import coverage_counts

    counts = coverage_counts()
    counts["total"] = _total()
    return [{"template": "keyplayers/_panel.html", "counts": counts}]


def _total() -> int:
    from keyplayers.models import KeyPlayer

    return KeyPlayer.objects.count()
