import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core import mail
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account
from hierarchy import account_page, services
from hierarchy.models import Assessment, HierarchyAlert, HierarchyLevel, HierarchyModel, ModelKind, Relationship, Source
from tests.hierarchy.factories import AccountFactory, ContactFactory, TeamMemberFactory, assess, make_relationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Orbit Airlines", potential_level=5)


@pytest.fixture
def rel(account, manager_a):
    contact = ContactFactory(
        account=account, full_name="Dana Director", title="Director of operations", email="dana@orbit.example"
    )
    return make_relationship(user=manager_a.user, contact=contact)


def _map_url(member, account):
    return member.url(f"hierarchy/accounts/{account.pk}/")


# --- Relationship map ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "executive", "viewer"])
def test_every_role_sees_the_map_only_editors_get_assess_buttons(role, account, rel, make_member):
    member = make_member(account.tenant, role)
    assess(rel, 3)
    assess(rel, 2, source=Source.CUSTOMER_SURVEY)
    response = member.client.get(_map_url(member, account))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dana Director" in html and "Orbit Airlines" in html
    assert 'class="hier-cell has-gap"' in html and "Δ+1" in html
    assert ('hx-get="/t/tenant-a/hierarchy/relationships/%d/assess/"' % rel.pk in html) == (
        role in {"admin", "manager"}
    )


def test_map_of_another_tenants_account_is_404(manager_a, manager_b):
    theirs = AccountFactory(tenant=manager_b.tenant)
    assert manager_a.client.get(_map_url(manager_a, theirs)).status_code == 404
    assert manager_b.client.get(_map_url(manager_b, theirs)).status_code == 200


def _queries_for_map(member, account):
    with CaptureQueriesContext(connection) as queries:
        response = member.client.get(_map_url(member, account))
    assert response.status_code == 200
    return len(queries)


def test_map_query_count_does_not_grow_with_relationships(account, manager_a, make_member):
    colleagues = [manager_a] + [make_member(account.tenant) for _ in range(3)]
    first = make_relationship(user=manager_a.user, contact=ContactFactory(account=account))
    assess(first, 2)
    few = _queries_for_map(manager_a, account)
    for i in range(6):
        contact = ContactFactory(account=account, reports_to=first.contact)
        for colleague in colleagues[: 1 + i % 4]:
            relationship = make_relationship(user=colleague.user, contact=contact)
            assess(relationship, 1 + i % 5)
            assess(relationship, 1 + (i + 1) % 5, source=Source.CUSTOMER_SURVEY)
        TeamMemberFactory(account=account, user=colleagues[i % 4].user) if i < 4 else None
    with manager_a.scope():
        assert Relationship.objects.filter(account=account).count() == 1 + 1 + 2 + 3 + 4 + 1 + 2
    many = _queries_for_map(manager_a, account)
    assert many == few, (few, many)
    assert many <= 26  # session, user, tenant, membership and transaction plumbing + 13 for the page


def test_account_panel_for_the_account_page(account, rel, manager_a):
    assess(rel, 4)
    request = RequestFactory().get("/")
    request.user, request.tenant, request.membership = manager_a.user, manager_a.tenant, manager_a.membership
    with manager_a.scope():
        html = account_page.panel(request, Account.objects.get(pk=account.pk))
    assert 'id="hier-map"' in html and "How to reach level 5" in html and "Dana Director" in html


# --- Assessment dialog --------------------------------------------------------------------------------


def _assess_url(member, relationship):
    return member.url(f"hierarchy/relationships/{relationship.pk}/assess/")


