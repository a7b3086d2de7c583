import pytest
from rest_framework.test import APIClient

from tenancy.models import ApiToken
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def test_me_answers_with_the_token_user_and_tenant(manager_a):
    response = api_client_for(manager_a).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() | {} == {
        "id": manager_a.user.pk,
        "email": manager_a.user.email,
        "full_name": manager_a.user.full_name,
        "tenant": "tenant-a",
        "tenant_name": "Tenant A",
        "role": "manager",
    }


def test_no_token_or_a_bad_token_is_401(manager_a):
    assert APIClient().get("/api/v1/me/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer ks_{manager_a.tenant.pk}_" + "x" * 43)
    assert client.get("/api/v1/me/").status_code == 401


def test_token_of_tenant_a_cannot_be_pointed_at_tenant_b(manager_a, manager_b):
    client = api_client_for(manager_a)
    raw = client._credentials["HTTP_AUTHORIZATION"].split(" ")[1]
    forged = raw.replace(f"ks_{manager_a.tenant.pk}_", f"ks_{manager_b.tenant.pk}_", 1)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert client.get("/api/v1/me/").status_code == 401


def test_revoked_token_and_removed_member_lose_access(manager_a):
    client = api_client_for(manager_a)
    assert client.get("/api/v1/me/").status_code == 200
    with manager_a.scope():
        ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get("/api/v1/me/").status_code == 401


def test_token_of_a_removed_member_stops_working(manager_a):
    client = api_client_for(manager_a)
    with manager_a.scope():
        manager_a.membership.delete()
    assert client.get("/api/v1/me/").status_code == 401


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200
