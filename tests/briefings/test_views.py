"""The briefing pages as each role sees them: the page, the print view and the PDF show the same
content; money only for who may see it; another tenant's visit is a 404; the dashboard and the visit
page lead to it."""

import io

import pytest
from pypdf import PdfReader

from tenancy.models import Role
from tests.accounts.factories import TeamMemberFactory
from tests.briefings.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant_a, executive_a, manager_a):
    return build_world(tenant=tenant_a, executive=executive_a, manager=manager_a)


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)


def _words(html: bytes) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())


def test_page_print_view_and_pdf_show_the_same_briefing(world, executive_a):
    base = executive_a.url(f"briefings/visits/{world.visit.pk}/")
    page = executive_a.client.get(base)
    printed = executive_a.client.get(base + "print/")
    pdf = executive_a.client.get(base + "pdf/")
    assert page.status_code == printed.status_code == pdf.status_code == 200
    assert "no-store" in page["Cache-Control"] and "no-store" in pdf["Cache-Control"]
    pdf_text = _pdf_text(pdf)
    assert 'filename="briefing-contoso-freight-' in pdf["Content-Disposition"]
    for phrase in (
        "What you must know",
        "What not to say",
        "What we want from this meeting",
        "Bruno Buyer is a blocker",
        "Fleet telematics",
        "250,000 EUR",
        "Send the revised offer",
        "Carla Finance",
        "Contoso 2027",
    ):
        assert phrase in _words(page.content), phrase
        assert phrase in _words(printed.content), phrase
        assert phrase in pdf_text, phrase
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) <= 4  # one visit on a few A4 pages


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MANAGER])
def test_who_may_not_see_money_sees_that_it_is_hidden_everywhere(world, tenant_a, make_member, role):
    member = make_member(tenant_a, role)  # not on the account's team
    base = member.url(f"briefings/visits/{world.visit.pk}/")
    page, printed = _words(member.client.get(base).content), _words(member.client.get(base + "print/").content)
    pdf = _pdf_text(member.client.get(base + "pdf/"))
    for text in (page, printed, pdf):
        assert "250,000" not in text and "Below 15 % margin" not in text and "GBP" not in text
        assert "Fleet telematics" in text and "value hidden" in text
    assert "Financials" in page and "shown to the account's team, executives and admins only" in page


def test_the_account_team_sees_the_money(world, tenant_a, make_member):
    member = make_member(tenant_a, Role.MANAGER)
    TeamMemberFactory(account=world.account, user=member.user)
    page = _words(member.client.get(member.url(f"briefings/visits/{world.visit.pk}/")).content)
    assert "250,000 EUR" in page and "Below 15 % margin" in page


def test_another_tenants_visit_is_not_found(world, manager_b):
    for suffix in ("", "print/", "pdf/"):
        assert manager_b.client.get(manager_b.url(f"briefings/visits/{world.visit.pk}/{suffix}")).status_code == 404


def test_the_executive_finds_the_briefing_on_the_dashboard_and_the_visit_page(world, executive_a, manager_a):
    dashboard = executive_a.client.get(executive_a.url("")).content.decode()
    assert "Your briefings" in dashboard and f"briefings/visits/{world.visit.pk}/" in dashboard
    assert "Your briefings" not in manager_a.client.get(manager_a.url("")).content.decode()  # executives' panel
    mine = executive_a.client.get(executive_a.url("briefings/")).content.decode()
    assert "Contoso Freight" in mine and f"briefings/visits/{world.visit.pk}/" in mine
    visit_page = manager_a.client.get(manager_a.url(f"plans/visits/{world.visit.pk}/")).content.decode()
    assert f"briefings/visits/{world.visit.pk}/" in visit_page and "Briefing e-mails" in visit_page
    assert "to be sent" in visit_page or "due now" in visit_page
    calendar = manager_a.client.get(manager_a.url("plans/calendar/?view=list")).content.decode()
    assert f"briefings/visits/{world.visit.pk}/" in calendar


def test_the_visit_page_says_when_and_to_whom_it_was_sent(world, tenant_a, executive_a, manager_a, smtp):
    from briefings.services import deliveries_run

    deliveries_run(tenant_id=tenant_a.pk)
    page = manager_a.client.get(manager_a.url(f"plans/visits/{world.visit.pk}/")).content.decode()
    assert "briefing sent" in page and f"to {executive_a.user.email}" in page


def test_queries_of_the_briefing_page_do_not_grow_with_history(
    tenant_a, executive_a, manager_a, django_assert_max_num_queries
):
    import datetime as dt

    from django.utils import timezone

    small = build_world(tenant=tenant_a, executive=executive_a, manager=manager_a, history_years=1, name="Small")
    big = build_world(
        tenant=tenant_a,
        executive=executive_a,
        manager=manager_a,
        history_years=3,
        name="Big",
        start=timezone.now() + dt.timedelta(hours=30),
    )
    executive_a.client.get(executive_a.url(f"briefings/visits/{small.visit.pk}/"))  # warm: default policy written
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for world in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert executive_a.client.get(executive_a.url(f"briefings/visits/{world.visit.pk}/")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[0] <= 60, counts


def test_an_account_at_level_3_is_marked_at_the_critical_step(world, executive_a):
    """Level 3 -> 4 is where the relationship changes nature: the briefing says so when the account
    sits at 3, in the page, the print view and the PDF; an account already at 4 gets no such mark."""
    from accounts.models import Account

    base = executive_a.url(f"briefings/visits/{world.visit.pk}/")
    assert "The critical step" not in _words(executive_a.client.get(base).content)  # the world stands at 4
    with executive_a.scope():
        Account.objects.filter(pk=world.account.pk).update(current_level=3)
    phrase = "The critical step: from level 3 to 4."
    assert phrase in _words(executive_a.client.get(base).content)
    assert phrase in _words(executive_a.client.get(base + "print/").content)
    assert phrase in _pdf_text(executive_a.client.get(base + "pdf/"))


def test_the_briefing_shows_the_customers_issues_from_the_plan(world, executive_a, manager_a):
    from plans import services as plans_services
    from plans.models import AccountPlan

    with manager_a.scope():
        plan = AccountPlan.objects.get(account=world.account, status="active")
        plans_services.customer_issue_add(
            plan=plan,
            kind="business",
            by=manager_a.user,
            raised_by=world.cfo,
            statement="Empty return trips eat our margin.",
            opportunities=[world.opportunity],
        )
    base = executive_a.url(f"briefings/visits/{world.visit.pk}/")
    words = _words(executive_a.client.get(base).content)
    assert "Their business and organisational issues" in words
    assert "Empty return trips eat our margin." in words and "Fleet telematics" in words
    assert "Empty return trips eat our margin." in _pdf_text(executive_a.client.get(base + "pdf/"))
