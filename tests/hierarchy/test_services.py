import datetime as dt

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Account
from hierarchy import selectors, services
from hierarchy.models import (
    AlertKind,
    Assessment,
    HierarchyAlert,
    HierarchyLevel,
    HierarchyModel,
    ModelKind,
    Relationship,
    Source,
    SurveyInvitation,
)
from tenancy.append_only import append_only_tables
from tests.hierarchy.factories import AccountFactory, ContactFactory, assess, leave, make_relationship

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'")


@pytest.fixture
def rel(manager_a):
    contact = ContactFactory(account=AccountFactory(tenant=manager_a.tenant), full_name="Dana Director")
    return make_relationship(user=manager_a.user, contact=contact)


# --- Hierarchy models as data ----------------------------------------------------------------------------


def test_defaults_seed_both_models_once_with_buy_sell_active(tenant_a):
    from tenancy.context import tenant_context

    with tenant_context(tenant_a.pk):
        active = services.hierarchy_defaults_ensure()
        again = services.hierarchy_defaults_ensure()
        assert active.pk == again.pk and active.kind == ModelKind.BUY_SELL
        assert HierarchyModel.objects.count() == 2
        buy_sell = list(HierarchyLevel.objects.filter(model=active).order_by("number"))
        needs = list(HierarchyLevel.objects.filter(model__kind=ModelKind.NEEDS).order_by("number"))
    assert [lvl.name for lvl in buy_sell] == [
        "Commodity that meets specifications",
        "Good products and services",
        "Dedicated service and support",
        "Contributes to business issues",
        "Contributes to organizational issues",
    ]
    assert [lvl.name for lvl in needs] == [
        "Utility",
        "Convenience",
        "Comfort",
        "Personal recognition",
        "Self-expression",
        "Co-creation",
    ]
    assert buy_sell[0].playbook_list == [
        "USP analysis: what do we offer that others do not?",
        "Consultative selling: ask about their needs before quoting",
        "The five product levels: core benefit, basic, expected, augmented and potential product",
        "A customer-service mindset in everyone who touches the account",
    ]
    assert any("RATER" in step for step in buy_sell[1].playbook_list)
    assert any("Simplex" in step for step in buy_sell[2].playbook_list)
    assert any("senior leaders" in step for step in buy_sell[3].playbook_list)
    assert buy_sell[4].playbook_list == []


def test_defaults_are_per_tenant(tenant_a, tenant_b):
    from tenancy.context import tenant_context

    with tenant_context(tenant_a.pk):
        a = services.hierarchy_defaults_ensure()
        level = HierarchyLevel.objects.get(model=a, number=1)
        services.hierarchy_level_update(level=level, name="Price taker", description="Only price counts.")
    with tenant_context(tenant_b.pk):
        b = services.hierarchy_defaults_ensure()
        assert a.pk != b.pk
        assert HierarchyLevel.objects.get(model=b, number=1).name == "Commodity that meets specifications"


def test_activate_needs_model_then_levels_up_to_six_are_accepted(rel, manager_a):
    with manager_a.scope():
        needs = services.hierarchy_defaults_ensure() and HierarchyModel.objects.get(kind=ModelKind.NEEDS)
        with pytest.raises(ValidationError) as error:
            services.assessment_record(relationship=rel, level=6, evidence="x", assessed_by=manager_a.user)
        assert error.value.message_dict["level"] == ["Choose a level from 1 to 5 of the Buy-Sell Hierarchy."]
        services.hierarchy_model_activate(model=needs)
        assert HierarchyModel.objects.get(is_active=True).kind == ModelKind.NEEDS
        assessment = services.assessment_record(
            relationship=rel, level=6, evidence="Joint road map signed.", assessed_by=manager_a.user
        )
    assert assessment.hierarchy_model_id == needs.pk


def _levels(rel):
    rel.refresh_from_db()
    return rel.self_level, rel.customer_level, Account.objects.get(pk=rel.account_id).current_level


