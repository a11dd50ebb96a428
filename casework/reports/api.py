"""``GET /api/v1/reports/measures`` (API.md "Reports"): every figure of the managers' report as
JSON, each with the URL of the cases behind it (``GET /api/v1/cases?measure=...``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import g

from casework.api import endpoint
from casework.reports import services
from casework.reports.measures import Filters
from casework.reports.schemas import MeasuresSchema, ReportFilterSchema
from casework.web.requests import db_session


def cases_url(filters: Filters, code: str, narrowing: dict[str, str] | None = None) -> str:
    return "/api/v1/cases?" + urlencode(filters.query(measure=code, **(narrowing or {})))


def filter_args(query: dict[str, Any]) -> dict[str, str | None]:
    return {("from" if key == "from_" else key): value for key, value in query.items()}


@endpoint(
    "/reports/measures",
    "GET",
    summary="The managers' measures for the teams the caller manages (or one of them), over a period (default: the last "
    "twelve months), by the date of the event measured; each with the URL of the cases behind it",
    tag="Reports",
    query=ReportFilterSchema,
    response=MeasuresSchema,
    roles=services.REPORT_ROLES,
    errors=(401, 403),
)
def report_measures(query: dict[str, Any]) -> dict[str, Any]:
    session = db_session()
    filters = services.read_filters(session, g.actor, filter_args(query))
    report = services.build_report(session, g.actor, filters)

    def rows(items: list[services.Breakdown]) -> list[dict[str, Any]]:
        return [{"key": b.key, "label": b.label, "value": b.value, "cases_url": cases_url(filters, b.drill, b.narrowing)} for b in items]

    return {
        "period": filters.period,
        "filters": filters.query(),
        "measures": {
            code: {"value": f.value, "label": f.measure.label, "kind": f.measure.kind, "cases_url": cases_url(filters, code)}
            for code, f in report.figures.items()
        },
        "open_by_level": rows(report.open_by_level),
        "caseload": rows(report.caseload),
        "closures_by_reason": rows(report.closures_by_reason),
        "case_flow": rows(report.flow),
    }
