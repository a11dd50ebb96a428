"""Helpers for parsing rendered pages."""

from __future__ import annotations

from bs4 import BeautifulSoup


def page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.mimetype == "text/html", response.mimetype
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def title(response) -> str:  # type: ignore[no-untyped-def]
    return page(response).title.get_text(strip=True)  # type: ignore[union-attr]


def csrf(response) -> str:  # type: ignore[no-untyped-def]
    field = page(response).find("input", {"name": "csrf_token"})
    assert field is not None, "form has no CSRF token"
    return str(field["value"])


def error_summary_links(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The error summary's messages by the field id each links to."""
    summary = page(response).select_one(".govuk-error-summary")
    assert summary is not None, "no error summary"
    return {a["href"].lstrip("#"): a.get_text(strip=True) for a in summary.select("a")}
