import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"KEYSTONE_TESTING", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "keystone.settings",
        "DEBUG": "0",
        "SECRET_KEY": "prod-" + "k3y!" * 16,
        "ALLOWED_HOSTS": "keystone.example.com",
        "DATABASE_URL": "postgres://keystone_app@db:5432/keystone",
        "REDIS_URL": "redis://redis:6379/0",
        "EMAIL_URL": "smtp://mail.example.com:25",
        "KEYSTONE_VAR_DIR": str(tmp_path),
    })
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
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
