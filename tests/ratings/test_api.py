"""/api/v1/rating-policies/, ratings/, rating-snapshots/, contact-due/: roles (refusals are 404), bad
input (400 with the specific message, nothing changed), redaction of financial criteria, query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from ratings import services
from ratings.models import PolicyStatus, RatingPolicy
from tests.conftest import api_client_for
from tests.ratings.bulk import bulk_accounts
from tests.ratings.factories import AccountFactory, FinancialPeriodFactory, OpportunityFactory
from tests.ratings.helpers import activate_policy, pipeline_only

pytestmark = pytest.mark.django_db
PIPELINE = [{"signal": "pipeline", "weight": 1, "scoring": "linear", "zero_at": 0, "full_at": 100, "missing": 0}]


def _rate(member):
    with member.scope():
        services.ratings_recompute()


def test_policies_read_by_everyone_written_by_admins(admin_a, viewer_a, manager_a, django_capture_on_commit_callbacks):
    account = AccountFactory(tenant=admin_a.tenant)
    OpportunityFactory(account=account, value=Decimal(55))
    admin, viewer, manager = api_client_for(admin_a), api_client_for(viewer_a), api_client_for(manager_a)
    listed = viewer.get("/api/v1/rating-policies/")
    assert listed.status_code == 200
    assert [p["status"] for p in listed.json()["results"]] == ["active"]
    active_id = listed.json()["results"][0]["id"]

    refused = manager.post("/api/v1/rating-policies/", {"criteria": PIPELINE}, format="json")
    missing = manager.post("/api/v1/rating-policies/2000000000/activate/")
    assert refused.status_code == 404 and refused.content == missing.content

    bad = admin.post(
        "/api/v1/rating-policies/", {"criteria": [{**PIPELINE[0], "weight": 0}], "threshold_b": 75}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "criteria": ["Open pipeline: weight 0 — leave the signal out instead (weights must be at least 1)."],
        "threshold_b": ["Thresholds must fall from A to C: B (75) must be below A (70)."],
    }
    bad = admin.post(
        "/api/v1/rating-policies/", {"threshold_a": "120", "declass_min_discount_rise": "1000"}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "threshold_a": ["A threshold: the score must be from 0 to 100."],
        "declass_min_discount_rise": ["Declassification: the rise in discount must be from 0 to 100 points."],
    }
    with admin_a.scope():
        assert RatingPolicy.objects.count() == 1

    created = admin.post("/api/v1/rating-policies/", {"criteria": PIPELINE, "note": "API draft"}, format="json")
    assert created.status_code == 201, created.json()
    draft = created.json()
    assert (draft["version"], draft["status"], draft["threshold_a"]) == (2, "draft", "70.00")
    patched = admin.patch(f"/api/v1/rating-policies/{draft['id']}/", {"threshold_b": "60"}, format="json")
    assert patched.status_code == 200 and patched.json()["threshold_b"] == "60.00"
    assert admin.patch(f"/api/v1/rating-policies/{active_id}/", {"note": "x"}, format="json").json() == {
        "non_field_errors": ["Version 1 is active: only a draft can be changed. Edit the policy to start a new draft."]
    }

    assert viewer.get(f"/api/v1/rating-policies/{draft['id']}/preview/").status_code == 404
    preview = admin.get(f"/api/v1/rating-policies/{draft['id']}/preview/").json()
    assert preview["accounts"] == 1 and preview["current"] == {"D": 1} and preview["proposed"] == {"C": 1}
    assert preview["movers"][0]["account"] == account.pk

    with django_capture_on_commit_callbacks(execute=True):
        activated = admin.post(f"/api/v1/rating-policies/{draft['id']}/activate/")
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    rating = admin.get(f"/api/v1/ratings/{account.pk}/").json()
    assert (rating["rating"], rating["score"], rating["policy_version"]) == ("C", "55.00", 2)
    rating = viewer.get(f"/api/v1/ratings/{account.pk}/").json()  # not on the team: no score (the money rule)
    assert (rating["rating"], rating["score"], rating["policy_version"]) == ("C", None, 2)


def test_ratings_and_snapshots_redact_revenue_for_those_outside_the_team(viewer_a, executive_a):
    account = AccountFactory(tenant=viewer_a.tenant)
    FinancialPeriodFactory(account=account, revenue=Decimal("600000"))
    _rate(viewer_a)
    for client, expected, points in (
        (api_client_for(viewer_a), ["hidden", None], None),
        (api_client_for(executive_a), [600000, 60], 0),
    ):
        rating = client.get(f"/api/v1/ratings/{account.pk}/").json()
        assert rating["breakdown"]["revenue"] == expected
        snapshots = client.get(f"/api/v1/rating-snapshots/?account={account.pk}").json()["results"]
        assert [s["breakdown"]["revenue"] for s in snapshots] == [expected]
        assert rating["breakdown"]["classification"] == ["unqualified", points]


def test_ratings_list_query_count_does_not_grow(admin_a):
    client = api_client_for(admin_a)
    bulk_accounts(admin_a.tenant, 3, prefix="Few")
    _rate(admin_a)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/ratings/").status_code == 200
    bulk_accounts(admin_a.tenant, 40, prefix="Many")
    _rate(admin_a)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/ratings/")
    assert response.json()["count"] == 43
    assert len(many.captured_queries) <= len(few.captured_queries)
    for path in ("/api/v1/rating-snapshots/", "/api/v1/contact-due/", "/api/v1/rating-policies/"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        assert len(ctx.captured_queries) <= len(few.captured_queries), path


def test_contact_due_api(manager_a):
    tenant = manager_a.tenant
    AccountFactory(tenant=tenant, name="Mine", owner=manager_a.user)
    AccountFactory(tenant=tenant, name="Theirs")
    AccountFactory(tenant=tenant, name="Recent", last_contact_at=dt.datetime.now(dt.UTC))
    _rate(manager_a)
    client = api_client_for(manager_a)
    everyone = client.get("/api/v1/contact-due/?state=overdue").json()["results"]
    assert sorted(a["name"] for a in everyone) == ["Mine", "Theirs"]
    assert all(a["overdue"] and a["next_due"] is None and a["cadence_days"] == 180 for a in everyone)
    mine = client.get("/api/v1/contact-due/?mine=true").json()["results"]
    assert [a["name"] for a in mine] == ["Mine"]
    assert client.get("/api/v1/contact-due/?state=soonish").json() == {"state": ["Use one of: overdue, due, all."]}


def test_rating_filter_uses_the_effective_rating(manager_a):
    a = AccountFactory(tenant=manager_a.tenant, name="a")
    OpportunityFactory(account=a, value=Decimal(90))
    AccountFactory(tenant=manager_a.tenant, name="b")
    with manager_a.scope():
        activate_policy(manager_a, **pipeline_only())
        services.ratings_recompute()
        assert Account.objects.get(pk=a.pk).rating == "A"
    results = api_client_for(manager_a).get("/api/v1/ratings/?rating=A").json()["results"]
    assert [r["name"] for r in results] == ["a"]
    with manager_a.scope():
        assert RatingPolicy.objects.filter(status=PolicyStatus.ACTIVE).count() == 1


def test_ratings_list_leaves_declassified_accounts_out_like_the_pages(viewer_a):
    kept = AccountFactory(tenant=viewer_a.tenant, name="Kept")
    gone = AccountFactory(tenant=viewer_a.tenant, name="Gone")
    _rate(viewer_a)
    with viewer_a.scope():
        Account.objects.filter(pk=gone.pk).update(status="declassified")
    client = api_client_for(viewer_a)
    listed = client.get("/api/v1/ratings/").json()
    assert listed["count"] == 1 and [r["account"] for r in listed["results"]] == [kept.pk]
    assert client.get("/api/v1/ratings/?rating=D").json()["count"] == 1
    page = viewer_a.client.get(viewer_a.url("ratings/")).content.decode()
    assert "Kept" in page and "Gone" not in page
    assert client.get(f"/api/v1/ratings/{gone.pk}/").json()["rating"] == "D"  # still readable by id, like its page
