"""Portal settings admins change at run time (``PortalSetting`` rows), with an audit trail.

Known keys and their meaning live in ``KNOWN_SETTINGS``; other apps read them with
``portal_setting_get(key, default)``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.models import PortalSetting
from portal.shared.audit import audit_record

KNOWN_SETTINGS: dict[str, dict[str, Any]] = {
    "perpetual_software_qualified": {
        "label": _("Qualified to sell perpetual software"),
        "help": _(
            "Microsoft requires partners to be qualified before they sell perpetual software "
            "(one-time purchases of software licences). Turn on once the partner is qualified."
        ),
        "type": bool,
        "default": False,
    },
}


def portal_setting_get(key: str, default: Any = None) -> Any:
    """The stored value of ``key``, or ``default`` (or the known default) when not set."""
    row = PortalSetting.objects.filter(key=key).values_list("value", flat=True).first()
    if row is None:
        if default is None and key in KNOWN_SETTINGS:
            return KNOWN_SETTINGS[key]["default"]
        return default
    return row


def portal_setting_set(*, key: str, value: Any, actor) -> PortalSetting:
    """Store ``value`` under ``key`` and record who changed it from what to what."""
    with transaction.atomic():
        setting, created = PortalSetting.objects.select_for_update().get_or_create(
            key=key, defaults={"value": value, "updated_by": actor if _is_user(actor) else None}
        )
        old = None if created else setting.value
        if not created:
            setting.value = value
            setting.updated_by = actor if _is_user(actor) else None
            setting.save(update_fields=["value", "updated_by", "updated_at"])
        audit_record(
            actor=actor,
            action="setting.changed",
            obj=setting,
            summary=f"Setting {key} changed from {old!r} to {value!r}",
            key=key,
            old=old,
            new=value,
        )
    return setting


def _is_user(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))
