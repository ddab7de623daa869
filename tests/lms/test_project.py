"""Project-wide checks: system checks, migrations, secure base settings, deploy checks."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


@pytest.mark.django_db
def test_migrations_are_complete_and_linear():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    conflicts = loader.detect_conflicts()
    assert conflicts == {}


def _run_settings(module: str, env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_base_settings_refuse_to_start_without_a_secret_key():
    result = _run_settings("lms.settings.production", {}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_deploy_check_is_clean():
    result = _run_settings(
        "lms.settings.production",
        {
            "SECRET_KEY": "x7!k2-" + "q" * 60,
            "ALLOWED_HOSTS": "hoctiep.example.vn",
            "DATABASE_URL": "sqlite:////tmp/hoctiep-deploy-check.db",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_debug_is_off_in_base_settings():
    from lms.settings import base

    source = Path(base.__file__).read_text()
    assert 'DEBUG = env.bool("DEBUG", default=False)' in source
