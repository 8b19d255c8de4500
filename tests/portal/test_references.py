"""Code and docs refer only to what is inside the repository: no paths outside it, no issue numbers,
and every ``partner-center.md §N`` names a section of docs/partner-center.md."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "partner-center.md"
OUTSIDE = re.compile(
    r"/work/|\.\./shared|\bshared/[A-Za-z-]+\.md|issue #\d|\(\w+ issue\)|see issue"
)


def _tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True)
    return [ROOT / name for name in out.stdout.split() if not name.startswith("tests/")]


def _sections() -> set[str]:
    text = DOC.read_text()
    heads = re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", text, flags=re.M)
    points = re.findall(r"^- (\d+\.\d+) ", text, flags=re.M)  # "- 7.3 ..." inside a section
    # Lettered sub-points ("7.5e") are in the text of their section.
    return set(heads) | set(points) | set(re.findall(r"\b(\d+\.\d+[a-z])\b", text))


def test_nothing_points_outside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _tracked("*.py", "*.md", "*.html", "*.toml", "Makefile", "Dockerfile")
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not offenders, "\n".join(offenders)


def test_every_section_sign_names_a_section_of_partner_center_md():
    sections = _sections()
    assert {"1.6", "3.10", "7"} <= sections
    unresolved = []
    for path in _tracked("*.py", "*.md"):
        text = path.read_text(errors="replace")
        for run in re.findall(r"§\d[\w.]*(?:, §\d[\w.]*)*", text):
            for ref in re.findall(r"§([\w.]+?)\.?(?=$|,)", run + ","):
                if ref not in sections:
                    unresolved.append(f"{path.relative_to(ROOT)}: §{ref}")
        if "§" in text and path.name not in ("partner-center.md", "partnercenter-interface.md"):
            bare = re.findall(r"(?<!partner-center\.md )\(§", text)
            unresolved += [f"{path.relative_to(ROOT)}: a § without partner-center.md"] * len(bare)
    assert not unresolved, "\n".join(unresolved)
