"""/api/v1/ for plans, plan actions, opportunities, call reports and visits: the same rules as the
browser, payloads that point into another tenant refused, filters, roles, query counts, OpenAPI."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, Contact
from plans.services import NextStep
from plans.models import AccountPlan, CallReport, Opportunity, PlanAction, Visit
from tests.conftest import api_client_for
from tests.plans.factories import (
    AccountFactory,
    ActionFactory,
    ContactFactory,
    OpportunityFactory,
    PlanFactory,
    make_call,
    make_visit,
)

pytestmark = pytest.mark.django_db


def _future(days=7):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_create_a_plan_and_archive_on_the_next(manager_a):
    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    first = api.post(
        "/api/v1/plans/",
        {"account": account.pk, "title": "FY27", "objectives": "Grow", "owner": manager_a.user.pk, "target_level": 4},
        format="json",
    )
    assert first.status_code == 201, first.json()
    second = api.post(
        "/api/v1/plans/", {"account": account.pk, "title": "FY28", "objectives": "Grow more"}, format="json"
    )
    assert second.status_code == 201
    listing = api.get(f"/api/v1/plans/?account={account.pk}&status=active").json()
    assert [p["title"] for p in listing["results"]] == ["FY28"]
    assert api.get(f"/api/v1/plans/{first.json()['id']}/").json()["status"] == "archived"
    refused = api.patch(f"/api/v1/plans/{first.json()['id']}/", {"title": "x"}, format="json")
    assert refused.status_code == 400 and "Archived plans are kept" in str(refused.json())


def test_payloads_pointing_into_another_tenant_are_refused(manager_a, manager_b):
    api = api_client_for(manager_a)
    theirs = AccountFactory(tenant=manager_b.tenant)
    their_contact = ContactFactory(account=theirs)
    mine = AccountFactory(tenant=manager_a.tenant)
    response = api.post("/api/v1/plans/", {"account": theirs.pk, "title": "x", "objectives": "y"}, format="json")
    assert response.status_code == 400 and "does not exist" in str(response.json()["account"])
    response = api.post(
        "/api/v1/plans/",
        {"account": mine.pk, "title": "x", "objectives": "y", "owner": manager_b.user.pk},
        format="json",
    )
    assert response.status_code == 400 and "not a member of this tenant" in str(response.json()["owner"])
    response = api.post(
        "/api/v1/call-reports/",
        {
            "account": mine.pk,
            "occurred_at": timezone.now().isoformat(),
            "summary": "x",
            "contacts": [their_contact.pk],
        },
        format="json",
    )
    assert response.status_code == 400 and "contacts" in response.json()
    with manager_b.scope():
        assert not AccountPlan.objects.exists() and not CallReport.objects.exists()
        assert Contact.objects.get(pk=their_contact.pk).last_contact_at is None


def test_viewers_and_executives_read_but_do_not_write(viewer_a, executive_a):
    account = AccountFactory(tenant=viewer_a.tenant)
    PlanFactory(account=account)
    for member in (viewer_a, executive_a):
        api = api_client_for(member)
        assert api.get("/api/v1/plans/").json()["count"] == 1
        response = api.post("/api/v1/plans/", {"account": account.pk, "title": "x", "objectives": "y"}, format="json")
        assert response.status_code == 403


def test_actions_with_overdue_filter(manager_a):
    api = api_client_for(manager_a)
    plan = PlanFactory(account=AccountFactory(tenant=manager_a.tenant))
    late = ActionFactory(plan=plan, owner=manager_a.user, due_date=timezone.localdate() - dt.timedelta(days=2))
    ActionFactory(plan=plan, owner=manager_a.user)
    response = api.post(
        "/api/v1/plan-actions/",
        {"plan": plan.pk, "title": "Book workshop", "due_date": _future(), "owner": manager_a.user.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["overdue"] is False
    past = api.post("/api/v1/plan-actions/", {"plan": plan.pk, "title": "x", "due_date": "2020-01-01"}, format="json")
    assert past.status_code == 400 and "is in the past" in str(past.json()["due_date"])
    overdue = api.get(f"/api/v1/plan-actions/?overdue=true&owner={manager_a.user.pk}").json()["results"]
    assert [a["id"] for a in overdue] == [late.pk] and overdue[0]["overdue"] is True
    done = api.patch(f"/api/v1/plan-actions/{late.pk}/", {"status": "done"}, format="json")
    assert done.status_code == 200 and done.json()["completed_at"]
    assert api.get("/api/v1/plan-actions/?overdue=true").json()["count"] == 0


def test_opportunity_score_and_filters(manager_a):
    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    response = api.post(
        "/api/v1/opportunities/",
        {
            "account": account.pk,
            "name": "Cloud move",
            "value": "120000.00",
            "close_date": _future(60),
            "stage": "developing",
            "pain_identified": True,
            "access_to_power": True,
            "value_agreed": True,
            "competitive_strategy": "divide_and_conquer",
            "strategy_rationale": "Win the pilot region first.",
            "must_get": "3-year term",
            "can_give": "Free onboarding",
            "walk_away": "Below 15% margin",
            "value_benefits": "Half the downtime",
            "value_agreed_with": "Their CIO",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["qualification_score"] == 60
    OpportunityFactory(account=account, stage="won")
    assert [o["name"] for o in api.get("/api/v1/opportunities/?open=true").json()["results"]] == ["Cloud move"]
    assert api.get("/api/v1/opportunities/?min_score=80").json()["count"] == 0
    assert api.get("/api/v1/opportunities/?min_score=60").json()["count"] == 1
    opp_id = response.json()["id"]
    note = api.post(f"/api/v1/opportunities/{opp_id}/notes/", {"body": "CFO is sceptical."}, format="json")
    assert note.status_code == 201
    assert [n["body"] for n in api.get(f"/api/v1/opportunities/{opp_id}/notes/").json()] == ["CFO is sceptical."]
    missing = api.post(
        "/api/v1/opportunities/",
        {"account": account.pk, "name": "x", "value": "1", "close_date": _future(), "competitive_strategy": "stall"},
        format="json",
    )
    assert missing.status_code == 400 and "strategy_rationale" in missing.json()


def test_record_a_call_with_next_steps(manager_a, executive_a):
    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    anna = ContactFactory(account=account)
    opp = OpportunityFactory(account=account)
    when = (timezone.now() - dt.timedelta(days=1)).replace(microsecond=0)
    response = api.post(
        "/api/v1/call-reports/",
        {
            "account": account.pk,
            "occurred_at": when.isoformat(),
            "summary": "Pilot review",
            "opportunity": opp.pk,
            "attendees": [manager_a.user.pk, executive_a.user.pk],
            "contacts": [anna.pk],
            "next_steps": [{"title": "Send pricing", "due_date": _future(), "owner": manager_a.user.pk}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert sorted(a["user"] for a in body["our_attendees"]) == sorted([manager_a.user.pk, executive_a.user.pk])
    assert [c["contact"] for c in body["their_attendees"]] == [anna.pk]
    assert [a["title"] for a in body["actions"]] == ["Send pricing"]
    with manager_a.scope():
        assert Account.objects.get(pk=account.pk).last_contact_at == when
        assert PlanAction.objects.get().source_call_id == body["id"]
    assert api.patch(f"/api/v1/call-reports/{body['id']}/", {"summary": "x"}, format="json").status_code == 405
    assert api.get(f"/api/v1/call-reports/?contact={anna.pk}").json()["count"] == 1


def test_visits_in_their_own_time_zone(manager_a, executive_a):
    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    day = _future(12)
    response = api.post(
        "/api/v1/visits/",
        {
            "account": account.pk,
            "purpose": "Site tour",
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T12:00",
            "timezone": "Asia/Tokyo",
            "attendees": [executive_a.user.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["starts_at"] == f"{day}T09:00:00+09:00"
    assert body["our_attendees"] == [
        {"user": executive_a.user.pk, "name": executive_a.user.full_name, "is_executive": True}
    ]
    # Without a zone, the tenant's applies.
    second = api.post(
        "/api/v1/visits/",
        {
            "account": account.pk,
            "purpose": "x",
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T10:00",
            "attendees": [manager_a.user.pk],
        },
        format="json",
    )
    assert second.json()["timezone"] == manager_a.tenant.timezone
    bad = api.post(
        "/api/v1/visits/",
        {
            "account": account.pk,
            "purpose": "x",
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T08:00",
            "timezone": "Mars/Olympus",
            "attendees": [],
        },
        format="json",
    )
    assert bad.status_code == 400 and "timezone" in bad.json()
    assert api.get("/api/v1/visits/?executive=true").json()["count"] == 1
    assert api.get(f"/api/v1/visits/?attendee={manager_a.user.pk}").json()["count"] == 1
    moved = api.patch(f"/api/v1/visits/{body['id']}/", {"starts_at": f"{day}T10:00"}, format="json")
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    assert moved.json()["starts_at"] == f"{day}T10:00:00+09:00"
    cancelled = api.post(f"/api/v1/visits/{body['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled"
    assert api.delete(f"/api/v1/visits/{body['id']}/").status_code == 405
    with manager_a.scope():
        assert Visit.objects.count() == 2


@pytest.mark.parametrize("path", ["plans/", "plan-actions/", "opportunities/", "call-reports/", "visits/"])
def test_api_lists_have_constant_query_counts(manager_a, executive_a, path):
    api = api_client_for(manager_a)

    def fill():
        account = AccountFactory(tenant=manager_a.tenant)
        contact = ContactFactory(account=account)
        plan = PlanFactory(account=account)
        ActionFactory(plan=plan, owner=manager_a.user)
        OpportunityFactory(account=account, owner=manager_a.user)
        make_call(
            account=account,
            author=manager_a.user,
            contacts=[contact],
            attendees=[manager_a.user, executive_a.user],
            next_steps=[NextStep(title="x", due_date=timezone.localdate())],
        )
        make_visit(
            account=account, organiser=manager_a.user, attendees=[manager_a.user, executive_a.user], contacts=[contact]
        )

    fill()
    api.get(f"/api/v1/{path}")  # the token's first use records last_used_at: measure after it
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"/api/v1/{path}").status_code == 200
    for _ in range(4):
        fill()
    with CaptureQueriesContext(connection) as many:
        response = api.get(f"/api/v1/{path}")
    assert response.json()["count"] >= 5
    assert len(many) == len(few), path


def test_openapi_schema_of_the_plans_endpoints_is_clean():
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema
    from rest_framework.routers import DefaultRouter

    from plans.api import register

    router = DefaultRouter()
    router.include_format_suffixes = False
    register(router)
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache, dict(GENERATOR_STATS._warn_cache)
    assert {
        "/api/v1/plans/",
        "/api/v1/plan-actions/{action_id}/",
        "/api/v1/visits/{visit_id}/cancel/",
        "/api/v1/opportunities/{opportunity_id}/notes/",
        "/api/v1/call-reports/",
    } <= set(schema["paths"])
    assert schema["paths"]["/api/v1/plans/{plan_id}/"]["get"]["parameters"][0]["schema"]["type"] == "integer"


def test_opportunity_key_players_through_the_api(manager_a, manager_b):
    from tests.keyplayers.factories import KeyPlayerFactory

    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    a, b = KeyPlayerFactory(account=account), KeyPlayerFactory(account=account)
    other_account = KeyPlayerFactory(account=AccountFactory(tenant=manager_a.tenant))
    other_tenant = KeyPlayerFactory(account=AccountFactory(tenant=manager_b.tenant))
    payload = {"account": account.pk, "name": "Fleet", "value": "1000", "close_date": _future(30)}
    created = api.post("/api/v1/opportunities/", {**payload, "key_players": [a.pk]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["key_players"] == [a.pk]
    opp_id = created.json()["id"]

    refused = api.post(
        "/api/v1/opportunities/", {**payload, "name": "Other", "key_players": [other_account.pk]}, format="json"
    )
    assert refused.status_code == 400
    assert "is not a key player of" in refused.json()["key_players"][0]
    foreign = api.patch(f"/api/v1/opportunities/{opp_id}/", {"key_players": [other_tenant.pk]}, format="json")
    assert foreign.status_code == 400 and "does not exist" in str(foreign.json()["key_players"])
    taken = api.post("/api/v1/opportunities/", {**payload, "name": "Dup", "key_players": [a.pk]}, format="json")
    assert taken.status_code == 400 and "already on the opportunity" in taken.json()["key_players"][0]
    with manager_a.scope():
        assert not Opportunity.objects.filter(name__in=["Other", "Dup"]).exists()

    changed = api.patch(f"/api/v1/opportunities/{opp_id}/", {"key_players": [b.pk]}, format="json")
    assert changed.status_code == 200 and changed.json()["key_players"] == [b.pk]
    untouched = api.patch(f"/api/v1/opportunities/{opp_id}/", {"name": "Fleet renewal"}, format="json")
    assert untouched.json()["key_players"] == [b.pk]
    assert api.get(f"/api/v1/opportunities/{opp_id}/").json()["key_players"] == [b.pk]


def test_opportunity_list_query_count_does_not_grow_with_key_players(manager_a):
    from plans import services
    from tests.keyplayers.factories import KeyPlayerFactory

    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        services.opportunity_key_player_add(
            opportunity=OpportunityFactory(account=account), key_player=KeyPlayerFactory(account=account)
        )
    api.get("/api/v1/opportunities/")  # the token's first use records last_used_at: measure after it
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/opportunities/")
    with manager_a.scope():
        for _ in range(4):
            opp = OpportunityFactory(account=account)
            for _ in range(2):
                services.opportunity_key_player_add(opportunity=opp, key_player=KeyPlayerFactory(account=account))
    with CaptureQueriesContext(connection) as many:
        response = api.get("/api/v1/opportunities/")
    assert response.json()["count"] == 5
    assert len(many) == len(few)


def test_openapi_documents_the_key_players_of_an_opportunity():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    field = schema["components"]["schemas"]["Opportunity"]["properties"]["key_players"]
    assert field["type"] == "array" and field["items"]["type"] == "integer"
    assert "one opportunity at most" in field["description"]


def test_the_executive_filter_of_visits_follows_the_current_role(manager_a, tenant_a, make_member):
    from tenancy.models import Membership, Role

    promoted = make_member(tenant_a, "manager")
    visit = make_visit(account=AccountFactory(tenant=tenant_a), organiser=manager_a.user, attendees=[promoted.user])
    api = api_client_for(manager_a)
    assert api.get("/api/v1/visits/?executive=true").json()["count"] == 0
    with manager_a.scope():
        Membership.objects.filter(user=promoted.user).update(role=Role.EXECUTIVE)
    listing = api.get("/api/v1/visits/?executive=true").json()
    assert [v["id"] for v in listing["results"]] == [visit.pk]
    assert listing["results"][0]["our_attendees"][0]["is_executive"] is True


def test_lead_and_fallback_strategies_and_the_value_case_behind_value_agreed(manager_a, viewer_a):
    """The opportunity strategy is a lead and a fallback in order of preference, each with its why; "value
    agreed" needs the value case agreed with the customer; the ROI is money, hidden like the value."""
    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    base = {"account": account.pk, "name": "Fleet", "value": "50000.00", "close_date": _future(60)}
    bad = api.post(
        "/api/v1/opportunities/",
        {
            **base,
            "competitive_strategy": "preferred",
            "strategy_rationale": "We wrote it",
            "fallback_strategy": "preferred",
            "value_agreed": True,
        },
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "fallback_strategy": ["The fallback must differ from the lead strategy."],
        "value_agreed": [
            "Record the value case agreed with the customer first: the benefits (or the "
            "pain removed) in their terms, and who on their side agreed it."
        ],
    }
    no_why = api.post(
        "/api/v1/opportunities/",
        {**base, "competitive_strategy": "preferred", "strategy_rationale": "x", "fallback_strategy": "stall"},
        format="json",
    )
    assert list(no_why.json()) == ["fallback_rationale"]
    no_lead = api.post(
        "/api/v1/opportunities/", {**base, "fallback_strategy": "stall", "fallback_rationale": "x"}, format="json"
    )
    assert no_lead.json() == {
        "fallback_strategy": ["Choose the lead strategy first; the fallback is the one to turn to if it fails."]
    }
    good = api.post(
        "/api/v1/opportunities/",
        {
            **base,
            "competitive_strategy": "preferred",
            "strategy_rationale": "We wrote the requirements with them.",
            "fallback_strategy": "divide_and_conquer",
            "fallback_rationale": "If it goes to tender, win the pilot site first.",
            "evaluation_plan": "Six-week pilot, their KPIs.",
            "value_agreed": True,
            "value_roi": "Payback in 14 months",
            "value_benefits": "Half the downtime",
            "value_agreed_with": "Their COO",
            "value_agreed_on": _future(0),
            "buyer_tactics": "Shark buyer: fake deadline",
            "buyer_tactics_answer": "Hold the price",
        },
        format="json",
    )
    assert good.status_code == 201, good.json()
    body = good.json()
    assert (body["competitive_strategy"], body["fallback_strategy"], body["value_agreed_with"]) == (
        "preferred",
        "divide_and_conquer",
        "Their COO",
    )
    hidden = api_client_for(viewer_a).get(f"/api/v1/opportunities/{body['id']}/").json()
    assert hidden["value_roi"] is None and hidden["value_benefits"] == "Half the downtime"
    # emptying the value case while "value agreed" stays ticked is refused
    emptied = api.patch(f"/api/v1/opportunities/{body['id']}/", {"value_agreed_with": ""}, format="json")
    assert list(emptied.json()) == ["value_agreed"]