def test_switching_models_starts_levels_afresh_and_switching_back_restores_them(rel, manager_a, manager_b):
    with manager_a.scope():
        account = Account.objects.get(pk=rel.account_id)
    other = make_relationship(user=manager_a.user, contact=ContactFactory(account=account))
    theirs = make_relationship(
        user=manager_b.user, contact=ContactFactory(account=AccountFactory(tenant=manager_b.tenant))
    )
    assess(rel, 3)
    assess(rel, 2, source=Source.CUSTOMER_SURVEY)
    assess(other, 4)
    assess(theirs, 5)
    with manager_a.scope():
        buy_sell = HierarchyModel.objects.get(kind=ModelKind.BUY_SELL)
        needs = HierarchyModel.objects.get(kind=ModelKind.NEEDS)
        assert _levels(rel) == (3, 2, 4)
        services.hierarchy_model_activate(model=needs)
        assert _levels(rel) == (None, None, None)  # Buy-Sell 3 is not Needs 3
        assert _levels(other)[:2] == (None, None)
    assess(rel, 6)
    with manager_a.scope():
        assert _levels(rel) == (6, None, 6)
        services.hierarchy_model_activate(model=buy_sell)
        assert _levels(rel) == (3, 2, 4)  # the level 6 of the needs model does not show as "6" here
        history = selectors.account_history(account=account, months=2)
        assert history[-1]["self"] == 4 and history[-1]["customer"] == 2
        assert Assessment.objects.count() == 4  # nothing rewritten: history under both models stays
        assert selectors.relationship_history(relationship=rel)[Source.SELF][-1][1] == 3
    with manager_b.scope():
        theirs.refresh_from_db()
        assert theirs.self_level == 5  # another tenant's levels are untouched


def test_activating_the_active_model_changes_nothing_and_a_switch_runs_in_constant_queries(
    rel, manager_a, django_assert_max_num_queries
):
    assess(rel, 3)
    with manager_a.scope():
        buy_sell = HierarchyModel.objects.get(kind=ModelKind.BUY_SELL)
        needs = HierarchyModel.objects.get(kind=ModelKind.NEEDS)
        before = Relationship.objects.get(pk=rel.pk).updated_at
        services.hierarchy_model_activate(model=buy_sell)
        assert _levels(rel) == (3, None, 3)
        assert Relationship.objects.get(pk=rel.pk).updated_at == before  # nothing was recomputed
    for _ in range(8):
        assess(
            make_relationship(
                user=manager_a.user, contact=ContactFactory(account=AccountFactory(tenant=manager_a.tenant))
            ),
            2,
        )
    # lock, previous model, 2 flips, UPDATE rels, UPDATE accounts, top level, UPDATE potential levels, the
    # switch record, the ratings recompute it queues (outbox), the audit entry, savepoints: the same for 8 or 8,000
    with manager_a.scope(), django_assert_max_num_queries(16):
        services.hierarchy_model_activate(model=needs)
    with manager_a.scope():
        assert Relationship.objects.filter(self_level__isnull=False).count() == 0
        assert Account.objects.filter(current_level__isnull=False).count() == 0


def test_level_update_strips_blank_lines_and_requires_a_name(manager_a):
    with manager_a.scope():
        level = HierarchyLevel.objects.get(model=services.hierarchy_defaults_ensure(), number=2)
        services.hierarchy_level_update(
            level=level, name=" Good stuff ", description="d", signals="a\n\n  b  \n", climb_playbook="x\n"
        )
        level.refresh_from_db()
        assert (level.name, level.signals, level.climb_playbook) == ("Good stuff", "a\nb", "x")
        with pytest.raises(ValidationError) as error:
            services.hierarchy_level_update(level=level, name="  ", description="d")
        assert "name" in error.value.message_dict


# --- Relationships -------------------------------------------------------------------------------------


def test_relationship_is_unique_per_user_and_contact(rel, manager_a):
    with manager_a.scope(), pytest.raises(ValidationError) as error:
        services.relationship_create(user=manager_a.user, contact=rel.contact)
    assert "already has a relationship with Dana Director" in error.value.message_dict["contact"][0]
    with manager_a.scope():
        assert Relationship.objects.count() == 1


