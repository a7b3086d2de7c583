"""The account picker (accounts.pickers): a plain select for a few hundred accounts; above that the
form holds only the chosen account and a search box asks accounts:picker for the matches."""

import pytest

from accounts import pickers
from tests.accounts.factories import AccountFactory


@pytest.fixture
def accounts(manager_a):
    return [
        AccountFactory(tenant=manager_a.tenant, name=name)
        for name in ("Alder Laboratories", "Beacon Foods", "Cobalt Dairy", "Alder Freight")
    ]


def _select(html, name="account"):
    return html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]


def test_a_small_tenant_gets_every_account_in_a_select(manager_a, accounts):
    html = manager_a.client.get(manager_a.url("plans/visits/new/")).content.decode()
    assert "acc-picker-q" not in html and all(a.name in _select(html) for a in accounts)


def test_a_large_tenant_gets_a_search_box_and_only_the_chosen_account(manager_a, accounts, monkeypatch, manager_b):
    monkeypatch.setattr(pickers, "SELECT_LIMIT", 3)
    chosen = accounts[2]
    for path in (
        f"plans/visits/new/?account={chosen.pk}",
        f"key-players/?account={chosen.pk}",
        f"plans/calendar/?account={chosen.pk}",
    ):
        html = manager_a.client.get(manager_a.url(path)).content.decode()
        assert 'class="acc-picker-q"' in html and manager_a.url("accounts/picker/") in html, path
        options = _select(html)
        assert "Cobalt Dairy" in options and "Beacon Foods" not in options and "Alder" not in options, path
    # The field still takes any account of the tenant: the picker only narrows what is rendered.
    other = manager_a.client.get(manager_a.url(f"key-players/?account={accounts[1].pk}")).content.decode()
    assert "There is no such account." not in other and "selected>Beacon Foods" in _select(other).replace('"', "")
    for odd in ("²", "abc", "99999999999999999999"):  # redrawn with its error, never a 500
        assert manager_a.client.get(manager_a.url(f"plans/visits/new/?account={odd}")).status_code == 200


def test_the_picker_finds_accounts_by_word_prefix_in_this_tenant_only(
    manager_a, accounts, manager_b, django_assert_max_num_queries
):
    AccountFactory(tenant=manager_b.tenant, name="Alder Elsewhere")
    with django_assert_max_num_queries(12):
        html = manager_a.client.get(
            manager_a.url("accounts/picker/?account__search=ald&blank=All+accounts")
        ).content.decode()
    assert html.index("Alder Freight") < html.index("Alder Laboratories")  # by name, the first one chosen
    assert "selected>Alder Freight" in html and "Beacon" not in html and "Elsewhere" not in html
    assert html.rstrip().endswith('<option value="">All accounts</option>')  # an optional filter keeps its blank
    nothing = manager_a.client.get(manager_a.url("accounts/picker/?account__search=zzz")).content.decode()
    assert "No account matches “zzz”" in nothing and '<option value="">' not in nothing
    assert (
        manager_b.client.get(manager_b.url("accounts/picker/?account__search=ald")).content.decode().count("<option")
        == 1
    )
