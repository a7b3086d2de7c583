import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from keyplayers import selectors, services
from keyplayers.models import BuyingRole, BuyingStage, CoverageSettings, Guidance, KeyPlayer, Stance
from tests.keyplayers.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_create_a_key_player(manager_a, account_a):
    contact = ContactFactory(account=account_a, tenant=account_a.tenant, full_name="Dana CEO")
    with manager_a.scope():
        player = services.key_player_create(
            account=account_a,
            contact=contact,
            buying_role=BuyingRole.EXECUTIVE,
            buying_stage=BuyingStage.EVALUATE_RISK,
            concerns="  Payback  ",
        )
        stored = KeyPlayer.objects.get(pk=player.pk)
    assert (stored.buying_role, stored.buying_stage, stored.stance, stored.influence, stored.concerns) == (
        "executive",
        "evaluate_risk",
        "neutral",
        "medium",
        "Payback",
    )


def test_contact_must_belong_to_the_account_and_appear_once(manager_a, tenant_a, account_a):
    other_account = AccountFactory(tenant=tenant_a, name="Initech")
    stranger = ContactFactory(account=other_account, tenant=tenant_a, full_name="Peter Gibbons")
    contact = ContactFactory(account=account_a, tenant=tenant_a, full_name="Dana CEO")
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.key_player_create(account=account_a, contact=stranger, buying_role=BuyingRole.EXECUTIVE)
        assert "Peter Gibbons works at another account" in error.value.message_dict["contact"][0]
        services.key_player_create(account=account_a, contact=contact, buying_role=BuyingRole.EXECUTIVE)
        with pytest.raises(ValidationError) as error:
            services.key_player_create(account=account_a, contact=contact, buying_role=BuyingRole.PURCHASING)
        assert "already a key player" in error.value.message_dict["contact"][0]
        assert KeyPlayer.objects.count() == 1


def test_unknown_choices_are_refused_with_the_allowed_values(manager_a, account_a):
    contact = ContactFactory(account=account_a, tenant=account_a.tenant)
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.key_player_create(
                account=account_a,
                contact=contact,
                buying_role="ceo",
                buying_stage="closing",
                stance="angry",
                influence="huge",
            )
        errors = error.value.message_dict
        assert set(errors) == {"buying_role", "buying_stage", "stance", "influence"}
        assert (
            "Unknown buying stage 'closing'" in errors["buying_stage"][0]
            and "Evaluate risk (evaluate_risk)" in errors["buying_stage"][0]
        )
        assert not KeyPlayer.objects.exists()


def test_contact_who_left_cannot_be_added(manager_a, account_a):
    contact = ContactFactory(account=account_a, tenant=account_a.tenant, is_active=False, full_name="Gone Person")
    with manager_a.scope(), pytest.raises(ValidationError) as error:
        services.key_player_create(account=account_a, contact=contact, buying_role=BuyingRole.OPERATIONAL)
    assert "Gone Person has left" in error.value.message_dict["contact"][0]


def test_update_changes_only_what_it_is_given(manager_a, make_player):
    player = make_player(buying_stage=BuyingStage.PLANNING, stance=Stance.NEUTRAL, concerns="Budget")
    with manager_a.scope():
        services.key_player_set_stage(key_player=player, buying_stage=BuyingStage.EVALUATE_RISK)
        services.key_player_set_stance(key_player=player, stance=Stance.SUPPORTER)
        stored = KeyPlayer.objects.get(pk=player.pk)
        assert (stored.buying_stage, stored.stance, stored.concerns) == ("evaluate_risk", "supporter", "Budget")
        with pytest.raises(ValidationError) as error:
            services.key_player_update(key_player=player, buying_stage="won")
        assert "Unknown buying stage 'won'" in error.value.message_dict["buying_stage"][0]
        with pytest.raises(ValidationError):
            services.key_player_update(key_player=player, contact_id=1)
        with pytest.raises(ValidationError) as error:
            services.key_player_update(key_player=player, last_contact_at=timezone.now() + dt.timedelta(days=2))
        assert "future" in error.value.message_dict["last_contact_at"][0]
        assert KeyPlayer.objects.get(pk=player.pk).buying_stage == "evaluate_risk"


