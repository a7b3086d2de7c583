"""/api/v1/hierarchy/…: relationships, assessments (create and list only), survey invitations, roll-ups,
alerts and the hierarchy models. Thin over hierarchy.services and hierarchy.selectors."""

from collections.abc import Mapping

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account, Contact
from hierarchy import selectors, services
from hierarchy.models import (
    AlertKind,
    Assessment,
    HierarchyAlert,
    HierarchyModel,
    HierarchyModelSwitch,
    Relationship,
    Source,
    SurveyInvitation,
)
from tenancy.api import MemberField, ServiceWrites, TenantModelViewSet, TenantReadOnlyViewSet, TenantRelatedField


def _id_filters(model_class, *names, **extra):
    """A FilterSet of plain id filters: a ModelChoiceFilter would query its model at import/schema time,
    outside any tenant scope. The viewset's queryset is already scoped, so an id of another tenant simply
    matches nothing."""
    attrs = {name: filters.NumberFilter(field_name=f"{name}_id") for name in names}
    attrs.update(extra)
    attrs["Meta"] = type("Meta", (), {"model": model_class, "fields": list(names) + list(extra)})
    return type(f"{model_class.__name__}IdFilter", (filters.FilterSet,), attrs)


# --- Hierarchy models ----------------------------------------------------------------------------------


class LevelSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    signals = serializers.ListField(child=serializers.CharField(), source="signal_list")
    climb_playbook = serializers.ListField(
        child=serializers.CharField(), source="playbook_list", help_text="How to climb from this level to the next."
    )
    survey_statement = serializers.CharField()
    critical_climb = serializers.SerializerMethodField(
        help_text="True on level 3: the climb to 4 changes the relationship's nature (products and services → the "
        "customer's business issues)."
    )

    def get_critical_climb(self, level) -> bool:
        return selectors.is_critical_climb(level.number)


class HierarchyModelSerializer(serializers.ModelSerializer):
    levels = LevelSerializer(many=True, read_only=True)

    class Meta:
        model = HierarchyModel
        fields = ["id", "kind", "name", "description", "is_active", "levels"]


class HierarchyModelViewSet(TenantReadOnlyViewSet):
    model = HierarchyModel
    serializer_class = HierarchyModelSerializer
    # For the OpenAPI schema only (never evaluated: get_queryset() goes through the tenant scope).
    queryset = HierarchyModel.objects.none()
    lookup_url_kwarg = "hierarchy_model_id"
    lookup_value_regex = r"\d+"
    pagination_class = None

    def scoped_queryset(self, queryset):
        return queryset.prefetch_related("levels").order_by("-is_active", "name")

    def list(self, request, *args, **kwargs):
        services.hierarchy_defaults_ensure()
        return super().list(request, *args, **kwargs)


class ModelSwitchSerializer(serializers.ModelSerializer):
    switched_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = HierarchyModelSwitch
        fields = ["id", "from_model", "to_model", "switched_by", "switched_at"]


class ModelSwitchViewSet(TenantReadOnlyViewSet):
    """Who made which hierarchy model the active one, and when; newest first."""

    model = HierarchyModelSwitch
    serializer_class = ModelSwitchSerializer
    queryset = HierarchyModelSwitch.objects.none()  # for the OpenAPI schema only
    lookup_url_kwarg = "model_switch_id"
    lookup_value_regex = r"\d+"

    def scoped_queryset(self, queryset):
        return queryset.order_by("-created_at", "-pk")


# --- Relationships -------------------------------------------------------------------------------------


class RelationshipSerializer(serializers.ModelSerializer):
    contact = TenantRelatedField(Contact)
    user = MemberField(help_text="Our person (a member of this tenant).")
    owner = MemberField(required=False, allow_null=True, help_text="Defaults to the user.")
    account = serializers.PrimaryKeyRelatedField(read_only=True)
    effective_level = serializers.IntegerField(read_only=True, allow_null=True)
    gap = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Relationship
        fields = [
            "id",
            "account",
            "contact",
            "user",
            "owner",
            "self_level",
            "self_assessed_at",
            "customer_level",
            "customer_assessed_at",
            "effective_level",
            "gap",
            "created_at",
        ]
        read_only_fields = ["self_level", "self_assessed_at", "customer_level", "customer_assessed_at", "created_at"]


class RelationshipOwnerSerializer(serializers.Serializer):
    owner = MemberField()


