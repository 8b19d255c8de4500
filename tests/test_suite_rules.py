"""The suite's own rules that a reader cannot see from one test: no test that only prints (it
passes whatever happens), and none that hides a missing dependency behind importorskip."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _test_functions():
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                yield path.relative_to(TESTS), node


def _can_fail(function: ast.FunctionDef) -> bool:
    """An assert, or a call other than print (a helper, pytest.raises, a page action...)."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id == "print"
        ):
            return True
    return False


def test_no_test_only_prints():
    offenders = [f"{path}::{fn.name}" for path, fn in _test_functions() if not _can_fail(fn)]
    assert not offenders, "tests that cannot fail:\n" + "\n".join(offenders)


def test_no_importorskip():
    offenders = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if path.name != "test_suite_rules.py" and "importorskip" in path.read_text()
    ]
    assert not offenders, "a missing dependency must fail, not skip: " + ", ".join(offenders)
