"""The customer's business and organisational issues on the account plan (issue 15, item 5): in their
words, each linked to the relationships and opportunities of the same account that serve it; shown on
the plan page and in the briefing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans import selectors, services
from plans.models import CustomerIssue, PlanStatus
from tests.hierarchy.factories import assess, make_relationship
from tests.plans.factories import AccountFactory, ContactFactory, OpportunityFactory, PlanFactory

pytestmark = pytest.mark.django_db


def _setup(member):
    account = AccountFactory(tenant=member.tenant, name="Contoso")
    plan = PlanFactory(account=account)
    cfo = ContactFactory(account=account, full_name="Carla Finance")
    relationship = make_relationship(user=member.user, contact=cfo)
    opportunity = OpportunityFactory(account=account, name="Fleet telematics")
    return account, plan, cfo, relationship, opportunity


def test_an_issue_links_the_relationships_and_opportunities_of_the_same_account(manager_a):
    account, plan, cfo, relationship, opportunity = _setup(manager_a)
    other = AccountFactory(tenant=manager_a.tenant, name="Elsewhere")
    stranger = make_relationship(user=manager_a.user, contact=ContactFactory(account=other, full_name="Sam Else"))
    other_deal = OpportunityFactory(account=other, name="Other deal")
    with manager_a.scope():
        with pytest.raises(ValidationError) as caught:
            services.customer_issue_add(
                plan=plan,
                kind="business",
                statement="  ",
                by=manager_a.user,
                relationships=[stranger],
                opportunities=[other_deal],
                raised_by=ContactFactory(account=other),
            )
        assert set(caught.value.message_dict) == {"statement", "relationships", "opportunities", "raised_by"}
        assert caught.value.message_dict["opportunities"] == ["Not opportunities of Contoso: Other deal."]
        assert not CustomerIssue.objects.exists()
        issue = services.customer_issue_add(
            plan=plan,
            kind="business",
            statement="Late orders cost us customers.",
            by=manager_a.user,
            raised_by=cfo,
            relationships=[relationship],
            opportunities=[opportunity],
        )
        [loaded] = selectors.plan_issues(plan)
        assert loaded == issue and list(loaded.relationships.all()) == [relationship]
        assert list(loaded.opportunities.all()) == [opportunity] and list(opportunity.issues.all()) == [issue]
        plan.status = PlanStatus.ARCHIVED
        with pytest.raises(ValidationError) as caught:
            services.customer_issue_add(plan=plan, kind="organisational", statement="One operating model", by=None)
        assert list(caught.value.message_dict) == ["plan"]


def test_the_plan_page_adds_and_shows_issues_by_role(manager_a, viewer_a, manager_b):
    account, plan, cfo, relationship, opportunity = _setup(manager_a)
    assess(relationship, 3)
    url = manager_a.url(f"plans/{plan.pk}/")
    add = manager_a.url(f"plans/{plan.pk}/issues/")
    bad = manager_a.client.post(add, {"kind": "business", "statement": ""})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    done = manager_a.client.post(
        add,
        {
            "kind": "organisational",
            "statement": "One operating model after the merger",
            "raised_by": cfo.pk,
            "relationships": [relationship.pk],
            "opportunities": [opportunity.pk],
        },
    )
    assert done.status_code == 302
    page = manager_a.client.get(url).content.decode()
    assert "“One operating model after the merger”" in page and "Carla Finance (level 3)" in page
    assert "Fleet telematics" in page and "Organisational issue" in page
    assert "One operating model after the merger" in viewer_a.client.get(url).content.decode()
    assert (
        viewer_a.client.post(add, {"kind": "business", "statement": "x"}).status_code == 403
    )  # a role refusal names who can
    assert (
        manager_b.client.post(
            manager_b.url(f"plans/{plan.pk}/issues/"), {"kind": "business", "statement": "x"}
        ).status_code
        == 404
    )
    with manager_a.scope():
        issue = CustomerIssue.objects.get()
    assert manager_b.client.post(manager_b.url(f"plans/issues/{issue.pk}/remove/")).status_code == 404
    assert manager_a.client.post(manager_a.url(f"plans/issues/{issue.pk}/remove/")).status_code == 302
    with manager_a.scope():
        assert not CustomerIssue.objects.exists()


def test_plan_page_queries_do_not_grow_with_issues(manager_a):
    account, plan, cfo, relationship, opportunity = _setup(manager_a)
    url = manager_a.url(f"plans/{plan.pk}/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert manager_a.client.get(url).status_code == 200
        return len(ctx)

    with manager_a.scope():
        services.customer_issue_add(
            plan=plan,
            kind="business",
            statement="One",
            by=None,
            relationships=[relationship],
            opportunities=[opportunity],
        )
    one = count()
    with manager_a.scope():
        for i in range(6):
            extra = make_relationship(user=manager_a.user, contact=ContactFactory(account=account))
            services.customer_issue_add(
                plan=plan,
                kind="business",
                statement=f"Issue {i}",
                by=None,
                relationships=[relationship, extra],
                opportunities=[OpportunityFactory(account=account)],
            )
    assert count() <= one


def test_the_api_adds_lists_and_removes_issues(manager_a, viewer_a, manager_b):
    from tests.conftest import api_client_for

    account, plan, cfo, relationship, opportunity = _setup(manager_a)
    other = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant), name="Elsewhere")
    api = api_client_for(manager_a)
    bad = api.post(
        "/api/v1/customer-issues/",
        {"plan": plan.pk, "kind": "business", "statement": "Late orders", "opportunities": [other.pk]},
        format="json",
    )
    assert bad.status_code == 400 and bad.json() == {"opportunities": ["Not opportunities of Contoso: Elsewhere."]}
    theirs = api.post(
        "/api/v1/customer-issues/",
        {
            "plan": plan.pk,
            "kind": "business",
            "statement": "x",
            "opportunities": [OpportunityFactory(account=AccountFactory(tenant=manager_b.tenant)).pk],
        },
        format="json",
    )
    assert theirs.status_code == 400 and "opportunities" in theirs.json()  # another tenant's id: does not exist
    done = api.post(
        "/api/v1/customer-issues/",
        {
            "plan": plan.pk,
            "kind": "organisational",
            "statement": "One operating model",
            "raised_by": cfo.pk,
            "relationships": [relationship.pk],
            "opportunities": [opportunity.pk],
        },
        format="json",
    )
    assert done.status_code == 201, done.json()
    listed = api_client_for(viewer_a).get(f"/api/v1/customer-issues/?account={account.pk}").json()
    assert [(i["statement"], i["relationships"], i["opportunities"]) for i in listed["results"]] == [
        ("One operating model", [relationship.pk], [opportunity.pk])
    ]
    assert api_client_for(viewer_a).delete(f"/api/v1/customer-issues/{done.json()['id']}/").status_code == 403
    assert api_client_for(manager_b).get("/api/v1/customer-issues/").json()["count"] == 0
    assert api.delete(f"/api/v1/customer-issues/{done.json()['id']}/").status_code == 204
