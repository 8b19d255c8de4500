"""Run the benchmarks: ``python -m tests.bench [--full] [--runs N] [NAME ...]`` (see harness.py)."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import tests.bench
from tests.bench.harness import REGISTRY, Bench, BenchEnv, bench, keep_template, load_average


def discover() -> dict[str, Bench]:
    """Import every module of tests/bench (registering its benches) and return the registry.

    A module with a ``run(env)`` function and no registered bench is a bench named after it."""
    for info in pkgutil.iter_modules(tests.bench.__path__):
        if info.name.startswith(("_", "test_")) or info.name in ("harness", "scale_settings"):
            continue
        before = set(REGISTRY)
        module = importlib.import_module(f"tests.bench.{info.name}")
        if set(REGISTRY) == before and callable(getattr(module, "run", None)):
            bench(info.name)(module.run)
    return REGISTRY


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    p.add_argument("names", nargs="*", help="benches to run (default: all default benches)")
    p.add_argument("--full", action="store_true", help="full sizes (slow; default: small sizes)")
    p.add_argument("--runs", type=int, default=3, help="interleaved runs per figure (>= 3)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply default sizes (quick look)")
    p.add_argument("--list", action="store_true", help="list the benches and exit")
    args = p.parse_args(argv)
    args.names = [n for name in args.names for n in name.replace(",", " ").split()]
    return args


def main(argv: list[str]) -> int:
    """Run the chosen benches in a temporary directory, removed afterwards (``BENCH_KEEP=1``
    keeps it for a look at the databases and logs)."""
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    try:
        return _main(args, workdir)
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)


def _main(args: argparse.Namespace, workdir: Path) -> int:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not args.full:  # the size a bench written before the harness reads from the environment
        os.environ.setdefault("BENCH_CATALOG_SIZE", "5000")
    import django

    django.setup()
    registry = discover()  # after django.setup(): bench modules may import models
    ordered = sorted(registry.values(), key=lambda b: (b.order, b.name))
    if args.list:
        for b in ordered:
            print(f"{b.name}{'' if b.default else '  (only when named)'}")
        return 0
    unknown = [n for n in args.names if n not in registry]
    if unknown:
        print(f"unknown bench {', '.join(unknown)}; known: {', '.join(sorted(registry))}")
        return 2
    chosen = [registry[n] for n in args.names] if args.names else [b for b in ordered if b.default]
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    keep_template(workdir / "bench.sqlite3", workdir)
    os.environ["BENCH_MIGRATED"] = "1"  # every database the benches get is migrated already
    env = BenchEnv(workdir=workdir, full=args.full, runs=max(1, args.runs), scale=args.scale)
    print(
        f"bench: run full={int(args.full)} scale={env.scale:g} runs={env.runs} cpus={os.cpu_count()} "
        f"load={load_average()} benches={','.join(b.name for b in chosen)}",
        flush=True,
    )
    failed, started_all = 0, time.monotonic()
    with contextlib.closing(env):
        failed = _run_all(chosen, env)
    elapsed = time.monotonic() - started_all
    print(
        f"bench: total benches={len(chosen)} failed={failed} elapsed_s={elapsed:.0f} "
        f"({elapsed // 60:.0f} min {elapsed % 60:.0f} s) load={load_average()}",
        flush=True,
    )
    return 1 if failed else 0


def _run_all(chosen: list[Bench], env: BenchEnv) -> int:
    """Run the benches in turn, printing their lines as they come; returns how many failed."""
    failed = 0
    for b in chosen:
        started = time.monotonic()
        try:
            out = b.run(env)
            for line in [out] if isinstance(out, str) else out:  # a generator prints as it goes
                print(f"{line} load={load_average()}", flush=True)
        except Exception:
            traceback.print_exc()
            print(f"bench: {b.name} error=1 load={load_average()}", flush=True)
            failed += 1
            continue
        print(f"  ({b.name} took {time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