def test_relationship_needs_a_member_and_a_contact_who_is_still_there(manager_a, manager_b):
    account = AccountFactory(tenant=manager_a.tenant)
    gone = ContactFactory(account=account, is_active=False, full_name="Gone Person")
    here = ContactFactory(account=account)
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.relationship_create(user=manager_b.user, contact=here)  # a member of another tenant
        assert error.value.message_dict["user"] == [f"{manager_b.user} is not a member of this tenant."]
        with pytest.raises(ValidationError) as error:
            services.relationship_create(user=manager_a.user, contact=gone)
        assert "Gone Person has left" in error.value.message_dict["contact"][0]
        relationship = services.relationship_create(user=manager_a.user, contact=here)
    assert relationship.owner_id == manager_a.user.pk and relationship.account_id == account.pk


def test_a_relationship_and_a_key_player_refuse_another_tenants_contact_and_account(manager_a, manager_b):
    """Defence in depth behind the views' access checks: the services skip existence queries for keys they
    have checked otherwise, but still prove the contact (relationship) and account (key player) are this
    tenant's — a foreign key alone would link across tenants."""
    from keyplayers import services as keyplayer_services

    theirs = ContactFactory(account=AccountFactory(tenant=manager_b.tenant))
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.relationship_create(user=manager_a.user, contact=theirs)
        assert "contact" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            keyplayer_services.key_player_create(account=theirs.account, contact=theirs, buying_role="executive")
        assert "account" in error.value.message_dict
        assert not Relationship.objects.exists()


# --- Assessments: append-only, current level per source ----------------------------------------------------


def test_current_level_is_the_latest_per_source(rel, manager_a):
    now = timezone.now()
    assess(rel, 2, at=now - dt.timedelta(days=30))
    assess(rel, 3, at=now - dt.timedelta(days=10))
    assess(rel, 1, at=now - dt.timedelta(days=20), source=Source.CUSTOMER_SURVEY)
    assess(rel, 1, at=now - dt.timedelta(days=60))  # back-dated: history, not the current level
    with manager_a.scope():
        rel.refresh_from_db()
        account = Account.objects.get(pk=rel.account_id)
    assert (rel.self_level, rel.customer_level, rel.gap, rel.effective_level) == (3, 1, 2, 1)
    assert account.current_level == 1  # the customer's own view decides the effective level


def test_evidence_is_required_and_level_must_exist(rel, manager_a):
    with manager_a.scope():
        for level, evidence, field in [
            (3, "   ", "evidence"),
            (0, "ok", "level"),
            (9, "ok", "level"),
            ("x", "ok", "level"),
        ]:
            with pytest.raises(ValidationError) as error:
                services.assessment_record(relationship=rel, level=level, evidence=evidence, assessed_by=manager_a.user)
            assert field in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.assessment_record(
                relationship=rel,
                level=2,
                evidence="ok",
                assessed_by=manager_a.user,
                assessed_at=timezone.now() + dt.timedelta(days=2),
            )
        assert error.value.message_dict["assessed_at"] == ["An assessment cannot be dated in the future."]
        assert Assessment.objects.count() == 0


def test_the_database_refuses_to_update_or_delete_an_assessment(rel, manager_a):
    assessment = assess(rel, 3)
    with manager_a.scope():
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Assessment.objects.filter(pk=assessment.pk).update(level=5)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Assessment.objects.filter(pk=assessment.pk).delete()
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE hierarchy_assessment SET evidence = 'rewritten'")
        assessment.refresh_from_db()
        assert (assessment.level, assessment.evidence) == (3, "Seen in the quarterly review.")


@postgres_only
def test_assessments_use_tenancys_append_only_trigger_and_hierarchys_own_is_gone():
    with connection.cursor() as cursor:
        assert "hierarchy_assessment" in append_only_tables(cursor)
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'hierarchy_refuse_change'")
        assert cursor.fetchone()[0] == 0


def test_services_offer_no_way_to_change_an_assessment():
    names = [name for name in dir(services) if name.startswith("assessment_")]
    assert names == ["assessment_record"]


# --- Alerts ---------------------------------------------------------------------------------------------


def test_a_drop_raises_an_alert_a_rise_does_not(rel, manager_a):
    now = timezone.now()
    assess(rel, 2, at=now - dt.timedelta(days=3))
    assess(rel, 4, at=now - dt.timedelta(days=2))
    assess(rel, 4, at=now - dt.timedelta(days=2), source=Source.CUSTOMER_SURVEY)
    dropped = assess(rel, 3, at=now - dt.timedelta(days=1))
    assess(rel, 1, at=now - dt.timedelta(days=9))  # back-dated lower value: not a drop of the current level
    with manager_a.scope():
        alerts = list(HierarchyAlert.objects.all())
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.kind, alert.from_level, alert.to_level, alert.assessment_id) == (
        AlertKind.LEVEL_DROP,
        4,
        3,
        dropped.pk,
    )
    assert alert.message == "Dana Director: level fell from 4 to 3 (our view)."


