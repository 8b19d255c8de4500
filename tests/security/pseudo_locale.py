"""The pseudo-locale: every msgstr of the zh_Hant catalog replaced by its English source in
accented letters and brackets (``Save`` -> ``[Šàʋé]``), compiled into a temporary locale directory
at test time; and what is left of a page once its translated text is removed: the English words
that are not data, ids or numbers, i.e. strings nobody marked for translation."""

from __future__ import annotations

import re
import zoneinfo
from html.parser import HTMLParser
from pathlib import Path

from babel import Locale
from django.apps import apps
from django.conf import settings
from django.db import models

from portal.i18n_catalogs import read_catalog, write_catalog

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"
_PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ACCENTED = "àƀçđéƒĝĥíĵķĺɱñóƥʠŕšţúʋŵẋýžÀƁÇĐÉƑĜĤÍĴĶĹṀÑÓƤɊŔŠŢÚƲŴẊÝŽ"
_TABLE = str.maketrans(_PLAIN, _ACCENTED)
# What a translation must keep as it is: placeholders, markup, entities.
_PROTECTED = re.compile(r"(%\([^)]+\)[sdfi]|%[sdi%]|\{[^{}]*\}|<[^>]*>|&#?\w+;)")

# Visible English that is neither marked text nor data, allowed on purpose:
ALLOWED_WORDS = {
    "English",  # the language switch names each language in itself
}
_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"[A-Za-z]{2,}")
_VISIBLE_ATTRS = {"title", "aria-label", "placeholder", "alt", "aria-description"}
_SKIP_TAGS = {"script", "style", "template", "textarea", "svg"}


def pseudo(text: str) -> str:
    """``Save %(n)s items`` -> ``[Šàʋé %(n)s íţéɱš]``."""
    parts = _PROTECTED.split(text)
    return "[" + "".join(p if i % 2 else p.translate(_TABLE) for i, p in enumerate(parts)) + "]"


def build_pseudo_locale(directory: Path) -> Path:
    """Write ``<directory>/zh_Hant/LC_MESSAGES/django.mo`` with the pseudo-translation."""
    mo = directory / "zh_Hant" / "LC_MESSAGES" / "django.mo"
    write_catalog(read_catalog(PO), mo, transform=pseudo)
    return directory


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
        attributes = dict(attrs)
        for name in _VISIBLE_ATTRS & attributes.keys():
            self.chunks.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"}:
            self.chunks.append(attributes.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _SKIP_TAGS:
            self._skip -= 1

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.chunks)


def english_words(text: str) -> set[str]:
    """The ASCII words of ``text`` outside tokens with digits (ids, numbers, amounts, dates)."""
    words = set()
    for token in _TOKEN.findall(text):
        if any(ch.isdigit() for ch in token):
            continue
        words.update(_WORD.findall(token))
    return words


def data_words() -> set[str]:
    """Words of the database's own text (names, descriptions, ids, stored messages), the time
    zone names of the profile's list, ISO currency and country codes: data, not page text.
    Values of fields with choices are not data: pages show their translated labels."""
    words = set(ALLOWED_WORDS)
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                words |= english_words(_flatten(value))
    for name in zoneinfo.available_timezones():
        words |= english_words(name.replace("/", " ").replace("_", " "))
    for name in dir(settings):  # the connection page shows the Partner Center configuration
        if name.startswith("PARTNER_CENTER_") and isinstance(getattr(settings, name), str):
            words |= english_words(_flatten(getattr(settings, name)).replace(":", " "))
    english = Locale("en")
    words |= {code for code in english.currencies if len(code) == 3}
    words |= {code for code in english.territories if code.isalpha() and len(code) == 2}
    return {w.lower() for w in words}


def _flatten(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return " ".join(f"{k} {_flatten(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return " ".join(_flatten(v) for v in value)
    return str(value).replace("_", " ").replace("/", " ")


def offenders(html: str, allowed: set[str]) -> list[str]:
    """English words on the page (visible text and labels) that are not data."""
    text = visible_text(html).replace("_", " ").replace("/", " ")
    return sorted(w for w in english_words(text) if w.lower() not in allowed)
