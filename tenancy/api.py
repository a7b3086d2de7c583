"""The base every API viewset builds on, and the `me` endpoint."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from tenancy.context import current_tenant_id


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key in a payload, resolved through the scoped manager at request time: an id of
    another tenant is "does not exist", exactly like an id that never existed."""

    def __init__(self, model, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs["queryset"] = _Lazy(model)
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()


class _Lazy:
    """Stands in for a queryset at class definition time (a scoped manager cannot be queried then)."""

    def __init__(self, model):
        self.model = model

    def all(self):
        return self.model.objects.all()


class TenantModelViewSet(viewsets.ModelViewSet):
    """All tenant API endpoints derive from this. Subclasses set `model` and describe their query in
    `scoped_queryset()`; get_queryset() is sealed so no subclass can step outside the tenant scope."""

    model = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: override scoped_queryset(), not get_queryset().")

    def scoped_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        current_tenant_id()  # raises outside a tenant scope, before any query is built
        return self.scoped_queryset(self.model.objects.all())

    def perform_create(self, serializer):
        serializer.save(tenant_id=current_tenant_id())


class TenantReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    model = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: override scoped_queryset(), not get_queryset().")

    def scoped_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        current_tenant_id()
        return self.scoped_queryset(self.model.objects.all())


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    tenant = serializers.CharField(help_text="Slug of the tenant the token is bound to.")
    tenant_name = serializers.CharField()
    role = serializers.CharField()


@extend_schema(responses=MeSerializer, summary="The user and tenant this token acts as")
@api_view(["GET"])
def me(request):
    membership = request._request.membership
    user = request.user
    return Response(MeSerializer({
        "id": user.pk, "email": user.email, "full_name": user.full_name,
        "tenant": membership.tenant.slug, "tenant_name": membership.tenant.name, "role": membership.role,
    }).data)
