"""The audit trail (issue 11, item 10): every kind of change an admin must account for leaves one entry
saying who, what, when, from what to what; entries are the tenant's own (RLS), append-only in the
database, readable by admins only (page with filters, API), in a fixed number of queries."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import AccountStatus, Classification, Coverage, TeamRole
from hierarchy import services as hierarchy_services
from hierarchy.models import HierarchyModel
from keyplayers import services as keyplayers_services
from ratings import services as ratings_services
from ratings.models import ReviewDecision
from tenancy import services as tenancy_services
from tenancy.audit import SYSTEM
from tenancy.context import tenant_context
from tenancy.models import AuditAction, AuditEntry, Invitation, Membership, Role, Tenant, User
from tests.accounts.factories import AccountFactory
from tests.conftest import api_client_for
from tests.test_api_contract import RFC3339

pytestmark = pytest.mark.django_db


def acting(member):
    """The member's tenant context with the member as the actor, as a request runs."""
    return tenant_context(member.tenant.pk, user_id=member.user.pk)


def entries(member, **filters):
    with member.scope():
        return list(AuditEntry.objects.filter(**filters).order_by("id"))


def only_entry(member, action):
    found = entries(member, action=action)
    assert len(found) == 1, [(e.action, e.changes) for e in entries(member)]
    return found[0]


# --- Each kind of change produces its entry ----------------------------------------------------------