def test_a_history_recorded_at_once_keeps_the_rules_of_one_at_a_time(rel, manager_a):
    """assessments_record (the demo's 18 months): the same current levels, alerts and roll-up as one call
    per assessment, and all or nothing."""
    now = timezone.now()
    ours = {"assessed_by": manager_a.user, "source": Source.SELF, "evidence": "seen"}
    entries = [
        {**ours, "level": 2, "assessed_at": now - dt.timedelta(days=90)},
        {**ours, "level": 4, "assessed_at": now - dt.timedelta(days=60)},
        {
            "level": 3,
            "source": Source.CUSTOMER_SURVEY,
            "evidence": "survey",
            "assessed_at": now - dt.timedelta(days=45),
        },
        {**ours, "level": 3, "assessed_at": now - dt.timedelta(days=30)},
    ]
    with manager_a.scope():
        refused = [*entries, {**ours, "level": 9, "assessed_at": now}]
        with pytest.raises(ValidationError) as error:
            services.assessments_record(relationship=rel, entries=refused)
        assert "level" in error.value.message_dict
        assert not Assessment.objects.exists()

        recorded = services.assessments_record(relationship=rel, entries=entries)
        assert [a.level for a in recorded] == [2, 4, 3, 3]
        rel.refresh_from_db()
        assert (rel.self_level, rel.customer_level) == (3, 3)
        assert list(HierarchyAlert.objects.values_list("from_level", "to_level")) == [(4, 3)]
        assert Account.objects.get(pk=rel.account_id).current_level == 3


def test_a_contact_leaving_with_a_level_four_relationship_raises_one_alert(manager_a, make_member):
    other = make_member(manager_a.tenant)
    account = AccountFactory(tenant=manager_a.tenant)
    high, low = ContactFactory(account=account, full_name="High Flyer"), ContactFactory(account=account)
    r_high = make_relationship(user=manager_a.user, contact=high)
    r_high2 = make_relationship(user=other.user, contact=high)
    r_low = make_relationship(user=manager_a.user, contact=low)
    assess(r_high, 4)
    assess(r_high2, 2)
    assess(r_low, 3)
    with manager_a.scope():
        assert Account.objects.get(pk=account.pk).current_level == 4
        leave(high)  # accounts announces the departure; hierarchy acts on it
        leave(low)
        assert services.contacts_departed(contact_ids=[high.pk]) == 0  # announced again: nothing added
        alerts = list(HierarchyAlert.objects.filter(kind=AlertKind.CONTACT_LEFT))
        assert [(a.relationship_id, a.from_level) for a in alerts] == [(r_high.pk, 4)]
        assert alerts[0].message == "High Flyer has left while holding a level-4 relationship."
        assert Account.objects.get(pk=account.pk).current_level is None  # nobody left holds a level
        assert services.contact_departures_scan() == 0


def test_scan_catches_departures_made_by_bulk_updates(rel, manager_a):
    from accounts.models import Contact

    assess(rel, 5, source=Source.CUSTOMER_SURVEY)
    with manager_a.scope():
        Contact.objects.filter(pk=rel.contact_id).update(is_active=False)  # no save(): no signal
        assert services.contact_departures_scan() == 1
        assert services.contact_departures_scan() == 0


def test_alert_is_acknowledged_once(rel, manager_a):
    assess(rel, 3)
    assess(rel, 2)
    with manager_a.scope():
        alert = HierarchyAlert.objects.get()
        services.alert_acknowledge(alert=alert, by=manager_a.user)
        assert alert.acknowledged_by_id == manager_a.user.pk
        with pytest.raises(ValidationError):
            services.alert_acknowledge(alert=alert, by=manager_a.user)


# --- Customer survey ------------------------------------------------------------------------------------


def _send(rel, member, **kwargs):
    with member.scope():
        return services.survey_invitation_send(
            relationship=rel, sent_by=member.user, base_url="http://testserver", **kwargs
        )


