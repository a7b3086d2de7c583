"""What people are told (issue 13, item 10): each sentence that was wrong or misleading, as the page
shows it now."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tenancy.models import Role
from tests.plans.factories import AccountFactory, OpportunityFactory
from tests.plans.test_views import _call_post

pytestmark = pytest.mark.django_db


def test_an_account_without_key_players_is_not_told_they_are_all_on_opportunities(manager_a):
    opp = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant, name="Orbit Airlines"))
    html = manager_a.client.get(manager_a.url(f"plans/opportunities/{opp.pk}/")).content.decode()
    assert "is on an opportunity already" not in html
    assert "Orbit Airlines has no key players yet" in html


def test_the_map_of_an_account_without_contacts_links_to_adding_them(manager_a, viewer_a):
    account = AccountFactory(tenant=manager_a.tenant)
    html = manager_a.client.get(manager_a.url(f"hierarchy/accounts/{account.pk}/")).content.decode()
    assert "on the account page first" not in html
    assert f'/accounts/{account.pk}/contacts/new/">Add the people you deal with</a>' in html
    assert (
        "contacts/new/" not in viewer_a.client.get(viewer_a.url(f"hierarchy/accounts/{account.pk}/")).content.decode()
    )


def test_the_api_docs_point_to_the_api_tokens_page_that_exists(client):
    from django.conf import settings

    description = settings.SPECTACULAR_SETTINGS["DESCRIPTION"]
    assert "profile page" not in description and "/api-tokens/" in description


def test_the_dashboard_says_the_coverage_count_is_tenant_wide(viewer_a):
    from tests.keyplayers.factories import KeyPlayerFactory

    KeyPlayerFactory(account=AccountFactory(tenant=viewer_a.tenant))
    html = viewer_a.client.get(viewer_a.url("")).content.decode()
    assert "Across all of Tenant A, not only your accounts" in html
    assert "key-players/coverage/?mine=1" in html


def test_invited_people_are_marked_invited_with_their_role(admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_a.client.post(admin_a.url("members/"), {"email": "new@example.com", "role": "viewer"})
    html = admin_a.client.get(admin_a.url("members/")).content.decode()
    assert re.search(r"new@example.com.*?invited</span> <small class=\"muted\">as Viewer, not joined yet", html, re.S)


def test_a_new_account_is_owned_by_its_creator_and_viewers_cannot_be_picked(manager_a, make_member):
    viewer = make_member(manager_a.tenant, Role.VIEWER, full_name="Val Viewer")
    html = manager_a.client.get(manager_a.url("accounts/new/")).content.decode()
    owner = re.search(r'<select name="owner"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert f'<option value="{manager_a.user.pk}" selected>' in owner
    assert f'value="{viewer.user.pk}"' not in owner


def test_a_call_report_that_starts_an_account_plan_says_so(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Orbit Airlines")
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    data = _call_post(
        account,
        attendees=[manager_a.user.pk],
        **{"steps-0-title": "Send the proposal", "steps-0-owner": manager_a.user.pk, "steps-0-due_date": due},
    )
    response = manager_a.client.post(manager_a.url("plans/calls/new/"), data, follow=True)
    assert "Orbit Airlines had no active account plan: one was started with 1 next step" in response.content.decode()
    again = manager_a.client.post(manager_a.url("plans/calls/new/"), data, follow=True)
    assert "1 next step added to the account plan." in again.content.decode()


def test_no_breadcrumb_ends_in_a_dangling_separator():
    from pathlib import Path

    from django.conf import settings

    templates = [p for p in Path(settings.BASE_DIR).glob("**/templates/**/*.html") if ".venv" not in p.parts]
    assert [str(p) for p in templates if re.search(r"›\s*</(p|nav)>", p.read_text())] == []
