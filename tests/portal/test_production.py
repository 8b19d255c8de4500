"""The production image and settings, laid out on this machine: each fault a reseller would hit on
``docker compose up`` (see docs and README, production section) has a test here."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.image import (
    ROOT,
    collectstatic_as_image,
    compose_config,
    gunicorn_server,
    healthcheck_command,
    host_command,
    image_environment,
    web_environment,
)

pytestmark = [
    pytest.mark.slow,  # no database of the test run: once per `make test`, not again on PostgreSQL
]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory) -> Path:
    """The image's /app for static files, var/ and media/, with collectstatic run as the image
    runs it."""
    app = tmp_path_factory.mktemp("app")
    collectstatic_as_image(app)
    return app


@pytest.fixture(scope="module")
def production_env(app_dir) -> dict[str, str]:
    """The compose web service's environment on this machine (SQLite instead of PostgreSQL,
    migrated), on top of the image's ENV."""
    env = {
        **image_environment(app_dir),
        **web_environment(
            compose_config(),
            DATABASE_URL=f"sqlite:///{app_dir / 'var' / 'portal.sqlite3'}",
            MEDIA_ROOT=str(app_dir / "media"),
        ),
    }
    env["PATH"] = image_environment(app_dir)["PATH"]
    result = _manage("migrate", "--noinput", env=env)
    assert result.returncode == 0, result.stderr
    return env


def test_debug_is_off_unless_set(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PORTAL_VAR_DIR": str(tmp_path)}
    result = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)", env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"


def test_image_static_files_serve_pages_with_debug_off(production_env, app_dir):
    """collectstatic ran with the production (manifest) storage: pages render, not 500."""
    assert (app_dir / "staticfiles" / "staticfiles.json").exists()
    script = (
        "from django.test import Client; "
        "r = Client().get('/accounts/login/', secure=True, HTTP_HOST='localhost'); "
        "print(r.status_code, 'css/portal.' in r.content.decode())"
    )
    result = _manage("shell", "-c", script, env=production_env)
    assert result.returncode == 0, result.stderr
    status, hashed = result.stdout.split()[-2:]
    assert (status, hashed) == ("200", "True"), result.stdout


def test_image_gives_var_and_media_to_the_portal_user():
    """Named volumes take the owner of the image's directory: it must be the portal user's."""
    steps = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    text = " ".join(steps)
    chown = text[text.index("chown") : text.index("USER portal")]
    assert "/app/var" in chown and "/app/media" in chown and "portal" in chown
    assert "mkdir -p /app/var /app/media" in text


@pytest.mark.parametrize("name", [".env", ".env.production", ".env.local"])
def test_env_files_are_neither_committed_nor_copied_into_the_image(name):
    ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT).returncode == 0
    assert ignored, f"git would commit {name}"
    patterns = [
        p.strip()
        for p in (ROOT / ".dockerignore").read_text().splitlines()
        if p.strip() and not p.startswith("#")
    ]
    assert any(fnmatch.fnmatch(name, p) for p in patterns), f"COPY . . would bake {name} in"


def test_image_installs_cjk_fonts_and_execs_gunicorn():
    text = (ROOT / "Dockerfile").read_text()
    assert "fonts-noto-cjk" in text
    cmd = [line for line in text.splitlines() if line.startswith("CMD")][-1]
    assert json.loads(cmd[3:])[:3] == ["gunicorn", "-c", "gunicorn.conf.py"]


def test_production_logs_are_json_lines(production_env):
    script = "import logging; logging.getLogger('portal.check').warning('hello %s', 'there')"
    result = _manage("shell", "-c", script, env=production_env)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["message"] == "hello there"
    assert record["level"] == "WARNING" and record["logger"] == "portal.check"


@pytest.mark.redis
def test_web_healthcheck_passes_as_written_in_compose(production_env, redis_url, tmp_path):
    env = {**production_env, "REDIS_URL": redis_url}
    with gunicorn_server(env, log=tmp_path / "gunicorn.log") as port:
        command = host_command(healthcheck_command(compose_config(), "web"))
        command = [w.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for w in command]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr + (tmp_path / "gunicorn.log").read_text()


@pytest.mark.redis
@pytest.mark.parametrize(("proxy", "trusted"), [("192.0.2.7", False), ("127.0.0.1", True)])
def test_forwarded_proto_is_believed_only_from_the_proxy(
    production_env, redis_url, tmp_path, proxy, trusted
):
    """Anyone else who reaches gunicorn and claims https is redirected to https, not served."""
    env = {**production_env, "REDIS_URL": redis_url, "FORWARDED_ALLOW_IPS": proxy}
    with gunicorn_server(env, log=tmp_path / "gunicorn.log") as port:
        answer = requests.get(
            f"http://127.0.0.1:{port}/accounts/login/",
            headers={"Host": "localhost", "X-Forwarded-Proto": "https"},
            allow_redirects=False,
            timeout=30,
        )
    if trusted:
        assert answer.status_code == 200
    else:
        assert answer.status_code == 301
        assert answer.headers["Location"].startswith("https://localhost/")


def test_redis_visibility_timeout_is_well_above_every_task_time_limit(tmp_path):
    script = (
        "from portal.celery import app; app.loader.import_default_modules(); "
        "limits = [t.time_limit or app.conf.task_time_limit for n, t in app.tasks.items() "
        "if not n.startswith('celery.')]; "
        "print(max(limits), app.conf.broker_transport_options['visibility_timeout'], "
        "app.conf.task_ignore_result)"
    )
    for limit in ("3600", "600"):
        env = {
            "PATH": "/usr/bin:/bin",
            "PORTAL_VAR_DIR": str(tmp_path),
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "CELERY_TASK_TIME_LIMIT": limit,
        }
        result = _manage("shell", "-c", script, env=env)
        assert result.returncode == 0, result.stderr
        longest, visibility, ignored = result.stdout.split()[-3:]
        assert int(visibility) >= 1.5 * int(longest)
        assert ignored == "True"
