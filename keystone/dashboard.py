"""The dashboard is assembled from panels the apps contribute, so tenancy never imports them.

Each entry names a function `panels(request) -> list[{"template": str, **context}]`.
"""

from django.utils.module_loading import import_string

PANELS = ["accounts.dashboard.panels", "hierarchy.dashboard.panels", "keyplayers.dashboard.panels", "plans.dashboard.panels", "ratings.dashboard.panels", "briefings.dashboard.panels"]


def collect_widgets(request) -> list[dict]:
    widgets = []
    for path in PANELS:
        widgets.extend(import_string(path)(request) or [])
    return widgets
