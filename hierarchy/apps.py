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


class HierarchyConfig(AppConfig):
    name = "hierarchy"

    def ready(self):
        post_save.connect(_contact_saved, sender="accounts.Contact", dispatch_uid="hierarchy.contact_saved")
