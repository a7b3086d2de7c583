"""/api/v1/accounts/, contacts/, team-members/, financials/: thin over accounts.services and selectors.

Same rules as the pages: every member reads accounts, contacts and teams; admins and managers write;
financials exist only for those who may see them (admins, executives, the account's team) — for
everyone else a period is "not found" and an account is "does not exist" in a payload.
"""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import filters, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import selectors, services
from accounts.access import financials_visible_filter
from accounts.models import (
    Account,
    AccountStatus,
    AccountTeamMember,
    Classification,
    Contact,
    FinancialPeriod,
    Rating,
    RevenueTier,
    TeamRole,
)
from tenancy.api_filters import StrictDjangoFilterBackend
from tenancy.access import membership_of
from tenancy.api import MemberField, TenantModelViewSet, TenantRelatedField


class FinancialAccountField(TenantRelatedField):
    """An account whose financials the caller may see; any other is "does not exist"."""

    def __init__(self, **kwargs):
        super().__init__(Account, **kwargs)

    def get_queryset(self):
        return Account.objects.filter(financials_visible_filter(membership=membership_of(self.context["request"])))


# --- Accounts ---------------------------------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True, help_text="User id of a member of this tenant.")
    owner_email = serializers.EmailField(
        source="owner.email", read_only=True, allow_null=True
    )  # no default: a PATCH (partial) would skip it
    classified_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    rating = serializers.ChoiceField(
        choices=Rating.choices,
        allow_blank=True,
        read_only=True,
        help_text="A, B, C or D; blank until the account is first rated.",
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "external_id",
            "industry",
            "segment",
            "owner",
            "owner_email",
            "revenue_tier",
            "classification",
            "classification_reason",
            "classified_by",
            "classified_at",
            "motivation",
            "relationship_category",
            "potential_level",
            "current_level",
            "rating",
            "status",
            "coverage",
            "partner_programme",
            "partner_tier",
            "partner_since",
            "partner_benefits",
            "reference_customer",
            "beachhead",
            "notes",
            "last_contact_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "classification",
            "classification_reason",
            "classified_by",
            "classified_at",
            "current_level",
            "rating",
            "last_contact_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"classification": {"help_text": "Change it with POST …/classify/ (a reason is required)."}}
        validators = []  # uniqueness within the tenant is checked by the service, with a clear message


class ClassifySerializer(serializers.Serializer):
    classification = serializers.ChoiceField(choices=Classification.choices)
    reason = serializers.CharField(help_text="Why: the future advantage this account brings (or not). Required.")


class ClassificationChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_classification = serializers.CharField()
    to_classification = serializers.CharField()
    reason = serializers.CharField()
    changed_by = serializers.IntegerField(source="changed_by_id", allow_null=True)
    created_at = serializers.DateTimeField()


class AccountFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label="Words that start words of the name or external id"
    )
    classification = django_filters.ChoiceFilter(choices=Classification.choices)
    revenue_tier = django_filters.ChoiceFilter(choices=RevenueTier.choices)
    status = django_filters.ChoiceFilter(choices=AccountStatus.choices)
    rating = django_filters.ChoiceFilter(choices=Rating.choices)
    current_level = django_filters.NumberFilter()
    owner = django_filters.NumberFilter(field_name="owner_id")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Account
        fields = [
            "search",
            "classification",
            "revenue_tier",
            "status",
            "rating",
            "current_level",
            "owner",
            "external_id",
        ]

    def filter_search(self, queryset, name, value):
        return selectors._search(queryset, value)


class AccountViewSet(TenantModelViewSet):
    """Accounts of the token's tenant. Ordering: name, rating, current_level, last_contact_at, updated_at."""

    model = Account
    queryset = Account.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = AccountSerializer
    lookup_url_kwarg = "account_id"
    lookup_value_regex = r"\d+"
    filter_backends = [StrictDjangoFilterBackend, filters.OrderingFilter]
    filterset_class = AccountFilter
    ordering_fields = ["name", "rating", "current_level", "last_contact_at", "updated_at", "created_at"]
    ordering = ["name", "id"]

    def scoped_queryset(self, queryset):
        return queryset.select_related("owner")

    def create_with_service(self, data):
        return services.account_create(by=self.request.user, **data)

    def update_with_service(self, instance, data):
        return services.account_update(account=instance, by=self.request.user, **data)

    def perform_destroy(self, instance):
        services.account_delete(account=instance)

    @extend_schema(
        request=ClassifySerializer,
        responses=AccountSerializer,
        summary="Change the classification (strategic / tactical / unqualified) with its reason",
    )
    @action(detail=True, methods=["post"])
    def classify(self, request, account_id=None):
        account = self.get_object()
        payload = ClassifySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.account_classify(account=account, by=request.user, **payload.validated_data)
        return Response(AccountSerializer(account, context=self.get_serializer_context()).data)

    @extend_schema(responses=ClassificationChangeSerializer(many=True), summary="The history of classification changes")
    @action(detail=True, methods=["get"], url_path="classification-history", pagination_class=None)
    def classification_history(self, request, account_id=None):
        account = self.get_object()
        return Response(
            ClassificationChangeSerializer(selectors.classification_history(account=account), many=True).data
        )


