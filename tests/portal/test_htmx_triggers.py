"""Every ``hx-trigger`` in the templates parses: a ``from:`` selector with a space must be wrapped
in parentheses, or htmx logs ``htmx:syntax:error`` and the trigger never fires."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRIGGER = re.compile(r'hx-trigger="([^"]*)"')
MODIFIER = re.compile(r"^(changed|once|consume|(delay|throttle|queue|target|from):\S+)$")
RELATIVE = ("closest", "find", "next", "previous")


def _templates():
    for path in ROOT.rglob("*.html"):
        if not {".venv", "node_modules", "staticfiles", ".git"} & set(path.parts):
            yield path


def trigger_problems(spec: str) -> list[str]:
    """Modifiers htmx would not understand in one ``hx-trigger`` value (empty when it parses)."""
    problems = []
    for trigger in re.split(r",(?![^()]*\))", spec):
        tokens = re.findall(r"\([^)]*\)|\S+", trigger.replace("from:(", "from: ("))
        tokens = [t for t in tokens if t]
        i = 1  # tokens[0] is the event name (or "every 1s")
        if tokens and tokens[0] == "every":
            i = 2
        while i < len(tokens):
            token = tokens[i]
            if token == "from:" and i + 1 < len(tokens) and tokens[i + 1].startswith("("):
                i += 2
                continue
            if token in ("from:" + r for r in RELATIVE) and i + 1 < len(tokens):
                i += 2
                continue
            if token.startswith("[") or MODIFIER.match(token):
                i += 1
                continue
            problems.append(f"{token!r} in {trigger.strip()!r}")
            i += 1
    return problems


def test_the_checker_catches_an_unwrapped_selector():
    assert trigger_problems("input changed delay:300ms from:.filters input[type=search], change")
    assert not trigger_problems(
        "input changed delay:300ms from:(.filters input[type=search]), change"
    )
    assert not trigger_problems("input changed delay:350ms from:#id_q, change")
    assert not trigger_problems("every 1s")
    assert not trigger_problems("click from:closest form")


def test_every_template_trigger_parses():
    found, problems = 0, []
    for path in _templates():
        for spec in TRIGGER.findall(path.read_text(encoding="utf-8")):
            found += 1
            problems += [f"{path.relative_to(ROOT)}: {p}" for p in trigger_problems(spec)]
    assert found >= 5
    assert not problems, "\n".join(problems)
