from django.apps import AppConfig
from django.db.models.signals import post_save


def _contact_saved(sender, instance, raw=False, **kwargs):
    """A contact marked as gone may leave a high-level relationship behind: the service decides."""
    if raw or instance.is_active:
        return
    from hierarchy.services import contact_saved
    from tenancy.context import TenantRequired, current_tenant_id

    try:
        current_tenant_id()
    except TenantRequired:
        return  # platform code outside a tenant: the periodic scan (hierarchy.tasks) catches up
    contact_saved(contact=instance)


def _contacts_left(sender, tenant_id, contact_ids, **kwargs):
    """accounts announces departures after commit (imports mark many at once, without post_save); the
    tenant's database context ended with that transaction, so open it again."""
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

        url_objects("hierarchy", relationship_id="hierarchy.Relationship", invitation_id="hierarchy.SurveyInvitation",
                    alert_id="hierarchy.HierarchyAlert", level_id="hierarchy.HierarchyLevel")

        from accounts.services import contacts_left

        post_save.connect(_contact_saved, sender="accounts.Contact", dispatch_uid="hierarchy.contact_saved")
        contacts_left.connect(_contacts_left, dispatch_uid="hierarchy.contacts_left")
