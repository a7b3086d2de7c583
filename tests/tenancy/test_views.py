import re

import pytest
from django.core import mail

from tenancy.models import ApiToken, Invitation, Membership, Role, User
from tenancy.tokens import hash_token
from tests.conftest import same_page

pytestmark = pytest.mark.django_db


def test_member_sees_their_dashboard(manager_a):
    response = manager_a.client.get(manager_a.url(""))
    assert response.status_code == 200
    assert b"Tenant A" in response.content


def test_other_tenant_is_a_404_with_the_same_body_as_no_tenant(manager_a, tenant_b):
    other = manager_a.client.get(f"/t/{tenant_b.slug}/")
    missing = manager_a.client.get("/t/does-not-exist/")
    assert other.status_code == missing.status_code == 404
    assert same_page(other, missing)


def test_anonymous_is_sent_to_login_for_any_tenant_url(client, tenant_a):
    for url in (f"/t/{tenant_a.slug}/", "/t/does-not-exist/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_picker_lists_every_tenant_of_the_user(tenant_a, tenant_b, make_member, client):
    member = make_member(tenant_a, Role.MANAGER)
    Membership.objects  # noqa: B018
    from tests.tenancy.factories import MembershipFactory

    MembershipFactory(tenant=tenant_b, user=member.user, role=Role.VIEWER)
    response = member.client.get("/")
    assert response.status_code == 200
    assert b"Tenant A" in response.content and b"Tenant B" in response.content


def test_single_tenant_user_goes_straight_to_it(manager_a):
    response = manager_a.client.get("/")
    assert response.status_code == 302 and response["Location"] == manager_a.url("")


def test_login_with_any_case_of_the_email(client, manager_a):
    response = client.post("/login/", {"username": manager_a.user.email.upper(), "password": "pass-word-123"})
    assert response.status_code == 302


def test_login_is_throttled_after_repeated_failures(client, manager_a):
    for _ in range(5):
        response = client.post("/login/", {"username": manager_a.user.email, "password": "wrong"})
        assert b"Please enter a correct" in response.content
    # Now even the right password is refused until the window passes.
    response = client.post("/login/", {"username": manager_a.user.email, "password": "pass-word-123"})
    assert response.status_code == 200
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_admin_invites_a_new_person_who_sets_a_password(admin_a, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_a.client.post(admin_a.url("members/"), {"email": "New.Person@Example.com", "role": "manager"})
    assert response.status_code == 302
    with admin_a.scope():
        invitation = Invitation.objects.get(email="new.person@example.com")
    assert invitation.role == Role.MANAGER
    assert not User.objects.get(email="new.person@example.com").has_usable_password()
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password/reset/\S+)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    done = client.post(form_url, {"new_password1": "a-Long-pass-phrase-9", "new_password2": "a-Long-pass-phrase-9"})
    assert done.status_code == 302
    assert client.login(username="new.person@example.com", password="a-Long-pass-phrase-9")
    accept = re.search(r"http://testserver(/invitations/\S+)", mail.outbox[0].body).group(1)
    assert client.post(accept).status_code == 302
    with admin_a.scope():
        assert Membership.objects.get(user__email="new.person@example.com").role == Role.MANAGER


def test_inviting_an_existing_member_is_a_clear_error(admin_a, manager_a):
    response = admin_a.client.post(admin_a.url("members/"), {"email": manager_a.user.email, "role": "viewer"})
    assert response.status_code == 400
    assert b"already a member" in response.content


def test_admin_changes_a_role_and_removes_a_member(admin_a, manager_a):
    admin_a.client.post(admin_a.url(f"members/{manager_a.membership.pk}/role/"), {"role": "executive"})
    with admin_a.scope():
        assert Membership.objects.get(pk=manager_a.membership.pk).role == Role.EXECUTIVE
    admin_a.client.post(admin_a.url(f"members/{manager_a.membership.pk}/remove/"))
    with admin_a.scope():
        assert not Membership.objects.filter(pk=manager_a.membership.pk).exists()
    assert User.objects.filter(pk=manager_a.user.pk).exists()  # the person keeps their login
    assert manager_a.client.get(manager_a.url("")).status_code == 404


def test_the_last_admin_cannot_be_demoted_or_removed(admin_a):
    admin_a.client.post(admin_a.url(f"members/{admin_a.membership.pk}/role/"), {"role": "viewer"})
    admin_a.client.post(admin_a.url(f"members/{admin_a.membership.pk}/remove/"))
    with admin_a.scope():
        assert Membership.objects.get(pk=admin_a.membership.pk).role == Role.ADMIN


@pytest.mark.parametrize("role", [Role.MANAGER, Role.EXECUTIVE, Role.VIEWER])
def test_members_page_is_for_admins_only(tenant_a, make_member, role):
    member = make_member(tenant_a, role)
    assert member.client.get(member.url("members/")).status_code == 403


def test_admin_cannot_touch_members_of_another_tenant(admin_a, manager_b):
    response = admin_a.client.post(admin_a.url(f"members/{manager_b.membership.pk}/remove/"))
    assert response.status_code == 404
    with manager_b.scope():
        assert Membership.objects.filter(pk=manager_b.membership.pk).exists()


def test_api_token_is_shown_once_and_stored_hashed(manager_a):
    created = manager_a.client.post(manager_a.url("api-tokens/"), {"name": "CRM sync"})
    assert created.status_code == 302 and created["Location"] == manager_a.url("api-tokens/")
    response = manager_a.client.get(created["Location"])
    raw = re.search(rb'id="new-token">(ks_[^<]+)<', response.content).group(1).decode()
    with manager_a.scope():
        token = ApiToken.objects.get()
    assert token.key_hash == hash_token(raw) and raw not in token.key_hash
    again = manager_a.client.get(manager_a.url("api-tokens/"))
    assert raw.encode() not in again.content


def test_reloading_after_creating_a_token_creates_no_second_one(manager_a):
    page = manager_a.client.post(manager_a.url("api-tokens/"), {"name": "CRM sync"}, follow=True)
    assert page.redirect_chain == [(manager_a.url("api-tokens/"), 302)] and b'id="new-token"' in page.content
    reloaded = manager_a.client.get(manager_a.url("api-tokens/"))  # what a browser's reload now repeats
    assert b'id="new-token"' not in reloaded.content
    with manager_a.scope():
        assert ApiToken.objects.count() == 1


def test_invalid_token_form_shows_the_error_and_creates_nothing(manager_a):
    response = manager_a.client.post(manager_a.url("api-tokens/"), {"name": "  "})
    assert response.status_code == 200 and b"This field is required" in response.content
    with manager_a.scope():
        assert not ApiToken.objects.exists()


def test_user_revokes_own_token_but_not_someone_elses(manager_a, make_member):
    other = make_member(manager_a.tenant, Role.MANAGER)
    from tests.conftest import api_client_for

    api_client_for(other)
    with manager_a.scope():
        token = ApiToken.objects.get(user=other.user)
    assert manager_a.client.post(manager_a.url(f"api-tokens/{token.pk}/revoke/")).status_code == 404
    assert other.client.post(other.url(f"api-tokens/{token.pk}/revoke/")).status_code == 302
    with manager_a.scope():
        assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_django_admin_is_for_platform_operators_only(admin_a, db):
    assert admin_a.client.get("/admin/").status_code == 302  # tenant admins are not platform staff
    operator = User.objects.create_superuser(email="ops@example.com", password="x-Very-long-1")
    from django.test import Client

    client = Client()
    client.force_login(operator)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/tenancy/tenant/{admin_a.tenant.pk}/change/").status_code == 200


@pytest.mark.parametrize("path", ["fails/", "raises/"])
def test_failed_request_rolls_back_its_writes(manager_a, settings, path):
    """The tenant middleware's transaction: an error response or exception changes nothing."""
    settings.ROOT_URLCONF = "tests.tenancy.rollback_urls"
    manager_a.client.raise_request_exception = False
    response = manager_a.client.get(manager_a.url(path))
    assert response.status_code == 500
    with manager_a.scope():
        assert Membership.objects.get(pk=manager_a.membership.pk).role == Role.MANAGER


def test_healthz_is_liveness_the_database_only(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


def test_admin_edits_tenant_settings_with_clear_errors(admin_a, manager_a):
    bad = admin_a.client.post(
        admin_a.url("settings/"), {"name": "Tenant A", "timezone": "Mars/Olympus", "briefing_lead_hours": 0}
    )
    assert bad.status_code == 400
    assert b"not a known time zone" in bad.content and b"greater than or equal to 1" in bad.content
    admin_a.tenant.refresh_from_db()
    assert admin_a.tenant.timezone == "Europe/Berlin"
    ok = admin_a.client.post(
        admin_a.url("settings/"),
        {
            "name": "Tenant A",
            "timezone": "America/New_York",
            "briefing_lead_hours": 24,
            "briefing_delivery": "morning",
            "briefing_digest_hour": 6,
        },
    )
    assert ok.status_code == 302
    admin_a.tenant.refresh_from_db()
    assert (admin_a.tenant.timezone, admin_a.tenant.briefing_lead_hours) == ("America/New_York", 24)
    assert (admin_a.tenant.briefing_delivery, admin_a.tenant.briefing_digest_hour) == ("morning", 6)
    assert manager_a.client.get(manager_a.url("settings/")).status_code == 403


def test_password_reset_by_email(client, manager_a):
    client.post("/password/reset/", {"email": manager_a.user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Brand-new-secret-7", "new_password2": "Brand-new-secret-7"}
    )
    assert response.status_code == 302
    assert client.login(username=manager_a.user.email, password="Brand-new-secret-7")


def test_password_change(manager_a):
    response = manager_a.client.post(
        "/password/change/",
        {"old_password": "pass-word-123", "new_password1": "Another-secret-42", "new_password2": "Another-secret-42"},
    )
    assert response.status_code == 302
    manager_a.user.refresh_from_db()
    assert manager_a.user.check_password("Another-secret-42")


def test_htmx_posts_pass_csrf_with_the_header_from_the_page(manager_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager_a.user)
    page = client.get(manager_a.url("api-tokens/"))
    token = re.search(rb'"X-CSRFToken": "([^"]+)"', page.content).group(1).decode()
    refused = client.post(manager_a.url("api-tokens/"), {"name": "no header"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    accepted = client.post(
        manager_a.url("api-tokens/"), {"name": "with header"}, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 302
    with manager_a.scope():
        assert list(ApiToken.objects.values_list("name", flat=True)) == ["with header"]


def test_htmx_request_after_the_session_expired_redirects_the_whole_window(client, tenant_a):
    response = client.get(
        f"/t/{tenant_a.slug}/accounts/?page=2",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/t/{tenant_a.slug}/accounts/?q=acme"},
    )
    assert response.status_code == 200 and not response.content
    assert response["HX-Redirect"] == f"/login/?next=/t/{tenant_a.slug}/accounts/%3Fq%3Dacme"


def test_htmx_request_without_a_current_url_comes_back_to_its_own(client, tenant_a):
    response = client.get(f"/t/{tenant_a.slug}/accounts/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"/login/?next=/t/{tenant_a.slug}/accounts/"


def test_members_page_never_puts_names_or_addresses_into_javascript(tenant_a, admin_a, make_member):
    from html.parser import HTMLParser

    tenant_a.name = "Acme'); alert(document.cookie); ('"
    tenant_a.save()
    crafted = make_member(tenant_a, Role.VIEWER, email="'-alert`1`-'@example.com")

    class RemoveForms(HTMLParser):
        found = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("action", "").endswith("/remove/"):
                self.found.append(attrs)

    parser = RemoveForms()
    parser.feed(admin_a.client.get(admin_a.url("members/")).content.decode())
    assert len(parser.found) == 2
    assert not any(name.startswith("on") for form in parser.found for name in form)  # static/js/app.js asks
    assert f"Remove {crafted.user.email} from {tenant_a.name}?" in {form["data-confirm"] for form in parser.found}


def test_member_and_token_tables_scroll_inside_their_column_on_phones(admin_a):
    for path in ("members/", "api-tokens/"):
        content = admin_a.client.get(admin_a.url(path)).content.decode()
        assert content.count("<table") == 1
        assert re.search(r'<div class="table-wrap">\s*<table', content), path


def test_pages_show_times_in_the_tenants_time_zone(manager_a):
    import datetime as dt

    import time_machine

    from accounts import services as account_services
    from tests.accounts.factories import AccountFactory

    account = AccountFactory(tenant=manager_a.tenant)  # the factory's tenant is in Europe/Berlin
    with time_machine.travel(dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC), tick=False), manager_a.scope():
        account_services.account_classify(
            account=account, classification="strategic", reason="New segment", by=manager_a.user
        )
    page = manager_a.client.get(manager_a.url(f"accounts/{account.pk}/")).content.decode()
    assert "10 Mar 2026, 00:30" in page and "9 Mar 2026" not in page


def test_a_role_refusal_is_a_403_that_names_the_role_and_the_admins(tenant_a, tenant_b, make_member):
    """Inside the member's own tenant: 403, the role that can, the admins to ask. Another tenant's id
    and a missing id stay 404 with the same page."""
    from tests.accounts.factories import AccountFactory

    make_member(tenant_a, Role.ADMIN, full_name="Ada Admin", email="ada@tenant-a.example")
    viewer = make_member(tenant_a, Role.VIEWER)
    mine = AccountFactory(tenant=tenant_a)
    theirs = AccountFactory(tenant=tenant_b)
    refused = viewer.client.get(viewer.url(f"accounts/{mine.pk}/edit/"))
    html = refused.content.decode()
    assert refused.status_code == 403
    assert "needs the <strong>Admin or Account manager</strong> role" in html
    assert "you are <strong>Viewer</strong>" in html
    assert "Ada Admin" in html and "mailto:ada@tenant-a.example" in html
    other = viewer.client.get(viewer.url(f"accounts/{theirs.pk}/edit/"))
    missing = viewer.client.get(viewer.url("accounts/2000000000/edit/"))
    assert other.status_code == missing.status_code == 404
    assert same_page(other, missing)
