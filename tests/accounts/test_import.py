"""CSV import: read → preview (nothing written) → confirm (all or nothing, validated again)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import imports, services
from accounts.models import Account, ClassificationChange, Contact, ImportBatch
from tenancy.models import Role
from tests.accounts.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

ACCOUNTS = (
    "external_id,name,industry,owner_email,revenue_tier,classification,classification_reason,potential_level,status,beachhead\n"
    "A-1,Harbour Freight,Logistics,{owner},silver,strategic,First cold-chain customer,4,customer,yes\n"
    "A-2,Brightwater Utilities,Utilities,,Platinum,Tactical,Buys on price,2,customer,no\n"
    "A-3,Cobalt Dairy,Food,,,,,,,\n"
)


def _upload(member, text, kind="accounts", *, encoding="utf-8", name="file.csv"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return member.client.post(
        member.url("accounts/import/"), {"kind": kind, "file": SimpleUploadedFile(name, data, "text/csv")}
    )


def _batch(member):
    with member.scope():
        return ImportBatch.objects.order_by("-pk").first()


def _import(member, text, kind="accounts", **kwargs):
    response = _upload(member, text, kind, **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    preview = member.client.get(response["Location"])
    confirm = member.client.post(response["Location"])
    return preview, confirm


def test_preview_writes_nothing_and_confirm_writes_everything(manager_a):
    response = _upload(manager_a, ACCOUNTS.format(owner=manager_a.user.email.upper()))
    assert response.status_code == 302
    preview = manager_a.client.get(response["Location"])
    assert preview.status_code == 200
    assert b"3 to create" in preview.content
    with manager_a.scope():
        assert not Account.objects.exists()
    confirm = manager_a.client.post(response["Location"])
    assert confirm.status_code == 302
    with manager_a.scope():
        rows = {a.external_id: a for a in Account.objects.select_related("owner")}
        assert set(rows) == {"A-1", "A-2", "A-3"}
        harbour = rows["A-1"]
        assert (
            harbour.owner,
            harbour.revenue_tier,
            harbour.classification,
            harbour.potential_level,
            harbour.status,
            harbour.beachhead,
        ) == (manager_a.user, "silver", "strategic", 4, "customer", True)
        assert harbour.classified_by == manager_a.user and harbour.classification_reason == "First cold-chain customer"
        assert rows["A-2"].revenue_tier == "platinum" and rows["A-2"].classification == "tactical"
        assert rows["A-3"].status == "prospect" and rows["A-3"].classification == "unqualified"
        assert ClassificationChange.objects.count() == 2
        assert ImportBatch.objects.get().applied_at is not None


def test_one_bad_row_means_nothing_is_written_and_the_error_names_row_and_column(manager_a):
    text = ACCOUNTS.format(owner="nobody@example.com") + "A-4,,Retail,,golden,,,9,,maybe\n"
    response = _upload(manager_a, text)
    preview = manager_a.client.get(response["Location"])
    body = preview.content.decode()
    assert "Row 2, column <code>owner_email</code>: nobody@example.com is not a member of this tenant." in body
    assert "Row 5, column <code>name</code>: is required." in body
    assert (
        "Row 5, column <code>revenue_tier</code>: “golden” is not one of platinum, gold, silver, bronze, lead." in body
    )
    assert (
        "Row 5, column <code>potential_level</code>: “9” is not a level from 1 to 5 (the top of the active hierarchy model)."
        in body
    )
    assert "Row 5, column <code>beachhead</code>: “maybe” is not yes or no." in body
    assert "Upload a corrected file" in body and 'type="submit">Import' not in body
    # Confirming anyway (a forged POST) writes nothing.
    manager_a.client.post(response["Location"])
    with manager_a.scope():
        assert not Account.objects.exists()
        assert ImportBatch.objects.get().applied_at is None


def test_reimporting_the_same_file_changes_nothing(manager_a):
    text = ACCOUNTS.format(owner=manager_a.user.email)
    _import(manager_a, text)
    with manager_a.scope():
        before = {a.external_id: a.updated_at for a in Account.objects.all()}
        changes = ClassificationChange.objects.count()
    preview, confirm = _import(manager_a, text)
    assert b"3 unchanged" in preview.content and b"0 to create" in preview.content and b"0 to update" in preview.content
    with manager_a.scope():
        assert {a.external_id: a.updated_at for a in Account.objects.all()} == before
        assert ClassificationChange.objects.count() == changes


def test_existing_rows_are_updated_by_external_id_and_only_changed_fields(manager_a):
    AccountFactory(tenant=manager_a.tenant, external_id="A-2", name="Old name", industry="Utilities")
    untouched = AccountFactory(tenant=manager_a.tenant, external_id="Z-9", name="Not in the file")
    preview, _ = _import(manager_a, "external_id,name\nA-2,Brightwater Utilities\n")
    assert b"1 to update" in preview.content and b"changes name" in preview.content
    with manager_a.scope():
        account = Account.objects.get(external_id="A-2")
        assert (account.name, account.industry) == (
            "Brightwater Utilities",
            "Utilities",
        )  # a missing column is left alone
        assert Account.objects.get(pk=untouched.pk).name == "Not in the file"


def test_bom_and_semicolons_are_read(manager_a):
    text = '\ufeffexternal_id;name;industry\nB-1;Müller & Söhne;Maschinenbau\nB-2;"Semi;colon AG";\n'
    _import(manager_a, text, encoding="utf-8")
    with manager_a.scope():
        assert dict(Account.objects.values_list("external_id", "name")) == {
            "B-1": "Müller & Söhne",
            "B-2": "Semi;colon AG",
        }


def test_a_file_that_is_not_utf8_is_refused_with_a_reason(manager_a):
    response = _upload(manager_a, "external_id,name\nC-1,Café Crème\n", encoding="latin-1")
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()


def test_file_level_problems_are_explained(manager_a):
    cases = {
        "": "The submitted file is empty.",
        "   \n\n": "The file is empty.",
        "external_id,name\n": "has a header but no rows",
        "name,industry\nX,Y\n": "lacks the required column external_id",
        "external_id,account_external_id,full_name\nP,A,B\n": "looks like a file of contacts",
        "external_id,name,name\n1,2,3\n": "names name more than once",
        "external_id,name\nA,B,C,D\n": "Row 2 has 4 values but the header has 2 columns",
    }
    for text, message in cases.items():
        response = _upload(manager_a, text)
        assert response.status_code == 400 and message in response.content.decode(), (
            text,
            response.content.decode()[:300],
        )
    with manager_a.scope():
        assert not ImportBatch.objects.exists()


def test_duplicate_external_ids_in_one_file_are_an_error(manager_a):
    response = _upload(manager_a, "external_id,name\nD-1,One\nD-1,Two\n")
    body = manager_a.client.get(response["Location"]).content.decode()
    assert "Row 3, column <code>external_id</code>: “D-1” is already on row 2" in body


def test_classification_change_needs_its_reason(manager_a):
    AccountFactory(tenant=manager_a.tenant, external_id="E-1", name="E")
    response = _upload(manager_a, "external_id,name,classification\nE-1,E,strategic\n")
    body = manager_a.client.get(response["Location"]).content.decode()
    assert (
        "Row 2, column <code>classification_reason</code>: is required to change the classification to strategic."
        in body
    )


CONTACTS = (
    "external_id,account_external_id,full_name,title,reports_to_external_id,email,is_active,left_on\n"
    "P-2,A-1,Omar Lindqvist,Head of Cold Chain,P-1,omar@example.com,yes,\n"  # reports to someone further down
    "P-1,A-1,Dana Whitfield,COO,,dana@example.com,,\n"
    "P-3,A-1,Former Buyer,Buyer,P-2,,no,2025-06-30\n"
)


def test_contacts_link_to_accounts_and_managers_anywhere_in_the_file(manager_a):
    AccountFactory(tenant=manager_a.tenant, external_id="A-1", name="Harbour")
    preview, confirm = _import(manager_a, CONTACTS, kind="contacts")
    assert b"3 to create" in preview.content
    with manager_a.scope():
        people = {c.external_id: c for c in Contact.objects.select_related("reports_to", "account")}
        assert people["P-2"].reports_to.external_id == "P-1" and people["P-1"].reports_to is None
        assert people["P-3"].reports_to.external_id == "P-2"
        assert (people["P-3"].is_active, people["P-3"].left_on) == (False, dt.date(2025, 6, 30))
        assert {c.account.external_id for c in people.values()} == {"A-1"}
        before = {c.external_id: c.updated_at for c in people.values()}
    preview, _ = _import(manager_a, CONTACTS, kind="contacts")
    assert b"3 unchanged" in preview.content
    with manager_a.scope():
        assert {c.external_id: c.updated_at for c in Contact.objects.all()} == before


def test_contact_errors_name_row_and_column(manager_a):
    AccountFactory(tenant=manager_a.tenant, external_id="A-1")
    other = AccountFactory(tenant=manager_a.tenant, external_id="A-2")
    ContactFactory(account=other, external_id="Q-1")
    text = (
        "external_id,account_external_id,full_name,reports_to_external_id,email,is_active,left_on\n"
        "P-1,A-9,Nobody,,,,\n"
        "P-2,A-1,Loop One,P-3,,,\n"
        "P-3,A-1,Loop Two,P-2,,,\n"
        "P-4,A-1,Wrong Boss,Q-1,not-an-email,,\n"
        "P-5,A-1,Ghost Boss,Q-404,,yes,2025-01-01\n"
    )
    response = _upload(manager_a, text, kind="contacts")
    body = manager_a.client.get(response["Location"]).content.decode()
    assert "Row 2, column <code>account_external_id</code>: no account has the external id “A-9”" in body
    assert "Row 3, column <code>reports_to_external_id</code>: makes a loop of managers: P-2 → P-3 → P-2." in body
    assert "Row 5, column <code>reports_to_external_id</code>: “Q-1” works at another account." in body
    assert "Row 5, column <code>email</code>: “not-an-email” is not an e-mail address." in body
    assert "Row 6, column <code>reports_to_external_id</code>: no contact has the external id “Q-404”" in body
    assert "Row 6, column <code>left_on</code>: is set, but is_active says the person is still there." in body
    manager_a.client.post(response["Location"])
    with manager_a.scope():
        assert Contact.objects.count() == 1


def test_a_loop_through_people_already_here_is_found(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, external_id="A-1")
    boss = ContactFactory(account=account, external_id="B-1")
    ContactFactory(account=account, external_id="B-2", reports_to=boss)
    text = "external_id,account_external_id,full_name,reports_to_external_id\nB-1,A-1,Boss,B-2\n"
    response = _upload(manager_a, text, kind="contacts")
    assert "makes a loop of managers: B-1 → B-2 → B-1." in manager_a.client.get(response["Location"]).content.decode()


def test_confirm_validates_again_against_todays_data(manager_a):
    AccountFactory(tenant=manager_a.tenant, external_id="A-1")
    response = _upload(manager_a, CONTACTS, kind="contacts")
    assert b"3 to create" in manager_a.client.get(response["Location"]).content
    with manager_a.scope():
        Account.objects.filter(external_id="A-1").update(external_id="A-1-renamed")
    confirm = manager_a.client.post(response["Location"])
    assert confirm.status_code == 200 and b"Nothing was imported" in confirm.content
    assert "no account has the external id “A-1”".encode() in confirm.content
    with manager_a.scope():
        assert not Contact.objects.exists()


def test_an_upload_is_only_seen_by_its_uploader_and_only_editors_import(manager_a, make_member, viewer_a):
    response = _upload(manager_a, "external_id,name\nF-1,F\n")
    other_manager = make_member(manager_a.tenant)
    assert other_manager.client.get(response["Location"]).status_code == 404
    assert other_manager.client.post(response["Location"]).status_code == 404
    assert viewer_a.client.get(viewer_a.url("accounts/import/")).status_code == 403
    assert _upload(viewer_a, "external_id,name\nF-2,F\n").status_code == 403
    with manager_a.scope():
        assert not Account.objects.exists()


def test_two_tenants_may_use_the_same_external_ids(manager_a, manager_b):
    _import(manager_a, "external_id,name\nSAME-1,Ours\n")
    _import(manager_b, "external_id,name\nSAME-1,Theirs\n")
    with manager_a.scope():
        assert list(Account.objects.values_list("name", flat=True)) == ["Ours"]
    with manager_b.scope():
        assert list(Account.objects.values_list("name", flat=True)) == ["Theirs"]


def test_planning_is_set_based(manager_a, django_assert_max_num_queries):
    lines = "".join(f"G-{i},Name {i},,{manager_a.user.email}\n" for i in range(300))
    columns, rows, _ = imports.read_csv(f"external_id,name,industry,owner_email\n{lines}".encode(), kind="accounts")
    with manager_a.scope():
        with django_assert_max_num_queries(3):
            plan = imports.plan_accounts(rows)
        assert plan.count("create") == 300
        batch = services.import_batch_create(
            by=manager_a.user, kind="accounts", filename="x.csv", columns=columns, rows=rows
        )
        with django_assert_max_num_queries(20):
            services.import_batch_apply(batch=batch, by=manager_a.user)
        assert Account.objects.count() == 300


def test_sample_files_import_cleanly(manager_a):
    for kind in ("accounts", "contacts"):
        response = manager_a.client.get(manager_a.url(f"accounts/import/sample.csv?kind={kind}"))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        preview, confirm = _import(manager_a, response.content, kind=kind)
        assert b"problem" not in preview.content and confirm.status_code == 302
    with manager_a.scope():
        assert Account.objects.count() == 2 and Contact.objects.filter(reports_to__isnull=False).count() == 1


def test_a_file_without_the_manager_column_keeps_the_org_chart(manager_a):
    account = AccountFactory(tenant=manager_a.tenant, external_id="A-1")
    boss = ContactFactory(account=account, external_id="B-1")
    ContactFactory(account=account, external_id="B-2", reports_to=boss, title="Old title")
    preview, _ = _import(
        manager_a, "external_id,account_external_id,full_name,title\nB-2,A-1,Renamed,New title\n", kind="contacts"
    )
    assert b"changes full_name, title" in preview.content
    with manager_a.scope():
        person = Contact.objects.get(external_id="B-2")
        assert (person.full_name, person.title, person.reports_to_id) == ("Renamed", "New title", boss.pk)
    _import(
        manager_a,
        "external_id,account_external_id,full_name,reports_to_external_id\nB-2,A-1,Renamed,\n",
        kind="contacts",
    )
    with manager_a.scope():
        assert Contact.objects.get(external_id="B-2").reports_to_id is None  # a blank cell: reports to nobody


def test_a_contact_cannot_move_to_another_account_by_import(manager_a):
    first = AccountFactory(tenant=manager_a.tenant, external_id="A-1")
    AccountFactory(tenant=manager_a.tenant, external_id="A-2")
    boss = ContactFactory(account=first, external_id="B-1")
    ContactFactory(account=first, external_id="B-2", reports_to=boss)
    preview, _ = _import(
        manager_a, "external_id,account_external_id,full_name\nB-2,A-2,Moved Person\n", kind="contacts"
    )
    assert (
        b"Row 2, column <code>account_external_id</code>" in preview.content
        and b"cannot move to another account" in preview.content
    )
    with manager_a.scope():
        assert Contact.objects.get(external_id="B-2").account_id == first.pk


def test_an_import_changes_an_owner_only_where_the_team_rule_allows(manager_a, make_member):
    other = make_member(manager_a.tenant, Role.MANAGER, email="other@vendor.example")
    AccountFactory(tenant=manager_a.tenant, external_id="MINE", owner=manager_a.user)
    AccountFactory(tenant=manager_a.tenant, external_id="THEIRS", owner=other.user)
    preview, _ = _import(manager_a, f"external_id,name,owner_email\nTHEIRS,Theirs,{manager_a.user.email}\n")
    assert b"column <code>owner_email</code>: Only the account" in preview.content
    with manager_a.scope():
        assert Account.objects.get(external_id="THEIRS").owner_id == other.user.pk
    preview, _ = _import(manager_a, "external_id,name,owner_email\nMINE,Mine,other@vendor.example\n")  # handed over
    changes = preview.content.decode().split("changes ")[1].split("<")[0]
    assert "owner_email" in changes and "owner_id" not in changes  # the file's column, not the model's field
    with manager_a.scope():
        assert Account.objects.get(external_id="MINE").owner_id == other.user.pk
