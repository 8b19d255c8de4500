"""Finance panels on the portal dashboard: billing overview and spend per month."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing import selectors
from billing.charts import MONTHS, spend_charts_by_currency
from billing.models import MISMATCH_CLASSES, ReconciliationResult, ReconClass


def finance_panel(request) -> dict:
    balances = selectors.balances_by_currency()
    return {
        "title": _("Billing"),
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
        "title": ngettext(
            "Spend per month, last %(n)d month", "Spend per month, last %(n)d months", MONTHS
        )
        % {"n": MONTHS},
        "template": "billing/_panel_spend.html",
        # (currency, chart); each chart's table downloads at billing:spend_csv <currency>
        "tables": list(spend_charts_by_currency().items()),
    }