def test_members_invitations_roles_and_removals(admin_a, make_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_a.client.post(admin_a.url("members/"), {"email": "New@Example.com", "role": "manager"})
    assert response.status_code == 302
    sent = only_entry(admin_a, AuditAction.INVITATION_SENT)
    assert (sent.actor_id, sent.actor_label, sent.target_label) == (
        admin_a.user.pk,
        admin_a.user.email,
        "new@example.com",
    )
    assert sent.changes == {"role": [None, "manager"]}

    newcomer = User.objects.get(email="new@example.com")
    with admin_a.scope():
        invitation = Invitation.objects.get()
    with tenant_context(admin_a.tenant.pk, user_id=newcomer.pk):
        membership = tenancy_services.invitation_accept(invitation=invitation, user=newcomer)
    joined = only_entry(admin_a, AuditAction.MEMBER_JOINED)
    assert (joined.actor_label, joined.target_id, joined.changes) == (
        "new@example.com",
        membership.pk,
        {"role": [None, "manager"]},
    )

    assert admin_a.client.post(admin_a.url(f"members/{membership.pk}/role/"), {"role": "viewer"}).status_code == 302
    changed = only_entry(admin_a, AuditAction.MEMBER_ROLE_CHANGED)
    assert (changed.actor_label, changed.target_label, changed.changes) == (
        admin_a.user.email,
        "new@example.com",
        {"role": ["manager", "viewer"]},
    )

    assert admin_a.client.post(admin_a.url(f"members/{membership.pk}/remove/")).status_code == 302
    removed = only_entry(admin_a, AuditAction.MEMBER_REMOVED)
    assert (removed.target_id, removed.changes) == (membership.pk, {"role": ["viewer", None]})

    with acting(admin_a):
        again = tenancy_services.member_invite(
            tenant=admin_a.tenant,
            email="later@example.com",
            role="viewer",
            invited_by=admin_a.user,
            base_url="http://testserver",
        )
    assert admin_a.client.post(admin_a.url(f"invitations/{again.pk}/cancel/")).status_code == 302
    withdrawn = only_entry(admin_a, AuditAction.INVITATION_WITHDRAWN)
    assert (withdrawn.target_label, withdrawn.changes) == ("later@example.com", {"role": ["viewer", None]})


def test_a_refused_change_leaves_no_entry(admin_a):
    """Recorded in the change's transaction: the last admin cannot be demoted, and no entry claims so."""
    admin_a.client.post(admin_a.url(f"members/{admin_a.membership.pk}/role/"), {"role": "viewer"})
    with admin_a.scope():
        assert Membership.objects.get(pk=admin_a.membership.pk).role == Role.ADMIN
    assert entries(admin_a) == []


def test_tenant_settings(admin_a):
    response = admin_a.client.post(
        admin_a.url("settings/"),
        {
            "name": "Tenant A renamed",
            "timezone": "Europe/Berlin",
            "briefing_lead_hours": 24,
            "briefing_delivery": "per_visit",
            "briefing_digest_hour": 7,
        },
    )
    assert response.status_code == 302, response.content[:500]
    entry = only_entry(admin_a, AuditAction.TENANT_SETTINGS_CHANGED)
    assert entry.changes == {"name": ["Tenant A", "Tenant A renamed"], "briefing_lead_hours": [48, 24]}


def test_hierarchy_model_switch_and_level_edit(admin_a):
    with acting(admin_a):
        buy_sell = hierarchy_services.hierarchy_defaults_ensure()
        needs = HierarchyModel.objects.exclude(pk=buy_sell.pk).get()
        hierarchy_services.hierarchy_model_activate(model=needs)
        hierarchy_services.hierarchy_model_activate(model=needs)  # already active: no change, no entry
        level = needs.levels.get(number=2)
        old_name = level.name
        hierarchy_services.hierarchy_level_update(
            level=level,
            name="Convenient supplier",
            description=level.description,
            signals=level.signals,
            climb_playbook=level.climb_playbook,
            survey_statement=level.survey_statement,
        )
    switched = only_entry(admin_a, AuditAction.HIERARCHY_MODEL_SWITCHED)
    assert (
        switched.changes == {"active model": [buy_sell.name, needs.name]} and switched.actor_label == admin_a.user.email
    )
    edited = only_entry(admin_a, AuditAction.HIERARCHY_LEVEL_EDITED)
    assert edited.changes == {"name": [old_name, "Convenient supplier"]} and edited.target_id == level.pk


def test_guidance_and_coverage_settings(admin_a):
    with acting(admin_a):
        keyplayers_services.guidance_set(
            buying_role="executive",
            buying_stage="planning",
            communication="Strategic dialogue",
            message="Talk about their strategy",
        )
        keyplayers_services.guidance_reset(buying_role="executive", buying_stage="planning")
        keyplayers_services.coverage_settings_update(
            min_level_executive=4, min_level_middle_management=3, min_level_operational=2, min_level_purchasing=1
        )
    guidance = only_entry(admin_a, AuditAction.GUIDANCE_SET)
    assert guidance.changes["message"][1] == "Talk about their strategy"
    reset = only_entry(admin_a, AuditAction.GUIDANCE_RESET)
    assert reset.changes["message"][0] == "Talk about their strategy"
    coverage = only_entry(admin_a, AuditAction.COVERAGE_SETTINGS_CHANGED)
    assert coverage.changes == {"min_level_executive": [3, 4], "min_level_purchasing": [2, 1]}


def test_rating_policy_drafts_activation_and_discard(admin_a):
    with acting(admin_a):
        active = ratings_services.policy_defaults_ensure()
        draft = ratings_services.policy_draft_save(by=admin_a.user, cadence_b_days=active.cadence_b_days + 1)
        ratings_services.policy_activate(policy=draft, by=admin_a.user)
        second = ratings_services.policy_draft_save(by=admin_a.user, cadence_a_days=7)
        ratings_services.policy_discard(policy=second)
    saved = entries(admin_a, action=AuditAction.RATING_POLICY_DRAFT_SAVED)
    assert [e.changes for e in saved] == [
        {"cadence_b_days": [active.cadence_b_days, active.cadence_b_days + 1]},
        {"cadence_a_days": [active.cadence_a_days, 7]},
    ]
    assert saved[0].target_label == f"Rating policy version {draft.version}"
    activated = only_entry(admin_a, AuditAction.RATING_POLICY_ACTIVATED)
    assert activated.changes == {"active version": [active.version, draft.version]}
    discarded = only_entry(admin_a, AuditAction.RATING_POLICY_DISCARDED)
    assert discarded.target_id == second.pk


def test_manual_ratings_set_cleared_and_ended(admin_a):
    account = AccountFactory(tenant=admin_a.tenant, name="Harbour Freight")
    until = timezone.now() + dt.timedelta(days=30)
    with acting(admin_a):
        ratings_services.override_set(account=account, rating="A", reason="Renewal", expires_at=until, by=admin_a.user)
        ratings_services.override_set(
            account=account, rating="B", reason="Scaled back", expires_at=until, by=admin_a.user
        )
        ratings_services.override_clear(account=account, by=admin_a.user)
        ratings_services.override_set(account=account, rating="C", reason="Short", expires_at=until, by=admin_a.user)
    with admin_a.scope():  # the hourly job: no person
        ratings_services.overrides_expire(now=until + dt.timedelta(seconds=1))
    set_ = entries(admin_a, action=AuditAction.MANUAL_RATING_SET)
    assert [e.changes["manual rating"] for e in set_] == [[None, "A"], ["A", "B"], [None, "C"]]
    assert set_[0].changes["reason"] == [None, "Renewal"] and set_[0].target_label == "Harbour Freight"
    assert only_entry(admin_a, AuditAction.MANUAL_RATING_CLEARED).changes == {"manual rating": ["B", None]}
    ended = only_entry(admin_a, AuditAction.MANUAL_RATING_EXPIRED)
    assert (ended.actor_id, ended.actor_label, ended.changes) == (None, SYSTEM, {"manual rating": ["C", None]})


def test_account_owner_status_classification_and_team(admin_a, make_member):
    other = make_member(admin_a.tenant, Role.MANAGER, email="other@example.com")
    account = AccountFactory(tenant=admin_a.tenant, name="Cobalt Dairy", owner=admin_a.user)
    with acting(admin_a):
        accounts_services.account_update(
            account=account, by=admin_a.user, owner=other.user, status=AccountStatus.CUSTOMER, notes="not audited"
        )
        accounts_services.account_classify(
            account=account, classification="strategic", reason="Cold chain", by=admin_a.user
        )
        seat = accounts_services.team_member_add(account=account, user=admin_a.user, by=admin_a.user)
        accounts_services.team_member_update(team_member=seat, team_role=TeamRole.EXECUTIVE_SPONSOR, by=admin_a.user)
        accounts_services.team_member_remove(team_member=seat, by=admin_a.user)
    owner = only_entry(admin_a, AuditAction.ACCOUNT_OWNER_CHANGED)
    assert owner.changes == {"owner": [admin_a.user.email, "other@example.com"]} and owner.target_id == account.pk
    assert only_entry(admin_a, AuditAction.ACCOUNT_STATUS_CHANGED).changes["status"][1] == "customer"
    classified = only_entry(admin_a, AuditAction.ACCOUNT_CLASSIFIED)
    assert classified.changes == {"classification": ["unqualified", "strategic"], "reason": [None, "Cold chain"]}
    assert only_entry(admin_a, AuditAction.TEAM_MEMBER_ADDED).changes == {
        "person": [None, admin_a.user.email],
        "team_role": [None, TeamRole.ACCOUNT_MANAGER],
    }
    assert only_entry(admin_a, AuditAction.TEAM_ROLE_CHANGED).changes["team_role"] == [
        TeamRole.ACCOUNT_MANAGER,
        TeamRole.EXECUTIVE_SPONSOR,
    ]
    assert only_entry(admin_a, AuditAction.TEAM_MEMBER_REMOVED).changes["person"] == [admin_a.user.email, None]


def test_an_import_records_owner_status_and_classification_changes(admin_a, make_member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    make_member(admin_a.tenant, Role.MANAGER, email="owner@example.com")
    AccountFactory(tenant=admin_a.tenant, external_id="A-1", name="Harbour Freight")
    text = (
        "external_id,name,owner_email,status,classification,classification_reason\n"
        "A-1,Harbour Freight,owner@example.com,customer,tactical,Buys on price\n"
    )
    upload = admin_a.client.post(
        admin_a.url("accounts/import/"),
        {"kind": "accounts", "file": SimpleUploadedFile("a.csv", text.encode(), "text/csv")},
    )
    assert upload.status_code == 302
    assert admin_a.client.post(upload["Location"]).status_code in (200, 302)
    found = {e.action: e for e in entries(admin_a)}
    assert found[AuditAction.ACCOUNT_OWNER_CHANGED].changes == {"owner": [None, "owner@example.com"]}
    assert found[AuditAction.ACCOUNT_STATUS_CHANGED].changes["status"][1] == "customer"
    assert found[AuditAction.ACCOUNT_CLASSIFIED].changes["classification"] == ["unqualified", "tactical"]
    assert {e.actor_label for e in found.values()} == {admin_a.user.email}


def test_declassifying_an_account_records_its_status_change(admin_a):
    account = AccountFactory(
        tenant=admin_a.tenant, status=AccountStatus.CUSTOMER, classification=Classification.STRATEGIC
    )
    with acting(admin_a):
        ratings_services.declassification_decide(
            account=account,
            decision=ReviewDecision.DECLASSIFY,
            reason="Discounts without progress",
            by=admin_a.user,
            coverage=Coverage.INSIDE_SALES,
        )
    entry = only_entry(admin_a, AuditAction.ACCOUNT_STATUS_CHANGED)
    assert entry.changes["status"] == ["customer", "declassified"]
    assert entry.changes["coverage"] == ["field_team", "inside_sales"]
    assert only_entry(admin_a, AuditAction.ACCOUNT_CLASSIFIED).changes["classification"] == ["strategic", "tactical"]


def test_an_api_change_names_the_tokens_user(admin_a):
    account = AccountFactory(tenant=admin_a.tenant, status=AccountStatus.PROSPECT)
    response = api_client_for(admin_a).patch(f"/api/v1/accounts/{account.pk}/", {"status": "customer"}, format="json")
    assert response.status_code == 200, response.content
    entry = only_entry(admin_a, AuditAction.ACCOUNT_STATUS_CHANGED)
    assert (entry.actor_id, entry.actor_label) == (admin_a.user.pk, admin_a.user.email)


# --- Append-only, in the database --------------------------------------------------------------------


def _one_entry(member):
    with acting(member):
        tenancy_services.tenant_update_settings(
            tenant=member.tenant, name="Renamed", timezone="UTC", briefing_lead_hours=24
        )
        return AuditEntry.objects.get()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tenancy_auditentry SET actor_label = 'someone else'",
        "UPDATE tenancy_auditentry SET changes = '{}'",
        "DELETE FROM tenancy_auditentry",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_entry(admin_a, statement):
    entry = _one_entry(admin_a)
    with acting(admin_a):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(action=AuditAction.MEMBER_REMOVED)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEntry.objects.get(pk=entry.pk).delete()
        assert AuditEntry.objects.get(pk=entry.pk).actor_label == admin_a.user.email


def test_the_trigger_is_in_the_catalog():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action_timing, string_agg(event_manipulation, ',' ORDER BY event_manipulation) "
            "FROM information_schema.triggers WHERE event_object_table = 'tenancy_auditentry' GROUP BY 1"
        )
        assert cursor.fetchall() == [("BEFORE", "DELETE,UPDATE")]


def test_deleting_a_tenant_takes_its_trail_and_nothing_else(admin_a, admin_b):
    _one_entry(admin_a)
    _one_entry(admin_b)
    with tenant_context(admin_a.tenant.pk):
        Tenant.objects.get(pk=admin_a.tenant.pk).delete()
        assert AuditEntry.objects.count() == 0
    assert len(entries(admin_b)) == 1


def test_deleting_a_person_keeps_their_entries(admin_a, make_member):
    other = make_member(admin_a.tenant, Role.MANAGER, email="leaver@example.com")
    with tenant_context(admin_a.tenant.pk, user_id=other.user.pk):
        tenancy_services.tenant_update_settings(
            tenant=admin_a.tenant, name="By the leaver", timezone="UTC", briefing_lead_hours=24
        )
    tenancy_services.users_delete(user_ids=[other.user.pk])
    settings_entry, removed = entries(admin_a)
    assert settings_entry.actor_label == "leaver@example.com"  # the trail outlives the person
    assert (removed.action, removed.actor_label, removed.target_label, removed.changes) == (
        AuditAction.MEMBER_REMOVED,
        SYSTEM,
        "leaver@example.com",
        {"role": ["manager", None]},
    )


def test_the_app_role_may_not_update_delete_or_truncate(db):
    from django.core.management import call_command

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = 'keystone_app'")
        if cursor.fetchone() is None:
            pytest.skip("no keystone_app role on this server")
        call_command("grant_app_role", "keystone_app")
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = 'tenancy_auditentry' AND grantee = 'keystone_app' ORDER BY 1"
        )
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]


