"""Fonts of the PDFs the portal generates (WeasyPrint, which finds fonts through fontconfig).

Latin text uses DejaVu Sans; Chinese, Japanese and Korean (customer names, translated labels)
use Noto Sans CJK (Debian's ``fonts-noto-cjk``, installed by the Dockerfile and ``.ci/run``), the
variant of the active language first so Han characters take their Traditional Chinese forms in
``zh-hant``. Without any CJK font the PDF still renders (those characters print as boxes) and
``cjk_font_missing_warning`` says so once in the log."""

from __future__ import annotations

import logging
import shutil
import subprocess
from functools import lru_cache

from django.utils import translation

logger = logging.getLogger(__name__)

LATIN = ('"DejaVu Sans"',)
CJK_BY_LANGUAGE = {
    "zh-hant": "Noto Sans CJK TC",
    "zh-hans": "Noto Sans CJK SC",
    "ja": "Noto Sans CJK JP",
    "ko": "Noto Sans CJK KR",
}
CJK_ORDER = ("Noto Sans CJK TC", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK KR")


def pdf_font_family(language: str | None = None) -> str:
    """The CSS ``font-family`` value for PDFs in ``language`` (default: the active one)."""
    cjk_font_missing_warning()
    first = CJK_BY_LANGUAGE.get((language or translation.get_language() or "").lower())
    cjk = [first] if first else []
    cjk += [name for name in CJK_ORDER if name != first]
    return ", ".join([*LATIN, *(f'"{name}"' for name in cjk), "sans-serif"])


@lru_cache(maxsize=1)
def cjk_font_installed() -> bool:
    """Whether fontconfig knows a font covering Traditional Chinese."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        result = subprocess.run(
            [fc_list, ":lang=zh-tw", "family"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(result.stdout.strip())


@lru_cache(maxsize=1)
def cjk_font_missing_warning() -> bool:
    """Log once when no CJK font is installed; returns whether one is."""
    installed = cjk_font_installed()
    if not installed:
        logger.warning(
            "No font covering Chinese, Japanese or Korean is installed (Debian: fonts-noto-cjk): "
            "such text in generated PDFs prints as empty boxes."
        )
    return installed
