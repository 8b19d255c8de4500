"""Run the benchmarks: ``python -m tests.bench [NAME ...]`` (see tests/bench/__init__.py)."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path


class BenchEnv:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    @contextlib.contextmanager
    def sandbox(self, **options):
        """A sandbox subprocess with ``options``; the portal's PARTNER_CENTER_* point at it."""
        from django.conf import settings

        from partnercenter.sandbox.testing import SandboxServer

        path = Path(tempfile.mkdtemp(dir=self.workdir, prefix="sandbox-"))
        options.setdefault("log_requests", False)  # a log line per request is not what we measure
        with SandboxServer(path, **options) as server:
            settings.PARTNER_CENTER_API_URL = server.base_url
            settings.PARTNER_CENTER_AUTHORITY = server.authority
            settings.PARTNER_CENTER_TENANT_ID = server.tenant_id
            settings.PARTNER_CENTER_CLIENT_ID = server.client_id
            settings.PARTNER_CENTER_CLIENT_SECRET = server.client_secret
            yield server


def main(argv: list[str]) -> int:
    from tests.bench import BENCHES

    names = argv or BENCHES
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    env = BenchEnv(workdir)
    failed = 0
    for name in names:
        started = time.monotonic()
        try:
            module = importlib.import_module(f"tests.bench.{name}")
            line = module.run(env)
        except Exception:
            traceback.print_exc()
            print(f"bench: {name} error=1", flush=True)
            failed += 1
            continue
        print(line, flush=True)
        print(f"  ({name} took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
