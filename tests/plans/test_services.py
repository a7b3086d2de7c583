"""plans.services: the business rules, each with the error a user sees and proof nothing changed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, Contact
from plans import services
from plans.models import (
    AccountPlan,
    ActionStatus,
    CalendarFeed,
    CallReport,
    CompetitiveStrategy,
    FeedKind,
    Opportunity,
    PlanAction,
    PlanStatus,
    Stage,
    Visit,
    VisitAttendee,
    VisitStatus,
)
from tenancy.tokens import hash_token
from tests.plans.factories import AccountFactory, ContactFactory, OpportunityFactory, PlanFactory, make_call, make_visit

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate()


# --- account plans ---------------------------------------------------------------------------------------


def test_new_plan_archives_the_active_one_and_keeps_it(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        first = services.plan_create(account=account, title="FY26", objectives="Grow", owner=manager_a.user)
        second = services.plan_create(account=account, title="FY27", objectives="Grow more", owner=manager_a.user)
        first.refresh_from_db()
        assert first.status == PlanStatus.ARCHIVED and first.archived_at is not None
        assert second.status == PlanStatus.ACTIVE
        assert AccountPlan.objects.filter(account=account).count() == 2
        assert list(AccountPlan.objects.filter(account=account, status=PlanStatus.ACTIVE)) == [second]


def test_the_database_refuses_two_active_plans_for_one_account(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    PlanFactory(account=account)
    with manager_a.scope():
        with pytest.raises(IntegrityError), transaction.atomic():
            AccountPlan.objects.create(tenant=manager_a.tenant, account=account, title="Second", objectives="x")


def test_plan_target_date_in_the_past_is_refused(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.plan_create(
                account=account, title="Late", objectives="x", target_date=_today() - dt.timedelta(days=1)
            )
        assert "target date is in the past" in str(error.value)
        assert not AccountPlan.objects.exists()


def test_plan_owner_must_be_a_member(manager_a, manager_b):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        with pytest.raises(ValidationError, match="is not a member of this tenant"):
            services.plan_create(account=account, title="P", objectives="x", owner=manager_b.user)
        assert not AccountPlan.objects.exists()


def test_archived_plans_cannot_be_edited_but_can_be_reactivated(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        old = services.plan_create(account=account, title="Old", objectives="x")
        new = services.plan_create(account=account, title="New", objectives="y")
        old.refresh_from_db()
        with pytest.raises(ValidationError, match="Archived plans are kept"):
            services.plan_update(plan=old, title="Changed")
        services.plan_reactivate(plan=old)
        new.refresh_from_db()
        assert old.status == PlanStatus.ACTIVE and new.status == PlanStatus.ARCHIVED


def test_a_new_plan_carries_the_open_actions_of_the_archived_one(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        first = services.plan_create(account=account, title="FY26", objectives="Grow")
        open_ = services.action_create(plan=first, title="Call the CFO", due_date=_today())
        started = services.action_create(plan=first, title="Draft proposal", due_date=_today())
        services.action_set_status(action=started, status=ActionStatus.IN_PROGRESS)
        done = services.action_create(plan=first, title="Send deck", due_date=_today())
        services.action_set_status(action=done, status=ActionStatus.DONE)
        cancelled = services.action_create(plan=first, title="Old idea", due_date=_today())
        services.action_set_status(action=cancelled, status=ActionStatus.CANCELLED)

        second = services.plan_create(account=account, title="FY27", objectives="Grow more")

        assert second.carried_over_actions == 2
        assert set(second.actions.values_list("pk", flat=True)) == {open_.pk, started.pk}
        assert set(first.actions.values_list("pk", flat=True)) == {done.pk, cancelled.pk}


def test_the_first_plan_carries_nothing(manager_a):
    with manager_a.scope():
        plan = services.plan_create(account=AccountFactory(tenant=manager_a.tenant), title="P", objectives="x")
        assert plan.carried_over_actions == 0


def test_reactivating_a_plan_carries_the_open_actions_of_the_current_one(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        old = services.plan_create(account=account, title="Old", objectives="x")
        kept = services.action_create(plan=old, title="Done long ago", due_date=_today())
        services.action_set_status(action=kept, status=ActionStatus.DONE)
        new = services.plan_create(account=account, title="New", objectives="y")
        pending = services.action_create(plan=new, title="Book the visit", due_date=_today())
        finished = services.action_create(plan=new, title="Intro call", due_date=_today())
        services.action_set_status(action=finished, status=ActionStatus.DONE)
        old.refresh_from_db()

        services.plan_reactivate(plan=old)

        assert old.carried_over_actions == 1
        assert set(old.actions.values_list("pk", flat=True)) == {kept.pk, pending.pk}
        assert list(new.actions.values_list("pk", flat=True)) == [finished.pk]


def test_plan_update_saves_only_changed_fields(manager_a):
    plan = PlanFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        services.plan_update(plan=plan, title="  Renamed  ", target_level=4)
        plan.refresh_from_db()
        assert (plan.title, plan.target_level) == ("Renamed", 4)
        with pytest.raises(ValidationError):
            services.plan_update(plan=plan, target_level=9)


# --- actions -----------------------------------------------------------------------------------------------


def test_action_due_in_the_past_is_refused_and_nothing_is_saved(manager_a):
    plan = PlanFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.action_create(plan=plan, title="Call CFO", due_date=_today() - dt.timedelta(days=2))
        assert "is in the past" in error.value.message_dict["due_date"][0]
        assert not PlanAction.objects.exists()


def test_action_status_done_sets_and_clears_completed_at(manager_a):
    plan = PlanFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        action = services.action_create(plan=plan, title="Send deck", due_date=_today(), owner=manager_a.user)
        services.action_set_status(action=action, status=ActionStatus.DONE)
        assert action.completed_at is not None
        services.action_set_status(action=action, status=ActionStatus.OPEN)
        action.refresh_from_db()
        assert action.status == ActionStatus.OPEN and action.completed_at is None


def test_no_actions_on_archived_plans(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        old = services.plan_create(account=account, title="Old", objectives="x")
        services.plan_create(account=account, title="New", objectives="x")
        old.refresh_from_db()
        with pytest.raises(ValidationError, match="archived"):
            services.action_create(plan=old, title="Too late", due_date=_today())


# --- opportunities -----------------------------------------------------------------------------------------


def test_strategy_needs_a_rationale(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.opportunity_create(
                account=account,
                name="Fleet",
                value=Decimal("1000"),
                close_date=_today(),
                competitive_strategy=CompetitiveStrategy.END_AROUND,
            )
        assert "End-around" in error.value.message_dict["strategy_rationale"][0]
        assert not Opportunity.objects.exists()
        opp = services.opportunity_create(
            account=account,
            name="Fleet",
            value=Decimal("1000"),
            close_date=_today(),
            competitive_strategy=CompetitiveStrategy.END_AROUND,
            strategy_rationale="Their CFO decides, not procurement.",
            currency="gbp",
        )
        assert opp.currency == "GBP"


def test_closing_and_reopening_an_opportunity(manager_a):
    opp = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        services.opportunity_update(opportunity=opp, stage=Stage.WON)
        assert opp.closed_at is not None
        services.opportunity_update(opportunity=opp, stage=Stage.NEGOTIATING)
        opp.refresh_from_db()
        assert opp.closed_at is None and opp.stage == Stage.NEGOTIATING


def test_negative_value_is_refused(manager_a):
    opp = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        with pytest.raises(ValidationError, match="negative"):
            services.opportunity_update(opportunity=opp, value=Decimal("-5"))
        opp.refresh_from_db()
        assert opp.value == Decimal("100000.00")


def test_notes_thread(manager_a):
    opp = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        with pytest.raises(ValidationError, match="Write the note"):
            services.opportunity_note_add(opportunity=opp, author=manager_a.user, body="   ")
        services.opportunity_note_add(opportunity=opp, author=manager_a.user, body="Their CIO is leaving in May.")
        assert [n.body for n in opp.notes.all()] == ["Their CIO is leaving in May."]


# --- call reports ---------------------------------------------------------------------------------------------


def _last_contacts(member, account, contacts):
    with member.scope():
        return (
            Account.objects.get(pk=account.pk).last_contact_at,
            [Contact.objects.get(pk=c.pk).last_contact_at for c in contacts],
        )


def test_a_call_report_moves_last_contact_forward_never_back(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    anna, ben = ContactFactory(account=account), ContactFactory(account=account)
    recent = (timezone.now() - dt.timedelta(days=2)).replace(microsecond=0)
    older = recent - dt.timedelta(days=30)

    make_call(account=account, author=manager_a.user, at=recent, contacts=[anna])
    assert _last_contacts(manager_a, account, [anna, ben]) == (recent, [recent, None])

    # An older call (logged late) does not move anything back; Ben gets his first contact.
    make_call(account=account, author=manager_a.user, at=older, contacts=[anna, ben])
    assert _last_contacts(manager_a, account, [anna, ben]) == (recent, [recent, older])

    newest = recent + dt.timedelta(days=1)
    make_call(account=account, author=manager_a.user, at=newest, contacts=[ben])
    assert _last_contacts(manager_a, account, [anna, ben]) == (newest, [recent, newest])


def test_a_call_in_the_future_is_refused(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with pytest.raises(ValidationError, match="date is in the future"):
        make_call(account=account, author=manager_a.user, at=timezone.now() + dt.timedelta(days=1))
    assert _last_contacts(manager_a, account, []) == (None, [])


def test_contacts_of_another_account_are_refused_and_nothing_changes(manager_a):
    account, other = AccountFactory(tenant=manager_a.tenant), AccountFactory(tenant=manager_a.tenant)
    stranger = ContactFactory(account=other, full_name="Otto Other")
    with pytest.raises(ValidationError, match="Not a contact at .*: Otto Other"):
        make_call(account=account, author=manager_a.user, contacts=[stranger])
    with manager_a.scope():
        assert not CallReport.objects.exists()
    assert _last_contacts(manager_a, account, [stranger]) == (None, [None])


def test_opportunity_of_another_account_is_refused(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    opp = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant), name="Elsewhere")
    with manager_a.scope():
        with pytest.raises(ValidationError, match="“Elsewhere” is an opportunity of another account"):
            services.call_report_record(
                account=account, occurred_at=timezone.now(), summary="x", author=manager_a.user, opportunity=opp
            )


def test_next_steps_become_actions_on_the_active_plan(manager_a, executive_a):
    account = AccountFactory(tenant=manager_a.tenant)
    plan = PlanFactory(account=account)
    due = _today() + dt.timedelta(days=5)
    call = make_call(
        account=account,
        author=manager_a.user,
        next_steps=[
            services.NextStep(title="Send the proposal", due_date=due, owner=manager_a.user),
            services.NextStep(title="Book the CEO meeting", due_date=due, owner=executive_a.user),
        ],
    )
    with manager_a.scope():
        actions = list(PlanAction.objects.filter(plan=plan).order_by("title"))
        assert [(a.title, a.owner_id, a.source_call_id) for a in actions] == [
            ("Book the CEO meeting", executive_a.user.pk, call.pk),
            ("Send the proposal", manager_a.user.pk, call.pk),
        ]


def test_next_steps_start_a_plan_when_the_account_has_none(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, name="Acme")
    make_call(
        account=account,
        author=manager_a.user,
        next_steps=[services.NextStep(title="Follow up", due_date=_today(), owner=manager_a.user)],
    )
    with manager_a.scope():
        plan = AccountPlan.objects.get(account=account)
        assert plan.status == PlanStatus.ACTIVE and plan.title == "Acme account plan"
        assert plan.actions.get().title == "Follow up"


def test_a_next_step_due_in_the_past_refuses_the_whole_report(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    with pytest.raises(ValidationError, match="Next step 1 .*in the past"):
        make_call(
            account=account,
            author=manager_a.user,
            next_steps=[services.NextStep(title="Late", due_date=_today() - dt.timedelta(days=1))],
        )
    with manager_a.scope():
        assert not CallReport.objects.exists() and not PlanAction.objects.exists()
    assert _last_contacts(manager_a, account, []) == (None, [])


def test_attendees_must_be_members(manager_a, manager_b):
    account = AccountFactory(tenant=manager_a.tenant)
    with pytest.raises(ValidationError, match="is not a member"):
        make_call(account=account, author=manager_a.user, attendees=[manager_b.user])


# --- visits ----------------------------------------------------------------------------------------------------


def test_visit_flags_executives_and_keeps_its_time_zone(manager_a, executive_a):
    account = AccountFactory(tenant=manager_a.tenant)
    visit = make_visit(
        account=account,
        organiser=manager_a.user,
        attendees=[manager_a.user, executive_a.user],
        timezone_name="America/New_York",
    )
    with manager_a.scope():
        flags = dict(VisitAttendee.objects.filter(visit=visit).values_list("user_id", "is_executive"))
        assert flags == {manager_a.user.pk: False, executive_a.user.pk: True}
        assert Visit.objects.get(pk=visit.pk).timezone == "America/New_York"


@pytest.mark.parametrize(
    "hours, message", [(0, "end after it starts"), (-1, "end after it starts"), (24 * 15, "at most 14 days")]
)
def test_visit_times_are_checked(manager_a, hours, message):
    account = AccountFactory(tenant=manager_a.tenant)
    with pytest.raises(ValidationError, match=message):
        make_visit(account=account, organiser=manager_a.user, attendees=[manager_a.user], hours=hours)
    with manager_a.scope():
        assert not Visit.objects.exists()


def test_visit_needs_one_of_ours_and_their_people_from_the_account(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    stranger = ContactFactory(account=AccountFactory(tenant=manager_a.tenant))
    with pytest.raises(ValidationError, match="at least one of our people"):
        make_visit(account=account, organiser=manager_a.user, attendees=[])
    with pytest.raises(ValidationError, match="Not a contact at"):
        make_visit(account=account, organiser=manager_a.user, attendees=[manager_a.user], contacts=[stranger])


def test_visit_update_replaces_people_and_bumps_the_sequence(manager_a, executive_a):
    account = AccountFactory(tenant=manager_a.tenant)
    anna = ContactFactory(account=account)
    visit = make_visit(account=account, organiser=manager_a.user, attendees=[manager_a.user])
    with manager_a.scope():
        services.visit_update(
            visit=visit,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            timezone_name=visit.timezone,
            purpose="Renewal",
            attendees=[executive_a.user],
            contacts=[anna],
        )
        visit.refresh_from_db()
        assert visit.sequence == 1 and visit.purpose == "Renewal"
        assert list(visit.our_attendees.values_list("user_id", "is_executive")) == [(executive_a.user.pk, True)]
        assert list(visit.their_attendees.values_list("contact_id", flat=True)) == [anna.pk]
        services.visit_cancel(visit=visit)
        assert visit.status == VisitStatus.CANCELLED and visit.sequence == 2
        with pytest.raises(ValidationError, match="cancelled"):
            services.visit_update(
                visit=visit,
                starts_at=visit.starts_at,
                ends_at=visit.ends_at,
                timezone_name=visit.timezone,
                purpose="x",
                attendees=[manager_a.user],
            )


# --- calendar feeds ---------------------------------------------------------------------------------------------


def test_rotating_a_feed_revokes_the_previous_token(manager_a):
    with manager_a.scope():
        first, raw1 = services.calendar_feed_rotate(user=manager_a.user, kind=FeedKind.MINE)
        second, raw2 = services.calendar_feed_rotate(user=manager_a.user, kind=FeedKind.MINE)
        first.refresh_from_db()
        assert raw1 != raw2 and raw2.startswith(f"{manager_a.tenant.pk}_")
        assert first.revoked_at is not None and second.revoked_at is None
        assert second.key_hash == hash_token(raw2) and raw2 not in second.key_hash
        assert services.calendar_feed_revoke(user=manager_a.user, kind=FeedKind.MINE) == 1
        assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()
        with pytest.raises(ValidationError, match="Unknown feed"):
            services.calendar_feed_rotate(user=manager_a.user, kind="everyone")


def test_only_members_get_feeds(manager_a, manager_b):
    with manager_a.scope():
        with pytest.raises(ValidationError, match="is not a member"):
            services.calendar_feed_rotate(user=manager_b.user, kind=FeedKind.TENANT)


# --- key players on opportunities --------------------------------------------------------------------------


def test_key_players_of_the_account_go_on_one_opportunity_at_most(manager_a):
    from plans.models import OpportunityKeyPlayer
    from tests.keyplayers.factories import KeyPlayerFactory

    account = AccountFactory(tenant=manager_a.tenant)
    fleet, software = OpportunityFactory(account=account, name="Fleet"), OpportunityFactory(account=account)
    player = KeyPlayerFactory(account=account, contact__full_name="Dana Buyer")
    with manager_a.scope():
        link = services.opportunity_key_player_add(opportunity=fleet, key_player=player)
        assert services.opportunity_key_player_add(opportunity=fleet, key_player=player) == link  # idempotent
        with pytest.raises(ValidationError) as error:
            services.opportunity_key_player_add(opportunity=software, key_player=player)
        assert error.value.message_dict["key_players"] == [
            "Dana Buyer is already on the opportunity “Fleet”: take them off it first "
            "(a key player is on one opportunity at most)."
        ]
        assert list(fleet.key_players.all()) == [player] and not software.key_players.exists()
        assert services.opportunity_key_player_remove(opportunity=fleet, key_player=player) is True
        assert not OpportunityKeyPlayer.objects.exists()
        services.opportunity_key_player_add(opportunity=software, key_player=player)
        assert list(software.key_players.all()) == [player]


def test_the_database_refuses_a_key_player_on_two_opportunities(manager_a):
    from plans.models import OpportunityKeyPlayer
    from tests.keyplayers.factories import KeyPlayerFactory

    account = AccountFactory(tenant=manager_a.tenant)
    player = KeyPlayerFactory(account=account)
    first, second = OpportunityFactory(account=account), OpportunityFactory(account=account)
    with manager_a.scope():
        OpportunityKeyPlayer.objects.create(tenant=manager_a.tenant, opportunity=first, key_player=player)
        with pytest.raises(IntegrityError), transaction.atomic():
            OpportunityKeyPlayer.objects.create(tenant=manager_a.tenant, opportunity=second, key_player=player)


def test_a_key_player_of_another_account_is_refused(manager_a):
    from tests.keyplayers.factories import KeyPlayerFactory

    opp = OpportunityFactory(account=AccountFactory(tenant=manager_a.tenant, name="Acme"))
    stranger = KeyPlayerFactory(account=AccountFactory(tenant=manager_a.tenant), contact__full_name="Lee Other")
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.opportunity_key_player_add(opportunity=opp, key_player=stranger)
        assert error.value.message_dict["key_players"] == [
            "Lee Other is a key player at another account, not Acme: only the account's own key players "
            "can be on its opportunities."
        ]
        assert not opp.key_players.exists()


def test_setting_the_key_players_checks_all_before_writing(manager_a):
    from tests.keyplayers.factories import KeyPlayerFactory

    account = AccountFactory(tenant=manager_a.tenant)
    opp = OpportunityFactory(account=account)
    a, b, c = (KeyPlayerFactory(account=account) for _ in range(3))
    stranger = KeyPlayerFactory(account=AccountFactory(tenant=manager_a.tenant))
    with manager_a.scope():
        services.opportunity_key_players_set(opportunity=opp, key_players=[a, b])
        with pytest.raises(ValidationError):
            services.opportunity_key_players_set(opportunity=opp, key_players=[c, stranger])
        assert set(opp.key_players.all()) == {a, b}
        services.opportunity_key_players_set(opportunity=opp, key_players=[b, c])
        assert set(opp.key_players.all()) == {b, c}
        created = services.opportunity_create(
            account=account,
            name="With team",
            value=Decimal("10"),
            close_date=_today() + dt.timedelta(days=30),
            key_players=[a],
        )
        assert list(created.key_players.all()) == [a]
        with pytest.raises(ValidationError):
            services.opportunity_create(
                account=account,
                name="Stolen",
                value=Decimal("10"),
                close_date=_today() + dt.timedelta(days=30),
                key_players=[a],
            )
        assert not Opportunity.objects.filter(name="Stolen").exists()
