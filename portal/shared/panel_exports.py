"""CSV of a dashboard panel's table: the headers and cells the panel shows."""

from __future__ import annotations

from django.http import StreamingHttpResponse

from portal.shared.charts import Chart
from portal.shared.exports import Column, export_csv


def chart_columns(chart: Chart) -> list[Column]:
    """The two columns of the table under a chart (its label and the value as shown)."""
    return [
        Column(chart.label_header, lambda point: point.label),
        Column(chart.value_header, lambda point: point.display),
    ]


def chart_csv(name: str, chart: Chart) -> StreamingHttpResponse:
    return export_csv(name, chart_columns(chart), chart.points)