def test_append_only_on_the_embedded_sqlite_default(tmp_path):
    """`make run`'s SQLite gets the same triggers: migrate, record, try to change and delete."""
    script = (
        "from django.db import connection, DatabaseError\n"
        "from tenancy.context import tenant_context\n"
        "from tenancy.models import AuditEntry, Tenant\n"
        "from tenancy.services import tenant_create, tenant_update_settings\n"
        "t = tenant_create(name='Lite', slug='lite')\n"
        "with tenant_context(t.pk):\n"
        "    tenant_update_settings(tenant=t, name='Lite 2', timezone='UTC', briefing_lead_hours=24)\n"
        "    assert AuditEntry.objects.count() == 1\n"
        "    for sql in ('UPDATE tenancy_auditentry SET actor_label = 1', 'DELETE FROM tenancy_auditentry'):\n"
        "        try:\n"
        "            with connection.cursor() as c: c.execute(sql)\n"
        "        except DatabaseError as e: assert 'append-only' in str(e), e\n"
        "        else: raise SystemExit('not refused: ' + sql)\n"
        "tenant_id = t.pk\n"
        "t.delete()\n"
        "with tenant_context(tenant_id):\n"
        "    assert AuditEntry.objects.count() == 0\n"
        "print('append-only ok')\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "KEYSTONE_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'lite.sqlite3'}",
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="keystone.settings",
        KEYSTONE_VAR_DIR=str(tmp_path),
    )  # its filesystem broker folders, not in the checkout
    root = Path(__file__).resolve().parent.parent
    manage = [sys.executable, str(root / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, cwd=root, check=True, timeout=300)
    done = subprocess.run(
        [*manage, "shell", "-c", script], env=env, cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "append-only ok" in done.stdout, done.stdout + done.stderr


# --- Who may read it: admins of the tenant, nobody else -------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.EXECUTIVE, Role.VIEWER])
def test_only_admins_see_the_page_and_the_api(admin_a, make_member, role):
    _one_entry(admin_a)
    member = make_member(admin_a.tenant, role)
    assert member.client.get(member.url("audit/")).status_code == 403  # a role refusal inside the tenant names who can
    api = api_client_for(member)
    assert api.get("/api/v1/audit-log/").status_code == 403
    with member.scope():
        entry_id = AuditEntry.objects.get().pk
    assert api.get(f"/api/v1/audit-log/{entry_id}/").status_code == 403
    assert b"Audit log" not in member.client.get(member.url("")).content
    assert b"Audit log" in admin_a.client.get(admin_a.url("")).content


def test_other_tenants_entries_are_invisible(admin_a, admin_b):
    entry = _one_entry(admin_a)
    _one_entry(admin_b)
    api = api_client_for(admin_b)
    listed = api.get("/api/v1/audit-log/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] != entry.pk
    assert api.get(f"/api/v1/audit-log/{entry.pk}/").status_code == 404
    assert api.get(f"/api/v1/audit-log/{entry.pk}/").content == api.get("/api/v1/audit-log/2000000000/").content
    page = admin_b.client.get(admin_b.url("audit/"))
    assert page.status_code == 200 and admin_a.user.email.encode() not in page.content
    assert admin_b.client.get(admin_a.url("audit/")).status_code == 404  # not a member there
    with tenant_context(admin_b.tenant.pk), connection.cursor() as cursor:  # RLS itself, under the scoping
        cursor.execute("SELECT count(*) FROM tenancy_auditentry WHERE tenant_id = %s", [admin_a.tenant.pk])
        assert cursor.fetchone() == (0,)


def test_the_api_is_read_only(admin_a):
    entry = _one_entry(admin_a)
    api = api_client_for(admin_a)
    assert api.post("/api/v1/audit-log/", {}, format="json").status_code == 405
    assert api.patch(f"/api/v1/audit-log/{entry.pk}/", {"actor_label": "x"}, format="json").status_code == 405
    assert api.delete(f"/api/v1/audit-log/{entry.pk}/").status_code == 405


# --- Filters and the shape of the answer -----------------------------------------------------------------


def _history(admin, other):
    account = AccountFactory(tenant=admin.tenant, name="Filtered")
    with acting(admin):
        accounts_services.account_classify(account=account, classification="tactical", reason="Price", by=admin.user)
    with tenant_context(admin.tenant.pk, user_id=other.user.pk):
        tenancy_services.tenant_update_settings(
            tenant=admin.tenant, name="Renamed", timezone="UTC", briefing_lead_hours=24
        )
    return account


def test_the_page_filters_by_kind_person_and_dates(admin_a, make_member):
    other = make_member(admin_a.tenant, Role.ADMIN, email="second-admin@example.com")
    _history(admin_a, other)
    everything = admin_a.client.get(admin_a.url("audit/"))
    assert everything.status_code == 200
    assert b"Account classified" in everything.content and b"Tenant settings changed" in everything.content
    assert b"unqualified \xe2\x86\x92 tactical" in everything.content
    by_kind = admin_a.client.get(admin_a.url("audit/"), {"kind": "account"})
    assert b"Account classified" in by_kind.content and b"Tenant settings changed" not in by_kind.content
    by_person = admin_a.client.get(admin_a.url("audit/"), {"actor": other.user.pk})
    assert b"Tenant settings changed" in by_person.content and b"Account classified" not in by_person.content
    today = timezone.localdate()
    assert b"Account classified" in admin_a.client.get(admin_a.url("audit/"), {"since": today, "until": today}).content
    earlier = admin_a.client.get(admin_a.url("audit/"), {"until": today - dt.timedelta(days=1)})
    assert b"Account classified" not in earlier.content and b"No changes match" in earlier.content


@pytest.mark.parametrize(
    "query, field",
    [
        ({"since": "9999-12-31"}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"kind": "nonsense"}, "kind"),
        ({"actor": "abc"}, "actor"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "until"),
    ],
)
def test_bad_page_filters_are_a_400_naming_the_field(admin_a, query, field):
    response = admin_a.client.get(admin_a.url("audit/"), query)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_the_api_lists_entries_with_filters(admin_a, make_member):
    other = make_member(admin_a.tenant, Role.ADMIN, email="second-admin@example.com")
    account = _history(admin_a, other)
    api = api_client_for(admin_a)
    body = api.get("/api/v1/audit-log/").json()
    assert [r["action"] for r in body["results"]] == ["tenant.settings_changed", "account.classified"]  # newest first
    classified = body["results"][1]
    assert classified["actor"] == admin_a.user.pk and classified["actor_label"] == admin_a.user.email
    assert classified["target_type"] == "account" and classified["target_id"] == account.pk
    assert classified["changes"]["classification"] == ["unqualified", "tactical"]
    assert RFC3339.match(classified["created_at"]), classified["created_at"]

    def actions(**query):
        return [r["action"] for r in api.get("/api/v1/audit-log/", query).json()["results"]]

    assert actions(kind="account") == ["account.classified"]
    assert actions(action="tenant.settings_changed") == ["tenant.settings_changed"]
    assert actions(actor=other.user.pk) == ["tenant.settings_changed"]
    assert actions(target_type="account", target_id=account.pk) == ["account.classified"]
    assert actions(after="2999-01-01T00:00:00Z") == []
    assert actions(before="2999-01-01T00:00:00Z") == ["tenant.settings_changed", "account.classified"]
    bad = api.get("/api/v1/audit-log/", {"action": "nonsense"})
    assert bad.status_code == 400 and "action" in bad.json()
    assert api.get("/api/v1/audit-log/", {"after": ""}).status_code == 400


def test_the_schema_documents_the_endpoint(db):
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/audit-log/"]["get"]
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} >= {"kind", "action", "actor", "after", "before", "page"}
    assert "/api/v1/audit-log/{audit_entry_id}/" in schema["paths"]
    assert set(schema["paths"]["/api/v1/audit-log/"]) == {"get"}


# --- A fixed number of queries -------------------------------------------------------------------------


def _many(member, n):
    with acting(member):
        for i in range(n):
            tenancy_services.tenant_update_settings(
                tenant=member.tenant, name=f"Name {i}", timezone="UTC", briefing_lead_hours=24 + i % 2
            )


def test_list_query_counts_do_not_grow_with_the_entries(admin_a, make_member, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    api = api_client_for(admin_a)
    api.get("/api/v1/me/")  # the token's first use records it (once a minute): not part of the list

    def counts():
        with CaptureQueriesContext(connection) as page:
            assert admin_a.client.get(admin_a.url("audit/")).status_code == 200
        with CaptureQueriesContext(connection) as listed:
            assert api.get("/api/v1/audit-log/").status_code == 200
        return len(page), len(listed)

    _many(admin_a, 2)
    few = counts()
    for i in range(5):
        make_member(admin_a.tenant, Role.VIEWER)
    _many(admin_a, 40)
    assert counts() == few
    with django_assert_max_num_queries(12):
        admin_a.client.get(admin_a.url("audit/"))
