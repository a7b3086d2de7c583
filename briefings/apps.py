from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "briefings"
    verbose_name = "Briefings"
    # What the app adds to the project (tenancy.contributions).
    tenant_urls = "briefings/"
    api = "briefings.api.register"
    dashboard = "briefings.dashboard.panels"
    demo = "briefings.demo.seed"
    nav = "briefings/_nav.html"
    visit_page = "briefings.visit_page"

    def ready(self):
        from plans.services import visit_changed

        visit_changed.connect(_visit_changed, dispatch_uid="briefings.visit_changed")


def _visit_changed(sender, tenant_id, visit_id, **kwargs):
    """A visit was scheduled, changed or cancelled (sent after its commit): deliver what is now due
    for its tenant at once instead of at the next beat run. If the broker is down the 15-minute
    beat run still finds it: what is due is worked out from the database, never from the message."""
    from briefings.tasks import deliver_due_task

    try:
        deliver_due_task.apply_async((tenant_id,), retry=False)  # a broker that is down fails fast here
    except Exception:  # noqa: BLE001 — the beat run catches up; a visit change must not fail for this
        import logging

        logging.getLogger(__name__).warning(
            "Could not enqueue briefing delivery for tenant %s", tenant_id, exc_info=True
        )
