"""REST API for plans, plan actions, opportunities (with their notes thread), call reports and visits.

Thin over plans.services: every write goes through the same service as the browser, so the same rules
and error messages apply. Foreign keys in payloads resolve inside the token's tenant (another tenant's
id is "does not exist"); people must be members of the tenant. Times without an offset are read in the
tenant's time zone, except a visit's, which are read in the visit's own `timezone`.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.access import can_see_money, money_orderings, money_visible_expression
from accounts.models import Account, Contact
from tenancy.dates import IsoDateTimeFilter, check_supported_range, in_supported_range, rfc3339
from hierarchy.models import Relationship
from keyplayers.models import KeyPlayer
from plans import selectors, services
from plans.forms import localise
from plans.models import (
    OPEN_ACTION_STATUSES,
    AccountPlan,
    ActionStatus,
    CallChannel,
    CallReport,
    CustomerIssue,
    IssueKind,
    Opportunity,
    OpportunityNote,
    PlanAction,
    PlanStatus,
    Stage,
    Visit,
    VisitAttendee,
    VisitStatus,
)
from tenancy.access import membership_of
from tenancy.api import MemberField, TenantModelViewSet, TenantRelatedField
from tenancy.models import validate_timezone


class WallClockDateTimeField(serializers.DateTimeField):
    """Keeps an ISO datetime as given: aware when it carries an offset, naive otherwise (the serializer
    then places it in the visit's time zone)."""

    def enforce_timezone(self, value):
        return value

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        check_supported_range(result)  # Django's ValidationError: the serializer files it under this field
        return result


class ServiceViewSet(TenantModelViewSet):
    """Writes go through services; no DELETE (plans, calls and visits are history: archive or cancel)."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def _refetch(self, pk):
        return self.get_queryset().get(pk=pk)


# --- plans -------------------------------------------------------------------------------------------------------


class AccountPlanSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(Account, help_text="Only on create: a new plan archives the account's active plan.")
    owner = MemberField(allow_null=True, required=False)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = AccountPlan
        fields = [
            "id",
            "account",
            "title",
            "objectives",
            "owner",
            "target_level",
            "target_date",
            "review_date",
            "status",
            "archived_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "archived_at", "created_by", "created_at", "updated_at"]

    def validate_account(self, account):
        if self.instance is not None and account.pk != self.instance.account_id:
            raise ValidationError("A plan stays with its account: start a new plan for the other account.")
        return account


class PlanFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)

    class Meta:
        model = AccountPlan
        fields = ["account", "owner", "status"]


class PlanViewSet(ServiceViewSet):
    """Account plans. One active plan per account; creating one archives the previous, which is kept."""

    model = AccountPlan
    queryset = AccountPlan.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = AccountPlanSerializer
    filterset_class = PlanFilter
    lookup_url_kwarg = "plan_id"
    ordering_fields = ["created_at", "review_date", "target_date"]
    ordering = ["-created_at", "-id"]
    search_fields = ["title", "objectives", "account__name"]

    def scoped_queryset(self, queryset):
        return queryset.select_related("account", "owner", "created_by")

    def create_with_service(self, data):
        return services.plan_create(created_by=self.request.user, **data)

    def update_with_service(self, instance, data):
        data.pop("account", None)
        return services.plan_update(plan=instance, **data)

    @extend_schema(request=None, responses=AccountPlanSerializer, summary="Archive the plan (kept, read-only)")
    @action(detail=True, methods=["post"])
    def archive(self, request, plan_id=None):
        plan = services.plan_archive(plan=self.get_object())
        return Response(AccountPlanSerializer(plan, context=self.get_serializer_context()).data)

    @extend_schema(
        request=None, responses=AccountPlanSerializer, summary="Make an archived plan the account's active plan again"
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request, plan_id=None):
        plan = services.plan_reactivate(plan=self.get_object())
        return Response(AccountPlanSerializer(plan, context=self.get_serializer_context()).data)


# --- plan actions ----------------------------------------------------------------------------------------------------


class PlanActionSerializer(serializers.ModelSerializer):
    plan = TenantRelatedField(AccountPlan, help_text="Only on create; the plan must be active.")
    account = serializers.IntegerField(source="plan.account_id", read_only=True)
    owner = MemberField(allow_null=True, required=False)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "plan",
            "account",
            "title",
            "notes",
            "owner",
            "due_date",
            "status",
            "overdue",
            "completed_at",
            "source_call",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["completed_at", "source_call", "created_at", "updated_at"]

    @extend_schema_field(serializers.BooleanField(help_text="Open and past its due date (tenant's today)."))
    def get_overdue(self, obj) -> bool:
        return obj.status in OPEN_ACTION_STATUSES and obj.due_date < timezone.localdate()

    def validate_plan(self, plan):
        if self.instance is not None and plan.pk != self.instance.plan_id:
            raise ValidationError("An action stays on its plan.")
        return plan


class ActionFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id")
    account = django_filters.NumberFilter(field_name="plan__account_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Open actions of active plans past their due date"
    )

    class Meta:
        model = PlanAction
        fields = ["plan", "account", "owner", "status"]

    def filter_overdue(self, queryset, name, value):
        overdue = {
            "status__in": OPEN_ACTION_STATUSES,
            "due_date__lt": timezone.localdate(),
            "plan__status": PlanStatus.ACTIVE,
        }
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class ActionViewSet(ServiceViewSet):
    """Actions of account plans (owner, due date, status). Set `status` to done or cancelled to close one."""

    model = PlanAction
    queryset = PlanAction.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = PlanActionSerializer
    filterset_class = ActionFilter
    lookup_url_kwarg = "action_id"
    ordering_fields = ["due_date", "created_at"]
    ordering = ["due_date", "id"]
    search_fields = ["title", "notes"]

    def scoped_queryset(self, queryset):
        return queryset.select_related("plan", "owner")

    def create_with_service(self, data):
        data.pop("status", None)
        return services.action_create(**data)

    def update_with_service(self, instance, data):
        data.pop("plan", None)
        return services.action_update(action=instance, **data)


# --- the customer's business and organisational issues ----------------------------------------------------------


class CustomerIssueSerializer(serializers.ModelSerializer):
    plan = TenantRelatedField(AccountPlan, help_text="The account plan (active) the issue is on.")
    raised_by = TenantRelatedField(Contact, required=False, allow_null=True, help_text="Whose words these are.")
    relationships = TenantRelatedField(
        Relationship, many=True, required=False, help_text="Relationships of the same account that serve it."
    )
    opportunities = TenantRelatedField(
        Opportunity, many=True, required=False, help_text="Opportunities of the same account that serve it."
    )

    class Meta:
        model = CustomerIssue
        fields = ["id", "plan", "kind", "statement", "raised_by", "relationships", "opportunities", "created_at"]
        read_only_fields = ["created_at"]


class IssueFilter(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="plan_id")
    account = django_filters.NumberFilter(field_name="plan__account_id")
    kind = django_filters.ChoiceFilter(choices=IssueKind.choices)

    class Meta:
        model = CustomerIssue
        fields = ["plan", "account", "kind"]


class CustomerIssueViewSet(TenantModelViewSet):
    """The customer's initiatives and issues on account plans, in their words, with the relationships and
    opportunities that serve each. Added and removed, not edited (write a new one)."""

    model = CustomerIssue
    queryset = CustomerIssue.objects.none()  # for the schema generator only
    serializer_class = CustomerIssueSerializer
    filterset_class = IssueFilter
    lookup_url_kwarg = "issue_id"
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["created_at"]
    ordering = ["plan_id", "kind", "created_at", "id"]
    search_fields = ["statement"]

    def scoped_queryset(self, queryset):
        return queryset.select_related("plan").prefetch_related("relationships", "opportunities")

    def create_with_service(self, data):
        issue = services.customer_issue_add(by=self.request.user, **data)
        return self.get_queryset().get(pk=issue.pk)

    def perform_destroy(self, instance):
        services.customer_issue_remove(issue=instance)


# --- opportunities -------------------------------------------------------------------------------------------------

MONEY_HELP = "Null where you may not see the account's money (admins, executives and the account's team do)."


class OpportunitySerializer(serializers.ModelSerializer):
    """`value` and the negotiation plan (must_get, can_give, walk_away) are money about the customer
    (accounts.access): null in responses for whoever may not see the account's."""

    account = TenantRelatedField(Account, help_text="Only on create.")
    owner = MemberField(allow_null=True, required=False)
    qualification_score = serializers.SerializerMethodField()
    key_players = TenantRelatedField(
        KeyPlayer,
        many=True,
        required=False,
        help_text="Ids of the account's key players in this deal. A key player is on one opportunity at most; "
        "on update the list replaces the current one (omit it to leave them as they are).",
    )

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "account",
            "name",
            "stage",
            "value",
            "currency",
            "close_date",
            "owner",
            "pain_identified",
            "access_to_power",
            "vision_agreed",
            "value_agreed",
            "control_of_sale",
            "qualification_score",
            "qualification_notes",
            "competitive_strategy",
            "strategy_rationale",
            "fallback_strategy",
            "fallback_rationale",
            "evaluation_plan",
            *Opportunity.VALUE_CASE_FIELDS,
            "buyer_tactics",
            "buyer_tactics_answer",
            "must_get",
            "can_give",
            "walk_away",
            "key_players",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["closed_at", "created_at", "updated_at"]
        # Null only in responses (see to_representation); validate() refuses a null in a request.
        extra_kwargs = {name: {"allow_null": True, "help_text": MONEY_HELP} for name in Opportunity.MONEY_FIELDS}

    @extend_schema_field(
        serializers.IntegerField(
            min_value=0,
            max_value=100,
            help_text="20 points for each qualification criterion met: pain, power, vision, value, control.",
        )
    )
    def get_qualification_score(self, obj) -> int:
        return obj.qualification_score

    def validate_account(self, account):
        if self.instance is not None and account.pk != self.instance.account_id:
            raise ValidationError("An opportunity stays with its account.")
        return account

    def to_representation(self, instance):
        data = super().to_representation(instance)
        visible = getattr(instance, "money_visible", None)
        if visible is None:  # a row the view did not annotate (e.g. just written): ask the rule
            request = self.context.get("request")
            visible = can_see_money(membership=membership_of(request), account=instance.account)
        if not visible:
            for name in Opportunity.MONEY_FIELDS:
                data[name] = None
        return data

    def validate(self, attrs):
        nulls = {name: "May not be null." for name in Opportunity.MONEY_FIELDS if name in attrs and attrs[name] is None}
        if nulls:
            raise ValidationError(nulls)
        players = attrs.get("key_players")
        account = attrs.get("account") or getattr(self.instance, "account", None)
        if players and account is not None:
            foreign = sorted(p.pk for p in players if p.account_id != account.pk)
            if foreign:
                raise ValidationError(
                    {
                        "key_players": [
                            f"Key player {pk} is not a key player of {account.name}: only the account's own key players "
                            "can be on its opportunities."
                            for pk in foreign
                        ]
                    }
                )
        return attrs


class OpportunityFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    open = django_filters.BooleanFilter(method="filter_open", label="Not won or lost")
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte", label="Qualification score at least")
    close_before = django_filters.DateFilter(field_name="close_date", lookup_expr="lt")
    close_after = django_filters.DateFilter(field_name="close_date", lookup_expr="gte")

    class Meta:
        model = Opportunity
        fields = ["account", "owner", "stage"]

    def filter_open(self, queryset, name, value):
        closed = {"stage__in": [Stage.WON, Stage.LOST]}
        return queryset.exclude(**closed) if value else queryset.filter(**closed)


class OpportunityNoteSerializer(serializers.ModelSerializer):
    author = serializers.PrimaryKeyRelatedField(read_only=True)
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = OpportunityNote
        fields = ["id", "body", "author", "author_name", "created_at"]
        read_only_fields = ["created_at"]

    @extend_schema_field(serializers.CharField())
    def get_author_name(self, obj) -> str:
        return obj.author.get_full_name() if obj.author else ""


class OpportunityViewSet(ServiceViewSet):
    """Opportunities with their qualification checklist and score, competitive strategy and negotiation plan."""

    model = Opportunity
    queryset = Opportunity.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    lookup_url_kwarg = "opportunity_id"
    ordering = ["close_date", "id"]
    search_fields = ["name", "account__name"]

    @property
    def ordering_fields(self):
        return ["close_date", *money_orderings(getattr(self, "request", None), "value"), "score", "created_at"]

    def scoped_queryset(self, queryset):
        return (
            queryset.select_related("account", "owner")
            .prefetch_related("key_players")
            .annotate(
                score=selectors.qualification_score_expression(),
                money_visible=money_visible_expression(membership=membership_of(self.request), prefix="account__"),
            )
        )

    def create_with_service(self, data):
        return services.opportunity_create(**data)

    def update_with_service(self, instance, data):
        data.pop("account", None)
        return services.opportunity_update(opportunity=instance, **data)

    @extend_schema(methods=["GET"], responses=OpportunityNoteSerializer(many=True), summary="The team's notes thread")
    @extend_schema(
        methods=["POST"],
        request=OpportunityNoteSerializer,
        responses={201: OpportunityNoteSerializer},
        summary="Add a note",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def notes(self, request, opportunity_id=None):
        opportunity = self.get_object()
        if request.method == "POST":
            serializer = OpportunityNoteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            note = services.opportunity_note_add(
                opportunity=opportunity, author=request.user, body=serializer.validated_data["body"]
            )
            return Response(OpportunityNoteSerializer(note).data, status=status.HTTP_201_CREATED)
        notes = opportunity.notes.select_related("author").order_by("created_at", "pk")
        return Response(OpportunityNoteSerializer(notes, many=True).data)


# --- call reports ------------------------------------------------------------------------------------------------


class CallAttendeeSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.get_full_name")


class AttendingContactSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact_id")
    name = serializers.CharField(source="contact.full_name")


class CallNextStepSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField()
    owner = MemberField(allow_null=True, required=False)


class CallNextStepActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanAction
        fields = ["id", "plan", "title", "owner", "due_date", "status"]
        read_only_fields = fields

    status = serializers.CharField(read_only=True, help_text="open, in_progress, done or cancelled.")


class CallReportSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(Account)
    opportunity = TenantRelatedField(Opportunity, allow_null=True, required=False)
    attendees = MemberField(many=True, required=False, write_only=True, help_text="Our people on the call (user ids).")
    contacts = TenantRelatedField(
        Contact,
        many=True,
        required=False,
        write_only=True,
        help_text="Their people on the call (contact ids of the account).",
    )
    our_attendees = CallAttendeeSerializer(many=True, read_only=True)
    their_attendees = AttendingContactSerializer(many=True, read_only=True)
    next_steps = CallNextStepSerializer(
        many=True, required=False, write_only=True, help_text="Each becomes an action on the account's active plan."
    )
    actions = serializers.SerializerMethodField()
    author = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = CallReport
        fields = [
            "id",
            "account",
            "occurred_at",
            "channel",
            "summary",
            "outcomes",
            "opportunity",
            "attendees",
            "contacts",
            "our_attendees",
            "their_attendees",
            "next_steps",
            "actions",
            "author",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    @extend_schema_field(CallNextStepActionSerializer(many=True))
    def get_actions(self, obj):
        return CallNextStepActionSerializer(obj.next_steps.all(), many=True).data


class CallReportFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
    opportunity = django_filters.NumberFilter(field_name="opportunity_id")
    attendee = django_filters.NumberFilter(
        field_name="our_attendees__user_id", distinct=True, label="One of our people on the call"
    )
    contact = django_filters.NumberFilter(field_name="their_attendees__contact_id", distinct=True)
    channel = django_filters.ChoiceFilter(choices=CallChannel.choices)
    after = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    before = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = CallReport
        fields = ["account", "opportunity", "channel"]


class CallReportViewSet(ServiceViewSet):
    """Call reports. Recording one moves the account's and the contacts' last contact forward; its next
    steps become plan actions. Reports are records: they are created and read, not changed."""

    model = CallReport
    queryset = CallReport.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = CallReportSerializer
    filterset_class = CallReportFilter
    lookup_url_kwarg = "call_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["occurred_at"]
    ordering = ["-occurred_at", "-id"]
    search_fields = ["summary", "outcomes", "account__name"]

    def scoped_queryset(self, queryset):
        return selectors.with_call_details(queryset)

    def create_with_service(self, data):
        steps = [
            services.NextStep(title=s["title"], due_date=s["due_date"], owner=s.get("owner"))
            for s in data.pop("next_steps", [])
        ]
        call = services.call_report_record(
            author=self.request.user,
            next_steps=steps,
            attendees=list(data.pop("attendees", [])),
            contacts=list(data.pop("contacts", [])),
            **data,
        )
        return self._refetch(call.pk)


# --- visits -----------------------------------------------------------------------------------------------------------


class VisitAttendeeSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.get_full_name")
    is_executive = serializers.BooleanField(source="executive", help_text="An executive (the member's current role).")


class VisitSerializer(serializers.ModelSerializer):
    account = TenantRelatedField(Account, help_text="Only on create.")
    starts_at = WallClockDateTimeField(help_text="ISO 8601; without an offset it is read in `timezone`.")
    ends_at = WallClockDateTimeField(help_text="ISO 8601; without an offset it is read in `timezone`.")
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        validators=[validate_timezone],
        help_text="IANA time zone of the visit, e.g. Europe/Berlin; defaults to the tenant's.",
    )
    attendees = MemberField(
        many=True, write_only=True, help_text="Our people (user ids); executives are flagged from their role."
    )
    contacts = TenantRelatedField(
        Contact, many=True, required=False, write_only=True, help_text="Their people (contact ids of the account)."
    )
    our_attendees = VisitAttendeeSerializer(many=True, read_only=True)
    their_attendees = AttendingContactSerializer(many=True, read_only=True)
    organiser = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "account",
            "purpose",
            "agenda",
            "location",
            "starts_at",
            "ends_at",
            "timezone",
            "status",
            "sequence",
            "organiser",
            "attendees",
            "contacts",
            "our_attendees",
            "their_attendees",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "sequence", "created_at", "updated_at"]

    def validate_account(self, account):
        if self.instance is not None and account.pk != self.instance.account_id:
            raise ValidationError("A visit stays with its account: cancel it and plan a new one.")
        return account

    def validate(self, attrs):
        request = self.context.get("request")
        default_tz = self.instance.timezone if self.instance else request._request.tenant.timezone
        tzname = attrs.get("timezone") or default_tz
        attrs["timezone"] = tzname
        errors = {}
        for name in ("starts_at", "ends_at"):
            if name in attrs:
                try:
                    attrs[name] = localise(attrs[name], tzname)
                except DjangoValidationError as error:
                    errors[name] = error.messages
        if errors:
            raise ValidationError(errors)
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # A row from before the years were bounded may not fit in its zone: then it is shown in UTC.
        fits = in_supported_range(instance.starts_at) and in_supported_range(instance.ends_at)
        tz = ZoneInfo(instance.timezone) if fits else dt.UTC
        data["starts_at"] = rfc3339(instance.starts_at.astimezone(tz))
        data["ends_at"] = rfc3339(instance.ends_at.astimezone(tz))
        return data


class VisitFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id")
    attendee = django_filters.NumberFilter(
        field_name="our_attendees__user_id", distinct=True, label="One of our people attends"
    )
    executive = django_filters.BooleanFilter(method="filter_executive", label="An executive attends")
    status = django_filters.ChoiceFilter(choices=VisitStatus.choices)
    starts_after = IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Visit
        fields = ["account", "status"]

    def filter_executive(self, queryset, name, value):
        ids = VisitAttendee.objects.filter(user_id__in=selectors.current_executive_ids()).values("visit_id")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class VisitViewSet(ServiceViewSet):
    """Visits on the shared calendar. Cancel with POST …/cancel/ (the feeds then mark the event cancelled)."""

    model = Visit
    queryset = Visit.objects.none()  # for the schema generator only; get_queryset() is the tenant's
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    lookup_url_kwarg = "visit_id"
    ordering_fields = ["starts_at"]
    ordering = ["starts_at", "id"]
    search_fields = ["purpose", "location", "account__name"]

    def scoped_queryset(self, queryset):
        return selectors.with_visit_details(queryset)

    def create_with_service(self, data):
        visit = services.visit_schedule(
            account=data["account"],
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            timezone_name=data["timezone"],
            purpose=data.get("purpose", ""),
            location=data.get("location", ""),
            agenda=data.get("agenda", ""),
            attendees=list(data.get("attendees", [])),
            contacts=list(data.get("contacts", [])),
            organiser=self.request.user,
        )
        return self._refetch(visit.pk)

    def update_with_service(self, visit, data):
        current_attendees = [a.user for a in visit.our_attendees.all()]
        current_contacts = [c.contact for c in visit.their_attendees.all()]
        services.visit_update(
            visit=visit,
            starts_at=data.get("starts_at", visit.starts_at),
            ends_at=data.get("ends_at", visit.ends_at),
            timezone_name=data.get("timezone", visit.timezone),
            purpose=data.get("purpose", visit.purpose),
            location=data.get("location", visit.location),
            agenda=data.get("agenda", visit.agenda),
            attendees=list(data.get("attendees", current_attendees)),
            contacts=list(data.get("contacts", current_contacts)),
        )
        return self._refetch(visit.pk)

    @extend_schema(request=None, responses=VisitSerializer, summary="Cancel the visit")
    @action(detail=True, methods=["post"])
    def cancel(self, request, visit_id=None):
        visit = services.visit_cancel(visit=self.get_object())
        return Response(VisitSerializer(self._refetch(visit.pk), context=self.get_serializer_context()).data)


def register(router):
    """Adds this app's viewsets to the /api/v1/ router."""
    router.register("plans", PlanViewSet, basename="plan")
    router.register("plan-actions", ActionViewSet, basename="plan-action")
    router.register("customer-issues", CustomerIssueViewSet, basename="customer-issue")
    router.register("opportunities", OpportunityViewSet, basename="opportunity")
    router.register("call-reports", CallReportViewSet, basename="call-report")
    router.register("visits", VisitViewSet, basename="visit")
