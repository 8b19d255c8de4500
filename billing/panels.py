"""Finance panels on the portal dashboard: billing overview and spend per month."""

from __future__ import annotations

from billing import selectors
from billing.charts import MONTHS, spend_charts
from billing.models import MISMATCH_CLASSES, ReconciliationResult, ReconClass


def finance_panel(request) -> dict:
    balances = selectors.balances_by_currency()
    return {
        "title": "Billing",
        "template": "billing/_panel.html",
        "balances": balances,
        "open_count": sum(b["open_count"] for b in balances),
        "mismatches": ReconciliationResult.objects.filter(klass__in=MISMATCH_CLASSES).count(),
        "not_comparable": ReconciliationResult.objects.filter(
            klass=ReconClass.NOT_COMPARABLE
        ).count(),
    }


def spend_panel(request) -> dict:
    return {
        "title": f"Spend per month, last {MONTHS} months",
        "template": "billing/_panel_spend.html",
        "charts": spend_charts(),
    }
