"""``bench: statements``: the customer charge statements of a month whose invoice has N one-time
lines (20,000 by default, 100,000 with ``FULL=1``) for C customers (500), none ordered through the portal (so every line is priced
by the markup rules: the expensive case).

Generation runs in a child process (``python -m tests.bench.statements generate``) so its peak
RSS is its own (``os.wait4`` rusage). The baseline writes the same statement lines again with one
``bulk_create`` in one transaction (rows read back outside the timer): ``vs_insert`` = generation
time / baseline time for the same rows, i.e. the cost of reading the lines and pricing them.
``BENCH_STATEMENT_LINES`` / ``BENCH_STATEMENT_CUSTOMERS`` change the sizes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.bench.harness import bench, figure, interleave, ratios


def _sizes(env) -> tuple[int, int]:
    lines = int(os.environ.get("BENCH_STATEMENT_LINES") or env.size(default=20_000, full=100_000))
    customers = int(os.environ.get("BENCH_STATEMENT_CUSTOMERS") or 500)
    return lines, customers


def _child(mode: str, database_url: str) -> tuple[dict, float]:
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="tests.settings")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.statements", mode],
        env=env,
        stdout=subprocess.PIPE,
        cwd=os.getcwd(),
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"statements {mode} child failed")
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024  # KiB -> MiB


def _prepare(lines: int, customers: int) -> None:
    """Mirror the invoice, import its lines and create the portal's customers."""
    from billing.models import Invoice
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_run, line_import_start
    from partnercenter.sandbox.common import stable_uuid
    from portal.models import Customer

    invoice_sync_all(queue_statements=False)
    invoice = Invoice.objects.get(invoice_id=f"G9{lines:08d}")  # the generated invoice
    line_import_run(import_id=line_import_start(invoice=invoice, queue=False).pk)
    Customer.objects.bulk_create(
        [
            Customer(
                tenant_id=stable_uuid("gen-customer", 1, n),
                company_name=f"Gen {n:03d}",
                country="US",
                currency="USD",
            )
            for n in range(customers)
        ],
        ignore_conflicts=True,
    )


@bench("statements", order=60)
def run(env):
    from django.conf import settings

    lines, customers = _sizes(env)
    with env.sandbox(invoice_lines=lines, invoice_customers=customers):
        _prepare(lines, customers)
        url = f"sqlite:///{settings.DATABASES['default']['NAME']}"

        def generate() -> dict:
            result, peak = _child("generate", url)
            return dict(result, peak_mb=peak)

        runs = interleave(env.runs, generate=generate, baseline=lambda: _child("baseline", url)[0])
    made = runs["generate"][0]
    seconds = [r["seconds"] for r in runs["generate"]]
    return (
        f"bench: statements customers={made['statements']} lines={made['lines']} "
        f"seconds={figure(seconds, '.1f')} "
        f"peak_rss_mb={figure([r['peak_mb'] for r in runs['generate']], '.0f')} "
        f"lines_per_s={figure([made['lines'] / s for s in seconds], '.0f')} "
        f"baseline_insert_s={figure([r['seconds'] for r in runs['baseline']], '.1f')} "
        f"vs_insert={figure(ratios(seconds, [r['seconds'] for r in runs['baseline']]), '.1f')}x"
    )


# --- child processes ------------------------------------------------------------------------


def _setup():
    import django

    django.setup()


def _months() -> list:
    """The months the generated invoice's charges fall in (its orders span 30 days)."""
    from django.db.models import Max, Min

    from billing.models import InvoiceLineItem

    lines = InvoiceLineItem.objects.filter(invoice__invoice_id__startswith="G9")
    days = lines.aggregate(first=Min("charge_start"), last=Max("charge_start"))
    return sorted({days["first"].date().replace(day=1), days["last"].date().replace(day=1)})


def child_generate() -> dict:
    _setup()
    from billing.models import CustomerStatement, CustomerStatementLine
    from billing.services.charge_statements import statement_generate_month

    months = _months()
    CustomerStatement.objects.filter(month__in=months).delete()  # each run starts from scratch
    started = time.perf_counter()
    made = [s for month in months for s in statement_generate_month(month=month)]
    seconds = time.perf_counter() - started
    lines = CustomerStatementLine.objects.filter(statement__month__in=months).count()
    return {"statements": len({s.customer_id for s in made}), "lines": lines, "seconds": seconds}


def child_baseline() -> dict:
    _setup()
    from django.db import transaction

    from billing.models import CustomerStatementLine

    qs = CustomerStatementLine.objects.filter(statement__month__in=_months())
    rows = [
        CustomerStatementLine(**{k: v for k, v in row.items() if k != "id"}) for row in qs.values()
    ]
    qs.delete()
    started = time.perf_counter()
    with transaction.atomic():
        CustomerStatementLine.objects.bulk_create(rows, batch_size=1000)
    return {"lines": len(rows), "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    mode = sys.argv[1]
    result = {"generate": child_generate, "baseline": child_baseline}[mode]()
    print(json.dumps(result), flush=True)
