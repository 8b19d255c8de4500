"""The reconciliation report PDF (WeasyPrint): summary, mismatches, lines that could not be
compared, notes, portal branding."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from billing import selectors
from billing.models import Invoice, ReconClass
from billing.services.reconciliation import EXPECTED_MEANS

MAX_ROWS = 2000  # the PDF lists at most this many mismatches; the CSV has them all


def reconciliation_pdf(*, invoice: Invoice, user=None) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 (imported on use: WeasyPrint is slow to load)

    run = getattr(invoice, "recon_run", None)
    mismatches = list(selectors.recon_results(invoice, klass="mismatch")[: MAX_ROWS + 1])
    not_comparable = list(
        selectors.recon_results(invoice, klass=ReconClass.NOT_COMPARABLE)[: MAX_ROWS + 1]
    )
    html = render_to_string(
        "billing/recon_report.html",
        {
            "invoice": invoice,
            "run": run,
            "summary": selectors.recon_summary_rows(run),
            "mismatches": mismatches[:MAX_ROWS],
            "truncated": len(mismatches) > MAX_ROWS,
            "not_comparable": not_comparable[:MAX_ROWS],
            "not_comparable_truncated": len(not_comparable) > MAX_ROWS,
            "notes": selectors.recon_notes(invoice)[:500],
            "expected_means": EXPECTED_MEANS,
            "generated_at": timezone.now(),
            "user": user,
        },
    )
    return HTML(string=html).write_pdf()
