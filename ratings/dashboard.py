def panels(request) -> list[dict]:
    """Dashboard panels: [{"template": "<app>/_panel.html", ...context}]."""
    return []
