"""tenancy.api: both viewset bases seal get_queryset(), so no endpoint steps outside the tenant scope."""

import pytest

from tenancy.api import TenantModelViewSet, TenantReadOnlyViewSet
from tenancy.context import TenantRequired
from tenancy.models import AuditEntry


@pytest.mark.parametrize("base", [TenantModelViewSet, TenantReadOnlyViewSet])
def test_a_viewset_cannot_replace_the_scoped_queryset(base):
    with pytest.raises(TypeError, match="override scoped_queryset"):
        type("Leaky", (base,), {"get_queryset": lambda self: None})


@pytest.mark.parametrize("base", [TenantModelViewSet, TenantReadOnlyViewSet])
def test_the_queryset_needs_an_open_tenant(base):
    view = type("Audit", (base,), {"model": AuditEntry})()
    with pytest.raises(TenantRequired):
        view.get_queryset()
