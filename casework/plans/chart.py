"""Distance travelled: one line chart per outcome, rendered on the server as inline SVG with a
title and a description (the same figures are in a table beside it). No JavaScript: pygal's
external script is switched off and its inline configuration script removed."""

from __future__ import annotations

import re
import sys
from html import escape
from typing import Any

from markupsafe import Markup

from casework.plans.rules import Point


def _pygal() -> Any:
    """pygal, imported on first use. Its import appends a hook for map plugins (unused here)
    that lacks ``find_spec``, so every later import falling through to it would warn: the hook
    is taken out again at once."""
    import pygal
    import pygal.style

    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__module__ != "pygal"]
    return pygal


#: GOV.UK colours: blue line, black text.
_STYLE = {
    "background": "#ffffff",
    "plot_background": "#ffffff",
    "foreground": "#0b0c0c",
    "foreground_strong": "#0b0c0c",
    "foreground_subtle": "#505a5f",
    "colors": ("#1d70b8",),
    "font_family": "Arial, sans-serif",
    "label_font_size": 14,
    "major_label_font_size": 14,
    "title_font_size": 18,
}
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_OPEN_SVG = re.compile(r"<svg\b([^>]*)>")


def describe(points: list[Point]) -> str:
    """The chart's text alternative: every score in order."""
    parts = [f"{p.label} ({p.on.strftime('%-d %B %Y')}): {p.score}" for p in points]
    return "Scores: " + "; ".join(parts) + "."


def distance_chart(chart_id: str, title: str, points: list[Point], low: int, high: int, nonce: str | None = None) -> Markup:
    """An accessible inline SVG line chart of an outcome's scores; ``nonce``: the page's
    Content-Security-Policy nonce, which the chart's own ``<style>`` needs in a browser."""
    pygal = _pygal()
    chart = pygal.Line(
        js=[],
        style=pygal.style.Style(**_STYLE),
        disable_xml_declaration=True,
        explicit_size=False,
        show_legend=False,
        range=(low, high),
        width=640,
        height=320,
        margin=16,
        dots_size=5,
        stroke_style={"width": 3},
        y_labels=list(range(low, high + 1)),
        print_values=True,
    )
    chart.x_labels = [p.label for p in points]
    chart.add("Score", [p.score for p in points])
    # Only our own labels ("Baseline", "Review n"), whole-number scores and the escaped title reach the SVG.
    return accessible_svg(chart.render(is_unicode=True), chart_id, title, describe(points), nonce)


def accessible_svg(svg: str, chart_id: str, title: str, description: str, nonce: str | None) -> Markup:
    """pygal's SVG made fit for the page: no scripts or comments, ``role=img`` with a title and a
    description of every figure, and its ``<style>`` under the page's Content-Security-Policy
    ``nonce`` (a browser ignores it otherwise). The caller vouches that only its own labels and
    numbers reached the SVG."""
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = (
        f'<svg\\1 role="img" aria-labelledby="{title_id} {desc_id}" focusable="false">'
        f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(description)}</desc>'
    )
    svg = _OPEN_SVG.sub(head, svg, count=1)
    # pygal hides its tooltip with a style attribute, which a nonce cannot cover: an attribute does.
    svg = svg.replace('style="opacity: 0"', 'opacity="0"')
    if nonce is not None:
        svg = svg.replace("<style", f'<style nonce="{escape(nonce)}"')
    return Markup(svg)  # noqa: S704  # nosec B704
