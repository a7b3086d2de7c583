"""/api/v1/key-players/, /api/v1/key-player-guidance/ and /api/v1/key-player-levels/: thin over
keyplayers.services and selectors."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from django.db.models import Prefetch
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account, Contact
from keyplayers import selectors, services
from keyplayers.models import BuyingRole, BuyingStage, Guidance, Influence, KeyPlayer, KeyPlayerConcern, Stance
from tenancy.api import TenantModelViewSet, TenantReadOnlyViewSet, TenantRelatedField
from tenancy.api_permissions import IsTenantAdmin, IsTenantMember


# --- Serializers ----------------------------------------------------------------------------------


class GuidanceCellSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text="The tenant's row; null while the cell still uses the shipped default.",
    )
    buying_role = serializers.ChoiceField(choices=BuyingRole.choices)
    buying_stage = serializers.ChoiceField(choices=BuyingStage.choices)
    communication = serializers.CharField(
        max_length=120, help_text="The kind of communication, e.g. “Value communication”."
    )
    message = serializers.CharField(
        allow_blank=True, required=False, default="", help_text="The next message to get across."
    )
    typical_concern = serializers.CharField(allow_blank=True, required=False, default="")
    is_default = serializers.BooleanField(read_only=True, help_text="The cell says what the shipped default says.")


class GuidanceUpdateSerializer(serializers.Serializer):
    communication = serializers.CharField(max_length=120, required=False)
    message = serializers.CharField(allow_blank=True, required=False)
    typical_concern = serializers.CharField(allow_blank=True, required=False)


class CoverageSerializer(serializers.Serializer):
    relationship_count = serializers.IntegerField(help_text="Relationships any of our people have with the contact.")
    best_level = serializers.IntegerField(
        allow_null=True,
        help_text=("Highest effective level (the customer's view when given, else ours) over those relationships."),
    )
    min_level = serializers.IntegerField(help_text="The tenant's minimum level for this buying role.")
    no_relationship = serializers.BooleanField()
    below_minimum = serializers.BooleanField()
    high_blocker = serializers.BooleanField()
    flagged = serializers.BooleanField()


class ConcernSerializer(serializers.ModelSerializer):
    concern = serializers.CharField(help_text="What worries them, in their words.")

    class Meta:
        model = KeyPlayerConcern
        fields = ["id", "concern", "raised_on", "answer", "answered_on"]
        read_only_fields = ["raised_on", "answer", "answered_on"]


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(help_text="How we answered the concern.")


class KeyPlayerSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(Account, help_text="Set when adding; cannot change afterwards.")
    contact = TenantRelatedField(
        Contact, help_text="A contact of the account; set when adding, cannot change afterwards."
    )
    account_name = serializers.CharField(source="account.name", read_only=True)
    contact_name = serializers.CharField(source="contact.full_name", read_only=True)
    contact_title = serializers.CharField(source="contact.title", read_only=True)
    last_contact_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Last contact set by hand.")
    effective_last_contact_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=("The later of last_contact_at and the contact's last call report.")
    )
    last_contact_source = serializers.CharField(read_only=True, help_text="'call report', 'set by hand' or ''.")
    recommended = serializers.SerializerMethodField(help_text="The next recommended message for the role at its stage.")
    coverage = CoverageSerializer(source="*", read_only=True)
    concerns = serializers.CharField(read_only=True, help_text="The open concerns, one a line (see concern_log).")
    concern_log = ConcernSerializer(
        many=True, read_only=True, help_text="Concerns raised and answered, newest first; add with POST …/concerns/."
    )

    class Meta:
        model = KeyPlayer
        fields = [
            "id",
            "account",
            "account_name",
            "contact",
            "contact_name",
            "contact_title",
            "buying_role",
            "buying_stage",
            "stance",
            "influence",
            "concerns",
            "concern_log",
            "last_contact_at",
            "effective_last_contact_at",
            "last_contact_source",
            "recommended",
            "coverage",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(GuidanceCellSerializer)
    def get_recommended(self, player):
        root = self.root
        if "_matrix" not in root.context:  # one guidance query per request, not per key player
            root.context["_matrix"] = selectors.guidance_matrix()
        cell = root.context["_matrix"][(player.buying_role, player.buying_stage)]
        return GuidanceCellSerializer(cell).data

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("account", "contact"):
                if name in attrs and attrs[name].pk != getattr(self.instance, f"{name}_id"):
                    raise serializers.ValidationError(
                        {name: f"The {name} of a key player cannot change; remove it and add another instead."}
                    )
                attrs.pop(name, None)
        return attrs  # a contact of another account: key_player_create refuses it


# --- Filters --------------------------------------------------------------------------------------


class KeyPlayerFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id", help_text="Account id.")
    contact = django_filters.NumberFilter(field_name="contact_id", help_text="Contact id.")
    buying_role = django_filters.ChoiceFilter(choices=BuyingRole.choices)
    buying_stage = django_filters.ChoiceFilter(choices=BuyingStage.choices)
    stance = django_filters.ChoiceFilter(choices=Stance.choices)
    influence = django_filters.ChoiceFilter(choices=Influence.choices)
    flag = django_filters.ChoiceFilter(
        choices=[("any", "Any coverage gap"), *selectors.FLAGS.items()],
        method="filter_flag",
        help_text="Only key players with this coverage gap.",
    )

    class Meta:
        model = KeyPlayer
        fields = ["account", "contact", "buying_role", "buying_stage", "stance", "influence", "flag"]

    def filter_flag(self, queryset, name, value):
        return queryset.filter(selectors.flag_filter(value))


# --- Viewsets -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Key players, with coverage and the next recommended message"),
    retrieve=extend_schema(summary="One key player"),
    create=extend_schema(summary="Add a contact of an account to its buying team"),
    update=extend_schema(summary="Change a key player (not its account or contact)"),
    partial_update=extend_schema(summary="Change some fields of a key player, e.g. its buying stage or stance"),
    destroy=extend_schema(summary="Take a key player off the buying team"),
)
class KeyPlayerViewSet(TenantModelViewSet):
    """Every member reads; admins and account managers write. Another tenant's ids are 404 (paths) or
    "does not exist" (payloads)."""

    model = KeyPlayer
    # For the OpenAPI schema only (it reads the model of the filters from here); never evaluated, since
    # get_queryset() is sealed in TenantModelViewSet and goes through the tenant scope.
    queryset = KeyPlayer.objects.none()
    serializer_class = KeyPlayerSerializer
    permission_classes = [IsTenantMember]
    lookup_url_kwarg = "key_player_id"
    lookup_value_regex = r"\d+"
    filterset_class = KeyPlayerFilter
    search_fields = ["contact__full_name", "contact__title"]
    ordering_fields = ["contact__full_name", "account__name", "buying_stage", "best_level", "updated_at"]
    ordering = ["account__name", "contact__full_name", "id"]

    def scoped_queryset(self, queryset):
        return (
            selectors.key_players_annotated(queryset)
            .select_related("account", "contact")
            .prefetch_related(Prefetch("concern_log", queryset=KeyPlayerConcern.objects.order_by("-raised_on", "-pk")))
        )

    def _reload(self, pk):
        return self.get_queryset().get(pk=pk)

    def create_with_service(self, data):
        player = services.key_player_create(by=self.request.user, **data)
        return self._reload(player.pk)

    def update_with_service(self, instance, data):
        services.key_player_update(key_player=instance, by=self.request.user, **data)
        return self._reload(instance.pk)

    def perform_destroy(self, instance):
        services.key_player_remove(key_player=instance)

    @extend_schema(
        summary="Log a concern the key player raised (in their words)",
        request=ConcernSerializer,
        responses={201: ConcernSerializer},
    )
    @action(detail=True, methods=["post"], url_path="concerns")
    def concern_add(self, request, key_player_id=None):
        player = self.get_object()
        payload = ConcernSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        concern = services.concern_raise(key_player=player, concern=payload.validated_data["concern"], by=request.user)
        return Response(ConcernSerializer(concern).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record how we answered one of the key player's concerns",
        request=AnswerSerializer,
        responses=ConcernSerializer,
    )
    @action(detail=True, methods=["post"], url_path=r"concerns/(?P<concern_id>\d+)/answer")
    def concern_answer(self, request, key_player_id=None, concern_id=None):
        player = self.get_object()
        concern = KeyPlayerConcern.objects.filter(pk=concern_id, key_player=player).first()
        if concern is None:
            from rest_framework.exceptions import NotFound

            raise NotFound()
        payload = AnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        concern = services.concern_answer(concern=concern, answer=payload.validated_data["answer"], by=request.user)
        return Response(ConcernSerializer(concern).data)


@extend_schema_view(
    retrieve=extend_schema(summary="One customised cell of the guidance matrix", responses=GuidanceCellSerializer),
    partial_update=extend_schema(
        summary="Change a customised cell (admins)", request=GuidanceUpdateSerializer, responses=GuidanceCellSerializer
    ),
    update=extend_schema(
        summary="Change a customised cell (admins)", request=GuidanceUpdateSerializer, responses=GuidanceCellSerializer
    ),
    destroy=extend_schema(summary="Put a cell back to the shipped default (admins)"),
)
class GuidanceViewSet(TenantModelViewSet):
    """The guidance matrix: for each buying role × stage, the communication it calls for. Every member
    reads; only tenant admins write. Cells nobody customised carry the shipped default (id null)."""

    model = Guidance
    queryset = Guidance.objects.none()  # for the OpenAPI schema only, as above
    serializer_class = GuidanceCellSerializer
    permission_classes = [IsTenantAdmin]
    lookup_url_kwarg = "guidance_id"
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list = []

    @staticmethod
    def _cell_data(row: Guidance):
        return GuidanceCellSerializer(
            selectors.GuidanceCell(
                row.buying_role, row.buying_stage, row.communication, row.message, row.typical_concern, row.pk
            )
        ).data

    @extend_schema(
        summary="All 20 cells of the guidance matrix (customised or default)",
        parameters=[
            OpenApiParameter("buying_role", OpenApiTypes.STR, enum=BuyingRole.values),
            OpenApiParameter("buying_stage", OpenApiTypes.STR, enum=BuyingStage.values),
        ],
        responses=GuidanceCellSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        cells = list(selectors.guidance_matrix().values())
        for name, choices in (("buying_role", BuyingRole), ("buying_stage", BuyingStage)):
            value = request.query_params.get(name)
            if value and value not in choices.values:
                raise serializers.ValidationError({name: f"“{value}” is not one of {', '.join(choices.values)}."})
            if value:
                cells = [cell for cell in cells if getattr(cell, name) == value]
        return Response(GuidanceCellSerializer(cells, many=True).data)

    @extend_schema(
        summary="Set one cell of the matrix (admins); creates the tenant's row or updates it",
        request=GuidanceCellSerializer,
        responses={200: GuidanceCellSerializer, 201: GuidanceCellSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = GuidanceCellSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existed = Guidance.objects.filter(buying_role=data["buying_role"], buying_stage=data["buying_stage"]).exists()
        row = services.guidance_set(**data)
        return Response(self._cell_data(row), status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._cell_data(self.get_object()))

    def update(self, request, *args, **kwargs):
        row = self.get_object()
        serializer = GuidanceUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        values = {
            "communication": row.communication,
            "message": row.message,
            "typical_concern": row.typical_concern,
            **serializer.validated_data,
        }
        row = services.guidance_set(buying_role=row.buying_role, buying_stage=row.buying_stage, **values)
        return Response(self._cell_data(row))

    def destroy(self, request, *args, **kwargs):
        row = self.get_object()
        services.guidance_reset(buying_role=row.buying_role, buying_stage=row.buying_stage)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Level by buying role ------------------------------------------------------------------------


class RoleLevelSerializer(serializers.Serializer):
    role = serializers.CharField()
    label = serializers.CharField()
    players = serializers.IntegerField(help_text="Key players in this role whose contact is still there.")
    reached = serializers.IntegerField(
        help_text="Of them, how many at least one of our people has a relationship with."
    )
    relationships = serializers.IntegerField()
    best = serializers.IntegerField(allow_null=True, help_text="The highest effective level of those relationships.")
    average = serializers.FloatField(allow_null=True)
    minimum = serializers.IntegerField(allow_null=True, help_text="The tenant's minimum level for the role.")
    below_minimum = serializers.BooleanField()


class AccountRoleLevelsSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    roles = RoleLevelSerializer(many=True)


class RoleLevelViewSet(TenantReadOnlyViewSet):
    """Per account, the level by buying role the board and the account panel show (two queries a page)."""

    model = Account
    serializer_class = AccountRoleLevelsSerializer
    # For the OpenAPI schema only (never evaluated: get_queryset() goes through the tenant scope).
    queryset = Account.objects.none()
    lookup_url_kwarg = "account_id"
    lookup_value_regex = r"\d+"

    def scoped_queryset(self, queryset):
        return queryset.order_by("name", "pk")

    @staticmethod
    def _rows(accounts):
        levels = selectors.levels_by_buying_role(account_ids=[a.pk for a in accounts])
        return [{"account": a.pk, "roles": levels[a.pk]} for a in accounts]

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        data = AccountRoleLevelsSerializer(self._rows(page if page is not None else list(queryset)), many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        return Response(AccountRoleLevelsSerializer(self._rows([self.get_object()])[0]).data)


def register(router):
    """Adds this app's viewsets to the /api/v1/ router."""
    router.register("key-players", KeyPlayerViewSet, basename="key-player")
    router.register("key-player-guidance", GuidanceViewSet, basename="key-player-guidance")
    router.register("key-player-levels", RoleLevelViewSet, basename="key-player-levels")
