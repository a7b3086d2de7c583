from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy"
    # What the app adds to the project (tenancy.contributions).
    tenant_urls = ""
    api = "tenancy.api.register"

    def ready(self):
        from tenancy.roles import url_objects

        url_objects("tenancy", membership_id="tenancy.Membership", invitation_id="tenancy.Invitation")

        from tenancy import checks, schema, signals  # noqa: F401  (registers checks, OpenAPI auth, worker hooks)
