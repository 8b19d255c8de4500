"""The finance panel on the portal dashboard."""

from __future__ import annotations

from billing import selectors
from billing.models import MISMATCH_CLASSES, Invoice, ReconciliationResult


def finance_panel(request) -> dict:
    open_count = sum(
        1
        for i in Invoice.objects.filter(is_active=True).only(
            "total_charges", "paid_amount", "document_type"
        )
        if i.status == Invoice.Status.OPEN
    )
    return {
        "title": "Billing",
        "template": "billing/_panel.html",
        "balance": selectors.balance_latest(),
        "summaries": [s for s in selectors.summaries() if s.is_current],
        "open_count": open_count,
        "mismatches": ReconciliationResult.objects.filter(klass__in=MISMATCH_CLASSES).count(),
    }
