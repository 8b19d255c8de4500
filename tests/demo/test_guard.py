"""The demo's partner sign-in and data load are impossible in production: refused unless the
portal is local and Partner Center is the local sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo.guard import demo_refusal
from demo.sign_in import demo_partner_sign_in
from portal.models import PartnerCenterConnection
from portal.shared.errors import PortalError

ROOT = Path(__file__).resolve().parents[2]
TENANT = "8f6e6b8e-3c1d-4b43-9d7e-5a7c0e2b1a10"
PRODUCTION = {
    "DEBUG": "false",
    "DATABASE_URL": "postgres://portal:secret@127.0.0.1:9/portal",
    "SECRET_KEY": "production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "portal.example",
    "REDIS_URL": "redis://127.0.0.1:9/0",
    "PARTNER_CENTER_API_URL": "https://api.partnercenter.microsoft.com",
    "PARTNER_CENTER_AUTHORITY": f"https://login.microsoftonline.com/{TENANT}",
    "PARTNER_CENTER_TENANT_ID": TENANT,
    "PARTNER_CENTER_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
    "PARTNER_CENTER_CLIENT_SECRET": "a-real-secret",
}


def _load_demo(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PARTNER_CENTER_", "DJANGO_", "DATABASE_", "DEBUG"))
    }
    base.update({"PORTAL_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "manage.py", "load_demo", "--sync"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refused_with_production_settings(tmp_path):
    result = _load_demo(PRODUCTION, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: Demo data is only loaded by a local portal (embedded mode, no "
        "DATABASE_URL, or DEBUG)."
    ]


def test_refused_with_debug_on_against_the_real_authority(tmp_path):
    env = {**PRODUCTION, "DEBUG": "true"}
    env.pop("DATABASE_URL")
    result = _load_demo(env, tmp_path)
    assert result.returncode == 1
    assert "only loaded against the local Partner Center sandbox" in result.stderr
    assert "PARTNER_CENTER_API_URL is https://api.partnercenter.microsoft.com" in result.stderr


@pytest.fixture
def local_portal(settings):
    """A portal running locally, as `make run` starts it, whichever database the suite uses."""
    settings.EMBEDDED = True
    return settings


@pytest.mark.django_db
def test_sign_in_refused_against_the_real_authority(local_portal):
    settings = local_portal
    settings.PARTNER_CENTER_AUTHORITY = f"https://login.microsoftonline.com/{TENANT}"
    with pytest.raises(PortalError, match="PARTNER_CENTER_AUTHORITY is https://login"):
        demo_partner_sign_in()
    assert not PartnerCenterConnection.objects.exclude(username="").exists()


@pytest.mark.django_db
def test_sign_in_refused_when_no_sandbox_answers(local_portal):
    settings = local_portal
    settings.PARTNER_CENTER_API_URL = "http://127.0.0.1:9"
    settings.PARTNER_CENTER_AUTHORITY = f"http://127.0.0.1:9/{TENANT}"
    assert "No Partner Center sandbox" in demo_refusal()
    with pytest.raises(PortalError, match="No Partner Center sandbox"):
        demo_partner_sign_in()


@pytest.mark.django_db
def test_sign_in_refused_in_production_mode(settings, sandbox):
    settings.EMBEDDED = False
    settings.DEBUG = False
    with pytest.raises(PortalError, match="only loaded by a local portal"):
        demo_partner_sign_in()
    assert not PartnerCenterConnection.objects.exclude(username="").exists()


@pytest.mark.django_db
def test_sign_in_against_the_sandbox_uses_the_real_flow(local_portal, sandbox):
    from portal.partner_center.client import get_client

    connection = demo_partner_sign_in()
    assert connection.username == "partner.admin@contoso-partner.example"
    assert connection.token_cache_encrypted
    # App+User calls now work: invoice summaries need a signed-in partner user.
    assert list(get_client().list_invoice_summaries())
