"""Parameter names collected from the code, not written by hand: every literal key the views,
selectors and the shared helpers read from a request (``request.GET.get("x")``, ``params.get``,
``Params(...).text("x")``/``.day``/``.month``/``.decimal``/...), every field of every Django form
the apps define, and every ``name="x"`` of the templates' form inputs."""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

from django import forms

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "catalog", "purchasing", "billing")
READERS = {"get", "getlist", "text", "choice", "integer", "object_id", "decimal", "day", "month"}
NAME_ATTR = re.compile(r"""\bname=["']([A-Za-z_][\w\-]*)["']""")


def _python_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            yield path


def _reads(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in READERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
        # keyword defaults such as ``field: str = "next"`` in a helper that reads ``data.get(field)``
        if isinstance(node, ast.FunctionDef):
            for arg, default in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True):
                if arg.arg == "field" and isinstance(default, ast.Constant):
                    names.add(default.value)
    return names


def _form_fields() -> set[str]:
    import importlib

    names = set()
    for path in _python_files():
        if not (path.name in ("forms.py", "views.py") or path.name.endswith("_views.py")):
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for _, obj in inspect.getmembers(importlib.import_module(module), inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == module:
                names |= set(getattr(obj, "base_fields", {}))
    return names


def _template_inputs() -> set[str]:
    names = set()
    for base in [ROOT / "templates", *[ROOT / app / "templates" for app in APPS]]:
        for path in base.rglob("*.html"):
            names |= set(NAME_ATTR.findall(path.read_text()))
    return names


@cache
def parameter_names() -> tuple[str, ...]:
    names = set()
    for path in _python_files():
        names |= _reads(ast.parse(path.read_text()))
    names |= _form_fields() | _template_inputs()
    noise = {"csrfmiddlewaretoken", "", "viewport", "description"}
    return tuple(sorted(n for n in names if n not in noise and len(n) < 60))
