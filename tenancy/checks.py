"""System checks: tenant-owned models must be built on TenantModel (and so be scoped)."""

from django.apps import apps
from django.core.checks import Error, register

from tenancy.models import TenantModel


@register()
def tenant_models_are_scoped(app_configs, **kwargs):
    errors = []
    for model in apps.get_models(include_auto_created=True):
        has_tenant = any(f.name == "tenant" for f in model._meta.concrete_fields)
        if has_tenant and not issubclass(model, TenantModel):
            errors.append(
                Error(f"{model._meta.label} has a tenant column but does not inherit TenantModel.", id="tenancy.E001")
            )
        if issubclass(model, TenantModel):
            for field in model._meta.many_to_many:
                through = field.remote_field.through
                if not issubclass(through, TenantModel):
                    errors.append(
                        Error(
                            f"{model._meta.label}.{field.name} needs an explicit through model inheriting "
                            "TenantModel, so its join table carries tenant_id and row-level security.",
                            id="tenancy.E002",
                        )
                    )
    return errors
