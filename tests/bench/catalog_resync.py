"""bench: catalog_resync - the first sync of a catalog, then a re-sync of the unchanged catalog.

Each run (all ``env.runs`` in one child process per database) syncs an emptied catalog from the sandbox (the baseline: everything read and written),
then syncs it again (the measured path); the runs alternate on SQLite and on PostgreSQL. The
re-sync's catalog writes are counted per statement (INSERT/UPDATE/DELETE on catalog tables).
"""

from __future__ import annotations

from tests.bench._catalog_child import run_child
from tests.bench.harness import bench, figure, ratios


def _measure(env, database_url: str, server, skus: int) -> str:
    runs = run_child("resync", database_url, server, BENCH_RUNS=str(env.runs))
    sync_s = [r["sync_s"] for r in runs]
    resync_s = [r["resync_s"] for r in runs]
    return (
        f"skus={runs[0]['skus']} sync_s={figure(sync_s, '.1f')} "
        f"resync_s={figure(resync_s, '.1f')} resync_ratio={figure(ratios(resync_s, sync_s))} "
        f"resync_writes={max(r['writes'] for r in runs)} "
        f"resync_pc_calls={figure([r['calls'] for r in runs], '.0f')}"
    )


@bench("catalog_resync", order=40)
def run(env):
    skus = env.size(default=1500, full=50_000)
    with env.sandbox(catalog_size=skus, order_list_delay=0) as server:
        sqlite_url = env.sqlite("resync-")
        yield f"bench: catalog_resync db=sqlite {_measure(env, sqlite_url, server, skus)}"
        with env.postgres() as pg_url:
            if pg_url:
                yield f"bench: catalog_resync db=postgresql {_measure(env, pg_url, server, skus)}"