def test_dialog_shows_each_levels_description_and_signals(rel, manager_a):
    response = manager_a.client.get(_assess_url(manager_a, rel), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<dialog open")
    with manager_a.scope():
        levels = list(HierarchyLevel.objects.filter(model__is_active=True))
    assert len(levels) == 5
    for level in levels:
        assert level.name in html and level.description in html
        for signal in level.signal_list:
            assert signal in html


def test_htmx_assessment_updates_map_summary_and_playbook(account, rel, manager_a):
    response = manager_a.client.post(
        _assess_url(manager_a, rel), {"level": "3", "evidence": "They call us first."}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    for section in ("hier-map", "hier-summary", "hier-playbook", "hier-history", "hier-alerts", "hier-flash"):
        assert re.search(rf'id="{section}"[^>]*hx-swap-oob="true"', html), section
    assert "How to reach level 4" in html and "Recorded level 3" in html
    with manager_a.scope():
        assessment = Assessment.objects.get()
        assert Account.objects.get(pk=account.pk).current_level == 3
    assert (assessment.level, assessment.assessed_by_id, assessment.source) == (3, manager_a.user.pk, Source.SELF)


def test_plain_post_redirects_to_the_map(account, rel, manager_a):
    response = manager_a.client.post(_assess_url(manager_a, rel), {"level": "2", "evidence": "Repeat orders."})
    assert response.status_code == 302 and response["Location"] == _map_url(manager_a, account)
    follow = manager_a.client.get(response["Location"])
    assert "Recorded level 2" in follow.content.decode()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"level": "3", "evidence": "   "}, "Evidence is required: say what you saw or heard that shows this level."),
        ({"evidence": "ok"}, "Choose the level this relationship is at."),
        ({"level": "7", "evidence": "ok"}, "Choose a level from 1 to 5."),
    ],
)
def test_bad_assessment_input_explains_and_records_nothing(rel, manager_a, data, message):
    response = manager_a.client.post(_assess_url(manager_a, rel), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert message in response.content.decode()
    with manager_a.scope():
        assert Assessment.objects.count() == 0


@pytest.mark.parametrize("role", ["executive", "viewer"])
def test_readers_cannot_assess(account, rel, make_member, role):
    member = make_member(account.tenant, role)
    assert member.client.get(_assess_url(member, rel)).status_code == 403
    assert member.client.post(_assess_url(member, rel), {"level": "3", "evidence": "x"}).status_code == 403
    with member.scope():
        assert Assessment.objects.count() == 0


# --- Relationships ---------------------------------------------------------------------------------------


def test_add_relationship_and_refuse_a_duplicate(account, manager_a, make_member):
    colleague = make_member(account.tenant)
    contact = ContactFactory(account=account, full_name="Quinn Quality")
    url = manager_a.url(f"hierarchy/accounts/{account.pk}/relationships/new/")
    data = {"contact": contact.pk, "user": colleague.user.pk}
    assert manager_a.client.post(url, data).status_code == 302
    with manager_a.scope():
        relationship = Relationship.objects.get()
    assert (relationship.user_id, relationship.owner_id) == (colleague.user.pk, colleague.user.pk)
    again = manager_a.client.post(url, data)
    assert again.status_code == 200
    assert f"{colleague.user.get_full_name()} already has a relationship with Quinn Quality." in again.content.decode()


def test_add_relationship_refuses_a_contact_of_another_account_or_tenant(account, manager_a, manager_b):
    elsewhere = ContactFactory(account=AccountFactory(tenant=account.tenant))
    theirs = ContactFactory(account=AccountFactory(tenant=manager_b.tenant))
    url = manager_a.url(f"hierarchy/accounts/{account.pk}/relationships/new/")
    for contact in (elsewhere, theirs):
        response = manager_a.client.post(url, {"contact": contact.pk, "user": manager_a.user.pk})
        assert "Choose a contact of this account who is still there." in response.content.decode()
    response = manager_a.client.post(url, {"contact": ContactFactory(account=account).pk, "user": manager_b.user.pk})
    assert "Choose a member of this tenant." in response.content.decode()
    with manager_a.scope():
        assert Relationship.objects.count() == 0


def test_relationship_page_history_and_owner_change(account, rel, manager_a, make_member):
    colleague = make_member(account.tenant)
    assess(rel, 2, at=timezone.now() - dt.timedelta(days=90))
    assess(rel, 3, at=timezone.now() - dt.timedelta(days=10))
    response = manager_a.client.get(manager_a.url(f"hierarchy/relationships/{rel.pk}/"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<circle class="dot s-self"') == 2 and "How to reach level 4" in html
    response = manager_a.client.post(
        manager_a.url(f"hierarchy/relationships/{rel.pk}/owner/"), {"owner": colleague.user.pk}
    )
    assert response.status_code == 302
    with manager_a.scope():
        assert Relationship.objects.get(pk=rel.pk).owner_id == colleague.user.pk


# --- Survey: sending and the public page ------------------------------------------------------------------


def _send_survey(member, relationship, django_capture_on_commit_callbacks):
    url = member.url(f"hierarchy/relationships/{relationship.pk}/survey/")
    with django_capture_on_commit_callbacks(execute=True):
        response = member.client.post(url, {"valid_days": "14"})
    assert response.status_code == 302
    link = re.search(r"http://testserver(/survey/[^\s]+/)", mail.outbox[-1].body).group(1)
    return link


def test_send_survey_then_the_contact_answers_without_logging_in(
    account, rel, manager_a, django_capture_on_commit_callbacks
):
    assess(rel, 4)
    link = _send_survey(manager_a, rel, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["dana@orbit.example"]
    public = Client()
    page = public.get(link)
    html = page.content.decode()
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert "How do you see working with Tenant A?" in html
    assert "They help us solve our business problems" in html  # level 4's statement
    assert "Orbit Airlines" not in html and "/t/tenant-a/" not in html  # nothing else of the tenant
    answered = public.post(link, {"level": "2", "comment": "Good kit, but that's it."})
    assert answered.status_code == 200 and "Thank you" in answered.content.decode()
    with manager_a.scope():
        rel.refresh_from_db()
        assert (rel.self_level, rel.customer_level) == (4, 2)
    page = manager_a.client.get(_map_url(manager_a, account)).content.decode()
    assert "Δ+2" in page


def test_survey_reuse_and_expiry_pages_record_nothing(rel, manager_a, django_capture_on_commit_callbacks, time_machine):
    link = _send_survey(manager_a, rel, django_capture_on_commit_callbacks)
    public = Client()
    assert public.post(link, {"level": "3"}).status_code == 200
    reused = public.post(link, {"level": "5"})
    assert reused.status_code == 410 and "already been answered" in reused.content.decode()
    assert "Nothing has been recorded" not in reused.content.decode()  # the first answer was
    assert public.get(link).status_code == 410
    second = _send_survey(manager_a, rel, django_capture_on_commit_callbacks)
    time_machine.move_to(timezone.now() + dt.timedelta(days=15))
    expired = public.post(second, {"level": "5"})
    assert expired.status_code == 410 and "has expired" in expired.content.decode()
    assert "Nothing has been recorded." in expired.content.decode()
    with manager_a.scope():
        assert list(Assessment.objects.values_list("level", flat=True)) == [3]


def test_tampered_survey_link_gives_the_same_page_for_any_garbage(rel, manager_a, django_capture_on_commit_callbacks):
    link = _send_survey(manager_a, rel, django_capture_on_commit_callbacks)
    token = link.split("/")[2]
    tampered = Client().post(f"/survey/{token[:-3]}xyz/", {"level": "5"})
    garbage = Client().post("/survey/not-a-token/", {"level": "5"})
    assert tampered.status_code == garbage.status_code == 404
    assert tampered.content == garbage.content
    assert b"Tenant A" not in tampered.content
    with manager_a.scope():
        assert Assessment.objects.count() == 0


def test_survey_answer_must_pick_a_statement(rel, manager_a, django_capture_on_commit_callbacks):
    link = _send_survey(manager_a, rel, django_capture_on_commit_callbacks)
    response = Client().post(link, {"comment": "hm"})
    assert response.status_code == 200 and "Please choose the statement that fits best." in response.content.decode()
    assert '<div class="errors" role="alert"><p>Your answer was not sent' in response.content.decode()  # announced
    assert Client().get(link).status_code == 200  # still usable
    with manager_a.scope():
        assert Assessment.objects.count() == 0


def test_public_survey_is_rate_limited_per_ip(settings):
    settings.HIERARCHY_SURVEY_RATE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [client.get("/survey/whatever/").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    assert Client(REMOTE_ADDR="203.0.113.10").get("/survey/whatever/").status_code == 404


# --- Alerts, overview, dashboard --------------------------------------------------------------------------


def test_alert_on_account_and_dashboard_until_a_manager_acknowledges(account, rel, manager_a, viewer_a):
    assess(rel, 4)
    assess(rel, 2)
    with manager_a.scope():
        alert = HierarchyAlert.objects.get()
    message = "Dana Director: level fell from 4 to 2 (our view)."
    assert message in manager_a.client.get(manager_a.url("")).content.decode()  # dashboard panel
    assert message in viewer_a.client.get(_map_url(viewer_a, account)).content.decode()
    ack = manager_a.url(f"hierarchy/alerts/{alert.pk}/acknowledge/")
    assert viewer_a.client.post(ack).status_code == 403
    assert manager_a.client.post(ack).status_code == 302
    assert f"Alert acknowledged: {message}" in manager_a.client.get(manager_a.url("")).content.decode()
    assert message not in manager_a.client.get(manager_a.url("")).content.decode()


def test_overview_shows_distribution_and_accounts(rel, viewer_a, manager_a):
    assess(rel, 3)
    with CaptureQueriesContext(connection) as few:
        response = viewer_a.client.get(viewer_a.url("hierarchy/"))
    html = response.content.decode()
    assert response.status_code == 200 and "Orbit Airlines" in html
    assert '<rect class="bar s-self"' in html and "3 — Our view: 1" in html
    for i in range(5):
        other = AccountFactory(tenant=viewer_a.tenant)
        assess(make_relationship(user=manager_a.user, contact=ContactFactory(account=other)), 1 + i % 5)
        assess(make_relationship(user=viewer_a.user, contact=ContactFactory(account=other)), 2)
        assess(rel, 1 + i % 5, source=Source.CUSTOMER_SURVEY)
    cache.clear()  # the distribution is counted afresh (the assessments' on-commit drop does not run here)
    with CaptureQueriesContext(connection) as many:
        assert viewer_a.client.get(viewer_a.url("hierarchy/")).status_code == 200
    assert len(many) == len(few) <= 25


# --- Admin: hierarchy model and levels --------------------------------------------------------------------


def test_only_admins_reach_the_model_settings(admin_a, manager_a):
    assert manager_a.client.get(manager_a.url("hierarchy/settings/")).status_code == 403
    response = admin_a.client.get(admin_a.url("hierarchy/settings/"))
    assert response.status_code == 200 and "Needs model" in response.content.decode()


def test_admin_activates_the_needs_model_and_edits_a_level(admin_a, manager_a):
    admin_a.client.get(admin_a.url("hierarchy/settings/"))
    with admin_a.scope():
        needs = HierarchyModel.objects.get(kind=ModelKind.NEEDS)
        level = HierarchyLevel.objects.get(model=needs, number=3)
    response = admin_a.client.post(admin_a.url("hierarchy/settings/"), {"model": needs.pk})
    assert response.status_code == 302
    url = admin_a.url(f"hierarchy/settings/levels/{level.pk}/")
    assert manager_a.client.get(url).status_code == 403
    bad = admin_a.client.post(url, {"name": "", "description": ""})
    assert "A level needs a name." in bad.content.decode()
    ok = admin_a.client.post(
        url,
        {
            "name": "Peace of mind",
            "description": "They feel safe.",
            "signals": "Trusts us\n\nDelegates",
            "climb_playbook": "Know the people",
            "survey_statement": "We feel safe with them.",
        },
    )
    assert ok.status_code == 302
    with admin_a.scope():
        level.refresh_from_db()
        assert HierarchyModel.objects.get(is_active=True).pk == needs.pk
    assert (level.name, level.signal_list) == ("Peace of mind", ["Trusts us", "Delegates"])


def test_the_model_select_shows_the_active_model_and_no_empty_choice(admin_a):
    """It said "- Select an option -" while the Buy-Sell Hierarchy was active; after a switch it shows
    the new one."""
    html = admin_a.client.get(admin_a.url("hierarchy/settings/")).content.decode()
    select = re.search(r'<select name="model"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert "Select an option" not in select and 'value=""' not in select
    assert re.search(r'<option value="\d+" selected>Buy-Sell Hierarchy</option>', select), select
    with admin_a.scope():
        needs = HierarchyModel.objects.get(kind=ModelKind.NEEDS)
    admin_a.client.post(admin_a.url("hierarchy/settings/"), {"model": needs.pk})
    html = admin_a.client.get(admin_a.url("hierarchy/settings/")).content.decode()
    assert re.search(rf'<option value="{needs.pk}" selected>{re.escape(needs.name)}</option>', html)


def test_admin_cannot_pick_another_tenants_model(admin_a, admin_b):
    with admin_b.scope():
        theirs = services.hierarchy_defaults_ensure()
    response = admin_a.client.post(admin_a.url("hierarchy/settings/"), {"model": theirs.pk})
    assert "Choose one of this tenant&#x27;s hierarchy models." in response.content.decode()


def test_htmx_can_refresh_one_section_and_the_assess_page_works_without_javascript(account, rel, manager_a):
    assess(rel, 2)
    section = manager_a.client.get(_map_url(manager_a, account) + "?section=playbook", headers={"HX-Request": "true"})
    html = section.content.decode()
    assert html.lstrip().startswith('<section id="hier-playbook"') and "How to reach level 3" in html
    assert "<html" not in html and "HX-Request" in section["Vary"]
    full = manager_a.client.get(_assess_url(manager_a, rel)).content.decode()
    assert "<html" in full and 'name="evidence"' in full and "<dialog" not in full


# --- The panel on both pages: forms return to the page that shows it -------------------------------------


def _ack_next(html):
    return re.findall(r'alerts/\d+/acknowledge/" class="inline">.*?name="next" value="([^"]*)"', html, re.S)


@pytest.mark.parametrize("page", ["hierarchy", "account"])
def test_acknowledge_after_an_htmx_assessment_returns_to_the_page_showing_the_panel(page, account, rel, manager_a):
    page_path = _map_url(manager_a, account) if page == "hierarchy" else manager_a.url(f"accounts/{account.pk}/")
    assess(rel, 4)
    if page == "account":  # the map is a deferred panel there: the page as the browser fills it
        from tests.test_account_page import overview

        html = overview(manager_a, account)
    else:
        html = manager_a.client.get(page_path).content.decode()
    assert 'id="hier-map"' in html and 'id="hier-dialog"' in html
    assert f'relationships/new/?next={page_path}"' in html and f'assess/?next={page_path}"' in html
    response = manager_a.client.post(
        _assess_url(manager_a, rel),
        {"level": "2", "evidence": "They went to a rival."},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page_path}"},
    )
    html = response.content.decode()
    assert "level fell from 4 to 2" in html
    assert _ack_next(html) == [page_path]  # not the assess URL the OOB section was rendered under
    with manager_a.scope():
        alert = HierarchyAlert.objects.get()
    ack = manager_a.client.post(manager_a.url(f"hierarchy/alerts/{alert.pk}/acknowledge/"), {"next": page_path})
    assert ack.status_code == 302 and ack["Location"] == page_path


@pytest.mark.parametrize(
    "current", ["http://evil.example/t/tenant-a/accounts/1/", "http://testserver/t/tenant-b/x/", ""]
)
def test_a_foreign_or_missing_current_url_falls_back_to_the_hierarchy_page(current, account, rel, manager_a):
    assess(rel, 4)
    headers = {"HX-Request": "true"} | ({"HX-Current-URL": current} if current else {})
    html = manager_a.client.post(
        _assess_url(manager_a, rel), {"level": "1", "evidence": "Silence."}, headers=headers
    ).content.decode()
    assert _ack_next(html) == [_map_url(manager_a, account)]
    section = manager_a.client.get(_map_url(manager_a, account) + "?section=alerts", headers=headers).content.decode()
    assert _ack_next(section) == [_map_url(manager_a, account)]


def test_add_relationship_from_the_account_page_returns_there(account, manager_a, make_member):
    colleague = make_member(account.tenant)
    contact = ContactFactory(account=account, full_name="Pat Procurement")
    page_path = manager_a.url(f"accounts/{account.pk}/")
    form = manager_a.client.get(
        manager_a.url(f"hierarchy/accounts/{account.pk}/relationships/new/") + f"?next={page_path}"
    )
    assert f'name="next" value="{page_path}"' in form.content.decode()
    response = manager_a.client.post(
        manager_a.url(f"hierarchy/accounts/{account.pk}/relationships/new/"),
        {"user": colleague.user.pk, "contact": contact.pk, "owner": colleague.user.pk, "next": page_path},
    )
    assert response.status_code == 302 and response["Location"] == page_path


def test_overview_acknowledge_returns_to_the_overview(account, rel, manager_a):
    assess(rel, 4)
    assess(rel, 3)
    html = manager_a.client.get(manager_a.url("hierarchy/") + "?x=1").content.decode()
    assert 'name="next" value="/t/tenant-a/hierarchy/?x=1"' in html


def test_settings_warn_that_levels_start_afresh_and_old_assessments_stay_readable(account, rel, admin_a, manager_a):
    assess(rel, 3)
    page = admin_a.client.get(admin_a.url("hierarchy/settings/")).content.decode()
    assert "Switching the model starts levels afresh." in page
    with admin_a.scope():
        needs = HierarchyModel.objects.get(kind=ModelKind.NEEDS)
    assert admin_a.client.post(admin_a.url("hierarchy/settings/"), {"model": needs.pk}).status_code == 302
    html = manager_a.client.get(manager_a.url(f"hierarchy/relationships/{rel.pk}/")).content.decode()
    assert "Seen in the quarterly review." in html and "of the Buy-Sell Hierarchy, not counted now" in html
    with manager_a.scope():
        assert Account.objects.get(pk=account.pk).current_level is None
    assert "not assessed" in manager_a.client.get(_map_url(manager_a, account)).content.decode()


@pytest.mark.parametrize("level, text", [(3, "(2 to go)"), (5, "(at or above potential)")])
def test_potential_says_to_go_only_below_it(level, text, account, rel, manager_a):
    assess(rel, level)
    with manager_a.scope():
        Account.objects.filter(pk=account.pk).update(potential_level=5 if level == 3 else 3)
    html = manager_a.client.get(_map_url(manager_a, account)).content.decode()
    assert text in html and "-2 to go" not in html


def test_survey_link_goes_only_to_the_contacts_own_address(account, rel, manager_a, django_capture_on_commit_callbacks):
    url = manager_a.url(f"hierarchy/relationships/{rel.pk}/survey/")
    form = manager_a.client.get(url).content.decode()
    assert "The link goes to <strong>dana@orbit.example</strong>" in form and 'name="email"' not in form
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_a.client.post(url, {"email": "me@our-company.example", "valid_days": "14"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["dana@orbit.example"]]  # a typed-in address is not used


def test_survey_for_a_contact_without_address_says_to_add_it_and_sends_nothing(account, manager_a):
    contact = ContactFactory(account=account, full_name="Nora Nomail", email="")
    relationship = make_relationship(user=manager_a.user, contact=contact)
    url = manager_a.url(f"hierarchy/relationships/{relationship.pk}/survey/")
    assert (
        "Nora Nomail has no e-mail address. Add it on the contact first" in manager_a.client.get(url).content.decode()
    )
    response = manager_a.client.post(url, {"email": "me@our-company.example", "valid_days": "14"})
    assert response.status_code == 200 and mail.outbox == []
    assert "Nora Nomail has no e-mail address. Add it on the contact first" in response.content.decode()
    with manager_a.scope():
        assert not relationship.survey_invitations.exists()


def test_a_revoked_survey_link_says_it_was_withdrawn(rel, manager_a, django_capture_on_commit_callbacks):
    link = _send_survey(manager_a, rel, django_capture_on_commit_callbacks)
    with manager_a.scope():
        invitation = rel.survey_invitations.get()
    assert (
        manager_a.client.post(manager_a.url(f"hierarchy/survey-invitations/{invitation.pk}/revoke/")).status_code == 302
    )
    for response in (Client().get(link), Client().post(link, {"level": "4"})):
        html = response.content.decode()
        assert response.status_code == 410 and "This survey link has been withdrawn" in html
        assert "copied incompletely" not in html and "Nothing has been recorded." in html
    with manager_a.scope():
        assert Assessment.objects.count() == 0
