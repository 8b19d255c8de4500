"""``bench: line_table``: does the line-item table slow down as it grows (the question behind
partitioning it by billing period)? Only when named: ``make bench BENCH=line_table``.

On PostgreSQL: one invoice of 20,000 lines (``FULL=1``: 100,000) is imported through the portal's
import (``line_import_run``) into an empty table, ``env.runs`` times (its rows deleted between
runs); the table is then filled to 2,000,000 rows (``FULL=1``: 10,000,000) with copies of those
lines under other invoices (``INSERT ... SELECT``, as months of imports would leave them), and the
same import runs again. Reported for both sizes: the import's lines/s, the time of what the pages
and reconciliation read from one invoice (a page of 50 lines by order, the totals per order),
and the table's and its indexes' size against PostgreSQL's ``shared_buffers``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from tests.bench.harness import bench, figure


@bench("line_table", order=80, default=False)
def run(env):
    lines = env.size(default=20_000, full=100_000)
    rows = env.size(default=2_000_000, full=10_000_000)
    with env.postgres() as pg_url:
        if pg_url is None:
            return "bench: line_table error=needs-postgresql"
        with env.sandbox(invoice_lines=lines, page_cache=str(env.tempdir("pages-"))) as server:
            child_env = dict(
                os.environ,
                DATABASE_URL=pg_url,
                DJANGO_SETTINGS_MODULE="tests.bench.scale_settings",
                **server.portal_env,
                BENCH_LINE_TABLE=json.dumps({"lines": lines, "rows": rows, "runs": env.runs}),
            )
            out = subprocess.run(
                [sys.executable, "-m", "tests.bench.line_table"],
                env=child_env, stdout=subprocess.PIPE, text=True, check=True,
            ).stdout  # fmt: skip
    r = json.loads(out.strip().splitlines()[-1])
    empty, full = r["empty"], r["full"]
    return (
        f"bench: line_table db=postgresql invoice_lines={lines} "
        f"rows={empty['rows']}->{full['rows']} "
        f"import_lines_per_s={figure(empty['rates'], '.0f')}->{figure(full['rates'], '.0f')} "
        f"page_ms={figure(empty['page_ms'], '.1f')}->{figure(full['page_ms'], '.1f')} "
        f"totals_ms={figure(empty['totals_ms'], '.1f')}->{figure(full['totals_ms'], '.1f')} "
        f"table_mb={full['table_mb']:.0f} indexes_mb={full['indexes_mb']:.0f} "
        f"shared_buffers_mb={full['shared_buffers_mb']:.0f} fill_s={r['fill_s']:.0f}"
    )


# --- the driver (child process, on PostgreSQL) ------------------------------------------------

TABLE = "billing_invoicelineitem"


def _timed_ms(cursor, sql: str, params, n: int = 5) -> list[float]:
    out = []
    for _ in range(n):
        began = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        out.append((time.perf_counter() - began) * 1000)
    return out


def drive() -> dict:
    # The steps in order (import, measure, fill, import, measure) share their setup; hence its
    # length.
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from billing.models import Invoice, InvoiceLineItem
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_run, line_import_start

    spec = json.loads(os.environ["BENCH_LINE_TABLE"])
    call_command("migrate", verbosity=0, interactive=False)
    invoice_sync_all(queue_statements=False)
    invoice = Invoice.objects.filter(invoice_id__endswith=f"{spec['lines']:08d}").first()
    columns = [
        f.column for f in InvoiceLineItem._meta.concrete_fields if f.column not in ("id", "invoice_id")
    ]  # fmt: skip
    col_list = ", ".join(connection.ops.quote_name(c) for c in columns)

    def measure() -> dict:
        rates = []
        for _ in range(spec["runs"]):
            InvoiceLineItem.objects.filter(invoice=invoice).delete()
            imp = line_import_start(invoice=invoice, restart=True, queue=False)
            began = time.perf_counter()
            imp = line_import_run(import_id=imp.pk)
            rates.append(imp.rows_done / (time.perf_counter() - began))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")
            page = _timed_ms(
                cursor,
                f"SELECT * FROM {TABLE} WHERE invoice_id = %s ORDER BY order_id, id LIMIT 50",
                [invoice.pk],
            )
            totals = _timed_ms(
                cursor,
                f"SELECT order_id, count(*), sum(total_for_customer) FROM {TABLE} "
                "WHERE invoice_id = %s GROUP BY order_id",
                [invoice.pk],
            )
            cursor.execute(
                f"SELECT (SELECT count(*) FROM {TABLE}), pg_table_size('{TABLE}'), "
                f"pg_indexes_size('{TABLE}'), "
                "current_setting('shared_buffers')"
            )
            count, table, indexes, shared = cursor.fetchone()
            cursor.execute("SELECT pg_size_bytes(%s)", [shared])
            shared_bytes = cursor.fetchone()[0]
        mb = 1024 * 1024
        return {"rows": count, "rates": rates, "page_ms": page, "totals_ms": totals,
                "table_mb": table / mb, "indexes_mb": indexes / mb,
                "shared_buffers_mb": shared_bytes / mb}  # fmt: skip

    empty = measure()
    began = time.perf_counter()
    per_copy = InvoiceLineItem.objects.filter(invoice=invoice).count()
    for copy in range(1, -(-(spec["rows"] - empty["rows"]) // per_copy) + 1):
        other = Invoice.objects.get(pk=invoice.pk)
        other.pk, other.invoice_id = None, f"FILL{copy:06d}"
        other.save()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} ({col_list}, invoice_id) SELECT {col_list}, %s FROM {TABLE} "
                "WHERE invoice_id = %s",
                [other.pk, invoice.pk],
            )
    fill_s = time.perf_counter() - began
    full = measure()
    print(
        f"  (line_table: median import {statistics.median(full['rates']):.0f}/s)", file=sys.stderr
    )
    return {"empty": empty, "full": full, "fill_s": fill_s}


if __name__ == "__main__":
    print(json.dumps(drive()), flush=True)
