"""The distance-travelled chart: accessible inline SVG with no script."""

from __future__ import annotations

from datetime import date

from casework.plans.chart import distance_chart
from casework.plans.rules import Point


def test_plan_chart_is_an_accessible_svg_without_script():
    points = [Point("Baseline", date(2026, 9, 1), 3), Point("Review 1", date(2026, 10, 13), 6)]
    svg = str(distance_chart("chart-1", "Distance travelled: <Mia> at school", points, 0, 10))
    assert svg.startswith("<svg") and "<script" not in svg and "<!--" not in svg
    assert 'role="img" aria-labelledby="chart-1-title chart-1-desc"' in svg
    assert '<title id="chart-1-title">Distance travelled: &lt;Mia&gt; at school</title>' in svg
    assert '<desc id="chart-1-desc">Scores: Baseline (1 September 2026): 3; Review 1 (13 October 2026): 6.</desc>' in svg
    assert "http" not in svg.split("xmlns", 1)[1].split(">", 1)[1] or "cdn" not in svg.lower()
