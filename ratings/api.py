"""/api/v1/rating-policies/, ratings/, rating-snapshots/, contact-due/: thin over ratings.services and
selectors, with the pages' rules: every member reads; admins write, preview and activate policies
(anyone else gets the same 404 as for a missing object). Unless the caller may see the account's money
(accounts.access, the money rule), money criteria in breakdowns are "hidden" and the score and every
criterion's points are null, so the hidden part cannot be worked out by subtraction."""

import datetime as dt

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import filters, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.access import money_orderings, money_visible_expression
from accounts.models import Account, AccountStatus, Rating
from tenancy.api_filters import StrictDjangoFilterBackend
from tenancy.dates import IsoDateTimeFilter, RFC3339DateTimeField
from ratings import selectors, services
from ratings.models import (
    POLICY_RANGES,
    AccountRating,
    PolicyStatus,
    RatingOverride,
    RatingPolicy,
    RatingSnapshot,
    range_message,
)
from tenancy.access import membership_of
from tenancy.api import TenantModelViewSet, TenantReadOnlyViewSet
from tenancy.api_permissions import IsTenantAdmin, IsTenantAdminToRead

CRITERIA_HELP = (
    'List of criteria, e.g. [{"signal": "pipeline", "weight": 10, "scoring": "bands", "bands": [[0, 0], '
    '[50000, 40]], "missing": 0}, {"signal": "exec_level", "weight": 20, "scoring": "linear", "zero_at": 1, '
    '"full_at": "top", "missing": 0}, {"signal": "classification", "weight": 15, "scoring": "categories", "points": '
    '{"strategic": 100, "tactical": 50, "unqualified": 0}}]. Signals: exec_level, highest_level, potential_gap, '
    "classification, revenue, revenue_growth, pipeline, days_since_contact, keyplayer_coverage, survey_level. "
    'On the level signals (exec_level, highest_level, survey_level) full_at may be "top": the active hierarchy '
    "model's top level (5 or 6)."
)


class NotFoundForRefusals:
    """Role refusals answer like a missing object: 404 with the same body."""

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            return super().permission_denied(request, message=message, code=code)
        raise NotFound()


# --- Policies -----------------------------------------------------------------------------------


class PolicySerializer(serializers.ModelSerializer):
    """POST makes the draft as a copy of the active version with the given fields changed, so every
    field is optional; PATCH changes the draft."""

    criteria = serializers.JSONField(help_text=CRITERIA_HELP, required=False)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    activated_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = RatingPolicy
        fields = [
            "id",
            "version",
            "status",
            *services.POLICY_FIELDS,
            "created_by",
            "activated_at",
            "activated_by",
            "retired_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "version",
            "status",
            "created_by",
            "activated_at",
            "activated_by",
            "retired_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "note": {"required": False},
            **{
                name: {
                    "required": False,
                    "error_messages": {
                        code: range_message(name, with_value=False)
                        for code in ("invalid", "min_value", "max_value", "max_digits", "max_whole_digits")
                    },
                }
                for name in POLICY_RANGES
            },
        }
        validators = []


class PreviewSerializer(serializers.Serializer):
    active_version = serializers.IntegerField()
    draft_version = serializers.IntegerField()
    accounts = serializers.IntegerField()
    current = serializers.DictField(
        child=serializers.IntegerField(), help_text="Accounts per rating under the active policy."
    )
    proposed = serializers.DictField(child=serializers.IntegerField(), help_text="Accounts per rating under the draft.")
    moves = serializers.ListField(
        child=inline_serializer(
            "Move",
            fields={
                "from": serializers.CharField(),
                "to": serializers.CharField(),
                "accounts": serializers.IntegerField(),
            },
        )
    )
    movers_total = serializers.IntegerField()
    movers = serializers.ListField(
        child=inline_serializer(
            "Mover",
            fields={
                "account": serializers.IntegerField(),
                "name": serializers.CharField(),
                "from_rating": serializers.CharField(),
                "from_score": serializers.DecimalField(max_digits=5, decimal_places=2),
                "to_rating": serializers.CharField(),
                "to_score": serializers.DecimalField(max_digits=5, decimal_places=2),
                "manual_rating": serializers.CharField(
                    allow_null=True,
                    help_text=("The manual rating in force, if any: the account keeps it until it ends."),
                ),
            },
        )
    )
    movers_with_manual_rating = serializers.IntegerField(
        help_text="Of movers_total: those with a manual rating in force."
    )


class PolicyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PolicyStatus.choices)

    class Meta:
        model = RatingPolicy
        fields = ["status"]


class RatingPolicyViewSet(NotFoundForRefusals, TenantModelViewSet):
    """Rating policy versions. Every member reads; admins create the draft (POST), change it (PATCH),
    discard it (DELETE), preview it and activate it. Active and retired versions cannot change."""

    model = RatingPolicy
    queryset = RatingPolicy.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = PolicySerializer
    permission_classes = [IsTenantAdmin]
    lookup_url_kwarg = "policy_id"
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = [StrictDjangoFilterBackend]
    filterset_class = PolicyFilter

    def scoped_queryset(self, queryset):
        return queryset.order_by("-version")

    def list(self, request, *args, **kwargs):
        services.policy_defaults_ensure()  # a tenant always has an active version to read
        return super().list(request, *args, **kwargs)

    def create_with_service(self, data):
        return services.policy_draft_save(by=self.request.user, **data)

    def update_with_service(self, instance, data):
        return services.policy_draft_save(by=self.request.user, draft=instance, **data)

    def perform_destroy(self, instance):
        services.policy_discard(policy=instance)

    @extend_schema(
        request=None,
        responses=PolicySerializer,
        summary="Activate this draft (the active version is retired; every rating is recomputed)",
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, policy_id=None):
        policy = self.get_object()
        policy = services.policy_activate(policy=policy, by=request.user)
        return Response(PolicySerializer(policy, context=self.get_serializer_context()).data)

    @extend_schema(
        responses=PreviewSerializer,
        summary="What activating this draft would do: distribution now and under the draft, and who moves",
    )
    @action(detail=True, methods=["get"], permission_classes=[IsTenantAdminToRead])
    def preview(self, request, policy_id=None):
        draft = self.get_object()
        if draft.status != PolicyStatus.DRAFT:
            raise serializers.ValidationError({"non_field_errors": [f"Version {draft.version} is not a draft."]})
        active = services.policy_defaults_ensure()
        preview = selectors.policy_preview(draft=draft, active=active)
        return Response(
            PreviewSerializer(
                {
                    "active_version": active.version,
                    "draft_version": draft.version,
                    "accounts": preview.total,
                    "current": preview.current,
                    "proposed": preview.proposed,
                    "moves": [{"from": a, "to": b, "accounts": n} for a, b, n in preview.moves],
                    "movers_total": preview.movers_total,
                    "movers": [
                        {
                            "account": m.account_id,
                            "name": m.name,
                            "from_rating": m.old_rating,
                            "from_score": m.old_score,
                            "to_rating": m.new_rating,
                            "to_score": m.new_score,
                            "manual_rating": m.override_rating,
                        }
                        for m in preview.movers
                    ],
                    "movers_with_manual_rating": preview.movers_overridden,
                }
            ).data
        )


# --- Ratings ------------------------------------------------------------------------------------


class OverrideSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatingOverride
        fields = ["rating", "reason", "expires_at", "set_by", "created_at"]


def _redacted(breakdown: dict, visible: bool) -> dict:
    return selectors.redact_breakdown(breakdown or {}, visible)


class AccountRatingSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="pk", read_only=True)
    rating = serializers.SerializerMethodField(
        help_text="Effective rating: the manual one while in force, else computed."
    )
    computed_rating = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    policy_version = serializers.SerializerMethodField()
    computed_at = serializers.SerializerMethodField()
    breakdown = serializers.SerializerMethodField(
        help_text="{signal: [value, points]}. Unless you may see the account's money, money criteria (revenue, growth, "
        'pipeline) are ["hidden", null] and every criterion\'s points are null.'
    )
    override = serializers.SerializerMethodField()
    next_contact_due = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = [
            "account",
            "name",
            "rating",
            "computed_rating",
            "score",
            "policy_version",
            "computed_at",
            "breakdown",
            "override",
            "last_contact_at",
            "next_contact_due",
        ]

    def _state(self, obj):
        states = getattr(obj, "current_states", [])
        return states[0] if states else None

    def _override(self, obj):
        overrides = getattr(obj, "open_overrides", [])
        return overrides[0] if overrides else None

    @extend_schema_field(serializers.ChoiceField(choices=Rating.choices, allow_blank=True))
    def get_rating(self, obj):
        override = self._override(obj)
        return override.rating if override else (self._state(obj).rating if self._state(obj) else "")

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="A, B, C or D; null until first computed."))
    def get_computed_rating(self, obj):
        state = self._state(obj)
        return state.rating if state else None

    @extend_schema_field(
        serializers.DecimalField(
            max_digits=5,
            decimal_places=2,
            allow_null=True,
            help_text=(
                "Null until first computed, and where you may not see the account's money (it would reveal the hidden part)."
            ),
        )
    )
    def get_score(self, obj):
        state = self._state(obj)
        return None if state is None or not obj.financials_visible else f"{state.score:.2f}"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_policy_version(self, obj):
        state = self._state(obj)
        return None if state is None else state.policy.version

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_computed_at(self, obj):
        state = self._state(obj)
        return None if state is None else RFC3339DateTimeField().to_representation(state.computed_at)

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_breakdown(self, obj):
        state = self._state(obj)
        return None if state is None else _redacted(state.breakdown, obj.financials_visible)

    @extend_schema_field(OverrideSerializer(allow_null=True))
    def get_override(self, obj):
        override = self._override(obj)
        return None if override is None else OverrideSerializer(override).data

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_contact_due(self, obj):
        days = selectors.cadence_for(self.context["policy"], self.get_rating(obj))
        if not days or obj.last_contact_at is None:
            return None
        return RFC3339DateTimeField().to_representation(obj.last_contact_at + dt.timedelta(days=days))


class AccountRatingFilter(django_filters.FilterSet):
    rating = django_filters.ChoiceFilter(choices=Rating.choices, help_text="Effective rating.")

    class Meta:
        model = Account
        fields = ["rating"]


class AccountRatingViewSet(TenantReadOnlyViewSet):
    """Each account's current rating: effective, computed, score, breakdown, override and next contact due.
    The list leaves declassified accounts out, like the ratings pages and the recompute; one of them is
    still readable by its id (its last rating), like its page."""

    model = Account
    queryset = Account.objects.none()  # for the schema generator only
    serializer_class = AccountRatingSerializer
    lookup_url_kwarg = "account_id"
    lookup_value_regex = r"\d+"
    filter_backends = [StrictDjangoFilterBackend, filters.OrderingFilter]
    filterset_class = AccountRatingFilter
    ordering_fields = ["name", "rating", "last_contact_at"]
    ordering = ["name", "id"]

    def scoped_queryset(self, queryset):
        now = timezone.now()
        if self.action == "list":
            queryset = queryset.exclude(status=AccountStatus.DECLASSIFIED)
        return queryset.annotate(
            financials_visible=money_visible_expression(membership=membership_of(self.request))
        ).prefetch_related(
            Prefetch(
                "rating_states", queryset=AccountRating.objects.select_related("policy"), to_attr="current_states"
            ),
            Prefetch(
                "rating_overrides",
                queryset=RatingOverride.objects.filter(cleared_at__isnull=True, expires_at__gt=now),
                to_attr="open_overrides",
            ),
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "policy": services.policy_defaults_ensure()}


# --- Snapshots ----------------------------------------------------------------------------------


class SnapshotSerializer(serializers.ModelSerializer):
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    score = serializers.SerializerMethodField()
    breakdown = serializers.SerializerMethodField()

    class Meta:
        model = RatingSnapshot
        fields = ["id", "account", "rating", "score", "policy_version", "breakdown", "computed_at"]

    @extend_schema_field(
        serializers.DecimalField(
            max_digits=5,
            decimal_places=2,
            allow_null=True,
            help_text=("Null where you may not see the account's money."),
        )
    )
    def get_score(self, obj):
        return f"{obj.score:.2f}" if obj.financials_visible else None

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_breakdown(self, obj):
        return _redacted(obj.breakdown, obj.financials_visible)


class SnapshotFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
    rating = django_filters.ChoiceFilter(choices=Rating.choices)
    computed_after = IsoDateTimeFilter(field_name="computed_at", lookup_expr="gte")

    class Meta:
        model = RatingSnapshot
        fields = ["account", "rating", "computed_after"]


class RatingSnapshotViewSet(TenantReadOnlyViewSet):
    """Rating history: a snapshot whenever an account's computed rating or score changed."""

    model = RatingSnapshot
    queryset = RatingSnapshot.objects.none()  # for the schema generator only
    serializer_class = SnapshotSerializer
    lookup_url_kwarg = "snapshot_id"
    lookup_value_regex = r"\d+"
    filter_backends = [StrictDjangoFilterBackend, filters.OrderingFilter]
    filterset_class = SnapshotFilter
    ordering = ["-computed_at", "-id"]

    @property
    def ordering_fields(self):
        return ["computed_at", *money_orderings(getattr(self, "request", None), "score")]

    def scoped_queryset(self, queryset):
        return queryset.select_related("policy").annotate(
            financials_visible=money_visible_expression(membership=membership_of(self.request), prefix="account__")
        )


# --- Contact cadence ----------------------------------------------------------------------------


class ContactDueSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="pk", read_only=True)
    cadence_days = serializers.IntegerField(read_only=True)
    next_due = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Last contact + cadence; null when never contacted (due now)."
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = ["account", "name", "rating", "owner", "last_contact_at", "cadence_days", "next_due", "overdue"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, obj):
        return obj.next_due is None or obj.next_due < self.context["now"]


DUE_PARAMETERS = [
    OpenApiParameter(
        "state",
        str,
        enum=list(selectors.DUE_STATES),
        description="overdue, due (within `within` days) or all (default).",
    ),
    OpenApiParameter("within", int, description="Days ahead that count as due soon (default 14, 1–365)."),
    OpenApiParameter("mine", bool, description="Only accounts you own or are on the team of."),
    OpenApiParameter("rating", str, enum=["A", "B", "C", "D"]),
]


@extend_schema(parameters=DUE_PARAMETERS)
class ContactDueViewSet(TenantReadOnlyViewSet):
    """Accounts due or overdue for contact: next contact = last contact + the cadence of the rating."""

    model = Account
    queryset = Account.objects.none()  # for the schema generator only
    serializer_class = ContactDueSerializer
    lookup_url_kwarg = "account_id"
    lookup_value_regex = r"\d+"
    filter_backends = []

    def _params(self):
        params = self.request.query_params
        try:
            within = max(1, min(int(params.get("within", 14)), 365))
        except ValueError:
            raise serializers.ValidationError({"within": ["A whole number of days from 1 to 365."]}) from None
        state = params.get("state", "all")
        if state not in selectors.DUE_STATES:
            raise serializers.ValidationError({"state": [f"Use one of: {', '.join(selectors.DUE_STATES)}."]})
        mine = params.get("mine", "").lower() in ("1", "true", "yes", "on")
        return within, state, mine, params.get("rating", "")

    def scoped_queryset(self, queryset):
        within, state, mine, rating = self._params()
        return selectors.contact_due(
            policy=services.policy_defaults_ensure(),
            queryset=queryset,
            user=self.request.user if mine else None,
            state=state,
            within_days=within,
            rating=rating,
            now=self._now,
        )

    def initial(self, request, *args, **kwargs):
        self._now = timezone.now()
        super().initial(request, *args, **kwargs)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": getattr(self, "_now", timezone.now())}


def register(router):
    """Adds this app's viewsets to the /api/v1/ router."""
    router.register("rating-policies", RatingPolicyViewSet, basename="rating-policy")
    router.register("ratings", AccountRatingViewSet, basename="rating")
    router.register("rating-snapshots", RatingSnapshotViewSet, basename="rating-snapshot")
    router.register("contact-due", ContactDueViewSet, basename="contact-due")
