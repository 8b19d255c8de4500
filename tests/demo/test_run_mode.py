"""``make run``'s mode (embedded, DEBUG off) serves pages as production does: WhiteNoise serves the
static files without a collectstatic step, a mistyped URL gets the real 404 page (not Django's
debug page), and plain http on loopback works (no https redirect, no secure-only cookies, no
HSTS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json
from django.conf import settings
from django.test import Client
c = Client(HTTP_HOST="127.0.0.1")
out = {
    "debug": settings.DEBUG,
    "css": c.get("/static/css/portal.css"),
    "icon": c.get("/static/img/favicon.svg"),
    "missing": c.get("/no-such-page/"),
    "login": c.get("/accounts/login/"),
}
signed_in = c.post("/accounts/login/", {"username": "sales", "password": settings.PORTAL_DEMO_PASSWORD})
assert signed_in.status_code == 302, signed_in.status_code
def body(r):
    return b"".join(r.streaming_content) if r.streaming else r.content
out = {k: (v if isinstance(v, bool) else [v.status_code, body(v)[:4000].decode("utf-8", "replace"), dict(v.headers)]) for k, v in out.items()}
out["secure"] = [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS]
print("RESULT" + json.dumps(out))
"""


def test_make_run_mode_serves_static_without_collectstatic(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PARTNER_CENTER_", "DJANGO_", "DATABASE_", "DEBUG", "STATIC_"))
    }
    env.update(
        {
            "PORTAL_VAR_DIR": str(tmp_path / "var"),
            "STATIC_ROOT": str(tmp_path / "never-collected"),
            "DEBUG": "false",
        }
    )
    subprocess.run(  # as make run does: migrations and demo users in one start-up
        [sys.executable, "manage.py", "load_demo", "--migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "No directory at" not in result.stderr
    out = json.loads(result.stdout.split("RESULT", 1)[1])
    assert out["debug"] is False
    css_status, css, _ = out["css"]
    assert css_status == 200 and "Partner Portal" in css and "--bg" in css
    assert out["icon"][0] == 200 and "<svg" in out["icon"][1]
    missing_status, missing, _ = out["missing"]
    assert missing_status == 404
    assert "URLconf" not in missing and "DEBUG = True" not in missing
    login_status, login, headers = out["login"]
    assert login_status == 200 and "/static/css/portal.css" in login
    assert "Strict-Transport-Security" not in headers
    assert out["secure"] == [False, False, False, 0]
