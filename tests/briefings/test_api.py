"""GET /api/v1/visits/<id>/briefing/ and …/pdf/: the same content as the page, the financials rule,
another tenant's id a 404, and both in the OpenAPI schema."""

import pytest

from tenancy.models import Role
from tests.briefings.world import build_world
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant_a, executive_a, manager_a):
    return build_world(tenant=tenant_a, executive=executive_a, manager=manager_a)


def test_json_briefing_for_an_executive(world, executive_a, manager_a):
    response = api_client_for(executive_a).get(f"/api/v1/visits/{world.visit.pk}/briefing/")
    assert response.status_code == 200
    data = response.json()
    assert data["account_name"] == "Contoso Freight" and data["financials_visible"] is True
    assert data["pipeline"] == [{"currency": "EUR", "total": "250000.00"}]
    assert data["opportunities"][0]["value"] == "250000.00"
    assert data["opportunities"][0]["qualification_gaps"] == [
        "Access to power",
        "Compelling value agreed",
        "Control of the sale",
    ]
    people = {p["contact"]["name"]: p for p in data["their_attendees"]}
    assert people["Bruno Buyer"]["stance"] == "blocker" and people["Carla Finance"]["communication"]
    rel = next(r for r in data["meeting_relationships"] if r["ours"]["id"] == manager_a.user.pk)
    assert (rel["self_level"], rel["customer_level"], rel["gap"]) == (3, 2, 1)
    assert any("Bruno Buyer is a blocker" in item for item in data["must_not_say"])


def test_json_hides_money_from_a_viewer(world, tenant_a, make_member):
    viewer = make_member(tenant_a, Role.VIEWER)
    data = api_client_for(viewer).get(f"/api/v1/visits/{world.visit.pk}/briefing/").json()
    assert data["financials_visible"] is False
    assert data["pipeline"] is None and data["revenue_last_four_periods"] is None
    assert data["opportunities"][0]["value"] is None
    assert data["rating"] is None or data["rating"]["score"] is None


def test_pdf_endpoint(world, executive_a):
    response = api_client_for(executive_a).get(f"/api/v1/visits/{world.visit.pk}/briefing/pdf/")
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"


def test_another_tenants_visit_is_404(world, manager_b):
    client = api_client_for(manager_b)
    for path in ("", "pdf/"):
        response = client.get(f"/api/v1/visits/{world.visit.pk}/briefing/{path}")
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/visits/{visit_id}/briefing/" in schema and "/api/v1/visits/{visit_id}/briefing/pdf/" in schema
    assert "must_not_say" in schema


def test_json_briefing_carries_the_critical_step_the_issues_and_the_fallback(world, executive_a, manager_a):
    from accounts.models import Account
    from plans import services as plans_services
    from plans.models import AccountPlan, Opportunity

    with manager_a.scope():
        Account.objects.filter(pk=world.account.pk).update(current_level=3)
        Opportunity.objects.filter(pk=world.opportunity.pk).update(
            fallback_strategy="end_around", fallback_rationale="If they match our price"
        )
        plan = AccountPlan.objects.get(account=world.account, status="active")
        plans_services.customer_issue_add(
            plan=plan,
            kind="business",
            by=manager_a.user,
            raised_by=world.cfo,
            statement="Empty return trips eat our margin.",
        )
    data = api_client_for(executive_a).get(f"/api/v1/visits/{world.visit.pk}/briefing/").json()
    assert data["at_critical_step"] is True
    assert data["customer_issues"] == [
        {"kind": "business", "statement": "Empty return trips eat our margin.", "raised_by": "Carla Finance"}
    ]
    assert data["opportunities"][0]["fallback_strategy"] == "end_around"
