"""The account page carries what the apps above accounts contribute (keystone.account_page): the
relationship map, key-player coverage, plans and activity, and the rating, with a tab to each app's
own page for the account."""

import pytest

from tests.hierarchy.factories import assess, make_relationship
from tests.keyplayers.factories import KeyPlayerFactory
from tests.plans.factories import PlanFactory


@pytest.fixture
def account_with_everything(manager_a):
    player = KeyPlayerFactory(account__tenant=manager_a.tenant, account__name="Panel Co",
                              contact__full_name="Erin Exec", contact__title="Chief Executive")
    account = player.account
    assess(make_relationship(user=manager_a.user, contact=player.contact), 2, evidence="Buys on price")
    PlanFactory(account=account, title="Climb to level 4")
    return account


def test_the_overview_shows_every_app_panel_and_tab(manager_a, account_with_everything):
    account = account_with_everything
    body = manager_a.client.get(manager_a.url(f"accounts/{account.pk}/")).content.decode()
    panels = body.split('class="acc-panels"')[1]
    assert 'class="hier-panel"' in panels and "Erin Exec" in panels  # the relationship map, its people
    assert 'id="key-players"' in panels and "below the minimum" in panels  # the executive at level 2 is flagged
    assert "Climb to level 4" in panels  # the active plan
    assert f'id="rating-panel-{account.pk}"' in panels
    tabs = body.split('class="tabs"')[1].split("</nav>")[0]
    for label, path in (("Relationship map", f"hierarchy/accounts/{account.pk}/"),
                        ("Key players", f"key-players/accounts/{account.pk}/"),
                        ("Plans &amp; activity", f"plans/account/{account.pk}/"),
                        ("Rating", f"ratings/accounts/{account.pk}/")):
        assert f'<a href="{manager_a.url(path)}">{label}</a>' in tabs
    for tab in ("contacts/", "team/"):  # every account tab shows the same links
        assert "Relationship map" in manager_a.client.get(manager_a.url(f"accounts/{account.pk}/{tab}")).content.decode()


def test_a_viewer_sees_the_panels_without_edit_controls(viewer_a, manager_a, account_with_everything):
    def panels(member):
        body = member.client.get(member.url(f"accounts/{account_with_everything.pk}/")).content.decode()
        return body.split('class="acc-panels"')[1]

    editable, readonly = panels(manager_a), panels(viewer_a)
    for control in ("Log a call", "Add relationship", "Plan a visit"):
        assert control in editable and control not in readonly, control
    assert "Climb to level 4" in readonly


def test_a_manual_rating_is_marked_wherever_accounts_shows_the_rating(manager_a, account_with_everything):
    import datetime as dt

    from django.utils import timezone

    from ratings import services as rating_services

    account = account_with_everything
    with manager_a.scope():
        rating_services.override_set(account=account, rating="A", reason="Board-level sponsor signed",
                                     expires_at=timezone.now() + dt.timedelta(days=30), by=manager_a.user)
    marked = 'aria-label="set by hand"'
    header = manager_a.client.get(manager_a.url(f"accounts/{account.pk}/")).content.decode().split('id="account-tab"')[0]
    assert "Rating" in header and marked in header and "Board-level sponsor signed" in header
    row = manager_a.client.get(manager_a.url("accounts/")).content.decode().split("Panel Co")[1].split("</tr>")[0]
    assert marked in row