def _token(link):
    return link.rstrip("/").rsplit("/", 1)[1]


def test_sending_a_survey_mails_a_signed_link_after_commit(rel, manager_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, link = _send(rel, manager_a)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [rel.contact.email] and link in message.body
    assert link.startswith("http://testserver/survey/")
    parsed = services.survey_token_parse(_token(link))
    assert (parsed.tenant_id, parsed.invitation_id) == (manager_a.tenant.pk, invitation.pk)
    assert abs((invitation.expires_at - timezone.now()) - dt.timedelta(days=14)) < dt.timedelta(minutes=1)


def test_no_mail_when_the_transaction_rolls_back(rel, manager_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with manager_a.scope():
                services.survey_invitation_send(relationship=rel, sent_by=manager_a.user, base_url="http://t")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []


def test_survey_needs_an_address(manager_a):
    contact = ContactFactory(account=AccountFactory(tenant=manager_a.tenant), email="", full_name="No Mail")
    rel = make_relationship(user=manager_a.user, contact=contact)
    with pytest.raises(ValidationError) as error:
        _send(rel, manager_a)
    assert "No Mail has no e-mail address" in error.value.message_dict["email"][0]


def test_answer_records_a_customer_assessment_once(rel, manager_a):
    assess(rel, 4)
    invitation, link = _send(rel, manager_a)
    parsed = services.survey_token_parse(_token(link))
    with manager_a.scope():
        assessment = services.survey_answer(parsed=parsed, level=2, comment="Mostly about price still.")
        rel.refresh_from_db()
        invitation.refresh_from_db()
    assert (assessment.source, assessment.level, assessment.assessed_by_id) == (Source.CUSTOMER_SURVEY, 2, None)
    assert "Comment: Mostly about price still." in assessment.evidence
    assert (rel.self_level, rel.customer_level, rel.gap) == (4, 2, 2)
    assert invitation.used_at is not None and invitation.assessment_id == assessment.pk
    with manager_a.scope(), pytest.raises(services.SurveyLinkError) as problem:
        services.survey_answer(parsed=parsed, level=5)
    assert problem.value.reason == "used"
    with manager_a.scope():
        assert Assessment.objects.filter(source=Source.CUSTOMER_SURVEY).count() == 1


def test_expired_link_records_nothing(rel, manager_a, time_machine):
    _, link = _send(rel, manager_a, valid_days=3)
    time_machine.move_to(timezone.now() + dt.timedelta(days=3, minutes=1))
    parsed = services.survey_token_parse(_token(link))
    with manager_a.scope(), pytest.raises(services.SurveyLinkError) as problem:
        services.survey_answer(parsed=parsed, level=3)
    assert problem.value.reason == "expired"
    with manager_a.scope():
        assert Assessment.objects.count() == 0


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: "x" + t,  # payload changed
        lambda t: signing.dumps({"t": 1, "i": 1, "n": "guess"}, salt="another-salt"),  # signed for something else
        lambda t: "",
    ],
)
def test_tampered_tokens_are_invalid(rel, manager_a, tamper):
    _, link = _send(rel, manager_a)
    with pytest.raises(services.SurveyLinkError) as problem:
        services.survey_token_parse(tamper(_token(link)))
    assert problem.value.reason == "invalid"


def test_a_valid_signature_with_the_wrong_nonce_is_invalid(rel, manager_a):
    invitation, _ = _send(rel, manager_a)
    forged = signing.dumps(
        {"t": invitation.tenant_id, "i": invitation.pk, "n": "not-the-nonce"}, salt=services.SURVEY_SALT
    )
    parsed = services.survey_token_parse(forged)
    with manager_a.scope(), pytest.raises(services.SurveyLinkError) as problem:
        services.survey_answer(parsed=parsed, level=3)
    assert problem.value.reason == "invalid"


