"""Writes: accounts and their classification, contacts and the org chart, teams, financials."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Account, AccountTeamMember, Classification, ClassificationChange, Contact, FinancialPeriod
from tests.accounts.factories import AccountFactory, ContactFactory, TeamMemberFactory
from tenancy.models import Role
from tests.tenancy.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_classify_requires_a_reason_and_keeps_the_history(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        for reason in ("", "   "):
            with pytest.raises(ValidationError) as error:
                services.account_classify(account=account, classification="strategic", reason=reason, by=manager_a.user)
            assert "reason" in error.value.message_dict
        assert not ClassificationChange.objects.exists()
        services.account_classify(
            account=account, classification="strategic", reason=" Beachhead in cold chain ", by=manager_a.user
        )
        services.account_classify(
            account=account, classification="tactical", reason="Bought by a price-led group", by=manager_a.user
        )
        account.refresh_from_db()
        history = list(
            ClassificationChange.objects.order_by("created_at", "pk").values_list(
                "from_classification", "to_classification", "reason", "changed_by"
            )
        )
    assert account.classification == Classification.TACTICAL
    assert account.classification_reason == "Bought by a price-led group"
    assert account.classified_by == manager_a.user and account.classified_at is not None
    assert history == [
        ("unqualified", "strategic", "Beachhead in cold chain", manager_a.user.pk),
        ("strategic", "tactical", "Bought by a price-led group", manager_a.user.pk),
    ]


def test_classify_rejects_an_unknown_classification(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope(), pytest.raises(ValidationError) as error:
        services.account_classify(account=account, classification="vip", reason="because", by=manager_a.user)
    assert "classification" in error.value.message_dict


def test_create_with_a_classification_needs_its_reason(manager_a):
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.account_create(by=manager_a.user, name="New", classification="strategic")
        assert "reason" in error.value.message_dict
        assert not Account.objects.exists()
        account = services.account_create(
            by=manager_a.user,
            name="  New  ",
            classification="strategic",
            classification_reason="First in its segment",
            owner=manager_a.user,
        )
        assert account.name == "New" and account.classification == "strategic"
        assert ClassificationChange.objects.filter(account=account).count() == 1


def test_external_ids_are_unique_within_a_tenant_not_across(manager_a, manager_b):
    with manager_a.scope():
        services.account_create(by=manager_a.user, name="One", external_id="CRM-1")
        with pytest.raises(ValidationError) as error:
            services.account_create(by=manager_a.user, name="Two", external_id="CRM-1")
        assert "already used by “One”" in error.value.message_dict["external_id"][0]
    with manager_b.scope():
        other = services.account_create(by=manager_b.user, name="Theirs", external_id="CRM-1")
    assert other.external_id == "CRM-1"


def test_owner_must_be_a_member(manager_a, manager_b):
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.account_create(by=manager_a.user, name="X", owner=manager_b.user)
        assert "not a member" in error.value.message_dict["owner"][0]
        assert not Account.objects.exists()


def test_update_saves_only_what_changed(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Same", industry="Retail")
    with manager_a.scope():
        before = Account.objects.get(pk=account.pk).updated_at
        services.account_update(account=account, by=manager_a.user, name="Same", industry="Retail")
        assert Account.objects.get(pk=account.pk).updated_at == before
        services.account_update(account=account, by=manager_a.user, industry="Energy", potential_level=4)
        fresh = Account.objects.get(pk=account.pk)
        assert (fresh.industry, fresh.potential_level) == ("Energy", 4) and fresh.updated_at > before
        with pytest.raises(ValidationError) as error:
            services.account_update(account=fresh, by=manager_a.user, potential_level=9)
        assert "potential_level" in error.value.message_dict
        with pytest.raises(ValidationError):
            services.account_update(account=fresh, by=manager_a.user, name="")


def test_reports_to_stays_within_the_account_and_never_loops(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    elsewhere = ContactFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        ceo = services.contact_create(account=account, full_name="Ceo")
        cfo = services.contact_create(account=account, full_name="Cfo", reports_to=ceo)
        ctrl = services.contact_create(account=account, full_name="Controller", reports_to=cfo)
        with pytest.raises(ValidationError, match="another account"):
            services.contact_create(account=account, full_name="X", reports_to=elsewhere)
        with pytest.raises(ValidationError, match="themselves"):
            services.contact_update(contact=ceo, reports_to=ceo)
        with pytest.raises(ValidationError, match="already reports"):
            services.contact_update(contact=ceo, reports_to=ctrl)
        assert Contact.objects.get(pk=ceo.pk).reports_to_id is None


def test_a_contact_who_leaves_keeps_history(manager_a, django_capture_on_commit_callbacks):
    from accounts.services import contacts_left

    received = []
    contacts_left.connect(lambda sender, **kw: received.append(kw["contact_ids"]), weak=False, dispatch_uid="t")
    try:
        account = AccountFactory(tenant=manager_a.tenant)
        boss = ContactFactory(account=account)
        person = ContactFactory(account=account, reports_to=boss)
        with manager_a.scope(), django_capture_on_commit_callbacks(execute=True):
            services.contact_leave(contact=person, left_on=dt.date(2026, 1, 15))
        with manager_a.scope():
            person.refresh_from_db()
            assert (person.is_active, person.left_on, person.reports_to_id) == (False, dt.date(2026, 1, 15), boss.pk)
            with pytest.raises(ValidationError, match="already marked as gone"):
                services.contact_leave(contact=person)
            with pytest.raises(ValidationError, match="still there"):
                services.contact_update(contact=person, is_active=True)
        assert received == [[person.pk]]
    finally:
        contacts_left.disconnect(dispatch_uid="t")


def test_team_members_must_be_members_once(manager_a, viewer_a, manager_b):
    account = AccountFactory(tenant=manager_a.tenant, owner=manager_a.user)
    by = manager_a.user
    with manager_a.scope():
        member = services.team_member_add(account=account, user=viewer_a.user, team_role="specialist", by=by)
        assert member.team_role == "specialist"
        with pytest.raises(ValidationError, match="already on the team"):
            services.team_member_add(account=account, user=viewer_a.user, by=by)
        with pytest.raises(ValidationError, match="not a member"):
            services.team_member_add(account=account, user=manager_b.user, by=by)
        with pytest.raises(ValidationError):
            services.team_member_add(account=account, user=UserFactory(), by=by)
        services.team_member_update(team_member=member, team_role="executive_sponsor", by=by)
        assert AccountTeamMember.objects.get(pk=member.pk).team_role == "executive_sponsor"


def test_financial_period_is_corrected_by_its_start_not_duplicated(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        kwargs = dict(
            account=account, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31), currency="eur"
        )
        services.financial_period_save(revenue=Decimal("100"), **kwargs)
        services.financial_period_save(revenue=Decimal("120"), **kwargs)
        assert list(FinancialPeriod.objects.values_list("revenue", "currency")) == [(Decimal("120.00"), "EUR")]
        with pytest.raises(ValidationError, match="end before"):
            services.financial_period_save(
                account=account, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 3, 1), revenue=Decimal(1)
            )
        with pytest.raises(ValidationError):
            services.financial_period_save(
                account=account,
                period_start=dt.date(2026, 4, 1),
                period_end=dt.date(2026, 6, 30),
                revenue=Decimal(1),
                discount_pct=Decimal(150),
            )
        assert FinancialPeriod.objects.count() == 1


def test_delete_takes_contacts_and_team_with_it(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    ContactFactory(account=account)
    TeamMemberFactory(account=account, user=manager_a.user)
    with manager_a.scope():
        services.account_delete(account=account)
        assert not Account.objects.exists() and not Contact.objects.exists() and not AccountTeamMember.objects.exists()


def test_only_the_team_or_an_admin_changes_the_team_or_owner(tenant_a, make_member, admin_a):
    """Otherwise any manager could join the team (or take ownership) and so read the financials."""
    outsider = make_member(tenant_a, Role.MANAGER)
    insider = make_member(tenant_a, Role.MANAGER)
    account = AccountFactory(tenant=tenant_a, owner=insider.user)
    with admin_a.scope():
        for attempt in (
            lambda: services.team_member_add(account=account, user=outsider.user, by=outsider.user),
            lambda: services.account_update(account=account, by=outsider.user, owner=outsider.user),
        ):
            with pytest.raises(ValidationError, match="Only the account's team or a tenant admin"):
                attempt()
        assert not AccountTeamMember.objects.filter(account=account).exists()
        assert Account.objects.get(pk=account.pk).owner_id == insider.user.pk
        member = services.team_member_add(account=account, user=outsider.user, by=insider.user)  # the owner may
        with pytest.raises(ValidationError, match="Only the account's team"):
            services.team_member_remove(team_member=member, by=make_member(tenant_a, Role.MANAGER).user)
        services.team_member_remove(team_member=member, by=admin_a.user)  # so may a tenant admin
        services.account_update(account=account, by=admin_a.user, owner=outsider.user)
        assert Account.objects.get(pk=account.pk).owner_id == outsider.user.pk


def test_an_account_with_relationships_is_not_deleted_and_says_why(manager_a):
    from tests.hierarchy.factories import make_relationship

    account = AccountFactory(tenant=manager_a.tenant, name="Kept Co")
    make_relationship(user=manager_a.user, contact=ContactFactory(account=account))
    with manager_a.scope():
        with pytest.raises(ValidationError, match="“Kept Co” cannot be deleted while it has relationships"):
            services.account_delete(account=account)
        assert Account.objects.filter(pk=account.pk).exists()
    response = manager_a.client.post(manager_a.url(f"accounts/{account.pk}/delete/"))
    assert response.status_code == 400 and "cannot be deleted while it has relationships" in response.content.decode()


def test_financial_period_reports_every_problem_at_once(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        with pytest.raises(ValidationError) as caught:
            services.financial_period_save(
                account=account,
                period_start=dt.date(2025, 4, 1),
                period_end=dt.date(2025, 1, 1),
                revenue=Decimal(-50),
                margin_pct=Decimal(500),
                discount_pct=Decimal(150),
                currency="EURO",
            )
        assert set(caught.value.message_dict) == {"period_end", "revenue", "margin_pct", "discount_pct", "currency"}
        assert not FinancialPeriod.objects.exists()
