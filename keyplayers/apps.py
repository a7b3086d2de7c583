"""The keyplayers app. Its ready() uses Django signals only to *queue* the refresh of the stored coverage
summary (the dashboard's figures, keyplayers.models.CoverageSummary) when something it counts changes:
key players, the thresholds, relationships (their count and levels; hierarchy announces recorded
assessments after commit), and contacts (one who leaves stops counting; accounts announces bulk
departures, which bypass post_save). Each receiver only calls
services.coverage_summary_refresh_soon(), which is debounced and runs after commit: a rolled-back
change queues nothing. What no signal announces (a hierarchy model switch rewrites levels with one
UPDATE) is caught by the age rule of keyplayers.dashboard.
"""

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

WATCHED = ("keyplayers.KeyPlayer", "keyplayers.CoverageSettings", "hierarchy.Relationship", "accounts.Contact")


def _queue(tenant_id) -> None:
    if tenant_id is None:
        return
    from keyplayers.services import coverage_summary_refresh_soon

    coverage_summary_refresh_soon(tenant_id=tenant_id)


def _row_changed(sender, instance, raw=False, **kwargs):
    if not raw:  # fixtures / loaddata
        _queue(instance.tenant_id)


def _announced(sender, tenant_id=None, **kwargs):
    _queue(tenant_id)


class KeyplayersConfig(AppConfig):
    name = "keyplayers"
    # What the app adds to the project (tenancy.contributions).
    tenant_urls = "key-players/"
    api = "keyplayers.api.register"
    dashboard = "keyplayers.dashboard.panels"
    demo = "keyplayers.demo.seed"
    nav = "keyplayers/_nav.html"
    account_page = "keyplayers.account_page"

    def ready(self):
        from tenancy.roles import url_objects

        url_objects("*", key_player_id="keyplayers.KeyPlayer")

        from django.apps import apps

        from accounts.services import contacts_left
        from hierarchy.signals import assessment_recorded

        assessment_recorded.connect(_announced, dispatch_uid="keyplayers.summary.assessment_recorded")
        contacts_left.connect(_announced, dispatch_uid="keyplayers.summary.contacts_left")
        for label in WATCHED:
            model = apps.get_model(label)
            uid = f"keyplayers.summary.{label}"
            post_save.connect(_row_changed, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(_row_changed, sender=model, dispatch_uid=f"{uid}.delete")
