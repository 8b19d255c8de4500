"""Django's ``makemessages`` with this project's defaults (docs/i18n.md): one catalog under
``locale/``, no source locations (fewer merge conflicts), no fuzzy guesses for new strings, and
the directories that hold no portal page text left out."""

import re
from pathlib import Path

from django.conf import settings
from django.core.management.commands import makemessages

IGNORED = ["tests/*", "partnercenter/*", "var/*", "staticfiles/*", "static/*", "media/*"]


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        options["add_location"] = options.get("add_location") or "never"
        if not options.get("locale") and not options.get("all"):
            options["locale"] = ["zh_Hant"]
        result = super().handle(*args, **options)
        for po in Path(settings.LOCALE_PATHS[0]).glob("*/LC_MESSAGES/django.po"):
            _drop_creation_date(po)
        return result


def _drop_creation_date(po: Path) -> None:
    """The header's creation time changes on every run: two branches that both regenerate
    the catalog would conflict on it alone."""
    text = po.read_text(encoding="utf-8")
    po.write_text(re.sub(r'^"POT-Creation-Date: [^"]*"\n', "", text, flags=re.M), encoding="utf-8")
