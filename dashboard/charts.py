"""Small server-side SVG charts (bars, or a line) for the dashboard: no JavaScript, no CDN.

Values are integers (counts, or nano-USD); bar heights are computed with integer arithmetic and
labels are formatted by the caller's `format_value`, so money never passes through a float.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 200
MARGIN_LEFT = 84
MARGIN_RIGHT = 20
MARGIN_TOP = 12
MARGIN_BOTTOM = 28
BAR_COLOR = "#4f46e5"
LINE_COLOR = "#059669"


@dataclass(frozen=True)
class Point:
    label: str  # shown under the bar (e.g. "05-14") and in its tooltip
    value: int


def _plot_height() -> int:
    return HEIGHT - MARGIN_TOP - MARGIN_BOTTOM


def _scaled(value: int, maximum: int) -> int:
    """Pixels for `value` on a 0..maximum axis, rounded down; a non-zero value gets ≥ 1 px."""
    if maximum <= 0 or value <= 0:
        return 0
    return max(1, value * _plot_height() // maximum)


def _frame(title: str, maximum: int, format_value: Callable[[int], str], body: str, kind: str):
    bottom = HEIGHT - MARGIN_BOTTOM
    axis = (
        f'<line x1="{MARGIN_LEFT}" y1="{bottom}" x2="{WIDTH - MARGIN_RIGHT}" y2="{bottom}" '
        'stroke="#9ca3af"/>'
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + 10}" text-anchor="end" '
        f'class="chart-axis">{escape(format_value(maximum))}</text>'
        f'<text x="{MARGIN_LEFT - 6}" y="{bottom}" text-anchor="end" class="chart-axis">'
        f"{escape(format_value(0))}</text>"
    )
    return mark_safe(  # noqa: S308 (every text inside is escaped above and in the callers)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" data-chart-kind="{kind}" data-chart-max="{maximum}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{axis}{body}</svg>'
    )


def _label_every(count: int) -> int:
    """Show at most ~12 x-axis labels."""
    return max(1, -(-count // 12))


def bar_chart_svg(
    points: Sequence[Point], *, title: str, format_value: Callable[[int], str] = str
) -> SafeString:
    maximum = max((point.value for point in points), default=0)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    slot = plot_width / max(len(points), 1)
    bar_width = max(1.0, slot * 0.7)
    bottom = HEIGHT - MARGIN_BOTTOM
    every = _label_every(len(points))
    parts = []
    for index, point in enumerate(points):
        height = _scaled(point.value, maximum)
        x = MARGIN_LEFT + index * slot + (slot - bar_width) / 2
        tooltip = f"{point.label}: {format_value(point.value)}"
        parts.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{bottom - height}" width="{bar_width:.1f}" '
            f'height="{height}" fill="{BAR_COLOR}" data-label="{escape(point.label)}" '
            f'data-value="{point.value}"><title>{escape(tooltip)}</title></rect>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + bar_width / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                f'class="chart-axis">{escape(point.label)}</text>'
            )
    return _frame(title, maximum, format_value, "".join(parts), "bar")


def line_chart_svg(
    points: Sequence[Point], *, title: str, format_value: Callable[[int], str] = str
) -> SafeString:
    maximum = max((point.value for point in points), default=0)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    step = plot_width / max(len(points) - 1, 1)
    bottom = HEIGHT - MARGIN_BOTTOM
    every = _label_every(len(points))
    coordinates = []
    marks = []
    for index, point in enumerate(points):
        x = MARGIN_LEFT + index * step
        y = bottom - _scaled(point.value, maximum)
        coordinates.append(f"{x:.1f},{y}")
        tooltip = f"{point.label}: {format_value(point.value)}"
        marks.append(
            f'<circle class="chart-point" cx="{x:.1f}" cy="{y}" r="3" fill="{LINE_COLOR}" '
            f'data-label="{escape(point.label)}" data-value="{point.value}">'
            f"<title>{escape(tooltip)}</title></circle>"
        )
        if index % every == 0:
            marks.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle" class="chart-axis">'
                f"{escape(point.label)}</text>"
            )
    line = (
        f'<polyline fill="none" stroke="{LINE_COLOR}" stroke-width="2" '
        f'points="{" ".join(coordinates)}"/>'
    )
    return _frame(title, maximum, format_value, line + "".join(marks), "line")