# --- Contacts ---------------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(Account, help_text="Cannot change after creation.")
    reports_to = TenantRelatedField(
        Contact, required=False, allow_null=True, help_text="Their manager: a contact at the same account."
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            "external_id",
            "full_name",
            "title",
            "department",
            "reports_to",
            "email",
            "phone",
            "is_active",
            "left_on",
            "last_contact_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_contact_at", "created_at", "updated_at"]
        validators = []

    def validate(self, attrs):
        if self.instance is not None and "account" in attrs and attrs["account"].pk != self.instance.account_id:
            raise serializers.ValidationError(
                {"account": "A contact cannot move to another account; create them there."}
            )
        return attrs


class ContactFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
    reports_to = django_filters.NumberFilter(field_name="reports_to_id")
    is_active = django_filters.BooleanFilter()
    external_id = django_filters.CharFilter()

    class Meta:
        model = Contact
        fields = ["account", "reports_to", "is_active", "external_id"]


class ContactViewSet(TenantModelViewSet):
    model = Contact
    queryset = Contact.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = ContactSerializer
    lookup_url_kwarg = "contact_id"
    lookup_value_regex = r"\d+"
    filter_backends = [StrictDjangoFilterBackend, filters.OrderingFilter]
    filterset_class = ContactFilter
    ordering_fields = ["full_name", "last_contact_at", "updated_at"]
    ordering = ["full_name", "id"]

    def create_with_service(self, data):
        return services.contact_create(**data)

    def update_with_service(self, instance, data):
        data.pop("account", None)
        return services.contact_update(contact=instance, **data)

    def perform_destroy(self, instance):
        services.contact_delete(contact=instance)


# --- Team members -----------------------------------------------------------------------------------


class TeamMemberSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(Account)
    user = MemberField(help_text="A member of this tenant.")

    class Meta:
        model = AccountTeamMember
        fields = ["id", "account", "user", "team_role", "created_at"]
        read_only_fields = ["created_at"]
        validators = []

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("account", "user"):
                if name in attrs and attrs[name].pk != getattr(self.instance, f"{name}_id"):
                    raise serializers.ValidationError({name: "Cannot change; remove this team member and add another."})
        return attrs


class TeamMemberFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
    user = django_filters.NumberFilter(field_name="user_id")
    team_role = django_filters.ChoiceFilter(choices=TeamRole.choices)

    class Meta:
        model = AccountTeamMember
        fields = ["account", "user", "team_role"]


class TeamMemberViewSet(TenantModelViewSet):
    model = AccountTeamMember
    queryset = AccountTeamMember.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = TeamMemberSerializer
    lookup_url_kwarg = "team_member_id"
    lookup_value_regex = r"\d+"
    filter_backends = [StrictDjangoFilterBackend, filters.OrderingFilter]
    filterset_class = TeamMemberFilter
    ordering_fields = ["created_at", "team_role"]
    ordering = ["account_id", "team_role", "id"]

    def create_with_service(self, data):
        return services.team_member_add(by=self.request.user, **data)

    def update_with_service(self, instance, data):
        return services.team_member_update(
            team_member=instance, by=self.request.user, team_role=data.get("team_role", instance.team_role)
        )

    def perform_destroy(self, instance):
        services.team_member_remove(team_member=instance, by=self.request.user)


# --- Financials -------------------------------------------------------------------------------------


class FinancialPeriodSerializer(serializers.ModelSerializer):
    account = FinancialAccountField(help_text="An account whose financials you may see.")

    class Meta:
        model = FinancialPeriod
        fields = [
            "id",
            "account",
            "period_start",
            "period_end",
            "revenue",
            "margin_pct",
            "discount_pct",
            "currency",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []

    def validate(self, attrs):
        if self.instance is None:
            clash = FinancialPeriod.objects.filter(account=attrs["account"], period_start=attrs["period_start"]).first()
            if clash is not None:
                raise serializers.ValidationError(
                    {
                        "period_start": f"The account already has a period starting "
                        f"{attrs['period_start']} (id {clash.pk}): PATCH it."
                    }
                )
        elif "account" in attrs and attrs["account"].pk != self.instance.account_id:
            raise serializers.ValidationError({"account": "A period cannot move to another account."})
        return attrs


class FinancialPeriodFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
    period_start_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_start_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = FinancialPeriod
        fields = ["account", "period_start_from", "period_start_to"]


class FinancialPeriodViewSet(TenantModelViewSet):
    """Revenue, margin and discount per period. Only tenant admins, executives and the account's team
    see these; for anyone else the periods do not exist."""

    model = FinancialPeriod
    queryset = FinancialPeriod.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = FinancialPeriodSerializer
    lookup_url_kwarg = "financial_period_id"
    lookup_value_regex = r"\d+"
    filter_backends = [StrictDjangoFilterBackend, filters.OrderingFilter]
    filterset_class = FinancialPeriodFilter
    ordering_fields = ["period_start", "revenue"]
    ordering = ["account_id", "period_start"]

    def scoped_queryset(self, queryset):
        return queryset.filter(financials_visible_filter(membership=membership_of(self.request), prefix="account__"))

    def create_with_service(self, data):
        return services.financial_period_save(**data)

    def update_with_service(self, instance, data):
        data.pop("account", None)
        return services.financial_period_update(period=instance, **data)

    def perform_destroy(self, instance):
        services.financial_period_delete(period=instance)


def register(router):
    """Adds this app's viewsets to the /api/v1/ router."""
    router.register("accounts", AccountViewSet, basename="account")
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("team-members", TeamMemberViewSet, basename="team-member")
    router.register("financials", FinancialPeriodViewSet, basename="financial-period")
