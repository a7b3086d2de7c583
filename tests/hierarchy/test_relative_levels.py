"""Levels relative to the active hierarchy model (issue 15, item 2): switches are recorded (who, when)
and queue a ratings recompute, the departure alert watches the model's two top levels, and an account's
potential level is bounded by the model's top."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services as account_services
from accounts.models import Account
from hierarchy import selectors, services
from hierarchy.models import AlertKind, HierarchyAlert, HierarchyModel, HierarchyModelSwitch, ModelKind
from tenancy.models import OutboxMessage
from tests.hierarchy.factories import AccountFactory, ContactFactory, assess, leave, make_relationship

pytestmark = pytest.mark.django_db


def _models(member):
    with member.scope():
        services.hierarchy_defaults_ensure()
        return (HierarchyModel.objects.get(kind=ModelKind.BUY_SELL), HierarchyModel.objects.get(kind=ModelKind.NEEDS))


def test_a_switch_is_recorded_with_who_and_when_and_queues_a_ratings_recompute(admin_a, admin_b):
    buy_sell, needs = _models(admin_a)
    _models(admin_b)
    with admin_a.scope():
        assert selectors.model_top_level() == 5
        services.hierarchy_model_activate(model=buy_sell, by=admin_a.user)  # already active: nothing to record
        assert not HierarchyModelSwitch.objects.exists()
        services.hierarchy_model_activate(model=needs, by=admin_a.user)
        [switch] = selectors.model_switches()
        assert (switch.from_model, switch.to_model, switch.switched_by) == (buy_sell, needs, admin_a.user)
        assert switch.created_at is not None and selectors.model_top_level() == 6
        assert OutboxMessage.objects.filter(
            task_name="ratings.recompute_ratings", dedupe_key="ratings.recompute:tenant"
        ).exists()
    with admin_b.scope():
        assert not HierarchyModelSwitch.objects.exists()  # another tenant's history is its own


def test_the_settings_page_records_the_admin_and_lists_the_switches(admin_a):
    _, needs = _models(admin_a)
    url = admin_a.url("hierarchy/settings/")
    assert admin_a.client.post(url, {"model": needs.pk}).status_code == 302
    page = admin_a.client.get(url).content.decode()
    assert "Model changes" in page and "Buy-Sell Hierarchy → <strong>Needs model</strong>" in page
    assert admin_a.user.get_full_name() in page or str(admin_a.user) in page
    with admin_a.scope():
        assert HierarchyModelSwitch.objects.get().switched_by == admin_a.user


@pytest.mark.parametrize(
    "kind, level, alerted",
    [
        (ModelKind.BUY_SELL, 4, True),
        (ModelKind.BUY_SELL, 3, False),
        (ModelKind.NEEDS, 5, True),
        (ModelKind.NEEDS, 4, False),
    ],
)
def test_departure_alerts_watch_the_two_top_levels_of_the_active_model(manager_a, kind, level, alerted):
    buy_sell, needs = _models(manager_a)
    if kind == ModelKind.NEEDS:
        with manager_a.scope():
            services.hierarchy_model_activate(model=needs)
    contact = ContactFactory(account=AccountFactory(tenant=manager_a.tenant))
    assess(make_relationship(user=manager_a.user, contact=contact), level)
    with manager_a.scope():
        leave(contact)
        assert HierarchyAlert.objects.filter(kind=AlertKind.CONTACT_LEFT).exists() is alerted


def test_potential_level_is_bounded_by_the_active_model(manager_a):
    buy_sell, needs = _models(manager_a)
    account = AccountFactory(tenant=manager_a.tenant, potential_level=4)
    with manager_a.scope():
        with pytest.raises(ValidationError) as caught:
            account_services.account_update(account=account, by=manager_a.user, potential_level=6)
        assert caught.value.message_dict["potential_level"] == [
            "The potential level must be from 1 to 5: the active hierarchy model has 5 levels (got 6)."
        ]
        services.hierarchy_model_activate(model=needs)
        account_services.account_update(
            account=Account.objects.get(pk=account.pk), by=manager_a.user, potential_level=6
        )
        services.hierarchy_model_activate(model=buy_sell)  # back to five levels: 6 comes down to the top
        assert Account.objects.get(pk=account.pk).potential_level == 5


def test_the_critical_step_is_marked_on_the_account_playbook_at_level_3_only(manager_a):
    account = AccountFactory(tenant=manager_a.tenant)
    relationship = make_relationship(user=manager_a.user, contact=ContactFactory(account=account))
    url = manager_a.url(f"hierarchy/accounts/{account.pk}/")
    assess(relationship, 2)
    assert "The critical step" not in manager_a.client.get(url).content.decode()
    assess(relationship, 3)
    page = manager_a.client.get(url).content.decode()
    assert "The critical step" in page and "From level 3 to 4 the relationship changes nature." in page
    # the account page's hierarchy panel (drawn by its own request) carries the same playbook
    panel = manager_a.client.get(manager_a.url(f"accounts/{account.pk}/panels/hierarchy/")).content.decode()
    assert "The critical step" in panel
    assess(relationship, 4)
    assert "The critical step" not in manager_a.client.get(url).content.decode()
    relationship_page = manager_a.client.get(manager_a.url(f"hierarchy/relationships/{relationship.pk}/"))
    assert "The critical step" not in relationship_page.content.decode()


def test_the_api_lists_model_switches_and_marks_the_critical_climb(admin_a, viewer_a):
    from tests.conftest import api_client_for

    _, needs = _models(admin_a)
    with admin_a.scope():
        services.hierarchy_model_activate(model=needs, by=admin_a.user)
    api = api_client_for(viewer_a)
    [switch] = api.get("/api/v1/hierarchy/model-switches/").json()["results"]
    assert (switch["to_model"], switch["switched_by"]) == (needs.pk, admin_a.user.pk) and switch["switched_at"]
    models = api.get("/api/v1/hierarchy/models/").json()
    levels = {level["number"]: level["critical_climb"] for level in models[0]["levels"]}
    assert levels[3] is True and not any(flag for number, flag in levels.items() if number != 3)
