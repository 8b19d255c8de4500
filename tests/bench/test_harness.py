"""The bench harness reports what its docstring promises: interleaved runs, median and range,
and every bench in tests/bench selectable by name."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.harness import (
    REGISTRY,
    BenchEnv,
    bench,
    figure,
    interleave,
    keep_template,
    ratios,
)


def test_runs_alternate_between_the_measured_path_and_its_baseline():
    calls = []
    results = interleave(3, measured=lambda: calls.append("m") or len(calls),
                         baseline=lambda: calls.append("b") or len(calls))  # fmt: skip
    assert calls == ["m", "b", "m", "b", "m", "b"]
    assert results == {"measured": [1, 3, 5], "baseline": [2, 4, 6]}
    assert ratios(results["measured"], results["baseline"]) == [0.5, 0.75, 5 / 6]


def test_a_figure_is_the_median_with_its_range():
    assert figure([0.77, 0.70, 0.74]) == "0.74 (0.70\u20130.77)"
    assert figure([3978.2, 4100, 3500], ".0f") == "3978 (3500\u20134100)"
    with pytest.raises(ValueError):
        figure([])


def test_two_benches_cannot_share_a_name():
    @bench("harness-test-only", default=False)
    def one(env):
        return "bench: one"

    try:
        with pytest.raises(ValueError, match="harness-test-only"):
            bench("harness-test-only")(lambda env: "bench: two")
    finally:
        REGISTRY.pop("harness-test-only")


def test_every_bench_is_listed_and_an_unknown_name_is_refused():
    listed = subprocess.run([sys.executable, "-m", "tests.bench", "--list"],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    names = listed.stdout.split()
    assert {"line_items", "orders_sync"} <= set(names)
    unknown = subprocess.run([sys.executable, "-m", "tests.bench", "no_such_bench"],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert unknown.returncode == 2 and "unknown bench no_such_bench" in unknown.stdout


def test_a_bench_gets_its_own_copy_of_the_migrated_database(tmp_path):
    migrated = sqlite3.connect(tmp_path / "bench.sqlite3")
    migrated.execute("PRAGMA journal_mode=WAL")  # as the portal runs SQLite: rows in the WAL
    migrated.execute("CREATE TABLE django_migrations (name TEXT)")
    migrated.execute("INSERT INTO django_migrations VALUES ('0001_initial')")
    migrated.commit()
    keep_template(tmp_path / "bench.sqlite3", tmp_path)
    env = BenchEnv(workdir=tmp_path)
    first, second = (Path(env.sqlite("b-").removeprefix("sqlite:///")) for _ in range(2))
    assert first != second and first.parent.parent == tmp_path
    with sqlite3.connect(first) as db:
        assert db.execute("SELECT name FROM django_migrations").fetchall() == [("0001_initial",)]
        db.execute("DELETE FROM django_migrations")
    with sqlite3.connect(second) as db:  # a bench's changes stay in its own copy
        assert db.execute("SELECT count(*) FROM django_migrations").fetchone() == (1,)
    migrated.close()
