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


def test_writes_go_through_a_named_service():
    """No API write saves a serializer directly: a viewset that names no service cannot write at all."""
    serializer = type("Validated", (), {"validated_data": {"name": "x"}, "instance": None})()
    with pytest.raises(NotImplementedError, match="create_with_service"):
        TenantModelViewSet().perform_create(serializer)

    class Named(TenantModelViewSet):
        model = AuditEntry

        def create_with_service(self, data):
            return ("created", data)

    Named().perform_create(serializer)
    assert serializer.instance == ("created", {"name": "x"})
