"""Compiling the translation catalogs (``locale/<lang>/LC_MESSAGES/django.po`` -> ``.mo``) with
Babel, so a fresh machine needs no gettext tools: ``manage.py compile_translations`` runs from
``make install`` and the Dockerfile, and the test session compiles before it starts.
The ``.mo`` files are build output (git-ignored)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def po_files(locale_dirs: Iterable[Path]) -> list[Path]:
    """Every ``.po`` under the given locale directories."""
    return sorted(p for d in locale_dirs for p in Path(d).glob("*/LC_MESSAGES/*.po"))


def read_catalog(po: Path) -> Catalog:
    with po.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def compile_catalogs(locale_dirs: Iterable[Path], *, force: bool = False) -> list[Path]:
    """Write the ``.mo`` beside each ``.po`` that is newer than it (all with ``force``); return
    the files written. Fuzzy entries are left out, as msgfmt does."""
    written = []
    for po in po_files(locale_dirs):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        write_catalog(read_catalog(po), mo)
        written.append(mo)
    return written


def write_catalog(
    catalog: Catalog, mo: Path, *, transform: Callable[[str], str] | None = None
) -> None:
    """Write ``catalog`` as a ``.mo``; ``transform`` (tests' pseudo-locale) rewrites every
    translation from its English source."""
    if transform is not None:
        for message in catalog:
            if not message.id:
                continue  # the header
            if isinstance(message.id, tuple):
                plural = transform(message.id[1])
                message.string = tuple(
                    transform(message.id[0]) if i == 0 else plural
                    for i in range(max(len(message.string or ()), 1))
                )
            else:
                message.string = transform(message.id)
            message.flags.discard("fuzzy")
    mo.parent.mkdir(parents=True, exist_ok=True)
    tmp = mo.with_suffix(".mo.tmp")
    with tmp.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    tmp.replace(mo)  # a concurrent reader (another test process) never sees half a file
