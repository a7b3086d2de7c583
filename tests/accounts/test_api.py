"""/api/v1/accounts/, contacts/, team-members/, financials/: roles, tenants, payloads, filters, counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, ClassificationChange, Contact, FinancialPeriod
from tenancy.models import Role
from tests.accounts.factories import AccountFactory, ContactFactory, FinancialPeriodFactory, TeamMemberFactory
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def test_list_filters_orders_and_paginates(manager_a):
    for i in range(60):
        AccountFactory(
            tenant=manager_a.tenant, name=f"Acc {i:02d}", classification="strategic" if i % 3 == 0 else "tactical"
        )
    AccountFactory(tenant=manager_a.tenant, name="Northwind Traders", external_id="NW-1")
    client = api_client_for(manager_a)
    page = client.get("/api/v1/accounts/").json()
    assert page["count"] == 61 and len(page["results"]) == 50 and page["next"]
    assert [
        a["name"] for a in client.get("/api/v1/accounts/?classification=strategic&ordering=-name").json()["results"]
    ][:2] == ["Acc 57", "Acc 54"]
    assert [a["name"] for a in client.get("/api/v1/accounts/?search=north trad").json()["results"]] == [
        "Northwind Traders"
    ]
    assert client.get("/api/v1/accounts/?external_id=NW-1").json()["count"] == 1
    assert client.get("/api/v1/accounts/?classification=vip").status_code == 400


def test_list_query_count_does_not_grow(manager_a):
    client = api_client_for(manager_a)

    def count():
        client.get("/api/v1/accounts/")  # the token's first use is recorded once
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/accounts/").status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        AccountFactory(tenant=manager_a.tenant, owner=manager_a.user)
    small = count()
    for i in range(50):
        AccountFactory(tenant=manager_a.tenant, owner=manager_a.user)
    assert count() == small


def test_create_update_classify(manager_a):
    client = api_client_for(manager_a)
    created = client.post(
        "/api/v1/accounts/",
        {"name": "Api Co", "external_id": "API-1", "owner": manager_a.user.pk, "classification": "strategic"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["classification"] == "unqualified"  # read-only: classified with its reason below
    account_id = body["id"]
    assert client.patch(f"/api/v1/accounts/{account_id}/", {"potential_level": 9}, format="json").status_code == 400
    assert (
        client.patch(f"/api/v1/accounts/{account_id}/", {"industry": "Energy"}, format="json").json()["industry"]
        == "Energy"
    )
    no_reason = client.post(
        f"/api/v1/accounts/{account_id}/classify/", {"classification": "strategic", "reason": ""}, format="json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    classified = client.post(
        f"/api/v1/accounts/{account_id}/classify/",
        {"classification": "strategic", "reason": "Opens a segment"},
        format="json",
    )
    assert classified.status_code == 200 and classified.json()["classification"] == "strategic"
    history = client.get(f"/api/v1/accounts/{account_id}/classification-history/").json()
    assert [(h["from_classification"], h["to_classification"], h["reason"]) for h in history] == [
        ("unqualified", "strategic", "Opens a segment")
    ]
    duplicate = client.post("/api/v1/accounts/", {"name": "Again", "external_id": "API-1"}, format="json")
    assert duplicate.status_code == 400 and "already used" in duplicate.json()["external_id"][0]


def test_viewers_and_executives_read_but_do_not_write(viewer_a, executive_a):
    account = AccountFactory(tenant=viewer_a.tenant)
    for member in (viewer_a, executive_a):
        client = api_client_for(member)
        assert client.get(f"/api/v1/accounts/{account.pk}/").status_code == 200
        assert client.post("/api/v1/accounts/", {"name": "X"}, format="json").status_code == 403
        assert client.patch(f"/api/v1/accounts/{account.pk}/", {"name": "X"}, format="json").status_code == 403
        assert (
            client.post(
                f"/api/v1/accounts/{account.pk}/classify/",
                {"classification": "strategic", "reason": "x"},
                format="json",
            ).status_code
            == 403
        )
    with viewer_a.scope():
        assert not ClassificationChange.objects.exists()


def test_other_tenants_ids_are_404_and_payloads_pointing_there_are_rejected(manager_a, manager_b):
    theirs = AccountFactory(tenant=manager_b.tenant)
    their_contact = ContactFactory(account=theirs)
    mine = AccountFactory(tenant=manager_a.tenant)
    client = api_client_for(manager_a)
    for url in (f"/api/v1/accounts/{theirs.pk}/", f"/api/v1/contacts/{their_contact.pk}/"):
        assert client.get(url).status_code == 404
        assert (
            client.get(url).json()
            == client.get(url.replace(str(theirs.pk if "accounts" in url else their_contact.pk), "999999999")).json()
        )
    assert (
        client.post(
            f"/api/v1/accounts/{theirs.pk}/classify/", {"classification": "strategic", "reason": "x"}, format="json"
        ).status_code
        == 404
    )
    contact = client.post("/api/v1/contacts/", {"account": theirs.pk, "full_name": "Spy"}, format="json")
    assert contact.status_code == 400 and "account" in contact.json()
    boss = client.post(
        "/api/v1/contacts/", {"account": mine.pk, "full_name": "X", "reports_to": their_contact.pk}, format="json"
    )
    assert boss.status_code == 400 and "reports_to" in boss.json()
    owner = client.post("/api/v1/accounts/", {"name": "X", "owner": manager_b.user.pk}, format="json")
    assert owner.status_code == 400 and "owner" in owner.json()
    team = client.post("/api/v1/team-members/", {"account": mine.pk, "user": manager_b.user.pk}, format="json")
    assert team.status_code == 400 and "user" in team.json()
    team = client.post("/api/v1/team-members/", {"account": theirs.pk, "user": manager_a.user.pk}, format="json")
    assert team.status_code == 400 and "account" in team.json()
    with manager_a.scope():
        assert Account.objects.count() == 1 and not Contact.objects.exists()


def test_contacts_and_team_members(manager_a, viewer_a):
    account = AccountFactory(tenant=manager_a.tenant, owner=manager_a.user)
    client = api_client_for(manager_a)
    boss = client.post(
        "/api/v1/contacts/", {"account": account.pk, "full_name": "Boss", "external_id": "C-1"}, format="json"
    ).json()
    report = client.post(
        "/api/v1/contacts/", {"account": account.pk, "full_name": "Report", "reports_to": boss["id"]}, format="json"
    )
    assert report.status_code == 201
    loop = client.patch(f"/api/v1/contacts/{boss['id']}/", {"reports_to": report.json()["id"]}, format="json")
    assert loop.status_code == 400 and "already reports" in loop.json()["reports_to"][0]
    assert [
        c["full_name"]
        for c in client.get(f"/api/v1/contacts/?account={account.pk}&reports_to={boss['id']}").json()["results"]
    ] == ["Report"]
    left = client.patch(f"/api/v1/contacts/{report.json()['id']}/", {"is_active": False}, format="json").json()
    assert left["is_active"] is False and left["left_on"] == dt.date.today().isoformat()
    member = client.post(
        "/api/v1/team-members/",
        {"account": account.pk, "user": viewer_a.user.pk, "team_role": "specialist"},
        format="json",
    )
    assert member.status_code == 201
    again = client.post("/api/v1/team-members/", {"account": account.pk, "user": viewer_a.user.pk}, format="json")
    assert again.status_code == 400 and "already on the team" in str(again.json())
    assert client.get(f"/api/v1/team-members/?user={viewer_a.user.pk}").json()["count"] == 1
    elsewhere = AccountFactory(tenant=manager_a.tenant)  # not manager_a's: joining it would reveal its financials
    refused = client.post("/api/v1/team-members/", {"account": elsewhere.pk, "user": manager_a.user.pk}, format="json")
    assert refused.status_code == 400 and "Only the account's team or a tenant admin" in str(refused.json())
    taken = client.patch(f"/api/v1/accounts/{elsewhere.pk}/", {"owner": manager_a.user.pk}, format="json")
    assert taken.status_code == 400 and "Only the account's team" in str(taken.json()["owner"])
    assert client.delete(f"/api/v1/team-members/{member.json()['id']}/").status_code == 204


@pytest.mark.parametrize(
    "role, on_team, sees",
    [
        (Role.ADMIN, False, True),
        (Role.EXECUTIVE, False, True),
        (Role.MANAGER, True, True),
        (Role.MANAGER, False, False),
        (Role.VIEWER, False, False),
        (Role.VIEWER, True, True),
    ],
)
def test_financials_exist_only_for_those_allowed(tenant_a, make_member, role, on_team, sees):
    member = make_member(tenant_a, role)
    account = AccountFactory(tenant=tenant_a)
    period = FinancialPeriodFactory(account=account)
    if on_team:
        TeamMemberFactory(account=account, user=member.user)
    client = api_client_for(member)
    assert client.get(f"/api/v1/financials/{period.pk}/").status_code == (200 if sees else 404)
    assert client.get("/api/v1/financials/").json()["count"] == (1 if sees else 0)
    assert client.get(f"/api/v1/financials/?account={account.pk}").json()["count"] == (1 if sees else 0)


def test_financial_writes_need_the_right_to_see_them(tenant_a, make_member):
    team_manager, other_manager = make_member(tenant_a, Role.MANAGER), make_member(tenant_a, Role.MANAGER)
    account = AccountFactory(tenant=tenant_a)
    TeamMemberFactory(account=account, user=team_manager.user)
    payload = {
        "account": account.pk,
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "revenue": "1500.00",
        "currency": "eur",
    }
    refused = api_client_for(other_manager).post("/api/v1/financials/", payload, format="json")
    assert refused.status_code == 400 and "account" in refused.json()
    client = api_client_for(team_manager)
    created = client.post("/api/v1/financials/", payload, format="json")
    assert created.status_code == 201 and created.json()["currency"] == "EUR"
    clash = client.post("/api/v1/financials/", payload, format="json")
    assert clash.status_code == 400 and "PATCH it" in clash.json()["period_start"][0]
    backwards = client.patch(f"/api/v1/financials/{created.json()['id']}/", {"period_end": "2025-01-01"}, format="json")
    assert backwards.status_code == 400
    assert api_client_for(other_manager).delete(f"/api/v1/financials/{created.json()['id']}/").status_code == 404
    with team_manager.scope():
        assert FinancialPeriod.objects.count() == 1


def test_schema_documents_the_endpoints(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/accounts/",
        "/api/v1/accounts/{account_id}/",
        "/api/v1/accounts/{account_id}/classify/",
        "/api/v1/contacts/",
        "/api/v1/team-members/",
        "/api/v1/financials/{financial_period_id}/",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/accounts/"]["get"]["parameters"]}
    assert {
        "search",
        "classification",
        "revenue_tier",
        "owner",
        "rating",
        "current_level",
        "ordering",
        "page",
    } <= params
