"""The report's tables as CSV and XLSX files, safe to open in a spreadsheet: a text cell that
begins with a character a spreadsheet reads as the start of a formula (= + - @ tab, carriage
return) is prefixed with an apostrophe, so it is shown as text and never evaluated."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from casework.reports import measures
from casework.reports.services import Breakdown, CaseRow, Report

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | None


def neutralise(value: Cell) -> Cell:
    """A text cell a spreadsheet could take for a formula, made plain text; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Table:
    name: str  # also the ?table= of the CSV export and the XLSX sheet
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


def _breakdown(name: str, title: str, key: str, rows: list[Breakdown]) -> Table:
    return Table(name, title, (key, "Label", "Cases"), [(row.key, row.label, row.value) for row in rows])


def tables(report: Report) -> list[Table]:
    """Every table of the dashboard, with the period and filters on each measure row."""
    period = report.filters.period
    figures = [
        (f.measure.section, f.measure.code, f.measure.label, f.value, f.measure.kind, period.start.isoformat(), period.end.isoformat())
        for f in report.figures.values()
        if f.measure.section != measures.FLOW
    ]
    return [
        Table("measures", "Measures", ("Section", "Code", "Measure", "Value", "Kind", "From", "To"), list(figures)),
        _breakdown("case_flow", "Case flow", "Stage", report.flow),
        _breakdown("open_by_level", "Open cases by level", "Level", report.open_by_level),
        _breakdown("caseload", "Caseload per lead professional", "Lead professional id", report.caseload),
        _breakdown("closures_by_reason", "Closures by reason", "Reason", report.closures_by_reason),
    ]


def cases_table(rows: list[CaseRow]) -> Table:
    """The cases behind a figure."""
    headers = ("Case id", "Family id", "Team", "Level", "Status", "Lead professional", "Opened", "Closed")
    return Table(
        "cases",
        "Cases",
        headers,
        [
            (
                r.case_id,
                r.family_id,
                r.team,
                r.level,
                r.status,
                r.lead_professional,
                r.opened_on.isoformat(),
                r.closed_on.isoformat() if r.closed_on else None,
            )
            for r in rows
        ],
    )


TABLES = ("measures", "case_flow", "open_by_level", "caseload", "closures_by_reason")


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in table.headers])
    for row in table.rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return out.getvalue()


def to_xlsx(all_tables: list[Table]) -> bytes:
    """One sheet per table; every text cell neutralised and stored as a string, never a formula."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in all_tables:
        sheet = book.create_sheet(title=table.title[:31])
        sheet.append([neutralise(h) for h in table.headers])
        for row in table.rows:
            sheet.append([neutralise(cell) for cell in row])
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a string cell, even if it still looked like a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