class RelationshipViewSet(TenantModelViewSet):
    """Create, list, read, and change the owner (PATCH {"owner": id}). Relationships are not deleted."""

    model = Relationship
    serializer_class = RelationshipSerializer
    # For the OpenAPI schema only (never evaluated: get_queryset() goes through the tenant scope).
    queryset = Relationship.objects.none()
    lookup_url_kwarg = "relationship_id"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = _id_filters(Relationship, "account", "contact", "user", "owner")
    ordering_fields = ["id", "created_at", "self_level", "customer_level"]

    def scoped_queryset(self, queryset):
        return queryset.order_by("pk")

    def create_with_service(self, data):
        return services.relationship_create(user=data["user"], contact=data["contact"], owner=data.get("owner"))

    @extend_schema(request=RelationshipOwnerSerializer, responses=RelationshipSerializer)
    def partial_update(self, request, *args, **kwargs):
        relationship = self.get_object()
        if not isinstance(request.data, Mapping):  # e.g. a bare number: set() of it would be a 500
            raise serializers.ValidationError({"non_field_errors": ['Send a JSON object, e.g. {"owner": 5}.']})
        unknown = set(request.data) - {"owner"}
        if unknown:
            raise serializers.ValidationError(
                {name: "Only the owner of a relationship can be changed." for name in unknown}
            )
        payload = RelationshipOwnerSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        relationship = services.relationship_set_owner(relationship=relationship, owner=payload.validated_data["owner"])
        return Response(RelationshipSerializer(relationship, context=self.get_serializer_context()).data)


# --- Assessments (append-only: create, list, read) --------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer):
    relationship = TenantRelatedField(Relationship)
    assessed_at = serializers.DateTimeField(required=False, help_text="Defaults to now; never in the future.")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "relationship",
            "account",
            "hierarchy_model",
            "level",
            "evidence",
            "source",
            "assessed_by",
            "assessed_at",
            "created_at",
        ]
        read_only_fields = ["account", "hierarchy_model", "source", "assessed_by", "created_at"]
        extra_kwargs = {"evidence": {"allow_blank": False}, "level": {"validators": []}}


class AssessmentViewSet(ServiceWrites, mixins.CreateModelMixin, TenantReadOnlyViewSet):
    """Assessments are append-only: there is no update or delete. A correction is a new assessment.
    The API records our own view (source "self"); customer answers come only through survey links."""

    model = Assessment
    serializer_class = AssessmentSerializer
    # For the OpenAPI schema only (never evaluated: get_queryset() goes through the tenant scope).
    queryset = Assessment.objects.none()
    lookup_url_kwarg = "assessment_id"
    lookup_value_regex = r"\d+"
    filterset_class = _id_filters(
        Assessment,
        "relationship",
        "account",
        source=filters.ChoiceFilter(choices=Source.choices),
        level=filters.NumberFilter(),
    )
    ordering_fields = ["assessed_at", "id"]

    def scoped_queryset(self, queryset):
        return queryset.order_by("-assessed_at", "-pk")

    def create_with_service(self, data):
        return services.assessment_record(
            relationship=data["relationship"],
            level=data["level"],
            evidence=data["evidence"],
            assessed_by=self.request.user,
            source=Source.SELF,
            assessed_at=data.get("assessed_at"),
        )


# --- Survey invitations ------------------------------------------------------------------------------


class SurveyInvitationSerializer(serializers.ModelSerializer):
    relationship = TenantRelatedField(Relationship)
    email = serializers.EmailField(
        required=False,
        help_text=(
            "Always the contact's own e-mail address (the default); another address is refused, so the answer "
            "comes from the customer."
        ),
    )
    valid_days = serializers.IntegerField(write_only=True, required=False, min_value=1, max_value=60)
    status = serializers.SerializerMethodField()

    class Meta:
        model = SurveyInvitation
        fields = [
            "id",
            "relationship",
            "account",
            "email",
            "valid_days",
            "sent_by",
            "expires_at",
            "used_at",
            "revoked_at",
            "assessment",
            "status",
            "created_at",
        ]
        read_only_fields = ["account", "sent_by", "expires_at", "used_at", "revoked_at", "assessment", "created_at"]

    def get_status(self, invitation) -> str:
        from django.utils import timezone

        if invitation.used_at:
            return "answered"
        if invitation.revoked_at:
            return "revoked"
        return "expired" if invitation.expires_at <= timezone.now() else "open"