def test_revoked_link_cannot_be_answered(rel, manager_a):
    invitation, link = _send(rel, manager_a)
    with manager_a.scope():
        services.survey_invitation_revoke(invitation=invitation)
        with pytest.raises(services.SurveyLinkError) as problem:
            services.survey_answer(parsed=services.survey_token_parse(_token(link)), level=3)
        assert problem.value.reason == "revoked"  # its own reason, not "copied incompletely"
        assert SurveyInvitation.objects.get().assessment_id is None


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_answers_record_exactly_one(tenant_a, make_member):
    """Two submits racing on separate connections: the conditional UPDATE lets one claim the link."""
    import threading

    from django.db import connections

    from tenancy.context import tenant_context

    member = make_member(tenant_a)
    relationship = make_relationship(user=member.user, contact=ContactFactory(account=AccountFactory(tenant=tenant_a)))
    with tenant_context(tenant_a.pk):
        _, link = services.survey_invitation_send(relationship=relationship, sent_by=member.user, base_url="http://t")
    parsed = services.survey_token_parse(_token(link))
    barrier, outcomes = threading.Barrier(2), []

    def submit(level):
        try:
            barrier.wait()
            with tenant_context(parsed.tenant_id):
                services.survey_answer(parsed=parsed, level=level)
            outcomes.append("recorded")
        except services.SurveyLinkError as problem:
            outcomes.append(problem.reason)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(level,)) for level in (2, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(outcomes) == ["recorded", "used"]
    with tenant_context(tenant_a.pk):
        assert Assessment.objects.filter(source=Source.CUSTOMER_SURVEY).count() == 1
        assert SurveyInvitation.objects.get().assessment_id is not None


# --- Departures announced by accounts (imports write in bulk, without post_save) -------------------------


def test_a_csv_import_that_marks_contacts_gone_raises_alerts_and_drops_them_from_the_roll_up(
    manager_a, django_capture_on_commit_callbacks
):
    from accounts import imports
    from accounts import services as account_services

    account = AccountFactory(tenant=manager_a.tenant, external_id="ACC-1")
    high = ContactFactory(account=account, external_id="C-1", full_name="Hannah High")
    low = ContactFactory(account=account, external_id="C-2", full_name="Len Low")
    stays = ContactFactory(account=account, external_id="C-3", full_name="Sam Stays")
    assess(make_relationship(user=manager_a.user, contact=high), 5)
    assess(make_relationship(user=manager_a.user, contact=low), 2)
    assess(make_relationship(user=manager_a.user, contact=stays), 3)
    csv = (
        "external_id,account_external_id,full_name,is_active,left_on\n"
        "C-1,ACC-1,Hannah High,no,2026-01-10\nC-2,ACC-1,Len Low,no,2026-01-10\nC-3,ACC-1,Sam Stays,yes,\n"
    )
    columns, rows, _ = imports.read_csv(csv.encode(), kind="contacts")
    with manager_a.scope():
        assert Account.objects.get(pk=account.pk).current_level == 5
        batch = account_services.import_batch_create(
            by=manager_a.user, kind="contacts", filename="c.csv", columns=columns, rows=rows
        )
    with manager_a.scope(), django_capture_on_commit_callbacks(execute=True):
        plan = account_services.import_batch_apply(batch=batch, by=manager_a.user)
        assert not plan.errors
    with manager_a.scope():
        alerts = list(HierarchyAlert.objects.values_list("kind", "message"))
        assert alerts == [(AlertKind.CONTACT_LEFT, "Hannah High has left while holding a level-5 relationship.")]
        assert Account.objects.get(pk=account.pk).current_level == 3  # Sam, the one still there


def test_the_contacts_left_signal_is_handled_set_based(manager_a, django_assert_max_num_queries):
    from accounts.models import Contact
    from accounts.services import contacts_left

    account = AccountFactory(tenant=manager_a.tenant)
    people = [ContactFactory(account=account) for _ in range(6)]
    for person in people:
        assess(make_relationship(user=manager_a.user, contact=person), 4)
    with manager_a.scope():
        Contact.objects.filter(pk__in=[p.pk for p in people]).update(is_active=False)  # bulk: no post_save
    with django_assert_max_num_queries(14):  # the same for 1 or 1,000 contacts (one more: the model's top level)
        contacts_left.send(sender=Contact, tenant_id=manager_a.tenant.pk, contact_ids=[p.pk for p in people])
    with manager_a.scope():
        assert HierarchyAlert.objects.filter(kind=AlertKind.CONTACT_LEFT).count() == 6
        assert Account.objects.get(pk=account.pk).current_level is None
