from django.apps import AppConfig


def _contacts_left(sender, tenant_id, contact_ids, **kwargs):
    """The one way hierarchy learns that contacts left: accounts announces every departure (by hand, by
    the API or by an import, which writes in bulk without post_save) after commit, so the tenant's
    database context ended with that transaction: open it again. The nightly scan
    (hierarchy.tasks.contact_departures_scan_all) catches a message lost with a crashed worker."""
    from hierarchy.services import contacts_departed
    from tenancy.context import tenant_context

    with tenant_context(tenant_id):
        contacts_departed(contact_ids=contact_ids)


class HierarchyConfig(AppConfig):
    name = "hierarchy"
    # What the app adds to the project (tenancy.contributions).
    tenant_urls = "hierarchy/"
    public_urls = "survey/"
    api = "hierarchy.api.register"
    dashboard = "hierarchy.dashboard.panels"
    demo = "hierarchy.demo.seed"
    nav = "hierarchy/_nav.html"
    account_page = "hierarchy.account_page"
    account_top_level = "hierarchy.selectors.model_top_level"

    def ready(self):
        from tenancy.roles import url_objects

        url_objects(
            "hierarchy",
            relationship_id="hierarchy.Relationship",
            invitation_id="hierarchy.SurveyInvitation",
            alert_id="hierarchy.HierarchyAlert",
            level_id="hierarchy.HierarchyLevel",
        )

        from accounts.services import contacts_left

        contacts_left.connect(_contacts_left, dispatch_uid="hierarchy.contacts_left")