class SurveyInvitationViewSet(ServiceWrites, mixins.CreateModelMixin, TenantReadOnlyViewSet):
    """Creating an invitation e-mails the contact a signed, single-use link (after commit). The link itself
    is only ever sent to the contact: the customer's view must come from the customer."""

    model = SurveyInvitation
    serializer_class = SurveyInvitationSerializer
    # For the OpenAPI schema only (never evaluated: get_queryset() goes through the tenant scope).
    queryset = SurveyInvitation.objects.none()
    lookup_url_kwarg = "invitation_id"
    lookup_value_regex = r"\d+"
    filterset_class = _id_filters(SurveyInvitation, "relationship", "account")

    def scoped_queryset(self, queryset):
        return queryset.order_by("-created_at", "-pk")

    def create_with_service(self, data):
        invitation, _ = services.survey_invitation_send(
            relationship=data["relationship"],
            sent_by=self.request.user,
            base_url=self.request.build_absolute_uri("/")[:-1],
            email=data.get("email"),
            valid_days=data.get("valid_days"),
        )
        return invitation

    @extend_schema(request=None, responses=SurveyInvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        invitation = services.survey_invitation_revoke(invitation=self.get_object())
        return Response(self.get_serializer(invitation).data)


# --- Roll-ups ------------------------------------------------------------------------------------------


class RollupSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    current_level = serializers.IntegerField(
        source="stored_level", allow_null=True, help_text="Stored on the account: the highest effective level."
    )
    potential_level = serializers.IntegerField(allow_null=True)
    potential_gap = serializers.IntegerField(allow_null=True)
    highest = serializers.IntegerField(allow_null=True)
    executive_level = serializers.IntegerField(allow_null=True)
    weighted = serializers.FloatField(allow_null=True)
    self_highest = serializers.IntegerField(allow_null=True)
    self_average = serializers.FloatField(allow_null=True)
    customer_highest = serializers.IntegerField(allow_null=True)
    customer_average = serializers.FloatField(allow_null=True)
    gap_average = serializers.FloatField(allow_null=True, help_text="Our view minus the customer's, averaged.")
    gap_count = serializers.IntegerField()
    relationships = serializers.IntegerField()
    contacts = serializers.IntegerField()
    uncovered = serializers.IntegerField(help_text="Contacts still there with no relationship.")
    coverage_pct = serializers.IntegerField(allow_null=True)


class RollupViewSet(TenantReadOnlyViewSet):
    """Per-account roll-ups, computed set-based for the whole page (three queries)."""

    model = Account
    serializer_class = RollupSerializer
    # For the OpenAPI schema only (never evaluated: get_queryset() goes through the tenant scope).
    queryset = Account.objects.none()
    lookup_url_kwarg = "account_id"
    lookup_value_regex = r"\d+"
    filterset_class = _id_filters(Account, current_level=filters.NumberFilter())
    ordering_fields = ["name", "current_level"]

    def scoped_queryset(self, queryset):
        return queryset.order_by("name", "pk")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        accounts = page if page is not None else list(queryset)
        levels = selectors.account_levels(account_ids=[a.pk for a in accounts])
        data = RollupSerializer([levels[a.pk] for a in accounts], many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        account = self.get_object()
        return Response(RollupSerializer(selectors.account_levels_one(account)).data)


# --- Alerts --------------------------------------------------------------------------------------------


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = HierarchyAlert
        fields = [
            "id",
            "account",
            "relationship",
            "assessment",
            "kind",
            "message",
            "from_level",
            "to_level",
            "acknowledged_by",
            "acknowledged_at",
            "created_at",
        ]
        read_only_fields = fields


class AlertViewSet(TenantReadOnlyViewSet):
    model = HierarchyAlert
    serializer_class = AlertSerializer
    # For the OpenAPI schema only (never evaluated: get_queryset() goes through the tenant scope).
    queryset = HierarchyAlert.objects.none()
    lookup_url_kwarg = "alert_id"
    lookup_value_regex = r"\d+"
    filterset_class = _id_filters(HierarchyAlert, "account", kind=filters.ChoiceFilter(choices=AlertKind.choices))

    def scoped_queryset(self, queryset):
        queryset = queryset.order_by("-created_at", "-pk")
        if self.request.query_params.get("open") in {"1", "true"}:
            queryset = queryset.filter(acknowledged_at__isnull=True)
        return queryset

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        alert = services.alert_acknowledge(alert=self.get_object(), by=request.user)
        return Response(AlertSerializer(alert).data, status=status.HTTP_200_OK)


def register(router):
    """Adds this app's viewsets to the /api/v1/ router."""
    router.register("hierarchy/models", HierarchyModelViewSet, basename="hierarchy-model")
    router.register("hierarchy/model-switches", ModelSwitchViewSet, basename="hierarchy-model-switch")
    router.register("hierarchy/relationships", RelationshipViewSet, basename="hierarchy-relationship")
    router.register("hierarchy/assessments", AssessmentViewSet, basename="hierarchy-assessment")
    router.register("hierarchy/survey-invitations", SurveyInvitationViewSet, basename="hierarchy-survey-invitation")
    router.register("hierarchy/rollups", RollupViewSet, basename="hierarchy-rollup")
    router.register("hierarchy/alerts", AlertViewSet, basename="hierarchy-alert")
