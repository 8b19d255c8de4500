"""CSV of the sales dashboard panels' tables (the rows and headers each panel shows)."""

from __future__ import annotations

from django.http import Http404

from portal.shared.exports import export_csv
from portal.shared.panel_exports import chart_csv
from portal.shared.roles import Role, role_required
from purchasing import panels
from purchasing.charts import expiry_chart, orders_chart


@role_required(Role.SALES)
def panel_csv(request, table: str):
    if table == panels.RESERVATIONS_TABLE:
        return export_csv(table, panels.reservation_columns(), panels.reservation_buckets())
    if table == panels.ORDERS_CHART_TABLE:
        return chart_csv(table, orders_chart())
    if table == panels.EXPIRY_CHART_TABLE:
        return chart_csv(table, expiry_chart())
    raise Http404
