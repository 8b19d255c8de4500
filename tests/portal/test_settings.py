"""Settings from the environment: defaults work, bad values fail at start with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNER_CENTER_", "DJANGO_"))}
    base.update({"PORTAL_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PARTNER_CENTER_CLOUD": "mars"}, "PARTNER_CENTER_CLOUD"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"PARTNER_CENTER_API_URL": "ftp://example"}, "PARTNER_CENTER_API_URL"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE"),
        (
            {
                "DEBUG": "false",
                "ALLOWED_HOSTS": "portal.example",
                "DATABASE_URL": "postgres://u@db.example/portal",
            },
            "SECRET_KEY",
        ),
        (
            {"DEBUG": "false", "SECRET_KEY": "k" * 50, "DATABASE_URL": "postgres://u@db.example/p"},
            "ALLOWED_HOSTS",
        ),
        ({"DATABASE_URL": "nonsense://"}, "DATABASE_URL"),
    ],
)
def test_bad_setting_fails_with_one_line(env, named, tmp_path):
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr


def test_defaults_point_at_the_sandbox(tmp_path):
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.PARTNER_CENTER_API_URL, s.PARTNER_CENTER_AUTHORITY, s.CELERY_BROKER_URL)",
        env={},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    api, authority, broker = result.stdout.split()[-3:]
    assert api == "http://127.0.0.1:8765"
    assert authority.startswith("http://127.0.0.1:8765/")
    assert broker == "filesystem://"
    assert (tmp_path / "var" / "celery" / "queue").is_dir()
    assert (tmp_path / "var" / "secret_key").exists()


def test_production_settings_pass_deploy_check(tmp_path):
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60 + "-production-like-secret-key-for-check",
        "ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PARTNER_CENTER_API_URL": "https://api.partnercenter.microsoft.com",
        "PARTNER_CENTER_AUTHORITY": "https://login.microsoftonline.com/contoso.onmicrosoft.com",
        "PARTNER_CENTER_TENANT_ID": "contoso.onmicrosoft.com",
        "PARTNER_CENTER_CLIENT_ID": "app-id",
        "PARTNER_CENTER_CLIENT_SECRET": "from-the-environment",
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
