"""An invited person can always get in: a lost invitation link is replaced by asking for a password
reset, and a re-invitation after removal sends a password link again if none was ever chosen."""

import re

import pytest
from django.core import mail
from django.test import Client

from tenancy.models import Invitation, Membership, User
from tenancy.services import invitation_accept, member_invite, member_remove

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/password/reset/[^/\s]+/[^/\s]+/)")


def _invite(admin, email, capture):
    with capture(execute=True):
        response = admin.client.post(admin.url("members/"), {"email": email, "role": "manager"})
    assert response.status_code == 302


def _choose_password(link, password="Chosen-pass-phrase-8"):
    client = Client()
    page = client.get(link, follow=True)
    done = client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    return password


def test_invitee_who_lost_the_link_asks_for_a_new_one(admin_a, client, django_capture_on_commit_callbacks):
    _invite(admin_a, "lost@example.com", django_capture_on_commit_callbacks)
    assert LINK.search(mail.outbox[0].body) and "/password/reset/" in mail.outbox[0].body
    mail.outbox.clear()
    response = client.post("/password/reset/", {"email": "Lost@Example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lost@example.com"]
    password = _choose_password(LINK.search(mail.outbox[0].body).group(1))
    assert client.login(username="lost@example.com", password=password)


def test_inactive_invitee_gets_no_reset_mail(admin_a, client, django_capture_on_commit_callbacks):
    _invite(admin_a, "gone@example.com", django_capture_on_commit_callbacks)
    User.objects.filter(email="gone@example.com").update(is_active=False)
    mail.outbox.clear()
    client.post("/password/reset/", {"email": "gone@example.com"})
    assert mail.outbox == []


def test_reinvited_after_removal_without_a_password_gets_a_password_link(admin_a, django_capture_on_commit_callbacks):
    _invite(admin_a, "twice@example.com", django_capture_on_commit_callbacks)
    with admin_a.scope():
        invitation_accept(invitation=Invitation.objects.get(), user=User.objects.get(email="twice@example.com"))
        member_remove(membership=Membership.objects.get(user__email="twice@example.com"))
    mail.outbox.clear()
    _invite(admin_a, "twice@example.com", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body)
    assert link, mail.outbox[0].body
    password = _choose_password(link.group(1))
    client = Client()
    assert client.login(username="twice@example.com", password=password)
    assert client.get(admin_a.url("")).status_code == 404  # not a member until the invitation is accepted
    assert (
        client.post(re.search(r"http://testserver(/invitations/\S+)", mail.outbox[0].body).group(1)).status_code == 302
    )
    assert client.get(admin_a.url("")).status_code == 200


def test_someone_with_a_password_gets_a_link_to_the_tenant(admin_a, manager_b, django_capture_on_commit_callbacks):
    with admin_a.scope(), django_capture_on_commit_callbacks(execute=True):
        member_invite(
            tenant=admin_a.tenant,
            email=manager_b.user.email,
            role="viewer",
            invited_by=admin_a.user,
            base_url="http://testserver",
        )
    body = mail.outbox[0].body
    assert not LINK.search(body) and "http://testserver/invitations/inv_" in body
