"""The Traditional Chinese catalog is complete (no empty, no fuzzy entry), keeps every placeholder
of its English source, and compiles with Babel alone (no gettext tools)."""

import gettext
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from portal.i18n_catalogs import compile_catalogs, read_catalog

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdf]|%[sd]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def _entries():
    return [m for m in read_catalog(PO) if m.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _sources(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = _entries()
    assert len(entries) > 20
    empty = [m.id for m in entries if not all(s.strip() for s in _strings(m))]
    fuzzy = [m.id for m in entries if m.fuzzy]
    assert not empty, f"{len(empty)} untranslated entries (docs/i18n.md): {empty[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (review them, drop the flag): {fuzzy[:20]}"


# Entries whose Chinese is written without Chinese characters: codes, formats and product names.
LATIN_ONLY = {
    "sha256",
    "YYYY-MM",
    "SUSE Linux",
    "SKU",
    "SKUs",
    "HTTP %(status)s",
    "MS-RequestId",
    "API",
}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def test_every_translation_is_chinese():
    """An English sentence copied into msgstr passes the completeness check; not this one."""
    latin = [m.id for m in _entries() if not CJK.search(_strings(m)[0])]
    unexpected = [i for i in latin if (i[0] if isinstance(i, tuple) else i) not in LATIN_ONLY]
    assert not unexpected, f"msgstr without Chinese (translate, or add to LATIN_ONLY): {unexpected}"


def test_translations_keep_the_placeholders_of_their_source():
    wrong = []
    for m in _entries():
        wanted = set(PLACEHOLDER.findall(_sources(m)[-1]))
        for s in _strings(m):
            if set(PLACEHOLDER.findall(s)) != wanted:
                wrong.append((m.id, s))
    assert not wrong, wrong[:20]


def test_plural_entries_have_one_chinese_form():
    assert read_catalog(PO).num_plurals == 1
    plurals = [m for m in _entries() if isinstance(m.id, tuple)]
    assert plurals, "the catalog has no plural entry"
    assert all(len(_strings(m)) == 1 for m in plurals)


def test_babel_compiles_the_catalog_that_gettext_reads(tmp_path):
    copy = tmp_path / "zh_Hant" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    shutil.copy(PO, copy / "django.po")
    assert compile_catalogs([tmp_path]) == [copy / "django.mo"]
    assert compile_catalogs([tmp_path]) == []  # up to date
    with (copy / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    assert catalog.gettext("Sign out") == "登出"
    assert catalog.pgettext("navigation", "Main") == "主要"


def test_compiled_catalogs_are_not_committed():
    ignored = (ROOT / ".gitignore").read_text()
    assert "*.mo" in ignored.splitlines()


def test_the_image_compiles_the_catalog_with_its_own_step(tmp_path):
    """The Dockerfile's step, run with its own variables and the image's ENV (production settings,
    no database, no gettext tools), writes the .mo that the portal then reads."""
    from tests.image import _assignments, _instructions, image_environment

    step = next(rest for word, rest in _instructions() if "compile_translations" in rest)
    words = shlex.split(step.split("&&")[0])
    env = {**image_environment(tmp_path), **_assignments(words)}
    command = [sys.executable if w == "python" else w for w in words if "=" not in w]
    mo = ROOT / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.mo"
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Compiled {mo}" in result.stdout  # --force: never an older .mo copied into the image
    with mo.open("rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("Sign out") == "登出"
