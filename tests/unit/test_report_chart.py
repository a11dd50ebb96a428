"""The report's charts are accessible inline SVG: a title, a description with every number, no script."""

from __future__ import annotations

from casework.reports.chart import bar_chart, describe
from casework.reports.services import Breakdown


def _rows() -> list[Breakdown]:
    return [
        Breakdown("flow_requested", "Requests", 12, "flow_requested", {}),
        Breakdown("flow_assessed", "Assessed <b>", 7, "flow_assessed", {}),
    ]


def test_report_chart_description_lists_every_figure() -> None:
    assert describe(_rows()) == "Requests: 12; Assessed <b>: 7."
    assert describe([]) == "No figures."


def test_report_chart_is_accessible_svg_without_script() -> None:
    svg = str(bar_chart("chart-x", "Case flow", _rows(), horizontal=True))
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="chart-x-title chart-x-desc"' in svg
    assert '<title id="chart-x-title">Case flow</title>' in svg
    assert "Requests: 12; Assessed &lt;b&gt;: 7." in svg
    assert "<script" not in svg and "<b>" not in svg


def test_report_chart_style_takes_the_page_nonce_and_no_style_attribute() -> None:
    """The Content-Security-Policy allows the chart's ``<style>`` only with the page's nonce, and
    no inline style attribute at all."""
    svg = str(bar_chart("chart-x", "Case flow", _rows(), nonce="n0nce"))
    assert '<style nonce="n0nce"' in svg and "<style>" not in svg
    assert 'style="' not in svg
