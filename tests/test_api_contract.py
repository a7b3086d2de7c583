"""The OpenAPI schema says what the API answers (issue 11, item 8): nullable fields marked, blank ratings
in the enum, RFC 3339 datetimes even where a zone then had an offset with seconds, every error status
documented, TRACE a 405, and an empty filter value refused instead of silently ignored."""

import datetime as dt
import re

import pytest
from rest_framework.test import APIClient

from tests.conftest import api_client_for
from tests.plans.factories import AccountFactory, PlanFactory, make_call

pytestmark = pytest.mark.django_db

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    import yaml

    return yaml.safe_load(response.content) if not response["Content-Type"].endswith("json") else response.json()


def _component(schema, name):
    return schema["components"]["schemas"][name]["properties"]


def test_fields_that_can_be_null_or_blank_say_so(schema):
    account = _component(schema, "Account")
    assert account["classified_by"].get("nullable") is True
    assert "" in str(account["rating"]) or account["rating"].get("allOf") or account["rating"].get("oneOf")
    assert _component(schema, "AccountPlan")["created_by"].get("nullable") is True
    policy = _component(schema, "Policy")
    assert policy["created_by"].get("nullable") is True and policy["activated_by"].get("nullable") is True
    rating = _component(schema, "AccountRating")
    assert rating["policy_version"].get("nullable") is True and rating["computed_at"].get("nullable") is True


def test_every_operation_documents_its_error_answers(schema):
    missing = []
    for path, operations in schema["paths"].items():
        if path.endswith(("/schema/", "/docs/")):
            continue
        for method, operation in operations.items():
            if method in ("parameters",):
                continue
            codes = set(operation["responses"])
            if not {"400", "401", "403", "404"} <= codes:
                missing.append(f"{method.upper()} {path}: {sorted(codes)}")
    assert missing == []


def test_a_blank_rating_and_null_people_come_back_as_documented(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    body = api_client_for(manager_a).get(f"/api/v1/accounts/{account.pk}/").json()
    assert body["rating"] == "" and body["classified_by"] is None


def test_datetimes_are_rfc3339_even_in_a_zone_that_then_had_seconds_in_its_offset(manager_a):
    manager_a.tenant.timezone = "Asia/Kolkata"  # local mean time +05:53:28 until 1941
    manager_a.tenant.save(update_fields=["timezone"])
    account = AccountFactory(tenant=manager_a.tenant)
    make_call(account=account, author=manager_a.user, at=dt.datetime(1900, 6, 1, 10, 0, tzinfo=dt.UTC))
    PlanFactory(account=account)
    api = api_client_for(manager_a)
    call = api.get("/api/v1/call-reports/").json()["results"][0]
    assert RFC3339.match(call["occurred_at"]), call["occurred_at"]
    assert call["occurred_at"] == "1900-06-01T10:00:00Z"
    plan = api.get("/api/v1/plans/").json()["results"][0]
    assert RFC3339.match(plan["created_at"])


def test_trace_is_a_405_everywhere(manager_a):
    api = api_client_for(manager_a)
    account = AccountFactory(tenant=manager_a.tenant)
    for path in ("/api/v1/accounts/", f"/api/v1/accounts/{account.pk}/", "/api/v1/me/", "/api/v1/visits/"):
        assert api.generic("TRACE", path).status_code == 405, path


@pytest.mark.parametrize("query", ["owner=", "rating=", "status=&name=x", "stage=qualifying&stage="])
def test_an_empty_filter_value_is_refused_naming_it(manager_a, query):
    path = "/api/v1/opportunities/" if query.startswith("stage") else "/api/v1/accounts/"
    response = api_client_for(manager_a).get(f"{path}?{query}")
    assert response.status_code == 400, response.content[:300]
    name = query.split("=")[0]
    assert response.json() == {name: ["Give a value, or leave the parameter out."]}


def test_a_partial_update_answers_every_required_field(manager_a):
    """Found by the fuzz run: a PATCH skipped owner_email when the account had no owner (DRF leaves out a
    field with a default in a partial update), though the schema requires it."""
    account = AccountFactory(tenant=manager_a.tenant, owner=None)
    body = api_client_for(manager_a).patch(f"/api/v1/accounts/{account.pk}/", {}, format="json").json()
    assert body["owner_email"] is None and body["owner"] is None


def test_trace_is_a_405_even_where_the_role_may_not_write(manager_a):
    """Found by the fuzz run: the permission check ran before the method check, so a manager's TRACE on
    the admin-only rating policies was their 404, and on the audit log a 403."""
    api = api_client_for(manager_a)
    for path in ("/api/v1/rating-policies/", "/api/v1/audit-log/", "/api/v1/visits/1/briefing/"):
        assert api.generic("TRACE", path).status_code == 405, path
