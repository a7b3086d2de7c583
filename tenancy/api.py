"""The base every API viewset builds on, and the `me` endpoint."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from tenancy.api_filters import StrictDjangoFilterBackend
from tenancy.dates import IsoDateTimeFilter
from tenancy.api_permissions import IsTenantAdminToRead
from tenancy.context import current_tenant_id
from tenancy.members import member_users
from tenancy.models import AuditAction, AuditEntry, User
from tenancy.selectors import audit_kinds


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


class _Members:
    """Stands in for the members queryset at class definition time (resolved per request)."""

    model = User

    def all(self):
        return member_users()


class MemberField(serializers.PrimaryKeyRelatedField):
    """A user id of a member of the token's tenant; any other id is "not a member", whether the user
    exists elsewhere or not at all."""

    default_error_messages = {"does_not_exist": "User {pk_value} is not a member of this tenant."}

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs["queryset"] = _Members()
        super().__init__(**kwargs)

    def get_queryset(self):
        return member_users()


class UndeclaredMethodFirst:
    """A method the view does not offer (TRACE, or PUT on a read-only list) is a 405 for everyone, before
    the role check: DRF checks permissions first, so a manager's TRACE on an admin-only endpoint was a 403
    (or the 404 of NotFoundForRefusals), which the schema does not document."""

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or getattr(self, method, None) is None:
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


class SealedTenantQueryset:
    """Subclasses set `model` and describe their query in `scoped_queryset()`; get_queryset() is sealed
    so no subclass can step outside the tenant scope."""

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


class ServiceWrites:
    """Every API write goes through the app's service, one way: the viewset names it in
    `create_with_service(data)` and `update_with_service(instance, data)`, each returning the object the
    response shows (serializers only validate and represent; deletes use DRF's `perform_destroy`). A
    service's ValidationError is a 400 like any other (keystone.api_errors)."""

    def perform_create(self, serializer):
        serializer.instance = self.create_with_service(serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.update_with_service(serializer.instance, serializer.validated_data)

    def create_with_service(self, data):
        raise NotImplementedError(f"{type(self).__name__}: writes go through a service (create_with_service).")

    def update_with_service(self, instance, data):
        raise NotImplementedError(f"{type(self).__name__}: writes go through a service (update_with_service).")


class TenantReadOnlyViewSet(SealedTenantQueryset, UndeclaredMethodFirst, viewsets.ReadOnlyModelViewSet):
    """Read-only tenant API endpoints derive from this."""


class TenantModelViewSet(ServiceWrites, SealedTenantQueryset, UndeclaredMethodFirst, viewsets.ModelViewSet):
    """All other tenant API endpoints derive from this."""


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
    return Response(
        MeSerializer(
            {
                "id": user.pk,
                "email": user.email,
                "full_name": user.full_name,
                "tenant": membership.tenant.slug,
                "tenant_name": membership.tenant.name,
                "role": membership.role,
            }
        ).data
    )


# --- The audit trail (read-only, admins) ---------------------------------------------------------


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(
        source="actor_id",
        read_only=True,
        allow_null=True,
        help_text="The user who made the change; null for the system (a scheduled job).",
    )
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(allow_null=True), min_length=2, max_length=2),
        read_only=True,
        help_text="{field: [from, to]}; null where there was no value before or after.",
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "changes",
        ]
        read_only_fields = fields


class AuditEntryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        method="filter_kind", choices=audit_kinds(), help_text="A kind of change: the action's prefix, e.g. account."
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    actor = django_filters.NumberFilter(field_name="actor_id")
    target_type = django_filters.CharFilter()
    target_id = django_filters.NumberFilter()
    after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["kind", "action", "actor", "target_type", "target_id", "after", "before"]

    def filter_kind(self, queryset, name, value):
        return queryset.filter(action__startswith=f"{value}.")


class AuditEntryViewSet(TenantReadOnlyViewSet):
    """The tenant's audit trail, newest first: who changed what, when, from what to what. Admins only."""

    model = AuditEntry
    queryset = AuditEntry.objects.none()  # for the schema generator only
    serializer_class = AuditEntrySerializer
    permission_classes = [IsTenantAdminToRead]
    lookup_url_kwarg = "audit_entry_id"
    lookup_value_regex = r"\d+"
    filter_backends = [StrictDjangoFilterBackend]
    filterset_class = AuditEntryFilter

    def scoped_queryset(self, queryset):
        return queryset.order_by("-created_at", "-id")


def register(router):
    router.register("audit-log", AuditEntryViewSet, basename="audit-entry")
