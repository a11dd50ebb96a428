"""The assessment as a PDF: the print view's HTML rendered by WeasyPrint. The HTML holds only
what the viewer may see (it is the same page), and nothing is fetched from anywhere: the
stylesheet is inline and no external resource is followed."""

from __future__ import annotations

import warnings

from flask import Response


def render_pdf(html: str) -> bytes:
    with warnings.catch_warnings():
        # WeasyPrint warns, once, that a future version will need HarfBuzz's subsetting library;
        # this version renders without it (fonts are embedded whole).
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

    # data: URIs only: the document never reaches out to the network or the file system.
    document: bytes = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    return document


def pdf_response(html: str, filename: str) -> Response:
    response = Response(render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
