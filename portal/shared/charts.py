"""Small server-rendered SVG charts (no JavaScript): bars and a step line, laid out here and
drawn by ``includes/chart.html``, which puts the same numbers in a table under the picture.

Geometry is computed with Decimal so amounts never pass through float; coordinates are
rounded to one decimal for the SVG.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import slugify

WIDTH = 480
HEIGHT = 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 24, 8, 18, 30
PLOT_W = WIDTH - PAD_LEFT - PAD_RIGHT
PLOT_H = HEIGHT - PAD_TOP - PAD_BOTTOM
TENTH = Decimal("0.1")


def _c(value: Decimal) -> str:
    """An SVG coordinate."""
    return str(value.quantize(TENTH, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Point:
    label: str  # x axis: "2026-05", "week of 2026-11-23"
    value: Decimal
    display: str  # the value as the table and tooltip show it ("1,234.00 USD", "3")
    short: str = ""  # tick label under the axis; empty for none


@dataclass(frozen=True)
class Mark:
    cx: str  # centre of the slot (line dots, ticks)
    x: str
    y: str
    width: str
    height: str
    point: Point


@dataclass
class Chart:
    title: str
    label_header: str
    value_header: str
    kind: str  # "bars" or "line"
    points: list[Point]
    marks: list[Mark] = field(default_factory=list)
    line: str = ""  # polyline points for kind == "line"
    top_display: str = ""  # the value the top gridline stands for
    ticks: list[tuple[str, str]] = field(default_factory=list)  # (x, label) under the axis
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = PAD_LEFT
    plot_right: int = WIDTH - PAD_RIGHT
    plot_top: int = PAD_TOP
    baseline: int = PAD_TOP + PLOT_H

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def empty(self) -> bool:
        return not any(p.value for p in self.points)


def _scale_top(points: list[Point]) -> Decimal:
    top = max((p.value for p in points), default=Decimal(0))
    return top if top > 0 else Decimal(1)


def chart_build(
    *,
    title: str,
    label_header: str,
    value_header: str,
    points: list[Point],
    kind: str = "bars",
    top_display=None,
) -> Chart:
    """Lay out ``points`` (left to right) as bars or a line; negative values draw as zero."""
    chart = Chart(title, label_header, value_header, kind, points)
    if not points:
        return chart
    top = _scale_top(points)
    chart.top_display = top_display(top) if top_display else f"{top.normalize():f}"
    slot = Decimal(PLOT_W) / len(points)
    bar_w = slot * Decimal("0.7")
    line = []
    for i, point in enumerate(points):
        value = max(point.value, Decimal(0))
        height = Decimal(PLOT_H) * value / top
        left = Decimal(PAD_LEFT) + slot * i
        y = Decimal(PAD_TOP + PLOT_H) - height
        chart.marks.append(
            Mark(
                cx=_c(left + slot / 2),
                x=_c(left + (slot - bar_w) / 2),
                y=_c(y),
                width=_c(bar_w),
                height=_c(height),
                point=point,
            )
        )
        line.append(f"{_c(left + slot / 2)},{_c(y)}")
        if point.short:
            chart.ticks.append((_c(left + slot / 2), point.short))
    chart.line = " ".join(line)
    return chart


def month_starts(*, last: date, count: int) -> list[date]:
    """The first days of ``count`` consecutive months ending with ``last``'s month."""
    index = last.year * 12 + last.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
