"""The report's charts: pygal bar charts rendered on the server as inline SVG, each with a title
and a description giving every number (the same numbers are in a table beside it). No
JavaScript, as for the plans' distance-travelled charts (``casework.plans.chart``, whose pygal
set-up and clean-up this reuses)."""

from __future__ import annotations

from markupsafe import Markup

from casework.plans import chart as base
from casework.reports.services import Breakdown


def describe(rows: list[Breakdown]) -> str:
    return "; ".join(f"{row.label}: {row.value}" for row in rows) + "." if rows else "No figures."


def bar_chart(chart_id: str, title: str, rows: list[Breakdown], *, horizontal: bool = False, nonce: str | None = None) -> Markup:
    """An accessible inline SVG bar chart of ``rows`` (one bar each, labelled with its figure);
    ``nonce``: the page's Content-Security-Policy nonce, which the chart's ``<style>`` needs."""
    pygal = base._pygal()
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    top = max([row.value for row in rows] + [1])
    # pygal draws a horizontal chart's first bar at the bottom: reversed, the chart reads top down like its table
    bars = list(reversed(rows)) if horizontal else rows
    chart = kind(
        js=[],
        style=pygal.style.Style(**base._STYLE),
        disable_xml_declaration=True,
        explicit_size=False,
        show_legend=False,
        width=640,
        height=max(240, 48 * len(rows) + 80) if horizontal else 320,
        margin=16,
        print_values=True,
        include_x_axis=True,
        range=(0, top),
        truncate_label=-1,
        # whole cases: no fractional axis labels when the counts are small
        **({"y_labels": list(range(top + 1))} if top <= 10 else {}),
    )
    chart.x_labels = [row.label for row in bars]
    chart.add(title, [row.value for row in bars])
    # Only the framework's level and reason names, staff-free stage labels and whole numbers reach the SVG.
    return base.accessible_svg(chart.render(is_unicode=True), chart_id, title, describe(rows), nonce)
