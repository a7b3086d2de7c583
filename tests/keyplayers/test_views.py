import re

import pytest
from django.test import RequestFactory

from keyplayers import account_page
from keyplayers.models import BuyingRole, BuyingStage, CoverageSettings, Guidance, Influence, KeyPlayer, Stance
from tests.keyplayers.factories import AccountFactory, ContactFactory, KeyPlayerFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def board_url(member, account):
    return member.url(f"key-players/accounts/{account.pk}/")


def _column(html: str, stage: str) -> str:
    """The HTML of one board column."""
    match = re.search(rf'<section class="kp-column" aria-labelledby="col-{stage}">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


# --- Board ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "executive", "viewer"])
def test_every_member_sees_the_board_only_editors_get_the_controls(role, tenant_a, make_member, account_a, make_player):
    member = make_member(tenant_a, role)
    make_player(name="Dana Boss", title="CEO", buying_role=BuyingRole.EXECUTIVE, buying_stage=BuyingStage.EVALUATE_RISK)
    response = member.client.get(board_url(member, account_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dana Boss" in _column(html, "evaluate_risk") and "Value communication" in html
    editable = role in ("admin", "manager")
    assert ('name="buying_stage"' in html) is editable
    assert ("Add a key player" in html) is editable


def test_stage_change_through_htmx_moves_the_card_and_changes_the_message(manager_a, account_a, make_player):
    player = make_player(name="Dana Boss", buying_role=BuyingRole.EXECUTIVE, buying_stage=BuyingStage.PLANNING)
    response = manager_a.client.post(
        manager_a.url(f"key-players/{player.pk}/stage/"), {"buying_stage": "evaluate_risk", "group": "stage"}, **HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="board"')
    assert "Dana Boss" in _column(html, "evaluate_risk") and "Dana Boss" not in _column(html, "planning")
    assert "Value communication" in html and "is now at “Evaluate risk”" in html
    with manager_a.scope():
        assert KeyPlayer.objects.get(pk=player.pk).buying_stage == "evaluate_risk"


def test_stage_and_stance_work_without_javascript(manager_a, account_a, make_player):
    player = make_player(buying_stage=BuyingStage.PLANNING)
    response = manager_a.client.post(manager_a.url(f"key-players/{player.pk}/stage/"), {"buying_stage": "decision"})
    assert response.status_code == 302 and response["Location"] == board_url(manager_a, account_a) + f"#kp-{player.pk}"
    response = manager_a.client.post(
        manager_a.url(f"key-players/{player.pk}/stance/"), {"stance": "blocker", "group": "role"}, follow=True
    )
    assert response.status_code == 200 and "is now a blocker" in response.content.decode()
    assert response.redirect_chain[0][0].startswith(board_url(manager_a, account_a) + "?group=role")
    with manager_a.scope():
        stored = KeyPlayer.objects.get(pk=player.pk)
    assert (stored.buying_stage, stored.stance) == ("decision", "blocker")


def test_a_bad_stage_is_explained_and_changes_nothing(manager_a, make_player):
    player = make_player(buying_stage=BuyingStage.PLANNING)
    response = manager_a.client.post(manager_a.url(f"key-players/{player.pk}/stage/"), {"buying_stage": "won"}, **HX)
    assert "won is not a buying stage" in response.content.decode()
    response = manager_a.client.post(manager_a.url(f"key-players/{player.pk}/stance/"), {"stance": ""}, follow=True)
    assert "This field is required" in response.content.decode()
    with manager_a.scope():
        stored = KeyPlayer.objects.get(pk=player.pk)
    assert (stored.buying_stage, stored.stance) == ("planning", "neutral")


@pytest.mark.parametrize("role", ["executive", "viewer"])
def test_readers_cannot_change_key_players(role, tenant_a, make_member, make_player, account_a):
    member = make_member(tenant_a, role)
    player = make_player(buying_stage=BuyingStage.PLANNING)
    contact = ContactFactory(account=account_a, tenant=account_a.tenant)
    missing = member.client.post(member.url("key-players/2000000000/stage/"), {"buying_stage": "decision"})
    for url, data in (
        (f"key-players/{player.pk}/stage/", {"buying_stage": "decision"}),
        (f"key-players/{player.pk}/stance/", {"stance": "blocker"}),
        (f"key-players/{player.pk}/edit/", {"buying_role": "purchasing"}),
        (f"key-players/{player.pk}/remove/", {}),
        (f"key-players/accounts/{account_a.pk}/add/", {"contact": contact.pk, "buying_role": "executive"}),
    ):
        response = member.client.post(member.url(url), data)
        assert response.status_code == 403, url  # their own tenant's key player: the role is the reason
    assert missing.status_code == 404
    with member.scope():
        assert KeyPlayer.objects.get().buying_stage == "planning"


def test_other_tenants_board_and_key_player_are_404(manager_a, tenant_b, make_member):
    theirs = KeyPlayerFactory(account__tenant=tenant_b)
    for url in (
        f"key-players/accounts/{theirs.account_id}/",
        f"key-players/{theirs.pk}/edit/",
        f"key-players/accounts/{theirs.account_id}/panel/",
    ):
        assert manager_a.client.get(manager_a.url(url)).status_code == 404
    response = manager_a.client.post(manager_a.url(f"key-players/{theirs.pk}/stage/"), {"buying_stage": "decision"})
    assert response.status_code == 404
    other = make_member(tenant_b)
    with other.scope():
        assert KeyPlayer.objects.get().buying_stage == "planning"


def test_add_a_key_player(manager_a, account_a, tenant_a):
    contact = ContactFactory(account=account_a, tenant=tenant_a, full_name="Erin Exec")
    stranger = ContactFactory(account=AccountFactory(tenant=tenant_a), tenant=tenant_a)
    url = manager_a.url(f"key-players/accounts/{account_a.pk}/add/")
    bad = manager_a.client.post(
        url,
        {
            "contact": stranger.pk,
            "buying_role": "executive",
            "buying_stage": "planning",
            "stance": "neutral",
            "influence": "high",
        },
    )
    assert (
        bad.status_code == 200
        and "Choose a contact of this account who is not a key player yet." in bad.content.decode()
    )
    unchosen = manager_a.client.post(
        url,
        {
            "contact": contact.pk,
            "buying_role": "",
            "buying_stage": "planning",
            "stance": "neutral",
            "influence": "high",
        },
    ).content.decode()
    assert "Choose the person&#x27;s role in the buying team." in unchosen  # no silent default to executive
    bad = manager_a.client.post(
        url,
        {
            "contact": contact.pk,
            "buying_role": "king",
            "buying_stage": "planning",
            "stance": "neutral",
            "influence": "high",
            "last_contact_at": "yesterday",
        },
    )
    assert "Select a valid choice. king is not one of the available choices." in bad.content.decode()
    assert "Enter a valid date/time." in bad.content.decode()
    with manager_a.scope():
        assert not KeyPlayer.objects.exists()
    ok = manager_a.client.post(
        url,
        {
            "contact": contact.pk,
            "buying_role": "executive",
            "buying_stage": "evaluate_risk",
            "stance": "supporter",
            "influence": "high",
            "concerns": "Payback",
            "last_contact_at": "2025-03-01T10:30",
        },
    )
    assert ok.status_code == 302
    with manager_a.scope():
        player = KeyPlayer.objects.get()
    assert (player.contact_id, player.buying_role, player.buying_stage, player.influence) == (
        contact.pk,
        "executive",
        "evaluate_risk",
        "high",
    )
    page = manager_a.client.get(board_url(manager_a, account_a)).content.decode()
    assert "Erin Exec" in _column(page, "evaluate_risk") and "1 Mar 2025" in page
    # Erin is on the board now: she is no longer offered.
    assert f'value="{contact.pk}"' not in page


def test_edit_and_remove(manager_a, account_a, make_player):
    player = make_player(name="Sam Buyer", buying_role=BuyingRole.OPERATIONAL)
    url = manager_a.url(f"key-players/{player.pk}/edit/")
    assert "Sam Buyer" in manager_a.client.get(url).content.decode()
    response = manager_a.client.post(
        url,
        {
            "buying_role": "purchasing",
            "buying_stage": "decision",
            "stance": "skeptic",
            "influence": "low",
            "concerns": "Price",
        },
    )  # concerns: a log, not edited here
    assert response.status_code == 302
    with manager_a.scope():
        stored = KeyPlayer.objects.get(pk=player.pk)
    assert (stored.buying_role, stored.buying_stage, stored.stance, stored.influence, stored.concerns) == (
        "purchasing",
        "decision",
        "skeptic",
        "low",
        "",
    )
    assert manager_a.client.post(manager_a.url(f"key-players/{player.pk}/remove/")).status_code == 302
    with manager_a.scope():
        assert not KeyPlayer.objects.exists()


def test_board_grouped_by_role_through_htmx(manager_a, account_a, make_player):
    make_player(name="Pat Purchasing", buying_role=BuyingRole.PURCHASING, buying_stage=BuyingStage.DECISION)
    response = manager_a.client.get(board_url(manager_a, account_a) + "?group=role", **HX)
    html = response.content.decode()
    assert "<html" not in html and "Pat Purchasing" in _column(html, "purchasing")
    assert 'aria-current="page">By buying role' in html


def test_board_query_count_does_not_grow_with_key_players(
    manager_a, account_a, make_player, relate, django_assert_max_num_queries, django_assert_num_queries
):
    url = board_url(manager_a, account_a)
    make_player(buying_role=BuyingRole.EXECUTIVE)
    manager_a.client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert manager_a.client.get(url).status_code == 200
    for i in range(15):
        player = make_player(
            buying_role=BuyingRole.values[i % 4],
            buying_stage=BuyingStage.values[i % 5],
            stance=Stance.values[i % 4],
            influence=Influence.values[i % 3],
        )
        relate(player, manager_a.user, level=1 + i % 5)
    with django_assert_num_queries(len(few)):
        response = manager_a.client.get(url)
    assert response.content.decode().count('class="kp-card') == 16
    # 13 are the framework's (session, user, tenant, membership, savepoints, RLS settings, the tenant
    # switcher); 7 are the board's: account, thresholds, key players, guidance, level by role, level names,
    # contacts that can be added.
    with django_assert_max_num_queries(20):
        manager_a.client.get(url)


def test_account_panel_fragment_and_account_page_panel(manager_a, account_a, make_player, relate):
    player = make_player(name="Dana Boss", buying_role=BuyingRole.EXECUTIVE)
    relate(player, manager_a.user, level=2)
    fragment = manager_a.client.get(manager_a.url(f"key-players/accounts/{account_a.pk}/panel/")).content.decode()
    assert "<html" not in fragment
    assert "our best relationship is at level 2, below the minimum of level 3" in fragment
    assert "<svg" in fragment
    request = RequestFactory().get("/")
    request.tenant, request.membership, request.user = account_a.tenant, manager_a.membership, manager_a.user
    with manager_a.scope():
        html = account_page.panel(request, account_a)
    assert "Dana Boss" in html and f"/t/tenant-a/key-players/accounts/{account_a.pk}/" in html


# --- Lists ----------------------------------------------------------------------------------------


def test_list_filters(manager_a, tenant_a, account_a, make_player, relate):
    other = AccountFactory(tenant=tenant_a, name="Initech")
    make_player(name="Ann Exec", buying_role=BuyingRole.EXECUTIVE, buying_stage=BuyingStage.EVALUATE_RISK)
    buyer = make_player(
        name="Bo Buyer", buying_role=BuyingRole.PURCHASING, stance=Stance.BLOCKER, influence=Influence.HIGH
    )
    relate(buyer, manager_a.user, level=3)
    make_player(other, name="Cy User", buying_role=BuyingRole.OPERATIONAL)

    def names(query):
        html = manager_a.client.get(manager_a.url("key-players/") + query).content.decode()
        return sorted(n for n in ("Ann Exec", "Bo Buyer", "Cy User") if n in html)

    assert names("") == ["Ann Exec", "Bo Buyer", "Cy User"]
    assert names("?buying_role=executive") == ["Ann Exec"]
    assert names("?buying_stage=evaluate_risk") == ["Ann Exec"]
    assert names("?stance=blocker&influence=high") == ["Bo Buyer"]
    assert names(f"?account={other.pk}") == ["Cy User"]
    assert names("?flag=no_relationship") == ["Ann Exec", "Cy User"]
    assert names("?flag=high_blocker") == ["Bo Buyer"]
    assert names("?flag=single_role") == ["Ann Exec", "Bo Buyer"]  # on Globex we reach only purchasing
    assert names("?q=buyer") == ["Bo Buyer"]
    bad = manager_a.client.get(manager_a.url("key-players/?buying_stage=won&account=2000000000")).content.decode()
    assert "Select a valid choice. won is not one of the available choices." in bad
    assert "There is no such account." in bad
    partial = manager_a.client.get(manager_a.url("key-players/?buying_role=executive"), **HX).content.decode()
    assert (
        "<html" not in partial and partial.lstrip().startswith('<div id="results"') and "Value communication" in partial
    )


def test_list_paginates_with_a_constant_number_of_queries(manager_a, account_a, make_player, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_player()
    url = manager_a.url("key-players/")
    manager_a.client.get(url)
    with CaptureQueriesContext(connection) as few:
        manager_a.client.get(url)
    for _ in range(30):
        make_player()
    with django_assert_num_queries(len(few)):
        page1 = manager_a.client.get(url).content.decode()
    assert page1.count('<tr id="kp-') == 25 and "Page 1 of 2" in page1
    page2 = manager_a.client.get(url + "?page=2").content.decode()
    assert page2.count('<tr id="kp-') == 6


def test_boards_index_and_account_picker(manager_a, account_a, make_player, tenant_b):
    make_player()
    make_player(stance=Stance.BLOCKER)
    AccountFactory(tenant=manager_a.tenant, name="Acme Empty")
    page = manager_a.client.get(manager_a.url("key-players/boards/")).content.decode()
    rows = re.findall(r'>([^<>]+)</a></td><td class="num">(\d+)</td><td class="num">(\d+)</td>', page)
    assert rows[:2] == [("Acme Empty", "0", "0"), ("Globex Corporation", "2", "1")]  # by name, with counts
    response = manager_a.client.get(manager_a.url(f"key-players/boards/?account={account_a.pk}"))
    assert response.status_code == 302 and response["Location"] == board_url(manager_a, account_a)
    theirs = AccountFactory(tenant=tenant_b)
    assert manager_a.client.get(manager_a.url(f"key-players/boards/?account={theirs.pk}")).status_code == 404


def test_coverage_page(manager_a, tenant_a, account_a, make_player, relate):
    make_player(name="Ann Exec", buying_role=BuyingRole.EXECUTIVE)
    relate(make_player(name="Bo Buyer", buying_role=BuyingRole.PURCHASING), manager_a.user, level=3)
    html = manager_a.client.get(manager_a.url("key-players/coverage/")).content.decode()
    assert "Ann Exec" in html and "No relationship" in html
    assert "Bo Buyer" not in html  # no gap of their own
    assert "Globex Corporation" in html and "Purchasing" in html  # we reach only purchasing there
    assert "Change the minimum levels" not in html  # managers do not


def test_coverage_page_pages_the_gaps_and_shows_mine(manager_a, tenant_a, make_player, make_member):
    """A large tenant has thousands of gaps: the page shows 25 at a time (the counts are the stored
    summary's, for the whole tenant) and can be narrowed to the member's own accounts."""
    other = make_member(tenant_a, "manager")
    for i in range(30):
        account = AccountFactory(tenant=tenant_a, name=f"Gap {i:02d}", owner=manager_a.user if i < 3 else other.user)
        make_player(account, name=f"Person {i:02d}", buying_role=BuyingRole.EXECUTIVE)
    first = manager_a.client.get(manager_a.url("key-players/coverage/")).content.decode()
    assert "Person 00" in first and "Person 24" in first and "Person 25" not in first
    assert "Page 1 of 2" in first and "In the whole tenant, as of" in first
    second = manager_a.client.get(
        manager_a.url("key-players/coverage/?page=2"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert second.lstrip().startswith('<div id="results">') and "Person 29" in second and "Person 00" not in second
    mine = manager_a.client.get(manager_a.url("key-players/coverage/?mine=1")).content.decode()
    people = re.findall(r"Person \d\d", mine)
    assert sorted(set(people)) == ["Person 00", "Person 01", "Person 02"]


def test_minimum_levels_are_admin_only_and_validated(admin_a, manager_a):
    url = "key-players/coverage/minimum-levels/"
    assert manager_a.client.get(manager_a.url(url)).status_code == 403
    assert manager_a.client.post(manager_a.url(url), {"min_level_executive": 4}).status_code == 403
    bad = admin_a.client.post(
        admin_a.url(url),
        {
            "min_level_executive": 9,
            "min_level_middle_management": 3,
            "min_level_operational": 2,
            "min_level_purchasing": 2,
        },
    )
    assert "Ensure this value is less than or equal to 6." in bad.content.decode()
    with admin_a.scope():
        assert not CoverageSettings.objects.exists()
    ok = admin_a.client.post(
        admin_a.url(url),
        {
            "min_level_executive": 4,
            "min_level_middle_management": 3,
            "min_level_operational": 2,
            "min_level_purchasing": 1,
        },
    )
    assert ok.status_code == 302
    with admin_a.scope():
        assert CoverageSettings.objects.get().min_level_executive == 4


# --- Guidance -------------------------------------------------------------------------------------


def test_guidance_page_for_everyone_editing_for_admins(admin_a, manager_a, viewer_a):
    for member in (admin_a, manager_a, viewer_a):
        html = member.client.get(member.url("key-players/guidance/")).content.decode()
        assert "Strategic dialogue" in html and "Value communication" in html
        assert ("guidance/edit/?buying_role=executive" in html) is (member is admin_a)
    edit = "key-players/guidance/edit/?buying_role=executive&buying_stage=decision"
    assert manager_a.client.get(manager_a.url(edit)).status_code == 403
    assert (
        manager_a.client.post(
            manager_a.url("key-players/guidance/edit/"),
            {"buying_role": "executive", "buying_stage": "decision", "communication": "X"},
        ).status_code
        == 403
    )
    form = admin_a.client.get(admin_a.url(edit), **HX).content.decode()
    assert "<html" not in form and "Executive commitment" in form
    empty = admin_a.client.post(
        admin_a.url("key-players/guidance/edit/"),
        {"buying_role": "executive", "buying_stage": "decision", "communication": ""},
    )
    assert "This field is required." in empty.content.decode()
    saved = admin_a.client.post(
        admin_a.url("key-players/guidance/edit/"),
        {
            "buying_role": "executive",
            "buying_stage": "decision",
            "communication": "Board-level sign-off",
            "message": "Bring our CEO.",
            "typical_concern": "Timing",
        },
    )
    assert saved.status_code == 302
    assert "Board-level sign-off" in manager_a.client.get(manager_a.url("key-players/guidance/")).content.decode()
    unknown = admin_a.client.get(
        admin_a.url("key-players/guidance/edit/?buying_role=king&buying_stage=decision"), follow=True
    )
    assert "king is not a buying role." in unknown.content.decode()
    reset = admin_a.client.post(
        admin_a.url("key-players/guidance/reset/"), {"buying_role": "executive", "buying_stage": "decision"}
    )
    assert reset.status_code == 302
    with admin_a.scope():
        assert not Guidance.objects.exists()


def test_customised_guidance_shows_on_the_board(admin_a, account_a, make_player):
    make_player(name="Dana Boss", buying_role=BuyingRole.EXECUTIVE, buying_stage=BuyingStage.EVALUATE_RISK)
    admin_a.client.post(
        admin_a.url("key-players/guidance/edit/"),
        {"buying_role": "executive", "buying_stage": "evaluate_risk", "communication": "Risk-reversal offer"},
    )
    html = admin_a.client.get(board_url(admin_a, account_a)).content.decode()
    assert "Risk-reversal offer" in html and "Value communication" not in html


def test_dashboard_shows_the_coverage_panel(manager_a, make_player):
    make_player()
    html = manager_a.client.get(manager_a.url("")).content.decode()
    assert "Buying-team coverage" in html and "1 with no relationship to any of our people" in html


def test_concerns_are_a_log_raised_and_answered_on_the_card(manager_a, viewer_a, manager_b, account_a, make_player):
    """Diagnose before you prescribe; stop for yellow lights: each concern is logged in their words and
    stays open (a yellow light on the card and in the briefing's summary) until we record our answer."""
    from keyplayers.models import KeyPlayerConcern

    player = make_player(name="Sam Buyer", buying_role=BuyingRole.PURCHASING)
    add = manager_a.url(f"key-players/{player.pk}/concerns/")
    assert manager_a.client.post(add, {"concern": "  "}).status_code == 302  # refused, with a message
    assert manager_a.client.post(add, {"concern": "Your price is above the incumbent's"}).status_code == 302
    assert manager_a.client.post(add, {"concern": "Who supports us at night?"}).status_code == 302
    assert viewer_a.client.post(add, {"concern": "x"}).status_code in (403, 404)
    assert (
        manager_b.client.post(manager_b.url(f"key-players/{player.pk}/concerns/"), {"concern": "x"}).status_code == 404
    )
    with manager_a.scope():
        price = KeyPlayerConcern.objects.get(concern__startswith="Your price")
        assert KeyPlayerConcern.objects.count() == 2
        assert KeyPlayer.objects.get(pk=player.pk).concerns.splitlines() == [
            "Who supports us at night?",
            "Your price is above the incumbent's",
        ]
    board = manager_a.client.get(board_url(manager_a, account_a)).content.decode()
    assert board.count("Yellow light") == 2 and "Stop and answer it before going on" in board
    answer = manager_a.url(f"key-players/concerns/{price.pk}/answer/")
    assert (
        manager_b.client.post(manager_b.url(f"key-players/concerns/{price.pk}/answer/"), {"answer": "x"}).status_code
        == 404
    )
    assert manager_a.client.post(answer, {"answer": "Total cost over three years is 12 % lower."}).status_code == 302
    with manager_a.scope():
        price.refresh_from_db()
        assert price.answer.startswith("Total cost") and price.answered_by == manager_a.user and not price.is_open
        assert KeyPlayer.objects.get(pk=player.pk).concerns == "Who supports us at night?"
    board = manager_a.client.get(board_url(manager_a, account_a)).content.decode()
    assert board.count("Yellow light") == 1 and "answered" in board and "Total cost over three years" in board


def test_buying_stage_changes_are_dated(manager_a, account_a, make_player):
    import datetime as dt

    import time_machine

    from keyplayers.models import BuyingStageChange

    from keyplayers import services as kp_services
    from tests.keyplayers.factories import ContactFactory as KpContactFactory

    contact = KpContactFactory(account=account_a, tenant=account_a.tenant, full_name="Dana Decider")
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC), tick=False), manager_a.scope():
        player = kp_services.key_player_create(
            account=account_a, contact=contact, buying_role=BuyingRole.EXECUTIVE, by=manager_a.user
        )
    with time_machine.travel(dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        assert manager_a.client.post(
            manager_a.url(f"key-players/{player.pk}/stage/"), {"buying_stage": "evaluate_risk", "group": "stage"}
        ).status_code in (200, 302)
    with manager_a.scope():
        changes = list(BuyingStageChange.objects.filter(key_player=player).order_by("created_at"))
    assert [(c.from_stage, c.to_stage) for c in changes] == [("", "planning"), ("planning", "evaluate_risk")]
    assert changes[1].created_at.date() == dt.date(2026, 11, 3) and changes[1].changed_by == manager_a.user
    board = manager_a.client.get(board_url(manager_a, account_a)).content.decode()
    assert "since 3 Nov 2026" in board
