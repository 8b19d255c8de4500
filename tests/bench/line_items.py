"""``bench: line_items``: import a sandbox invoice of N realistic one-time line items.

N is 1,000,000 with ``FULL=1`` and 20,000 by default (same data shape, same page size);
``BENCH_LINE_ITEMS=N`` overrides both. The import runs in a child process
(``python -m tests.bench.line_items import``) so its peak RSS is that process's own (``os.wait4``
rusage of the child).

What is timed, and why the comparison is fair:

- the import: ``line_import_run`` from the first page to the last, over HTTP from the sandbox,
  i.e. fetching, JSON decoding, converting and writing every line, with its per-page transaction
  and resume point;
- the baseline: a raw bulk insert of the same rows into the same table of the same database. The
  imported rows are read back, adapted for the database *outside* the timer, and re-inserted
  under a second invoice by the fastest single-threaded insert we have, one transaction per
  2,000 rows; only the inserts and commits are timed. On PostgreSQL that is the import's own
  ``COPY`` (``insert_rows``); on SQLite one prepared ``INSERT ... ON CONFLICT DO NOTHING`` run
  for every row (``executemany``), faster alone than the import's 100-row statements, which the
  import uses because they let its helper thread work while SQLite writes.

The import pays everything the portal pays for a line on top of the insert. What it must not pay
is Partner Center's own work, which in production runs on Microsoft's machines: here the sandbox
shares this machine's cores. So the sandbox keeps the invoice's encoded pages on disk
(``page_cache``) and the bench reads the whole invoice once before any timing; during the timed
runs the sandbox only sends stored bytes, as Partner Center would from another machine.

Import and baseline alternate ``env.runs`` times; ``ratio_to_bulk`` is import rate / baseline rate
per pair of runs. Both children run with ``DEBUG`` off, as a worker does. Reported for SQLite and, when its server binaries are installed, PostgreSQL.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

from tests.bench.harness import bench, figure, interleave, ratios

PAGE = 2000


def _count() -> int:
    return int(os.environ["BENCH_LINE_ITEMS"])


def _child(mode: str, database_url: str, server, n: int):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="tests.settings",
        **server.portal_env,
        BENCH_LINE_ITEMS=str(n),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.line_items", mode],
        env=env,
        stdout=subprocess.PIPE,
        cwd=os.getcwd(),
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"line_items {mode} child exited {proc.returncode}")
    # ru_maxrss is in KiB on Linux.
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def _measure(env, database_url: str, server, n: int) -> str:
    def imported():
        result, peak_mb = _child("import", database_url, server, n)
        return dict(result, peak_mb=peak_mb, rate=result["rows"] / result["seconds"])

    def baseline():
        result, _ = _child("baseline", database_url, server, n)
        return dict(result, rate=result["rows"] / result["seconds"])

    runs = interleave(env.runs, imported=imported, baseline=baseline)
    rate = [r["rate"] for r in runs["imported"]]
    bulk = [r["rate"] for r in runs["baseline"]]
    return (
        f"rows={runs['imported'][0]['rows']} rate={figure(rate, '.0f')} "
        f"ratio_to_bulk={figure(ratios(rate, bulk))} "
        f"peak_rss_mb={figure([r['peak_mb'] for r in runs['imported']], '.0f')} "
        f"bulk_rate={figure(bulk, '.0f')} "
        f"seconds={figure([r['seconds'] for r in runs['imported']], '.1f')}"
    )


@bench("line_items", order=20)
def run(env):
    from django.conf import settings

    n = int(os.environ.get("BENCH_LINE_ITEMS") or env.size(default=20_000, full=1_000_000))
    with env.sandbox(invoice_lines=n, page_cache=str(env.tempdir("pages-"))) as server:
        _warm(server, n)
        sqlite_url = f"sqlite:///{settings.DATABASES['default']['NAME']}"
        yield f"bench: line_items db=sqlite {_measure(env, sqlite_url, server, n)}"
        with env.postgres() as pg_url:
            if pg_url:
                yield f"bench: line_items db=postgresql {_measure(env, pg_url, server, n)}"


def _warm(server, n: int) -> None:
    """Read the invoice once, untimed: the sandbox encodes and stores every page now."""
    client = server.client()
    pages = client.iter_invoice_line_item_pages(_invoice_id(n), page_size=PAGE, raw=True)
    for page in pages:
        del page


# --- child processes ------------------------------------------------------------------------


def _setup():
    import django

    django.setup()
    from django.conf import settings

    # As a worker runs it: DEBUG's query log would turn every insert's parameters back into SQL
    # text (on SQLite with one more query per statement) and hold it until the page ends.
    settings.DEBUG = False
    if not os.environ.get("BENCH_MIGRATED"):  # the harness hands out migrated databases
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def _clear(invoice_pk: int) -> None:
    """Delete an invoice's lines in SQL (the ORM would load 1M rows to cascade)."""
    from django.db import connection

    from billing.models import InvoiceLineItem

    table = connection.ops.quote_name(InvoiceLineItem._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE invoice_id = %s", [invoice_pk])


def _invoice_id(n: int) -> str:
    return f"G9{n:08d}"


def child_import() -> dict:
    _setup()
    from billing.models import Invoice
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_run, line_import_start

    n = _count()
    invoice_sync_all(queue_statements=False)
    invoice = Invoice.objects.get(invoice_id=_invoice_id(n))
    _clear(invoice.pk)
    imp = line_import_start(invoice=invoice, restart=True, queue=False)
    started = time.perf_counter()
    imp = line_import_run(import_id=imp.pk, page_size=PAGE)
    seconds = time.perf_counter() - started
    assert imp.rows_inserted == n, (imp.rows_inserted, n)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": imp.rows_done, "seconds": seconds, "self_peak_mb": own}


def child_baseline() -> dict:
    _setup()
    from django.db import connection, reset_queries, transaction
    from django.utils import timezone

    from billing.models import Invoice, InvoiceLineItem
    from billing.services.line_rows import ALL_COLUMNS, COLUMNS
    from billing.services.lines import insert_rows, insert_sql

    n = _count()
    source = Invoice.objects.get(invoice_id=_invoice_id(n))
    target, _ = Invoice.objects.get_or_create(
        invoice_id="BENCH-BASELINE",
        defaults={"currency": "USD", "synced_at": timezone.now()},
    )
    _clear(target.pk)
    kinds = {c: k for c, _, k in COLUMNS}
    adapt_dt = connection.ops.adapt_datetimefield_value
    fields = ["invoice_id" if c == "invoice_id" else c for c in ALL_COLUMNS]
    timed, rows, last = 0.0, 0, -1
    # The whole natural key, so each page is a range of its unique index (with the invoice
    # alone, SQLite walked all of the invoice's lines for every page: hours for a million).
    qs = InvoiceLineItem.objects.filter(
        invoice=source, provider="onetime", line_item_type="billinglineitems"
    ).order_by("sequence")
    while True:
        batch = list(qs.filter(sequence__gt=last).values_list(*fields)[:PAGE])
        if not batch:
            break
        last = batch[-1][ALL_COLUMNS.index("sequence")]
        prepared = []
        for row in batch:
            values = [target.pk, *row[1:4]]
            for column, value in zip(ALL_COLUMNS[4:], row[4:], strict=True):
                kind = kinds[column]
                if value is not None and kind == "dt":
                    value = adapt_dt(value)
                elif value is not None and kind == "dec":
                    value = str(value)
                values.append(value)
            prepared.append(tuple(values))
        started = time.perf_counter()
        with transaction.atomic():
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.executemany(insert_sql(), prepared)
            else:
                insert_rows(prepared)
        timed += time.perf_counter() - started
        rows += len(prepared)
        reset_queries()
    _clear(target.pk)
    return {"rows": rows, "seconds": timed}


if __name__ == "__main__":
    mode = sys.argv[1]
    result = child_import() if mode == "import" else child_baseline()
    print(json.dumps(result), flush=True)
