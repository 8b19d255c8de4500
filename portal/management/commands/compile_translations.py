"""Compile the translation catalogs (``.po`` -> ``.mo``) in pure Python (Babel)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.i18n_catalogs import compile_catalogs, po_files


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (no gettext tools needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Recompile up-to-date files.")

    def handle(self, *args, force: bool = False, **options):
        dirs = [Path(d) for d in settings.LOCALE_PATHS]
        if not po_files(dirs):
            raise CommandError(f"No translation catalogs under {', '.join(map(str, dirs))}.")
        try:
            written = compile_catalogs(dirs, force=force)
        except Exception as exc:  # Babel raises several types for a broken .po
            raise CommandError(f"A translation catalog could not be compiled: {exc}") from None
        for mo in written:
            self.stdout.write(f"Compiled {mo}")