def test_last_contact_is_the_later_of_the_hand_set_date_and_the_call_reports(manager_a, make_player):
    player = make_player()
    earlier, later = timezone.now() - dt.timedelta(days=20), timezone.now() - dt.timedelta(days=2)
    with manager_a.scope():
        player = KeyPlayer.objects.select_related("contact").get(pk=player.pk)
        assert player.effective_last_contact_at is None and player.last_contact_source == ""
        services.key_player_update(key_player=player, last_contact_at=earlier)
        assert (player.effective_last_contact_at, player.last_contact_source) == (earlier, "set by hand")
        player.contact.last_contact_at = later  # what plans' call reports maintain
        assert (player.effective_last_contact_at, player.last_contact_source) == (later, "call report")
        services.key_player_update(key_player=player, last_contact_at=later + dt.timedelta(hours=1))
        assert player.last_contact_source == "set by hand"


def test_guidance_seed_is_idempotent_and_keeps_customisations(manager_a):
    with manager_a.scope():
        services.guidance_set(
            buying_role=BuyingRole.EXECUTIVE, buying_stage=BuyingStage.DECISION, communication="Close"
        )
        assert services.guidance_seed_defaults() == 19
        assert services.guidance_seed_defaults() == 0
        assert Guidance.objects.count() == 20
        matrix = selectors.guidance_matrix()
        assert matrix[("executive", "decision")].communication == "Close"
        assert not matrix[("executive", "decision")].is_default
        assert matrix[("executive", "planning")].id is not None and matrix[("executive", "planning")].is_default


def test_guidance_needs_a_communication_and_known_cells(manager_a):
    with manager_a.scope():
        with pytest.raises(ValidationError) as error:
            services.guidance_set(buying_role="ceo", buying_stage=BuyingStage.DECISION, communication="  ")
        assert set(error.value.message_dict) == {"buying_role", "communication"}
        assert not Guidance.objects.exists()
        services.guidance_set(buying_role="executive", buying_stage="decision", communication="A")
        services.guidance_set(buying_role="executive", buying_stage="decision", communication="B", message="m")
        assert list(Guidance.objects.values_list("communication", "message")) == [("B", "m")]


def test_coverage_settings_update_validates_levels(admin_a):
    with admin_a.scope():
        assert selectors.coverage_settings().by_role == {
            "executive": 3,
            "middle_management": 3,
            "operational": 2,
            "purchasing": 2,
        }
        with pytest.raises(ValidationError) as error:
            services.coverage_settings_update(
                min_level_executive=9, min_level_middle_management=3, min_level_operational=2, min_level_purchasing=0
            )
        assert set(error.value.message_dict) == {"min_level_executive", "min_level_purchasing"}
        assert not CoverageSettings.objects.exists()
        services.coverage_settings_update(
            min_level_executive=4, min_level_middle_management=3, min_level_operational=2, min_level_purchasing=1
        )
        services.coverage_settings_update(
            min_level_executive=5, min_level_middle_management=3, min_level_operational=2, min_level_purchasing=1
        )
        assert CoverageSettings.objects.count() == 1
        assert selectors.coverage_settings().min_level_executive == 5


def test_a_minimum_above_the_active_models_top_level_is_refused(admin_a):
    from hierarchy.services import hierarchy_defaults_ensure

    with admin_a.scope():
        hierarchy_defaults_ensure()  # the Buy-Sell Hierarchy: five levels
        with pytest.raises(ValidationError, match="has 5 levels: a minimum of 6 could never be met"):
            services.coverage_settings_update(
                min_level_executive=6, min_level_middle_management=3, min_level_operational=2, min_level_purchasing=2
            )
        assert not CoverageSettings.objects.exists()
