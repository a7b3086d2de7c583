"""The Django admin (platform operators only): its login is throttled like the app's, and its
tenant and user pages work under row-level security."""

import pytest
from django.test import Client

from tenancy.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="ops@example.com", password="x-Very-long-1")


def test_admin_login_is_throttled_after_repeated_failures(operator):
    client = Client()
    for _ in range(5):
        response = client.post("/admin/login/", {"username": operator.email, "password": "wrong"})
        assert response.status_code == 200 and b"for a staff account" in response.content
    response = client.post("/admin/login/", {"username": operator.email, "password": "x-Very-long-1"})
    assert response.status_code == 200
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_failures_on_the_admin_login_count_for_the_app_login_too(operator, client):
    for _ in range(5):
        Client().post("/admin/login/", {"username": operator.email, "password": "wrong"})
    response = client.post("/login/", {"username": operator.email, "password": "x-Very-long-1"})
    assert b"Too many failed sign-in attempts" in response.content


def test_admin_login_still_signs_an_operator_in(operator, client):
    response = client.post("/admin/login/?next=/admin/", {"username": operator.email, "password": "x-Very-long-1"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.fixture
def operator_client(operator):
    client = Client()
    client.force_login(operator)
    return client


@pytest.mark.parametrize(
    "path",
    ["/admin/tenancy/tenant/abc/change/", "/admin/tenancy/tenant/abc/delete/", "/admin/tenancy/tenant/999999/change/"],
)
def test_admin_tenant_pages_for_a_bad_id_are_not_a_server_error(operator_client, path):
    response = operator_client.get(path, follow=True)
    assert response.status_code in (200, 404)
    assert response.redirect_chain in ([], [("/admin/", 302)])


def test_admin_deletes_a_user_who_is_a_member_of_two_tenants(operator_client, tenant_a, tenant_b, make_member):
    from tenancy.context import tenant_context
    from tenancy.models import Membership
    from tests.tenancy.factories import MembershipFactory

    member = make_member(tenant_a)
    MembershipFactory(tenant=tenant_b, user=member.user)
    response = operator_client.post(f"/admin/tenancy/user/{member.user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=member.user.pk).exists()
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant.pk):
            assert not Membership.objects.filter(user_id=member.user.pk).exists()


def test_admin_bulk_deletes_users(operator_client, tenant_a, make_member):
    members = [make_member(tenant_a), make_member(tenant_a)]
    ids = [m.user.pk for m in members]
    confirm = operator_client.post("/admin/tenancy/user/", {"action": "delete_selected", "_selected_action": ids})
    assert confirm.status_code == 200
    response = operator_client.post(
        "/admin/tenancy/user/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=ids).exists()


def test_admin_refuses_to_delete_someone_tenant_data_still_needs_and_deletes_nothing(
    operator_client, tenant_a, tenant_b, make_member
):
    from tenancy.context import tenant_context
    from tenancy.models import Membership
    from tests.ratings.factories import RelationshipFactory

    member = make_member(tenant_a)
    from tests.tenancy.factories import MembershipFactory

    MembershipFactory(tenant=tenant_b, user=member.user)
    RelationshipFactory(user=member.user, contact__account__tenant=tenant_b)  # RESTRICT: our person in it
    response = operator_client.post(f"/admin/tenancy/user/{member.user.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200 and b"Not deleted: tenant data still refers to this person" in response.content
    assert User.objects.filter(pk=member.user.pk).exists()
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant.pk):
            assert Membership.objects.filter(user_id=member.user.pk).exists()
