"""The dashboard is assembled from panels the apps contribute, so tenancy never imports them.

Each entry names a function `panel(request) -> {"template": str, **context} | None`.
"""

from django.utils.module_loading import import_string

PANELS: list[str] = []


def collect_widgets(request) -> list[dict]:
    widgets = []
    for path in PANELS:
        widget = import_string(path)(request)
        if widget:
            widgets.append(widget)
    return widgets
