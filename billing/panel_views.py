"""CSV of the finance dashboard's spend tables (one per currency, as the panel shows them)."""

from __future__ import annotations

from django.http import Http404

from billing.charts import spend_charts_by_currency
from portal.shared.panel_exports import chart_csv
from portal.shared.roles import Role, role_required


@role_required(Role.FINANCE)
def spend_csv(request, currency: str):
    chart = spend_charts_by_currency().get(currency.upper())
    if chart is None or chart.empty:
        raise Http404
    return chart_csv(f"spend-{currency.upper()}", chart)
