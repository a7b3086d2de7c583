import io
import os
import re
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"KEYSTONE_TESTING", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "keystone.settings",
            "DEBUG": "0",
            "SECRET_KEY": "prod-" + "k3y!" * 16,
            "ALLOWED_HOSTS": "keystone.example.com",
            "DATABASE_URL": "postgres://keystone_app@db:5432/keystone",
            "REDIS_URL": "redis://redis:6379/0",
            "EMAIL_URL": "smtp://mail.example.com:25",
            "KEYSTONE_VAR_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"KEYSTONE_TESTING", "SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "keystone.settings", "DEBUG": "0", "KEYSTONE_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_seed_demo_is_safe_to_run_twice(capsys):
    from django.core.management import call_command

    from tenancy.models import Tenant, User

    call_command("seed_demo")
    counts = (Tenant.objects.count(), User.objects.count())
    call_command("seed_demo")
    assert (Tenant.objects.count(), User.objects.count()) == counts == (2, 9)
    out = capsys.readouterr().out
    assert "sam@consulting.example" in out and "keystone-demo" in out


# --- The app role of deploy/postgres-init.sh: enough rights to run the app, none to escape RLS ------

INIT_SCRIPT = ROOT / "deploy" / "postgres-init.sh"
_DB_GRANT = re.compile(r"^GRANT ([A-Z, ]+) ON DATABASE keystone TO keystone_app;", re.MULTILINE)


def _init_script_database_privileges() -> str:
    grants = _DB_GRANT.findall(INIT_SCRIPT.read_text())
    assert len(grants) == 1, "postgres-init.sh should grant the app role its database rights in one statement"
    return grants[0].strip()


def test_init_script_lets_the_app_role_create_temporary_tables():
    text = INIT_SCRIPT.read_text()
    assert "REVOKE ALL ON DATABASE keystone FROM PUBLIC;" in text
    privileges = {p.strip() for p in _init_script_database_privileges().split(",")}
    assert privileges == {"CONNECT", "TEMPORARY"}


@pytest.fixture
def app_role_connection(transactional_db):
    """Switches Django's connection to the application role of KEYSTONE_APP_DATABASE_URL (on the test
    database, with exactly the database rights postgres-init.sh gives it, plus grant_app_role's)."""
    url = os.environ.get("KEYSTONE_APP_DATABASE_URL")
    if not url:
        if os.environ.get("KEYSTONE_REQUIRE_APP_ROLE") == "1":
            pytest.fail("KEYSTONE_REQUIRE_APP_ROLE=1 but KEYSTONE_APP_DATABASE_URL is not set.")
        pytest.skip("set KEYSTONE_APP_DATABASE_URL (a LOGIN NOSUPERUSER NOBYPASSRLS role) to run this")
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("KEYSTONE_APP_DATABASE_URL is set but the suite does not run on PostgreSQL.")
    app = dj_database_url.parse(url)
    role = app["USER"]
    call_command("grant_app_role", role, stdout=io.StringIO())
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        database = quote(connection.settings_dict["NAME"])
        cursor.execute(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
        cursor.execute(f"GRANT {_init_script_database_privileges()} ON DATABASE {database} TO {quote(role)}")
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        USER=role, PASSWORD=app["PASSWORD"] or "", HOST=app["HOST"] or saved["HOST"], PORT=app["PORT"] or saved["PORT"]
    )
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.postgres
def test_app_role_runs_the_ratings_recompute_and_cannot_get_around_rls(app_role_connection, tenant_a, tenant_b):
    from django.db import DatabaseError

    from accounts.models import Account
    from ratings.services import policy_defaults_ensure, ratings_recompute
    from tenancy.context import tenant_context
    from tests.ratings.factories import AccountFactory

    AccountFactory.create_batch(2, tenant=tenant_a)
    AccountFactory(tenant=tenant_b)
    with app_role_connection.cursor() as cursor:  # the first query opens the connection as the app role
        cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, superuser, bypass = cursor.fetchone()
    assert user == app_role_connection.settings_dict["USER"] and not superuser and not bypass

    with tenant_context(tenant_a.pk):
        policy_defaults_ensure()
        result = ratings_recompute()  # CREATE TEMPORARY TABLE … needs the TEMPORARY right
    assert result.accounts == 2
    with tenant_context(tenant_a.pk):
        assert set(Account.objects.values_list("rating", flat=True)) - {""}

    table = app_role_connection.ops.quote_name(Account._meta.db_table)
    with app_role_connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # no tenant set: RLS shows nothing
        assert cursor.fetchone()[0] == 0
    with pytest.raises(DatabaseError, match="row-level security"), tenant_context(tenant_a.pk):
        with app_role_connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET tenant_id = %s", [tenant_b.pk])
    with pytest.raises(DatabaseError, match="must be owner"), app_role_connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")


def test_env_example_mail_url_uses_starttls_on_the_submission_port():
    from keystone.env import mailer_config

    lines = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    options = mailer_config(lines["EMAIL_URL"])["OPTIONS"]
    assert (options["port"], options["use_tls"], options["use_ssl"]) == (587, True, False)


def test_compose_postgres_healthcheck_waits_for_tcp_not_the_init_socket():
    # During first start the image's init scripts run on a Unix socket only; the healthcheck must not
    # report ready (and let migrate start) before the server listens on TCP.
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "pg_isready -h 127.0.0.1 -U postgres -d keystone" in compose


def test_readme_has_no_links_outside_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert not re.search(r"\]\(\.\./", readme)
