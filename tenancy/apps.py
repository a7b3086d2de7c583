from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        from tenancy import checks, schema, signals  # noqa: F401  (registers checks, OpenAPI auth, worker hooks)
