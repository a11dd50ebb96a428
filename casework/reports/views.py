"""The managers' report pages: the dashboard (figures, charts with their tables, the case-flow
picture), the cases behind any figure, and CSV / XLSX exports. Filters travel in the query
string as ids and codes only. Each request is one audited read (see services.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, render_template, request, url_for

from casework.cases import display
from casework.cases.services import practice_of
from casework.db import today
from casework.errors import ValidationFailed
from casework.reports import chart, export, measures, services
from casework.reports.measures import BY_CODE, Filters
from casework.web.access import roles_required
from casework.web.headers import csp_nonce
from casework.web.requests import db_session

bp = Blueprint("reports", __name__, template_folder="templates")
PER_PAGE = 50
FILTER_NAMES = ("from", "to", "team", "level", "locality", "lead_professional_id", "closure_reason")


def _args() -> dict[str, str | None]:
    return {name: (request.args.get(name) or "").strip() or None for name in FILTER_NAMES}


def _filters() -> tuple[Filters, dict[str, list[str]]]:
    """The filters asked for, or (on a problem) the defaults and the problems to show."""
    try:
        return services.read_filters(db_session(), g.actor, _args()), {}
    except ValidationFailed as problem:
        return Filters(measures.default_period(today())), problem.fields


def drill_links(filters: Filters) -> Callable[..., str]:
    """A function giving the drill-down URL of a figure (built from one prefix: a caseload table
    can have hundreds of rows)."""
    base = url_for("reports.cases") + "?" + urlencode(filters.query())

    def link(code: str, narrowing: dict[str, str] | None = None) -> str:
        return f"{base}&measure={code}" + ("&" + urlencode(narrowing) if narrowing else "")

    return link


def _form(filters: Filters, teams: list[Any]) -> dict[str, Any]:
    practice = practice_of(db_session())
    return {
        "teams": [(t.id, t.name) for t in teams],
        "levels": [(str(level.number), f"{level.number} {level.name}") for level in practice.levels],
        "values": {**filters.query(), **{k: v for k, v in _args().items() if v}},
    }


@roles_required(*services.REPORT_ROLES)
def dashboard() -> str:
    session = db_session()
    teams = services.managed_teams(session, g.actor)
    filters, problems = _filters()
    report = services.build_report(session, g.actor, filters)
    sections = [(section, [f for f in report.figures.values() if f.measure.section == section]) for section in measures.SECTIONS]
    nonce = csp_nonce()
    charts = {
        "flow": chart.bar_chart(
            "chart-flow", "Case flow: requests in the period and the stages they reached", report.flow, horizontal=True, nonce=nonce
        ),
        "levels": chart.bar_chart(
            "chart-levels", "Open cases by level at the end of the period", report.open_by_level, horizontal=True, nonce=nonce
        ),
        "reasons": chart.bar_chart(
            "chart-reasons", "Closures in the period by reason", report.closures_by_reason, horizontal=True, nonce=nonce
        ),
    }
    team_names = [t.name for t in teams if filters.team in (None, t.id)]
    return render_template(
        "reports/dashboard.html",
        report=report,
        filters=filters,
        sections=sections,
        charts=charts,
        problems=problems,
        form=_form(filters, teams),
        team_names=team_names,
        drill=drill_links(filters),
        shown=measures.shown,
        export_query=urlencode(filters.query()),
        tables=export.TABLES,
        page_title="Case flow report",
    )


@roles_required(*services.REPORT_ROLES)
def cases() -> str:
    session = db_session()
    services.managed_teams(session, g.actor)
    filters = services.read_filters(session, g.actor, _args())
    code = request.args.get("measure") or ""
    measure = BY_CODE.get(code)
    if measure is None:
        raise ValidationFailed(fields={"measure": ["Choose a measure of the report"]})
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1
    result = services.list_cases_behind(session, g.actor, filters, code, page=page, per_page=PER_PAGE)
    behind = BY_CODE[measures.drill_code(measure)]
    last_page = max(1, -(-result.total // result.per_page))
    query = filters.query(measure=code)
    return render_template(
        "reports/cases.html",
        measure=measure,
        behind=behind,
        filters=filters,
        result=result,
        last_page=last_page,
        page_url=lambda n: url_for("reports.cases") + "?" + urlencode({**query, "page": n}),
        families=display.family_references(session, [c.family_id for c in result.items]),
        teams={t.id: t.name for t in services.managed_teams(session, g.actor)},
        status_tag=display.status_tag,
        back=url_for("reports.dashboard") + "?" + urlencode(filters.query()),
        csv_url=url_for("reports.cases_csv") + "?" + urlencode(query),
        page_title=measure.label,
    )


def _export(file_format: str) -> tuple[list[export.Table], str]:
    session = db_session()
    filters = services.read_filters(session, g.actor, _args())
    report = services.build_report(session, g.actor, filters, record=False)
    all_tables = export.tables(report)
    wanted = request.args.get("table") or "measures"
    if file_format == "csv":
        if wanted not in export.TABLES:
            raise ValidationFailed(fields={"table": [f"Choose one of {', '.join(export.TABLES)}"]})
        all_tables = [t for t in all_tables if t.name == wanted]
    services.record_export(
        session, filters, services.counted_cases(session, g.actor, filters), wanted if file_format == "csv" else "all", file_format
    )
    name = f"case-flow-{filters.period.start.isoformat()}-to-{filters.period.end.isoformat()}"
    return all_tables, name


@roles_required(*services.REPORT_ROLES)
def export_csv() -> Response:
    all_tables, name = _export("csv")
    table = all_tables[0]
    return Response(
        export.to_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-{table.name}.csv"', "Cache-Control": "no-store"},
    )


@roles_required(*services.REPORT_ROLES)
def export_xlsx() -> Response:
    all_tables, name = _export("xlsx")
    return Response(
        export.to_xlsx(all_tables),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"', "Cache-Control": "no-store"},
    )


@roles_required(*services.REPORT_ROLES)
def cases_csv() -> Response:
    session = db_session()
    filters = services.read_filters(session, g.actor, _args())
    code = request.args.get("measure") or ""
    table = export.cases_table(services.export_cases_behind(session, g.actor, filters, code))
    name = f"cases-{code}-{filters.period.start.isoformat()}-to-{filters.period.end.isoformat()}"
    return Response(
        export.to_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"},
    )


bp.add_url_rule("/reports", "dashboard", dashboard)
bp.add_url_rule("/reports/cases.csv", "cases_csv", cases_csv)
bp.add_url_rule("/reports/cases", "cases", cases)
bp.add_url_rule("/reports/export.csv", "export_csv", export_csv)
bp.add_url_rule("/reports/export.xlsx", "export_xlsx", export_xlsx)
