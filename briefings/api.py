"""GET /api/v1/visits/<id>/briefing/ (JSON) and …/briefing/pdf/: the same briefing as the page, for the
caller's role (money hidden as null with `financials_visible: false` for who may not see it)."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from briefings import render, selectors
from briefings.access import access_briefing_by_visit_id
from tenancy.access import membership_of
from tenancy.api import UndeclaredMethodFirst


class BriefingPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="get_full_name")


class BriefingContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="full_name")
    title = serializers.CharField()


class BriefingVisitSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    purpose = serializers.CharField()
    location = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    timezone = serializers.CharField()
    status = serializers.CharField()
    sequence = serializers.IntegerField()


class BriefingRatingSerializer(serializers.Serializer):
    letter = serializers.CharField()
    manual = serializers.BooleanField()
    manual_reason = serializers.CharField()
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Null for who may not see financials (it would reveal them).",
    )
    reasons = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()), help_text="[criterion, value], strongest first."
    )
    cadence_days = serializers.IntegerField(allow_null=True)


class BriefingRelationshipSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="relationship.pk")
    ours = BriefingPersonSerializer()
    theirs = BriefingContactSerializer()
    self_level = serializers.IntegerField(allow_null=True)
    customer_level = serializers.IntegerField(allow_null=True)
    gap = serializers.IntegerField(allow_null=True, help_text="Our view minus theirs.")
    next_level = serializers.IntegerField(allow_null=True)
    next_steps = serializers.ListField(child=serializers.CharField(), help_text="The playbook to climb one level.")
    critical_step = serializers.BooleanField(
        help_text="True at level 3: the step to 4 changes the relationship's nature."
    )


class BriefingAttendingContactSerializer(serializers.Serializer):
    contact = BriefingContactSerializer()
    buying_role = serializers.CharField(source="key_player.buying_role", allow_null=True, default=None)
    buying_stage = serializers.CharField(source="key_player.buying_stage", allow_null=True, default=None)
    stance = serializers.CharField(source="key_player.stance", allow_null=True, default=None)
    concerns = serializers.CharField(source="key_player.concerns", allow_null=True, default=None)
    communication = serializers.CharField(source="key_player.guidance.communication", allow_null=True, default=None)
    message = serializers.CharField(source="key_player.guidance.message", allow_null=True, default=None)
    best_level = serializers.IntegerField(allow_null=True)


class BriefingOpportunitySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="opportunity.pk")
    name = serializers.CharField(source="opportunity.name")
    stage = serializers.CharField(source="opportunity.stage")
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    close_date = serializers.DateField(source="opportunity.close_date")
    qualification_score = serializers.IntegerField(source="score")
    qualification_gaps = serializers.ListField(source="gaps", child=serializers.CharField())
    competitive_strategy = serializers.CharField(
        source="opportunity.competitive_strategy", help_text="The lead strategy."
    )
    strategy_rationale = serializers.CharField(source="opportunity.strategy_rationale")
    fallback_strategy = serializers.CharField(source="opportunity.fallback_strategy")
    fallback_rationale = serializers.CharField(source="opportunity.fallback_rationale")
    value_agreed_with = serializers.CharField(
        source="opportunity.value_agreed_with", help_text="Who on their side agreed the value case (blank: none yet)."
    )
    value_benefits = serializers.CharField(source="opportunity.value_benefits")


class BriefingIssueSerializer(serializers.Serializer):
    kind = serializers.CharField()
    statement = serializers.CharField(help_text="In the customer's words.")
    raised_by = serializers.CharField(source="raised_by.full_name", allow_null=True, default=None)


class BriefingActionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    due_date = serializers.DateField()
    status = serializers.CharField()


class BriefingCallSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    occurred_at = serializers.DateTimeField()
    summary = serializers.CharField()
    outcomes = serializers.CharField()


class BriefingChangeSerializer(serializers.Serializer):
    when = serializers.CharField(allow_null=True)
    text = serializers.CharField()


class BriefingSerializer(serializers.Serializer):
    visit = BriefingVisitSummarySerializer()
    account_id = serializers.IntegerField(source="account.pk")
    account_name = serializers.CharField(source="account.name")
    classification = serializers.CharField(source="account.classification")
    classification_reason = serializers.CharField(source="account.classification_reason")
    generated_at = serializers.DateTimeField()
    previous_visit_at = serializers.DateTimeField(source="previous_visit.starts_at", allow_null=True, default=None)
    must_know = serializers.ListField(child=serializers.CharField())
    must_not_say = serializers.ListField(child=serializers.CharField())
    want = serializers.ListField(child=serializers.CharField())
    financials_visible = serializers.BooleanField()
    revenue_last_four_periods = serializers.SerializerMethodField()
    pipeline = serializers.SerializerMethodField()
    rating = BriefingRatingSerializer(allow_null=True)
    highest_level = serializers.IntegerField(source="levels.highest", allow_null=True)
    executive_level = serializers.IntegerField(source="levels.executive_level", allow_null=True)
    potential_level = serializers.IntegerField(source="levels.potential_level", allow_null=True)
    at_critical_step = serializers.BooleanField(
        help_text="The account stands at level 3: the climb to 4 changes the relationship's nature."
    )
    customer_issues = BriefingIssueSerializer(
        source="issues", many=True, help_text="The customer's business and organisational issues on the plan."
    )
    level_names = serializers.DictField(child=serializers.CharField())
    our_attendees = serializers.SerializerMethodField()
    their_attendees = BriefingAttendingContactSerializer(many=True)
    meeting_relationships = BriefingRelationshipSerializer(many=True)
    other_relationships = BriefingRelationshipSerializer(many=True)
    opportunities = BriefingOpportunitySerializer(many=True)
    open_actions = BriefingActionSerializer(many=True)
    overdue_actions = BriefingActionSerializer(many=True)
    recent_calls = BriefingCallSerializer(many=True)
    alerts = serializers.SerializerMethodField()
    changes = BriefingChangeSerializer(many=True)

    def get_revenue_last_four_periods(self, b) -> dict | None:
        if not b.financials_visible or not b.revenue:
            return None
        # A total per currency, as the pipeline: amounts in different currencies are never added.
        return {
            "totals": [{"currency": currency, "total": str(total)} for currency, total in b.revenue["totals"]],
            "growth_pct": None if b.revenue["growth"] is None else round(float(b.revenue["growth"]), 1),
        }

    def get_pipeline(self, b) -> list[dict] | None:
        if b.pipeline is None:
            return None
        return [{"currency": currency, "total": str(total)} for currency, total in b.pipeline]

    def get_our_attendees(self, b) -> list[dict]:
        return [{"id": a.user_id, "name": a.user.get_full_name(), "executive": a.executive} for a in b.our_attendees]

    def get_alerts(self, b) -> list[str]:
        return [alert.message for alert in b.alerts]


class VisitBriefingViewSet(UndeclaredMethodFirst, viewsets.ViewSet):
    """The pre-visit briefing of one visit."""

    answers_one_object = True  # `list` is the one briefing of the visit in the path (keystone.api_schema)

    def _briefing(self, request, visit_id):
        visit = access_briefing_by_visit_id(membership=membership_of(request), visit_id=visit_id)
        return selectors.briefing_build(visit=visit, membership=membership_of(request))

    @extend_schema(
        responses={200: BriefingSerializer, 404: OpenApiResponse(description="No such visit.")},
        summary="The briefing of a visit",
    )
    def list(self, request, visit_id=None):
        return Response(BriefingSerializer(self._briefing(request, int(visit_id))).data)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="No such visit.")},
        summary="The briefing of a visit as PDF",
    )
    @action(detail=False, methods=["get"], url_path="pdf")
    def pdf(self, request, visit_id=None):
        briefing = self._briefing(request, int(visit_id))
        response = HttpResponse(render.pdf(briefing), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{render.pdf_filename(briefing)}"'
        response["Cache-Control"] = "private, no-store"
        return response


def register(router):
    router.register(r"visits/(?P<visit_id>[0-9]+)/briefing", VisitBriefingViewSet, basename="visit-briefing")
