"""Inviting someone is an invitation they accept (issue 11, item 5). Before, inviting an address that
already had an account added the person at once and showed the inviting admin their name from another
tenant: any tenant admin could learn whether an address has an account, and whose it is."""

import re

import pytest
from django.core import mail
from django.test import Client

from tenancy.models import Invitation, Membership, User
from tests.tenancy.factories import UserFactory

pytestmark = pytest.mark.django_db

ACCEPT = re.compile(r"http://testserver(/invitations/[^/\s]+/)")


def _invite(admin, email, capture, role="manager"):
    with capture(execute=True):
        response = admin.client.post(admin.url("members/"), {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ACCEPT.search(mail.outbox[-1].body).group(1)


def test_an_existing_user_is_invited_not_added_and_the_admin_sees_only_the_address(
    admin_a, manager_b, django_capture_on_commit_callbacks
):
    manager_b.user.full_name = "Secret Person Name"
    manager_b.user.save(update_fields=["full_name"])
    link = _invite(admin_a, manager_b.user.email.upper(), django_capture_on_commit_callbacks)
    with admin_a.scope():
        assert not Membership.objects.filter(user=manager_b.user).exists()
    page = admin_a.client.get(admin_a.url("members/")).content.decode()
    assert manager_b.user.email in page and "invited" in page and "Secret Person Name" not in page
    # The member of the other tenant accepts: only now are they a member, with the role chosen.
    assert manager_b.client.get(link).status_code == 200
    response = manager_b.client.post(link)
    assert response.status_code == 302 and response["Location"] == admin_a.url("")
    with admin_a.scope():
        assert Membership.objects.get(user=manager_b.user).role == "manager"
        assert Invitation.objects.get().accepted_at is not None
    assert "invited" not in admin_a.client.get(admin_a.url("members/")).content.decode().split("Invite someone")[0]


def test_a_new_and_an_existing_address_look_the_same_to_the_admin(admin_a, django_capture_on_commit_callbacks):
    UserFactory(email="known@example.com", full_name="Known Person")
    _invite(admin_a, "known@example.com", django_capture_on_commit_callbacks)
    _invite(admin_a, "unknown@example.com", django_capture_on_commit_callbacks)
    page = admin_a.client.get(admin_a.url("members/")).content.decode()
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    known = next(r for r in rows if "known@example.com" in r and "unknown" not in r)
    unknown = next(r for r in rows if "unknown@example.com" in r)
    assert re.sub(r"\d+", "", known.replace("known@", "X@")) == re.sub(r"\d+", "", unknown.replace("unknown@", "X@"))


def test_only_the_invited_address_can_accept_and_a_link_works_in_its_own_tenant_only(
    admin_a, manager_b, make_member, tenant_b, django_capture_on_commit_callbacks
):
    link = _invite(admin_a, "someone@example.com", django_capture_on_commit_callbacks)
    for client in (manager_b.client, Client()):
        response = client.get(link)
        assert response.status_code in (302, 404)
        if response.status_code == 302:
            assert response["Location"].startswith("/login/")
    forged = link.replace(f"/inv_{admin_a.tenant.pk}_", f"/inv_{tenant_b.pk}_")
    someone = User.objects.get(email="someone@example.com")  # the invitation made the account
    client = Client()
    client.force_login(someone)
    assert client.get(forged).status_code == 404
    assert client.post(link).status_code == 302
    with admin_a.scope():
        assert Membership.objects.filter(user=someone).exists()


def test_a_new_person_chooses_a_password_then_accepts(admin_a, django_capture_on_commit_callbacks):
    link = _invite(admin_a, "fresh@example.com", django_capture_on_commit_callbacks)
    body = mail.outbox[-1].body
    assert "/password/reset/" in body and link in body
    with admin_a.scope():
        assert not Membership.objects.filter(user__email="fresh@example.com").exists()


def test_inviting_twice_or_a_member_is_a_clear_error(admin_a, manager_a, django_capture_on_commit_callbacks):
    _invite(admin_a, "twice@example.com", django_capture_on_commit_callbacks)
    again = admin_a.client.post(admin_a.url("members/"), {"email": "twice@example.com", "role": "viewer"})
    assert again.status_code == 400 and "already invited" in again.content.decode()
    member = admin_a.client.post(admin_a.url("members/"), {"email": manager_a.user.email, "role": "viewer"})
    assert member.status_code == 400 and "already a member" in member.content.decode()


def test_an_admin_withdraws_an_invitation(admin_a, django_capture_on_commit_callbacks):
    link = _invite(admin_a, "later@example.com", django_capture_on_commit_callbacks)
    with admin_a.scope():
        invitation = Invitation.objects.get()
    assert admin_a.client.post(admin_a.url(f"invitations/{invitation.pk}/cancel/")).status_code == 302
    later = User.objects.get(email="later@example.com")
    client = Client()
    client.force_login(later)
    assert client.get(link).status_code == 404
