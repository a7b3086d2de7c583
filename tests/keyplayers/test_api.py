import pytest

from keyplayers.models import BuyingRole, BuyingStage, Guidance, KeyPlayer
from tests.conftest import api_client_for
from tests.keyplayers.factories import AccountFactory, ContactFactory, KeyPlayerFactory

pytestmark = pytest.mark.django_db


def test_list_with_coverage_and_recommended_message(manager_a, make_player, relate):
    player = make_player(name="Dana Boss", buying_role=BuyingRole.EXECUTIVE, buying_stage=BuyingStage.EVALUATE_RISK)
    relate(player, manager_a.user, level=2)
    body = api_client_for(manager_a).get("/api/v1/key-players/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["contact_name"], row["buying_role"], row["buying_stage"]) == ("Dana Boss", "executive", "evaluate_risk")
    assert row["recommended"]["communication"] == "Value communication" and row["recommended"]["is_default"]
    assert row["coverage"] == {
        "relationship_count": 1,
        "best_level": 2,
        "min_level": 3,
        "no_relationship": False,
        "below_minimum": True,
        "high_blocker": False,
        "flagged": True,
    }


def test_list_filters_and_constant_queries(manager_a, tenant_a, make_player, django_assert_max_num_queries):
    other = AccountFactory(tenant=tenant_a)
    make_player(buying_role=BuyingRole.EXECUTIVE)
    make_player(other, buying_role=BuyingRole.PURCHASING, buying_stage=BuyingStage.DECISION)
    client = api_client_for(manager_a)
    assert client.get("/api/v1/key-players/?buying_role=purchasing").json()["count"] == 1
    assert client.get(f"/api/v1/key-players/?account={other.pk}").json()["count"] == 1
    assert client.get("/api/v1/key-players/?flag=no_relationship").json()["count"] == 2
    assert client.get("/api/v1/key-players/?flag=high_blocker").json()["count"] == 0
    bad = client.get("/api/v1/key-players/?buying_stage=won")
    assert bad.status_code == 400 and "buying_stage" in bad.json()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/key-players/")
    for _ in range(20):
        make_player()
    with django_assert_max_num_queries(len(few)):
        assert client.get("/api/v1/key-players/").json()["count"] == 22


def test_create_update_delete(manager_a, account_a):
    contact = ContactFactory(account=account_a, tenant=account_a.tenant)
    client = api_client_for(manager_a)
    created = client.post(
        "/api/v1/key-players/",
        {"account": account_a.pk, "contact": contact.pk, "buying_role": "executive", "buying_stage": "planning"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["recommended"]["communication"] == "Strategic dialogue"
    assert created.json()["coverage"]["no_relationship"] is True
    pk = created.json()["id"]
    again = client.post(
        "/api/v1/key-players/",
        {"account": account_a.pk, "contact": contact.pk, "buying_role": "purchasing"},
        format="json",
    )
    assert again.status_code == 400 and "already a key player" in again.json()["contact"][0]
    moved = client.patch(
        f"/api/v1/key-players/{pk}/", {"buying_stage": "evaluate_risk", "stance": "supporter"}, format="json"
    )
    assert moved.status_code == 200
    assert moved.json()["recommended"]["communication"] == "Value communication"
    assert moved.json()["stance"] == "supporter"
    other = ContactFactory(account=account_a, tenant=account_a.tenant)
    refused = client.patch(f"/api/v1/key-players/{pk}/", {"contact": other.pk}, format="json")
    assert refused.status_code == 400 and "cannot change" in refused.json()["contact"][0]
    assert client.delete(f"/api/v1/key-players/{pk}/").status_code == 204
    with manager_a.scope():
        assert not KeyPlayer.objects.exists()


def test_payloads_pointing_at_other_tenants_or_accounts_are_refused(manager_a, tenant_a, tenant_b, account_a):
    their_contact = ContactFactory(account=AccountFactory(tenant=tenant_b), tenant=tenant_b)
    their_account = their_contact.account
    mine = ContactFactory(account=account_a, tenant=tenant_a)
    elsewhere = ContactFactory(account=AccountFactory(tenant=tenant_a), tenant=tenant_a, full_name="Wrong Account")
    client = api_client_for(manager_a)
    for payload, field, text in (
        ({"account": account_a.pk, "contact": their_contact.pk}, "contact", "does not exist"),
        ({"account": their_account.pk, "contact": mine.pk}, "account", "does not exist"),
        ({"account": account_a.pk, "contact": elsewhere.pk}, "contact", "Wrong Account works at another account"),
    ):
        response = client.post("/api/v1/key-players/", {**payload, "buying_role": "executive"}, format="json")
        assert response.status_code == 400 and text in response.json()[field][0], response.json()
    with manager_a.scope():
        assert not KeyPlayer.objects.exists()


@pytest.mark.parametrize("role", ["executive", "viewer"])
def test_readers_read_but_cannot_write(role, tenant_a, make_member, make_player, account_a):
    member = make_member(tenant_a, role)
    player = make_player()
    client = api_client_for(member)
    assert client.get(f"/api/v1/key-players/{player.pk}/").status_code == 200
    assert client.patch(f"/api/v1/key-players/{player.pk}/", {"stance": "blocker"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/key-players/{player.pk}/").status_code == 403


def test_other_tenants_key_player_is_404_like_a_missing_one(manager_a, tenant_b):
    theirs = KeyPlayerFactory(account__tenant=tenant_b)
    client = api_client_for(manager_a)
    for method in ("get", "patch", "delete"):
        other = getattr(client, method)(f"/api/v1/key-players/{theirs.pk}/")
        missing = getattr(client, method)("/api/v1/key-players/2000000000/")
        assert other.status_code == missing.status_code == 404 and other.content == missing.content


def test_guidance_reads_for_all_writes_for_admins(admin_a, manager_a):
    manager = api_client_for(manager_a)
    cells = manager.get("/api/v1/key-player-guidance/").json()
    assert len(cells) == 20 and all(c["id"] is None and c["is_default"] for c in cells)
    risk = manager.get("/api/v1/key-player-guidance/?buying_role=executive&buying_stage=evaluate_risk").json()
    assert [c["communication"] for c in risk] == ["Value communication"]
    payload = {"buying_role": "executive", "buying_stage": "evaluate_risk", "communication": "Business case"}
    assert manager.post("/api/v1/key-player-guidance/", payload, format="json").status_code == 403
    admin = api_client_for(admin_a)
    created = admin.post("/api/v1/key-player-guidance/", payload, format="json")
    assert created.status_code == 201 and created.json()["communication"] == "Business case"
    assert (
        admin.post("/api/v1/key-player-guidance/", {**payload, "communication": "Case"}, format="json").status_code
        == 200
    )
    pk = created.json()["id"]
    assert manager.patch(f"/api/v1/key-player-guidance/{pk}/", {"message": "x"}, format="json").status_code == 403
    patched = admin.patch(f"/api/v1/key-player-guidance/{pk}/", {"message": "Show the payback."}, format="json")
    assert patched.json() | {} == {
        "id": pk,
        "buying_role": "executive",
        "buying_stage": "evaluate_risk",
        "communication": "Case",
        "message": "Show the payback.",
        "typical_concern": "",
        "is_default": False,
    }
    blank = admin.patch(f"/api/v1/key-player-guidance/{pk}/", {"communication": ""}, format="json")
    assert blank.status_code == 400 and "communication" in blank.json()
    bad = admin.post("/api/v1/key-player-guidance/", {**payload, "buying_stage": "won"}, format="json")
    assert bad.status_code == 400 and "buying_stage" in bad.json()
    assert admin.delete(f"/api/v1/key-player-guidance/{pk}/").status_code == 204
    with admin_a.scope():
        assert not Guidance.objects.exists()
    unknown = api_client_for(manager_a).get("/api/v1/key-player-guidance/?buying_role=ceo")
    assert unknown.status_code == 400 and "“ceo” is not one of" in unknown.json()["buying_role"]


def test_openapi_documents_key_players_and_guidance():
    """This app's part of the schema (the served /api/v1/schema/ is checked in tests/tenancy)."""
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.routers import DefaultRouter

    from keyplayers.api import register

    router = DefaultRouter()
    register(router)
    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(request=None, public=True)
    paths = schema["paths"]
    assert "/api/v1/key-players/" in paths and "/api/v1/key-players/{key_player_id}/" in paths
    assert "/api/v1/key-player-guidance/" in paths and "/api/v1/key-player-guidance/{guidance_id}/" in paths
    parameters = {p["name"] for p in paths["/api/v1/key-players/"]["get"]["parameters"]}
    assert {"account", "buying_role", "buying_stage", "stance", "influence", "flag"} <= parameters
    assert "recommended" in schema["components"]["schemas"]["KeyPlayer"]["properties"]


def test_concerns_are_logged_and_answered_through_the_api(manager_a, viewer_a, manager_b, make_player):
    player = make_player(name="Sam Buyer")
    api = api_client_for(manager_a)
    base = f"/api/v1/key-players/{player.pk}/"
    assert api.post(base + "concerns/", {"concern": ""}, format="json").status_code == 400
    raised = api.post(base + "concerns/", {"concern": "Price above the incumbent's"}, format="json")
    assert raised.status_code == 201, raised.json()
    concern_id = raised.json()["id"]
    assert api_client_for(viewer_a).post(base + "concerns/", {"concern": "x"}, format="json").status_code == 403
    assert api_client_for(manager_b).post(base + "concerns/", {"concern": "x"}, format="json").status_code == 404
    body = api.get(base).json()
    assert body["concerns"] == "Price above the incumbent's" and body["concern_log"][0]["answer"] == ""
    answered = api.post(base + f"concerns/{concern_id}/answer/", {"answer": "Three-year cost is lower."}, format="json")
    assert answered.status_code == 200 and answered.json()["answered_on"] is not None
    again = api.post(base + f"concerns/{concern_id}/answer/", {"answer": "Again"}, format="json")
    assert again.status_code == 400 and list(again.json()) == ["answer"]
    assert api.get(base).json()["concerns"] == ""
    assert api.post(base + "concerns/2000000000/answer/", {"answer": "x"}, format="json").status_code == 404


def test_level_by_buying_role_per_account(
    manager_a, manager_b, account_a, make_player, relate, django_capture_on_commit_callbacks
):
    """The level by buying role the board and the account panel show (it moved here from hierarchy's
    roll-up: buying roles are keyplayers')."""
    from accounts.services import contact_leave

    boss = make_player(buying_role=BuyingRole.EXECUTIVE)
    buyer = make_player(buying_role=BuyingRole.MIDDLE_MANAGEMENT)
    gone = make_player(buying_role=BuyingRole.PURCHASING)
    relate(boss, manager_a.user, level=3)
    relate(buyer, manager_a.user, level=4, customer_level=2)  # the customer's view is the effective one
    relate(gone, manager_a.user, level=5)
    with manager_a.scope(), django_capture_on_commit_callbacks(execute=True):
        contact_leave(contact=gone.contact)
    client = api_client_for(manager_a)
    one = client.get(f"/api/v1/key-player-levels/{account_a.pk}/").json()
    best = {row["role"]: row["best"] for row in one["roles"]}
    assert best == {"executive": 3, "middle_management": 2, "operational": None, "purchasing": None}  # gone left
    assert client.get("/api/v1/key-player-levels/").json()["results"] == [one]
    assert api_client_for(manager_b).get(f"/api/v1/key-player-levels/{account_a.pk}/").status_code == 404
