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
