"""Settings are read in one place with their defaults: portal/settings.py defines every setting the
code reads (no ``getattr(settings, X, default)`` with a second default elsewhere), and a purchasing
override stored by an admin is never silently replaced by the default on a database error."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError

ROOT = Path(__file__).resolve().parents[2]
APPS = ("demo", "portal", "catalog", "purchasing", "billing")


def _app_sources() -> dict[str, str]:
    out = subprocess.run(["git", "ls-files", *APPS], cwd=ROOT, capture_output=True, text=True)
    return {
        name: (ROOT / name).read_text()
        for name in out.stdout.split()
        if name.endswith(".py") and "/migrations/" not in name and name != "portal/settings.py"
    }


def test_no_second_default_outside_settings():
    offenders = [
        f"{name}: {match}"
        for name, text in _app_sources().items()
        for match in re.findall(r"getattr\(\s*settings\s*,[^)]*,[^)]*\)", text)
    ]
    assert not offenders, "give the setting its default in portal/settings.py:\n" + "\n".join(
        offenders
    )


def test_every_setting_the_code_reads_is_defined():
    read = {
        (name, setting)
        for name, text in _app_sources().items()
        for setting in re.findall(r"\bsettings\.([A-Z][A-Z0-9_]+)\b", text)
    }
    assert read
    missing = sorted(
        f"{name}: {setting}" for name, setting in read if not hasattr(settings, setting)
    )
    assert not missing, "\n".join(missing)


@pytest.mark.django_db
def test_purchasing_setting_reads_the_override_then_the_default(settings):
    from portal.admin_tools.services.settings_store import portal_setting_set
    from purchasing.conf import conf

    settings.PURCHASING_DUPLICATE_WINDOW_DAYS = 30
    assert conf("PURCHASING_DUPLICATE_WINDOW_DAYS") == 30
    portal_setting_set(key="purchasing_duplicate_window_days", value=7, actor=None)
    assert conf("PURCHASING_DUPLICATE_WINDOW_DAYS") == 7


@pytest.mark.django_db
def test_purchasing_setting_does_not_swallow_database_errors(monkeypatch):
    from portal.models import PortalSetting
    from purchasing.conf import conf

    def broken(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(PortalSetting.objects, "filter", broken)
    with pytest.raises(DatabaseError):
        conf("PURCHASING_APPROVAL_RESERVATIONS")
